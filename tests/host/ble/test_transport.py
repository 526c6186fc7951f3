"""SensorLink: reconnection with backlog, two sensors, stalls, burst loss, reboots, ring overflow."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from dorsi.ble.events import Gap
from dorsi.ble.transport import SensorLink, SensorNotFoundError
from dorsi.protocol import Command, Result, StreamDecoder
from dorsi.samples import SampleBatch

from .helpers import Collector, Rig, emulated, run, settled, until


def _link(rig: Rig, roles: tuple[str, ...], collector: Collector, **options: object) -> SensorLink:
    options.setdefault("scan_timeout", 3.0)
    return SensorLink(
        roles,
        scanner_backend=rig.backends.scanner,
        client_backend=rig.backends.client,
        on_event=collector,
        **options,  # type: ignore[arg-type]
    )


def _assert_exactly_once(seqs: np.ndarray) -> None:
    """Delivered in order, every seq once, none missing."""
    assert seqs.size > 0
    np.testing.assert_array_equal(seqs, np.arange(seqs[0], seqs[0] + seqs.size))


def test_reconnect_and_backlog_fill_the_gap_exactly() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", speed=4.0) as rig:
            got = Collector()
            async with _link(rig, ("shin",), got) as link:
                shin = rig.sensors["shin"]
                await until(lambda: got.delivered_through("shin", 100))
                for _ in range(2):
                    await shin.disconnect()
                    await asyncio.sleep(0.3)  # the ring fills while the link is down
                    target = shin.model.next_seq + 150
                    await until(lambda: got.delivered_through("shin", target))
                return got, link.sensors["shin"].reconnects_, link.gaps_

    got, reconnects, gaps = run(scenario())
    assert reconnects == 2 and gaps == []
    _assert_exactly_once(got.seqs("shin"))
    assert got.seqs("shin")[0] == 0
    assert any(p.backlog for p in got.packets("shin"))
    decoder = StreamDecoder(errors="raise")
    batch = decoder.feed([p.payload for p in got.packets("shin")])
    assert batch is not None and decoder.stats.gaps == [] and decoder.stats.duplicates == 0


def test_two_sensors_streaming_at_once_both_lose_nothing() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", "foot", speed=4.0, tx_buffer=6) as rig:
            got = Collector()
            async with _link(rig, ("shin", "foot"), got) as link:
                shin, foot = rig.sensors["shin"], rig.sensors["foot"]
                await until(lambda: got.delivered_through("shin", 80) and got.delivered_through("foot", 80))
                # a slow link (10 notifications/s for 36 packets/s): the foot's buffer fills, its ring holds the rest
                foot.faults.delay_s = 0.1
                await shin.disconnect()
                await until(lambda: foot.refused_ > 0)
                foot.faults.delay_s = 0.0
                await foot.disconnect()
                targets = {r: rig.sensors[r].model.next_seq + 200 for r in ("shin", "foot")}
                await until(lambda: all(got.delivered_through(r, s) for r, s in targets.items()))
                return got, link.gaps_, {r: (rig.sensors[r].refused_, link.sensors[r].reconnects_) for r in targets}

    got, gaps, counters = run(scenario())
    assert gaps == []
    for role in ("shin", "foot"):
        _assert_exactly_once(got.seqs(role))
        assert counters[role][1] == 1
    assert counters["foot"][0] > 0  # the slow link really refused notifications


@pytest.mark.parametrize(("clears_on", "recovery"), [("resubscribe", "resubscribes_"), ("reconnect", "reconnects_")])
def test_stalled_notifications_are_detected_and_recovered(clears_on: str, recovery: str) -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", speed=4.0) as rig:
            got = Collector()
            async with _link(rig, ("shin",), got, stall_timeout_s=0.3) as link:
                shin = rig.sensors["shin"]
                await until(lambda: got.delivered_through("shin", 50))
                shin.faults.stall(clears_on=clears_on)  # type: ignore[arg-type]
                await until(lambda: not shin.faults.stalled_)
                target = shin.model.next_seq + 100
                await until(lambda: got.delivered_through("shin", target))
                sensor = link.sensors["shin"]
                return got, link.gaps_, sensor.stalls_, getattr(sensor, recovery)

    got, gaps, stalls, recoveries = run(scenario())
    assert stalls >= 1 and recoveries >= 1 and gaps == []
    _assert_exactly_once(got.seqs("shin"))


def test_burst_drops_are_recorded_as_gaps_never_filled() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", speed=4.0) as rig:
            got = Collector()
            async with _link(rig, ("shin",), got) as link:
                shin = rig.sensors["shin"]
                await until(lambda: got.delivered_through("shin", 50))
                lost = 0
                for burst in (3, 1, 5):
                    shin.faults.drop_next(burst)
                    lost += burst
                    await until(lambda: shin.faults.dropped_ == lost)
                    n = len(got.packets("shin"))
                    await until(lambda: len(got.packets("shin")) >= n + 2)  # keep the bursts apart
                target = shin.model.next_seq + 50
                await until(lambda: got.delivered_through("shin", target))
                return got, link.gaps_, shin.faults.dropped_

    got, gaps, dropped = run(scenario())
    assert dropped == 9 and len(gaps) == 3
    assert all(g.reason == "lost" and g.count > 0 for g in gaps)
    seqs = got.seqs("shin")
    assert np.all(np.diff(seqs) > 0)  # in order, no duplicates
    missing = np.setdiff1d(np.arange(seqs[0], seqs[-1] + 1), seqs)
    reported = np.concatenate([np.arange(g.first_seq, g.first_seq + g.count) for g in gaps])
    np.testing.assert_array_equal(missing, reported)  # every lost sample is in a gap, nothing invented
    decoder = StreamDecoder(errors="raise")
    decoder.feed([p.payload for p in got.packets("shin")])
    assert [(first, n) for first, n in decoder.stats.gaps] == [(g.first_seq, g.count) for g in gaps]


@pytest.mark.parametrize("outage_s", [0.1, 1.5])
def test_reboot_starts_a_new_epoch(outage_s: float) -> None:
    """Short outage: the device's seq is behind the host's. Long outage: the new epoch has
    already passed the host's seq, and only the forgotten command counter tells."""

    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", speed=4.0) as rig:
            got = Collector()
            options = {"backoff_initial_s": outage_s, "backoff_max_s": outage_s}
            async with _link(rig, ("shin",), got, **options) as link:
                shin = rig.sensors["shin"]
                await until(lambda: got.delivered_through("shin", 200))
                await shin.reboot(downtime_s=0.05)
                await until(lambda: got.delivered_through("shin", 100, epoch=1))
                return got, link.gaps_, link.sensors["shin"].epoch_, shin.boots_

    got, gaps, epoch, boots = run(scenario())
    assert epoch == 1 and boots == 2
    assert [(g.reason, g.count, g.epoch) for g in gaps] == [("reboot", None, 0)]
    assert gaps[0].first_seq == got.seqs("shin", 0)[-1] + 1
    _assert_exactly_once(got.seqs("shin", 0))
    after = got.seqs("shin", 1)
    _assert_exactly_once(after)
    assert after[0] == 0  # seq restarted with the device


def test_ring_overflow_during_a_long_outage_is_a_gap() -> None:
    """A 0.5 s ring and a longer outage: the oldest samples are gone, reported, and flagged."""

    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", speed=4.0, ring_s=0.5) as rig:
            got = Collector()
            async with _link(rig, ("shin",), got, backoff_initial_s=0.5, backoff_max_s=0.5) as link:
                shin = rig.sensors["shin"]
                await until(lambda: got.delivered_through("shin", 100))
                await shin.disconnect()  # the 0.5 s back-off at speed 4 is 200 samples > 50 in the ring
                target = shin.model.next_seq + 300
                await until(lambda: got.delivered_through("shin", target))
                return got, link.gaps_, link.sensors["shin"].status_

    got, gaps, status = run(scenario())
    assert len(gaps) == 1 and gaps[0].reason == "lost"
    assert status.overflowed and status.ring_dropped >= gaps[0].count
    seqs = got.seqs("shin")
    assert np.all(np.diff(seqs) > 0)
    missing = np.setdiff1d(np.arange(seqs[0], seqs[-1] + 1), seqs)
    np.testing.assert_array_equal(missing, np.arange(gaps[0].first_seq, gaps[0].first_seq + gaps[0].count))


def test_commands_through_the_link() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", "foot", speed=4.0, amplitude_deg=0.0) as rig:
            got = Collector()
            async with _link(rig, ("shin", "foot"), got) as link:
                await until(lambda: got.delivered_through("shin", 60) and got.delivered_through("foot", 60))
                tare = await link.command_all(Command.TARE)
                stop = await link.command("foot", Command.STOP)
                bad = await link.sensors["shin"].write_control(b"\x42\x00")
                return tare, stop, bad

    tare, stop, bad = run(scenario())
    assert {r: s.result for r, s in tare.items()} == {"shin": Result.OK, "foot": Result.OK}
    assert stop.result is Result.OK and not stop.streaming
    assert bad.result is Result.UNKNOWN_COMMAND


def test_missing_sensor_raises() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            async with _link(rig, ("shin", "foot"), Collector(), scan_timeout=0.3):
                pass

    with pytest.raises(SensorNotFoundError, match="foot"):
        run(scenario())


def test_a_sleeping_sensor_is_not_found_and_the_message_says_how_to_wake_it() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            await rig.sensors["shin"].sleep()
            with pytest.raises(SensorNotFoundError) as caught:
                async with _link(rig, ("shin",), Collector(), scan_timeout=0.3):
                    pass
            await rig.sensors["shin"].wake()
            got = Collector()
            async with _link(rig, ("shin",), got):
                await until(lambda: got.delivered_through("shin", 5))
            return str(caught.value)

    message = run(scenario())
    assert "press its button" in message and "\n" not in message


def test_sensor_chosen_by_name_or_address() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", "foot") as rig:
            foot_address = rig.sensors["foot"].address
            got = Collector()
            link = _link(rig, ("shin", "foot"), got, names={"shin": "dorsi-S1"}, addresses={"foot": foot_address})
            async with link:
                await until(lambda: got.delivered_through("shin", 5) and got.delivered_through("foot", 5))
                chosen = {r: s.address for r, s in link.sensors.items()}
            missing = _link(rig, ("shin",), Collector(), scan_timeout=0.3, names={"shin": "dorsi-S7"})
            try:
                async with missing:
                    pass
            except SensorNotFoundError as error:
                return chosen, {r: p.address for r, p in rig.sensors.items()}, str(error)

    chosen, addresses, error = run(scenario())
    assert chosen == addresses
    assert "dorsi-S7" in error


def test_bad_link_arguments() -> None:
    with pytest.raises(ValueError):
        SensorLink(("shin", "shin"))
    with pytest.raises(ValueError):
        SensorLink(("knee",))
    with pytest.raises(ValueError):
        SensorLink(("shin",), addresses={"foot": "F0:D0:51:00:00:01"})


def test_stop_holds_the_stream_and_start_sends_what_was_sampled_meanwhile() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", speed=4.0) as rig:
            got = Collector()
            async with _link(rig, ("shin",), got, stall_timeout_s=0.2) as link:
                await until(lambda: got.delivered_through("shin", 60))
                stopped = await link.command("shin", Command.STOP)
                n_stopped = await settled(lambda: len(got.seqs("shin")))  # packets in flight land
                await asyncio.sleep(0.5)  # longer than the stall timeout: a stop is not a stall
                n_later = len(got.seqs("shin"))
                stalls = link.sensors["shin"].stalls_  # (after START a loaded machine may be slow to resume)
                started = await link.command("shin", Command.START)
                target = rig.sensors["shin"].model.next_seq + 50
                await until(lambda: got.delivered_through("shin", target))
                return got, stopped, started, n_stopped, n_later, stalls

    got, stopped, started, n_stopped, n_later, stalls = run(scenario())
    assert not stopped.streaming and started.streaming and stalls == 0
    assert n_later == n_stopped
    _assert_exactly_once(got.seqs("shin"))
    assert any(p.backlog for p in got.packets("shin")[-30:])


def test_batches_decode_the_stream_per_role() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", "foot", speed=4.0) as rig:
            async with _link(rig, ("shin", "foot"), Collector()) as link:
                seen: dict[str, list] = {"shin": [], "foot": []}
                async for item in link.batches():
                    assert not isinstance(item, Gap)
                    seen[item.role].append(item)
                    if all(sum(len(b) for b in v) >= 100 for v in seen.values()):
                        return seen

    seen = run(scenario())
    for role, batches in seen.items():
        joined = SampleBatch.concatenate(batches)
        assert joined.role == role and joined.gaps().size == 0
        assert joined.seq[0] == 0 and joined.rate_hz == pytest.approx(100.0)
        assert {"host_time", "epoch"} <= set(batches[-1].meta)


def test_simulated_session_arrives_intact_through_the_link() -> None:
    """dorsi.sim data through ReplayDevice, bumble, bleak and SensorLink decodes to the source
    within the wire's quantisation: at the source's own rate, sample for sample (the simulated
    timestamps jitter about the device's sampling instants, and no sample is repeated or skipped)."""
    from dorsi.emulator import EmulatedPeripheral, ReplayDevice
    from dorsi.sim import SimOptions, simulate

    source = simulate("band_lunge", seed=3, options=SimOptions(rate_hz=100), reps=2).shin

    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("foot") as rig:  # a foot sensor too, so the shin shares the air
            await EmulatedPeripheral(rig.air, ReplayDevice(source, speed=8.0)).start()
            async with _link(rig, ("shin",), Collector()) as link:
                batches = []
                async for item in link.batches():
                    assert not isinstance(item, Gap)
                    batches.append(item)
                    if sum(len(b) for b in batches) >= 1000:
                        return SampleBatch.concatenate(batches)

    got = run(scenario())
    assert got.gaps().size == 0 and got.seq[0] == 0
    assert np.ptp(np.diff(source.t)) > 1e-3  # the jitter is there
    idx = got.seq - got.seq[0]
    np.testing.assert_allclose(got.quat, source.quat[idx] / np.linalg.norm(source.quat[idx], axis=1)[:, None], atol=1e-4)
    np.testing.assert_allclose(got.acc, source.acc[idx], atol=8 * 9.80665 / 32768)
    np.testing.assert_allclose(got.gyr, source.gyr[idx], atol=np.deg2rad(2000 / 32768))
