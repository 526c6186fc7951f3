"""The local session history: a private folder of recordings plus a SQLite index.

Layout of the data folder (``--home``, ``$DORSI_HOME`` or
``~/.local/share/dorsi``), created 0700 with every file 0600 (health data):

    index.sqlite                    sessions and calibrations
    recordings/<id>.*               a copy of each session's recording (or CSV)
    recordings/<id>.session.json    its index entry (analysis included), so a damaged
                                    index can be rebuilt from the folder (``rebuild``)
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from dorsi.history.calibration import KneeToWallCalibration
from dorsi.history.record import SessionRecord, session_figures
from dorsi.routine.model import Routine
from dorsi.sources.csv_source import foot_partner

ENV_HOME = "DORSI_HOME"
DB_NAME = "index.sqlite"
SESSION_SUFFIX = ".session.json"
_ROW = ("id", "started_at", "added_at", "side", "source_name", "stored_file", "sha256", "score", "exercises_done",
        "exercises_total", "completion", "ktw_deg", "ktw_cm", "ktw_trials_deg", "ktw_trials_cm", "peak_df_deg",
        "profile", "analysis")  # the sessions table's columns, in order
SIDES = ("left", "right")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    added_at TEXT NOT NULL,
    side TEXT,
    source_name TEXT NOT NULL,
    stored_file TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    score INTEGER NOT NULL,
    exercises_done INTEGER NOT NULL,
    exercises_total INTEGER NOT NULL,
    completion REAL NOT NULL,
    ktw_deg REAL,
    ktw_cm REAL,
    ktw_trials_deg TEXT NOT NULL,
    ktw_trials_cm TEXT NOT NULL,
    peak_df_deg REAL,
    profile TEXT NOT NULL,
    analysis TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions(started_at);
CREATE TABLE IF NOT EXISTS calibrations (
    side TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    session_id TEXT,
    created_at TEXT NOT NULL
);
"""


class HistoryError(ValueError):
    """A history operation that cannot be done (message: one line)."""


def home_dir(home: str | os.PathLike | None = None) -> Path:
    """The data folder: ``home``, else ``$DORSI_HOME``, else ``~/.local/share/dorsi``."""
    if home:
        return Path(home).expanduser()
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dorsi"


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


class History:
    """Sessions kept on this computer.

    Parameters
    ----------
    home : path-like, optional
        The data folder (default: :func:`home_dir`). Created 0700 on first use.
    """

    def __init__(self, home: str | os.PathLike | None = None) -> None:
        self.home = home_dir(home)
        _private_dir(self.home)
        _private_dir(self.home / "recordings")
        db = self.home / DB_NAME
        if not db.exists():
            os.close(os.open(db, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(db, 0o600)
        self._db = sqlite3.connect(db)
        try:
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise HistoryError(f"{db}: the history index cannot be read ({exc}); the recordings are safe in "
                               f"{self.home / 'recordings'}: 'dorsi history rebuild' indexes them again") from None

    @staticmethod
    def exists(home: str | os.PathLike | None = None) -> bool:
        """Whether a history has been started in the data folder."""
        return (home_dir(home) / DB_NAME).exists()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- adding -------------------------------------------------------------------------------------------------

    def add(self, recording_path: str | os.PathLike, analysis_json: dict | str, *, side: str | None = None,
            started_at: datetime | None = None, profile: dict | None = None,
            routine: Routine | None = None, copy: bool = True) -> SessionRecord:
        """Keep a finished session: copy its recording in and index its analysis.

        A CSV with a foot sensor's file beside it (``foot.csv`` by ``shin.csv``)
        is kept as the pair ``ID.shin.csv`` + ``ID.foot.csv``, which the CSV
        reader puts back together.

        The live session calls this at its end. Adding the same file twice
        returns the existing record.

        Parameters
        ----------
        recording_path : path-like
            The session's recording (``*.dorsi``) or CSV.
        analysis_json : dict or str
            Its ``dorsi.analysis.v1`` analysis.
        side, started_at, profile : optional
            Default: read from the recording's header (CSV: ``# side:`` /
            ``# started_at:`` comments; else the file's modification time).
        routine : Routine, optional
            The routine the session was judged by (how many exercises it
            has); default: a recording's own, else the packaged routine.
        copy : bool
            False for a file already kept in the recordings folder under this
            session's id (``rebuild``): indexed where it is.
        """
        from dorsi.export.session import SessionInputError, check_analysis

        src = Path(recording_path)
        analysis = json.loads(analysis_json) if isinstance(analysis_json, str) else analysis_json
        try:
            check_analysis(analysis, "analysis")
        except SessionInputError as exc:
            raise HistoryError(str(exc)) from None
        try:
            data = src.read_bytes()
        except OSError as exc:
            raise HistoryError(f"{src}: cannot read ({exc.strerror})") from None
        digest = hashlib.sha256(data).hexdigest()
        existing = self._db.execute("SELECT id FROM sessions WHERE sha256 = ?", (digest,)).fetchone()
        if existing:
            return self.get(existing[0])
        meta = _input_meta(src)
        profile = dict(profile if profile is not None else meta.get("profile", {}))
        side = side or profile.get("side") or meta.get("side")
        if side is not None and side not in SIDES:
            raise HistoryError(f"side must be one of {SIDES}, got {side!r}")
        started = started_at or meta.get("started_at") or datetime.fromtimestamp(src.stat().st_mtime, timezone.utc)
        started = started.astimezone(timezone.utc)
        sid = f"{started:%Y%m%d-%H%M%S}-{digest[:6]}"
        suffix = src.suffix.lower()
        foot = foot_partner(src, suffix) if suffix in (".csv", ".cwa") else None
        # a two-sensor CSV (two Axivity loggers) is kept as a pair its reader puts back together
        # (NAME.shin/.foot.csv, .cwa)
        stored = self.home / "recordings" / (sid + (f".shin{suffix}" if foot else "".join(src.suffixes[-1:])))
        copies = [(stored, data)]
        if foot is not None:
            try:
                copies.append((stored.with_name(f"{sid}.foot{suffix}"), foot.read_bytes()))
            except OSError as exc:
                raise HistoryError(f"{foot}: cannot read ({exc.strerror})") from None
        if not copy:
            stored, copies = src, []
        for target, content in copies:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
        fig = session_figures(analysis, routine or meta.get("routine"))
        row = (sid, _iso(started), _iso(datetime.now(timezone.utc)), side, src.name, str(stored.name), digest,
               fig["score"], fig["exercises_done"], fig["exercises_total"], fig["completion"], fig["ktw_deg"],
               fig["ktw_cm"], json.dumps(fig["ktw_trials_deg"]), json.dumps(fig["ktw_trials_cm"]),
               fig["peak_df_deg"], json.dumps(profile), json.dumps(analysis, separators=(",", ":")))
        entry = self.home / "recordings" / (sid + SESSION_SUFFIX)
        fd = os.open(entry, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(dict(zip(_ROW, row)), fh)
        self._insert(row)
        return self.get(sid)

    def _insert(self, row: tuple) -> None:
        with self._db:
            self._db.execute(f"INSERT INTO sessions VALUES ({','.join('?' * len(_ROW))})", row)

    @classmethod
    def rebuild(cls, home: str | os.PathLike | None = None) -> tuple["History", list[str]]:
        """A new index from the recordings folder (a damaged one is moved aside, not deleted).

        Each session's entry file (``<id>.session.json``, written when it was
        added) is indexed again as it was; a recording kept before entries
        were written is analysed again. Returns the history and one line per
        session it could not index. Knee-to-wall calibrations live in the
        index only: enter them again.
        """
        folder = home_dir(home)
        db = folder / DB_NAME
        if db.exists():
            db.rename(db.with_name(f"{DB_NAME}.damaged-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}"))
        history = cls(home)
        problems: list[str] = []
        entries = {p.name[: -len(SESSION_SUFFIX)]: p for p in (folder / "recordings").glob("*" + SESSION_SUFFIX)}
        for sid, path in sorted(entries.items()):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                history._insert(tuple(doc[k] for k in _ROW))
            except (OSError, ValueError, KeyError, TypeError, sqlite3.Error) as exc:
                problems.append(f"{path.name}: not indexed ({exc})")
        for kept in sorted((folder / "recordings").iterdir()):
            sid = kept.name.split(".", 1)[0]
            if sid in entries or kept.name.endswith((".foot.csv", ".foot.cwa", SESSION_SUFFIX)) or not kept.is_file():
                continue
            try:  # kept before entry files were written: analysed again, as 'history add' would
                from dorsi.export.session import load_session

                session = load_session(kept)
                started = datetime.strptime(sid[:15], "%Y%m%d-%H%M%S").replace(tzinfo=timezone.utc)
                history.add(kept, session.analysis, side=session.side, started_at=started,
                            profile=session.profile, routine=session.routine, copy=False)
            except (ValueError, OSError, HistoryError) as exc:
                problems.append(f"{kept.name}: not indexed ({' '.join(str(exc).split())})")
        return history, problems

    def add_file(self, path: str | os.PathLike, **load_kwargs) -> SessionRecord:
        """Analyse a recording or CSV (``dorsi.export.load_session``) and keep it."""
        from dorsi.export.session import load_session

        session = load_session(path, **load_kwargs)
        return self.add(session.samples_path or session.path, session.analysis, side=session.side,
                        started_at=session.started_at, profile=session.profile, routine=session.routine)

    # -- reading ------------------------------------------------------------------------------------------------

    _COLUMNS = ("id, started_at, side, score, exercises_done, exercises_total, completion, ktw_deg, ktw_cm, "
                "ktw_trials_deg, ktw_trials_cm, peak_df_deg, stored_file")

    @staticmethod
    def _record(row: tuple) -> SessionRecord:
        (sid, started, side, score, done, total, completion, ktw_deg, ktw_cm, trials_deg, trials_cm, peak,
         stored) = row
        return SessionRecord(sid, _parse(started), side, int(score), int(done), int(total), float(completion),
                             ktw_deg, ktw_cm, tuple(json.loads(trials_deg)), tuple(json.loads(trials_cm)), peak,
                             stored)

    def sessions(self) -> list[SessionRecord]:
        """All sessions, oldest first."""
        rows = self._db.execute(f"SELECT {self._COLUMNS} FROM sessions ORDER BY started_at, id").fetchall()
        return [self._record(r) for r in rows]

    def get(self, session_id: str) -> SessionRecord:
        row = self._db.execute(f"SELECT {self._COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise HistoryError(f"no session {session_id!r} in {self.home}")
        return self._record(row)

    def analysis(self, session_id: str) -> dict:
        row = self._db.execute("SELECT analysis FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise HistoryError(f"no session {session_id!r} in {self.home}")
        return json.loads(row[0])

    def recording_path(self, session_id: str) -> Path:
        return self.home / "recordings" / self.get(session_id).stored_file

    # -- calibration --------------------------------------------------------------------------------------------

    def calibrate(self, measured_cm: float, session_id: str | None = None) -> KneeToWallCalibration:
        """Fit the user's knee-to-wall relation from one tape-measured distance.

        Parameters
        ----------
        measured_cm : float
            Toe-to-wall distance measured with a tape in the session's best trial.
        session_id : str, optional
            The session measured (default: the latest one with a knee-to-wall test).
        """
        candidates = [s for s in self.sessions() if s.ktw_deg is not None]
        if session_id is not None:
            record = self.get(session_id)
        elif candidates:
            record = candidates[-1]
        else:
            raise HistoryError("no session with a knee-to-wall test to calibrate against")
        if record.ktw_deg is None:
            raise HistoryError(f"session {session_id} has no valid knee-to-wall trial")
        profile = json.loads(self._db.execute("SELECT profile FROM sessions WHERE id = ?",
                                              (record.id,)).fetchone()[0])
        lengths = {k: profile[k] for k in ("shank_length_m", "foot_length_m") if profile.get(k)}
        cal = KneeToWallCalibration(profile=lengths or None).fit(record.ktw_deg, measured_cm)
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO calibrations VALUES (?,?,?,?)",
                             (record.side or "any", json.dumps(cal.to_json()), record.id,
                              _iso(datetime.now(timezone.utc))))
        return cal

    def calibration(self, side: str | None = None) -> KneeToWallCalibration | None:
        """The calibration for a side (falls back to one made without a side, then the other side)."""
        order = [side, "any", *(s for s in SIDES if s != side)] if side else ["any", *SIDES]
        for key in order:
            row = self._db.execute("SELECT doc FROM calibrations WHERE side = ?", (key,)).fetchone()
            if row:
                return KneeToWallCalibration.from_json(json.loads(row[0]))
        return None


def _input_meta(path: Path) -> dict:
    """Side, start time and profile (and a recording's routine) from a recording header or CSV comments."""
    from dorsi.export.session import parse_time
    from dorsi.routine import RoutineError
    from dorsi.routine.header import routine_from_header

    if path.suffix == ".dorsi":
        from dorsi.recording import RecordingError, read_recording

        try:
            header = read_recording(path).header
        except RecordingError:
            return {}
        profile = dict(header.get("profile") or {})
        try:
            routine = routine_from_header(header)
        except RoutineError:
            routine = None
        return {"profile": profile, "side": profile.get("side"), "started_at": parse_time(header.get("started_at")),
                "routine": routine}
    meta: dict = {}
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            for _, line in zip(range(50), fh):
                if not line.startswith("#"):
                    break
                key, _, value = line[1:].partition(":")
                meta[key.strip()] = value.strip()
    except OSError:
        return {}
    return {"side": meta.get("side"), "started_at": parse_time(meta.get("started_at"))}
