"""Session recordings: crash-safe, append-only files of raw notifications and markers."""

from .format import SUFFIX, Kind, RecordingError
from .reader import Recording, SlotData, read_recording
from .writer import RecordingWriter

__all__ = ["Kind", "Recording", "RecordingError", "RecordingWriter", "SUFFIX", "SlotData", "read_recording"]
