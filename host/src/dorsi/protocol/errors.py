"""The one error the protocol layer raises for anything malformed."""


class ProtocolError(ValueError):
    """A notification, packet, status or command that does not follow protocol v1."""
