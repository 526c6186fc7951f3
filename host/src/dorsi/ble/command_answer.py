"""One control command on a plain ``BleakClient`` and the status record that answers it.

The firmware handles a control write in its next loop pass, after the ATT
write response has gone, so a status read straight after the write may still
show the previous command. The answer is the status notification carrying the
next command counter; the one-shot clients (``dorsi pair``, ``dorsi sleep``)
wait for it. ``SensorConnection.write_control`` does the same on its own
long-lived connection.
"""

from __future__ import annotations

import asyncio

from bleak import BleakClient

from dorsi.protocol import ProtocolError, Status, spec


async def command_answer(client: BleakClient, data: bytes, timeout: float = 3.0) -> Status:
    """Write ``data`` to the control characteristic; the status notified with the next counter.

    Raises ``TimeoutError`` when no answer comes within ``timeout`` seconds (and
    bleak's errors as they come).
    """
    before = Status.unpack(bytes(await client.read_gatt_char(spec.STATUS_UUID)))
    answer: asyncio.Future[Status] = asyncio.get_running_loop().create_future()

    def on_status(_char: object, payload: bytearray) -> None:
        try:
            status = Status.unpack(bytes(payload))
        except ProtocolError:
            return
        if status.command_counter != before.command_counter and not answer.done():
            answer.set_result(status)

    await client.start_notify(spec.STATUS_UUID, on_status)
    await client.write_gatt_char(spec.CONTROL_UUID, data, response=True)
    return await asyncio.wait_for(answer, timeout)
