"""Control commands: build them on the host, validate them (the device's rules)."""

from __future__ import annotations

import struct

from .errors import ProtocolError
from .spec import (
    BACKLOG_ALL,
    COMMAND_ARG_FORMATS,
    IDENTIFY_MAX_S,
    RATE_MAX_HZ,
    RATE_MIN_HZ,
    Command,
    Result,
)


def encode_command(command: Command, argument: int | None = None) -> bytes:
    """Bytes to write to the control characteristic. Raises ``ProtocolError`` if invalid."""
    command = Command(command)
    fmt = COMMAND_ARG_FORMATS[command]
    if not fmt:
        if argument is not None:
            raise ProtocolError(f"{command.name} takes no argument")
        return bytes([command])
    if argument is None:
        if command is Command.BACKLOG:
            argument = BACKLOG_ALL
        else:
            raise ProtocolError(f"{command.name} needs an argument")
    data = bytes([command]) + struct.pack(fmt, argument)
    opcode, arg, result = parse_command(data)
    if result is not Result.OK:
        raise ProtocolError(f"{command.name} {argument}: {result.name.lower().replace('_', ' ')}")
    return data


def parse_command(data: bytes) -> tuple[int, int, Result]:
    """``(opcode, argument, result)`` exactly as the firmware judges a write."""
    if len(data) == 0:
        return 0, 0, Result.BAD_LENGTH
    opcode = data[0]
    if opcode not in Command._value2member_map_:
        return opcode, 0, Result.UNKNOWN_COMMAND
    fmt = COMMAND_ARG_FORMATS[Command(opcode)]
    if len(data) != 1 + struct.calcsize(fmt or "<"):
        return opcode, 0, Result.BAD_LENGTH
    argument = struct.unpack(fmt, data[1:])[0] if fmt else 0
    if opcode == Command.SET_RATE and not RATE_MIN_HZ <= argument <= RATE_MAX_HZ:
        return opcode, argument, Result.OUT_OF_RANGE
    if opcode == Command.IDENTIFY and not 1 <= argument <= IDENTIFY_MAX_S:
        return opcode, argument, Result.OUT_OF_RANGE
    return opcode, argument, Result.OK
