"""Data interchange: load any session input, export it as CSV/Parquet tables."""

from dorsi.export.session import Session, SessionInputError, load_session
from dorsi.export.tables import event_rows, events_table, samples_table, trace_table
from dorsi.export.writer import SessionExporter, write_table

__all__ = [
    "Session", "SessionExporter", "SessionInputError", "event_rows", "events_table", "load_session",
    "samples_table", "trace_table", "write_table",
]
