"""A QR code of the coach's address, drawn in the terminal (for a phone's camera)."""

from __future__ import annotations

import io


def qr_text(url: str) -> str:
    """The QR code of ``url`` as text (half-block characters, dark on light).

    Raises
    ------
    ValueError
        For an empty URL.
    """
    if not url:
        raise ValueError("no URL to encode")
    import qrcode

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(url)
    qr.make(fit=True)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()
