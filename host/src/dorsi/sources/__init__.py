"""Sample sources: everything that turns stored or live data into ``SampleBatch``.

``SourceError`` is the one error a source raises for bad input (a wrong file,
wrong units, a broken stream); its message is a single line naming the file
and, where it applies, the line.
"""

from __future__ import annotations


class SourceError(ValueError):
    """Input data that cannot be turned into samples (message: one line)."""


from dorsi.sources.csv_source import CsvRecording, read_imu_csv  # noqa: E402

__all__ = ["CsvRecording", "SourceError", "read_imu_csv"]
