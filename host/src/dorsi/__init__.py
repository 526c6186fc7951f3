"""dorsi: a wearable coach for ankle dorsiflexion (host software)."""

__version__ = "0.1.0"
