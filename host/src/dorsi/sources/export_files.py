"""The files of an app's export: a zip, the folder it unzips to, or tables made from another format.

Phone apps (Sensor Logger, phyphox) export one CSV per sensor or data set in a
zip. :class:`ExportFiles` reads those members by their lower-case base name
(a zip may hold them under a folder of its own, and macOS adds ``._`` resource
forks beside them) and turns a damaged zip into one clear line.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from dorsi.sources import SourceError

#: What reading a damaged zip raises: a bad CRC or header, deflate data cut or corrupt, a
#: compression method or encryption flag made up by the damage.
ZIP_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError)


class ExportFiles:
    """The members of an export by lower-case base name.

    Parameters
    ----------
    path : Path
        A zip file or a folder.
    tables : dict of str to bytes, optional
        The members already made (name -> content), e.g. from a JSON export;
        ``path`` is then only named in messages.
    subfolders : tuple of str
        Of a folder, the subfolders (lower-case names) whose files belong to the
        export too (phyphox's ``meta``); other subfolders are other exports.

    Attributes
    ----------
    members : dict
        Base name (lower case) -> zip member name, file path, or content.
    folders : dict
        Base name (lower case) -> the lower-case name of the folder holding it
        inside the export (``""`` at its top), to tell e.g. phyphox's
        ``meta/device.csv`` from a data set named ``device``.
    """

    def __init__(self, path: Path, tables: dict[str, bytes] | None = None, subfolders: tuple[str, ...] = ()) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self.members: dict[str, str | Path | bytes] = {}
        self.folders: dict[str, str] = {}
        self._depth: dict[str, int] = {}
        if tables is not None:
            for name, content in tables.items():
                self._add(name, content, "")
            return
        if path.is_dir():  # its files, then those of the subfolders named
            top = sorted(path.iterdir())
            nested = [q for d in top if d.is_dir() and d.name.lower() in subfolders for q in sorted(d.iterdir())]
            for p in [p for p in top if p.is_file()] + nested:
                if p.is_file() and not p.name.startswith("._"):
                    self._add(p.name.lower(), p, p.parent.relative_to(path).as_posix().lower())
            return
        try:
            self._zip = zipfile.ZipFile(path)
        except ZIP_ERRORS as exc:
            raise SourceError(f"{path}: not a readable zip file ({' '.join(str(exc).split())})") from None
        for name in self._zip.namelist():
            folder, _, base = name.rpartition("/")
            if base and not base.startswith("._"):  # macOS resource forks beside the real files
                self._add(base.lower(), name, folder.lower())

    def _add(self, base: str, member: str | Path | bytes, folder: str) -> None:
        folder = "" if folder == "." else folder
        depth = folder.count("/") + 1 if folder else 0
        if base in self.members and self._depth[base] <= depth:
            return  # the shallower of two files of one name (an export's own before a nested copy)
        self.members[base] = member
        self.folders[base] = folder
        self._depth[base] = depth

    def __contains__(self, name: str) -> bool:
        return name in self.members

    def label(self, name: str) -> str:
        """How messages name member ``name``."""
        member = self.members[name]
        if isinstance(member, bytes):
            return f"{self.path}: {name[:-4]} records"
        return str(member) if isinstance(member, Path) else f"{self.path}:{member}"

    def read(self, name: str) -> bytes:
        """Member ``name``'s bytes; a damaged or cut zip raises ``SourceError``."""
        member = self.members[name]
        if isinstance(member, bytes):
            return member
        try:
            if isinstance(member, Path):
                return member.read_bytes()
            assert self._zip is not None
            return self._zip.read(member)
        except ZIP_ERRORS as exc:  # a zip cut short or damaged fails here
            raise SourceError(f"{self.label(name)}: cannot read ({' '.join(str(exc).split())})") from None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
