"""A receiver that cannot be starved (docs/operations.md, "Receiver limits"), over real
loopback connections with the real registry: idle connections close, over the per-address
or total cap a new connection is closed at once while a registered device still gets its
9014, and a flood of frames from invented MNs stays within its storage budget."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ecociv.adapters.db import Database
from ecociv.adapters.framelog import FrameLog
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel.clock import SHANGHAI
from ecociv.receiver.backend import SourcesBackend
from ecociv.receiver.cli import demo_devices
from ecociv.receiver.limits import ConnectionLimits, RateLimitFilter, UnregisteredBudget
from ecociv.receiver.server import Receiver, run_async
from ecociv.receiver.simulator import Faults, SimDevice, hourly_values, upload_frame
from ecociv.sources import UNREGISTERED_OTHERS, UnregisteredRetention
from ecociv.sources.demo import load_sources_demo
from ecociv.sources.services import clear_device_cache
from ecociv.sources.tables import DeviceActivityRow, DeviceRow, RefusedFrameRow
from tests.conftest import SYSTEM

START = datetime(2026, 11, 1, 0, tzinfo=SHANGHAI)
#: Waits that only keep a broken test from hanging; nothing asserts on time.
PATIENCE = 60.0
Setup = tuple[Database, ReadingsStore, Path]


@pytest.fixture
def setup(db: Database, tmp_path: Path) -> Iterator[Setup]:
    clear_device_cache()
    load_sources_demo(db, SYSTEM)
    yield db, ReadingsStore(tmp_path / "readings.duckdb"), tmp_path / "frames"


def _receiver(setup: Setup, limits: ConnectionLimits, **options: object) -> Receiver:
    db, store, folder = setup
    retention = options.pop("retention", None)
    backend = SourcesBackend(db, store, evaluate=False, retention=retention)  # type: ignore[arg-type]
    return Receiver(backend, FrameLog(folder), limits=limits, **options)  # type: ignore[arg-type]


_VALUES = hourly_values(demo_devices()[0], 1, Faults(), random.Random(1))[0]


def frame_of(device: SimDevice, n: int) -> bytes:
    return upload_frame(device, START, _VALUES, qn=f"20261101000000{n:03d}")


async def connect(
    port: int, source: str = "127.0.0.1"
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    """True once the server has closed the connection (EOF or reset), without sending."""
    try:
        return await asyncio.wait_for(reader.read(1), PATIENCE) == b""
    except ConnectionResetError:
        return True


async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> bytes:
    writer.write(data)
    await writer.drain()
    return await asyncio.wait_for(reader.readuntil(b"\r\n"), PATIENCE)


async def close(*writers: asyncio.StreamWriter) -> None:
    for writer in writers:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


def test_an_idle_connection_is_closed_after_the_idle_timeout_and_a_talking_one_is_not(
    setup: Setup,
) -> None:
    device = demo_devices()[0]

    async def scenario() -> tuple[bool, list[bytes], Receiver]:
        receiver = _receiver(
            setup, ConnectionLimits(idle_seconds=2.0, unauthenticated=10, total=20)
        )
        await receiver.start("127.0.0.1", 0)
        idle_reader, idle_writer = await connect(receiver.port)
        reader, writer = await connect(receiver.port)
        replies = []
        for n in range(6):  # a frame every half second for three seconds: never idle
            replies.append(await answer(reader, writer, frame_of(device, n)))
            await asyncio.sleep(0.5)
        idle_closed = await closed_by_server(idle_reader)
        replies.append(await answer(reader, writer, frame_of(device, 6)))
        await close(idle_writer, writer)
        await receiver.stop()
        return idle_closed, replies, receiver

    idle_closed, replies, receiver = run_async(scenario)
    assert idle_closed
    assert receiver.stats.closed["idle"] == 1
    assert len(replies) == 7 and all(b"CN=9014" in r for r in replies)


def test_over_the_per_address_cap_a_new_connection_is_closed_while_a_device_gets_its_9014(
    setup: Setup,
) -> None:
    device = demo_devices()[1]

    async def scenario() -> tuple[list[bool], bytes, Receiver, int]:
        receiver = _receiver(setup, ConnectionLimits(per_address=3, unauthenticated=50, total=100))
        await receiver.start("127.0.0.1", 0)
        idle = [await connect(receiver.port, "127.0.0.2") for _ in range(3)]  # up to the cap
        over_reader, over_writer = await connect(receiver.port, "127.0.0.2")  # above it
        refused = await closed_by_server(over_reader)
        reader, writer = await connect(receiver.port, "127.0.0.1")
        reply = await answer(reader, writer, frame_of(device, 1))
        still_open = receiver.open_connections
        await close(over_writer, writer, *(w for _r, w in idle))
        await receiver.stop()
        return [refused], reply, receiver, still_open

    refused, reply, receiver, still_open = run_async(scenario)
    assert refused == [True]
    assert b"CN=9014" in reply
    assert receiver.stats.closed["refused_address"] == 1
    assert still_open == 4  # the three idle ones (at the cap) and the device
    assert receiver.stats.closed["evicted"] == 0


def test_a_full_unauthenticated_pool_closes_its_oldest_so_a_device_still_gets_its_9014(
    setup: Setup,
) -> None:
    device = demo_devices()[2]

    async def scenario() -> tuple[bool, bytes, Receiver]:
        receiver = _receiver(setup, ConnectionLimits(per_address=10, unauthenticated=3, total=10))
        await receiver.start("127.0.0.1", 0)
        idle = [await connect(receiver.port, "127.0.0.3") for _ in range(3)]
        reader, writer = await connect(receiver.port, "127.0.0.1")
        oldest_closed = await closed_by_server(idle[0][0])
        reply = await answer(reader, writer, frame_of(device, 1))
        await close(writer, *(w for _r, w in idle))
        await receiver.stop()
        return oldest_closed, reply, receiver

    oldest_closed, reply, receiver = run_async(scenario)
    assert oldest_closed and b"CN=9014" in reply
    assert receiver.stats.closed["evicted"] == 1


def test_over_the_total_cap_a_new_connection_is_closed_and_connected_devices_keep_working(
    setup: Setup,
) -> None:
    devices = demo_devices()[:3]

    async def scenario() -> tuple[list[bytes], bool, bytes, Receiver]:
        receiver = _receiver(setup, ConnectionLimits(per_address=10, unauthenticated=2, total=3))
        await receiver.start("127.0.0.1", 0)
        connections, first = [], []
        for d in devices:  # each authenticates before the next connects; the last is at the cap
            reader, writer = await connect(receiver.port)
            first.append(await answer(reader, writer, frame_of(d, 1)))
            connections.append((reader, writer))
        late_reader, late_writer = await connect(receiver.port)  # above it
        refused = await closed_by_server(late_reader)
        reader, writer = connections[0]
        again = await answer(reader, writer, frame_of(devices[0], 2))
        await close(late_writer, *(w for _r, w in connections))
        await receiver.stop()
        return first, refused, again, receiver

    first, refused, again, receiver = run_async(scenario)
    assert all(b"CN=9014" in r for r in first)
    assert refused and receiver.stats.closed["refused_total"] == 1
    assert b"CN=9014" in again


def test_many_connections_of_one_device_cannot_keep_another_registered_device_out(
    setup: Setup,
) -> None:
    """40 connections authenticated as one demo MN (the total cap) leave that MN only its
    per-device cap open, the newest winning; another registered device still gets its 9014."""
    hog, other = demo_devices()[0], demo_devices()[1]

    async def scenario() -> tuple[list[bytes], list[bool], bytes, bytes, Receiver, int, int]:
        limits = ConnectionLimits(per_address=20, unauthenticated=20, total=40, per_device=2)
        receiver = _receiver(setup, limits)
        await receiver.start("127.0.0.1", 0)
        connections, replies = [], []
        for n in range(40):
            reader, writer = await connect(receiver.port)
            replies.append(await answer(reader, writer, frame_of(hog, n)))
            connections.append((reader, writer))
        closed = [await closed_by_server(r) for r, _w in connections[:-2]]
        held = receiver.open_connections
        reader, writer = await connect(receiver.port)
        other_reply = await answer(reader, writer, frame_of(other, 1))
        newest_reader, newest_writer = connections[-1]
        newest_reply = await answer(newest_reader, newest_writer, frame_of(hog, 40))
        after = receiver.open_connections
        await close(writer, *(w for _r, w in connections))
        await receiver.stop()
        return replies, closed, other_reply, newest_reply, receiver, held, after

    replies, closed, other_reply, newest_reply, receiver, held, after = run_async(scenario)
    assert all(b"CN=9014" in r for r in replies)  # each was answered before it was replaced
    assert all(closed)  # the 38 oldest of that MN were closed
    assert receiver.stats.closed["replaced"] == 38
    assert held == 2  # the per-device cap, far below the total cap of 40
    assert b"CN=9014" in other_reply and b"CN=9014" in newest_reply
    assert after == 3 and receiver.stats.closed["refused_total"] == 0


def _rows(db: Database) -> tuple[int, int, int]:
    """Unregistered activity rows, unregistered refused frames, their refused_auth total."""
    with db.reading() as session:
        registered = select(DeviceRow.mn)
        activity = session.scalar(
            select(func.count()).where(DeviceActivityRow.mn.not_in(registered))
        )
        refused = session.scalar(select(func.count()).where(RefusedFrameRow.mn.not_in(registered)))
        counted = session.scalar(
            select(func.coalesce(func.sum(DeviceActivityRow.frames_refused_auth), 0)).where(
                DeviceActivityRow.mn.not_in(registered)
            )
        )
    return int(activity or 0), int(refused or 0), int(counted or 0)


def test_a_flood_of_invented_mns_stays_within_its_storage_budget(setup: Setup) -> None:
    """3,000 frames from 3,000 unregistered MNs, in two rounds, over 10 connections: every
    one is counted, yet the database keeps at most ``mns`` named counters plus the others
    row and at most ``frames`` refused frames, the frame log holds only the samples, and a
    registered device is answered in the middle of it."""
    db, _store, folder = setup
    device = demo_devices()[3]
    retention = UnregisteredRetention(mns=20, frames_per_mn=2, frames=50)
    budget = UnregisteredBudget(mns=20, samples_per_mn=2, samples=30)
    rounds, per_round, connections = 2, 1500, 10
    floods = [
        [
            frame_of(SimDevice(f"FLOOD{r}{i:08d}", "123456", device.kind), 1)
            for i in range(per_round)
        ]
        for r in range(rounds)
    ]
    before = _rows(db)

    async def scenario() -> tuple[list[bytes], Receiver, int]:
        receiver = _receiver(
            setup,
            ConnectionLimits(per_address=50, unauthenticated=100, total=200),
            retention=retention,
            unregistered=budget,
            process_interval=3600.0,  # rounds happen only when this test says
        )
        await receiver.start("127.0.0.1", 0)
        replies = []
        for r, frames in enumerate(floods):
            writers = []
            for c in range(connections):
                _reader, writer = await connect(receiver.port)
                writer.write(b"".join(frames[c::connections]))
                writers.append(writer)
            reader, writer = await connect(receiver.port)
            replies.append(await answer(reader, writer, frame_of(device, r)))
            async with asyncio.timeout(PATIENCE * 3):
                while receiver.stats.total("refused_auth") < (r + 1) * per_round:
                    await asyncio.sleep(0.05)
            await receiver.process_once()
            await close(writer, *writers)
        logged = sum(1 for x in receiver.log.tail(0).read(100_000) if x["kind"] == "rejected")
        await receiver.stop()
        return replies, receiver, logged

    replies, receiver, logged = run_async(scenario)
    assert all(b"CN=9014" in r for r in replies)
    assert receiver.stats.total("refused_auth") == rounds * per_round
    activity, refused, counted = _rows(db)
    assert activity - before[0] <= retention.mns + 1  # named MNs + the others row
    assert refused - before[1] <= retention.frames
    assert counted - before[2] == rounds * per_round  # every frame counted, none stored twice
    assert logged <= rounds * budget.samples  # the frame log got samples, not the flood
    with db.reading() as session:
        others = session.get(DeviceActivityRow, UNREGISTERED_OTHERS)
    assert others is not None and others.frames_refused_auth > 0


def test_frames_of_an_unknown_mn_with_a_nul_are_counted_and_sampled_escaped(
    setup: Setup,
) -> None:
    """A NUL in an unknown MN and in the frame (PostgreSQL cannot store one in text) is
    counted and sampled like any other refused frame, stored as ``\\x00``, and the
    processing round holding it succeeds with the registered device's reading in it. (The
    parser refuses such an MN as malformed and names it by what precedes the NUL.)"""
    db, store, _folder = setup
    device = demo_devices()[4]
    stranger = SimDevice("NUL\x00MN\x7f01", "123456", device.kind)
    frames = [frame_of(stranger, n) for n in range(3)]

    async def scenario() -> tuple[bytes, Receiver, int]:
        receiver = _receiver(
            setup,
            ConnectionLimits(per_address=10, unauthenticated=10, total=20),
            unregistered=UnregisteredBudget(mns=10, samples_per_mn=2, samples=10),
            process_interval=3600.0,
        )
        await receiver.start("127.0.0.1", 0)
        _r, flood = await connect(receiver.port)
        flood.write(b"".join(frames))
        reader, writer = await connect(receiver.port)
        reply = await answer(reader, writer, frame_of(device, 1))
        async with asyncio.timeout(PATIENCE):
            while receiver.stats.total("bad_format") < len(frames):
                await asyncio.sleep(0.05)
        processed = await receiver.process_once()  # raises if the round fails
        await close(writer, flood)
        await receiver.stop()
        return reply, receiver, processed

    reply, receiver, processed = run_async(scenario)
    assert b"CN=9014" in reply
    assert processed == 3  # the registered device's frame and two samples
    stored_mn = "NUL"
    with db.reading() as session:
        activity = session.get(DeviceActivityRow, stored_mn)
        raws = session.scalars(
            select(RefusedFrameRow.raw).where(RefusedFrameRow.mn == stored_mn)
        ).all()
    assert activity is not None and activity.frames_bad_format == 3  # every one counted
    assert len(raws) == 2  # sampled: two per MN
    assert all("MN=NUL\\x00MN\\x7f01;" in r and "\x00" not in r for r in raws)
    assert store.count() > 0


def test_the_receiver_log_limit_suppresses_repeated_refusals(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """Ten refused connections write two lines (the limit), then one line that says how many
    were suppressed when the receiver stops."""

    async def scenario() -> Receiver:
        receiver = _receiver(
            setup,
            ConnectionLimits(per_address=1, unauthenticated=50, total=100),
            log_filter=RateLimitFilter(2, 3600.0),
        )
        await receiver.start("127.0.0.1", 0)
        _reader, held = await connect(receiver.port, "127.0.0.4")
        for _ in range(10):
            reader, writer = await connect(receiver.port, "127.0.0.4")
            assert await closed_by_server(reader)
            await close(writer)
        await close(held)
        await receiver.stop()
        return receiver

    with caplog.at_level(logging.WARNING, logger="ecociv.receiver"):
        receiver = run_async(scenario)
    assert receiver.stats.closed["refused_address"] == 10
    lines = [r.getMessage() for r in caplog.records if r.name == "ecociv.receiver"]
    assert len([m for m in lines if "closed at once" in m and "suppressed" not in m]) == 2
    summary = [m for m in lines if m.startswith("suppressed 8 similar lines")]
    assert summary == [
        "suppressed 8 similar lines of ecociv.receiver, the last: "
        "connection from 127.0.0.4 closed at once: refused_address"
    ]
    assert not any("%s" in m for m in lines)
    assert not logging.getLogger("ecociv.receiver").filters  # removed when it stopped
