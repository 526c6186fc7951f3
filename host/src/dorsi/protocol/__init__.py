"""Wire protocol v1 between the dorsi sensor and the host (spec: docs/protocol.md)."""

from .control import encode_command, parse_command
from .encode import encode_packets, encode_stream, quantise
from .errors import ProtocolError
from .fragments import Reassembler, fragment, is_fragment
from .packets import DecodedPackets, decode_packets
from .spec import Command, Result, Role
from .status import Status
from .stream import StreamDecoder, StreamStats, TimestampUnwrapper

__all__ = [
    "Command", "DecodedPackets", "ProtocolError", "Reassembler", "Result", "Role", "Status",
    "StreamDecoder", "StreamStats", "TimestampUnwrapper", "decode_packets", "encode_command",
    "encode_packets", "encode_stream", "fragment", "is_fragment", "parse_command", "quantise",
]
