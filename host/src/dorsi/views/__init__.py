"""Views of the session: terminal (rich), web coach, reports."""
