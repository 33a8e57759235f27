"""The HJ 212 receiver over real TCP connections, with the real registry and readings store:
frames split at every byte, resends, garbage and refused devices; every good reading stored
exactly once, every answer with a correct CRC, and the server still serving."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from ecociv.adapters.db import Database
from ecociv.adapters.framelog import FrameLog
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel.clock import SHANGHAI
from ecociv.receiver.backend import SourcesBackend
from ecociv.receiver.cli import demo_devices
from ecociv.receiver.limits import ConnectionLimits
from ecociv.receiver.server import Receiver, run_async
from ecociv.receiver.simulator import Faults, SimDevice, play, upload_frame
from ecociv.sources.demo import load_sources_demo
from ecociv.standards import hj212
from tests.conftest import SYSTEM

START = datetime(2026, 11, 1, 0, tzinfo=SHANGHAI)


@pytest.fixture
def setup(db: Database, tmp_path: Path) -> Iterator[tuple[Database, ReadingsStore, Path]]:
    load_sources_demo(db, SYSTEM)
    yield db, ReadingsStore(tmp_path / "readings.duckdb"), tmp_path / "frames"


def readings_of(store: ReadingsStore) -> int:
    return store.count()


#: These tests open a few hundred connections at once from 127.0.0.1.
ONE_ADDRESS_MANY_DEVICES = ConnectionLimits(per_address=1000, unauthenticated=2000, total=5000)


async def _running(db: Database, store: ReadingsStore, folder: Path) -> Receiver:
    receiver = Receiver(
        SourcesBackend(db, store, evaluate=False),
        FrameLog(folder),
        limits=ONE_ADDRESS_MANY_DEVICES,
    )
    await receiver.start("127.0.0.1", 0)
    return receiver


def values_per_frame(device: SimDevice) -> int:
    from ecociv.receiver.simulator import PARAMETERS

    # Min, Avg, Max for each parameter, plus ZsAvg where converted
    return sum(3 + (1 if converted else 0) for _c, _v, converted in PARAMETERS[device.kind])


def test_devices_with_split_frames_and_crc_errors_are_stored_exactly_once(
    setup: tuple[Database, ReadingsStore, Path],
) -> None:
    db, store, folder = setup
    devices = demo_devices()[:4]

    async def scenario() -> tuple[int, int, int, int]:
        receiver = await _running(db, store, folder)
        faults = Faults(crc_error_rate=0.5, split_rate=1.0)
        first = await play("127.0.0.1", receiver.port, devices, start=START, hours=6,
                           faults=faults, seed=3)  # fmt: skip
        again = await play("127.0.0.1", receiver.port, devices, start=START, hours=6, seed=3)
        await receiver.stop()
        duplicates = receiver.stats.total("duplicate")
        return first.answered, again.answered, duplicates, receiver.stats.total("bad_crc")

    answered, answered_again, duplicates, bad_crc = run_async(scenario)
    assert answered == answered_again == 4 * 6
    assert duplicates == 4 * 6  # the second run resent the same (MN, CN, QN)
    assert bad_crc > 0  # the corrupted copies were refused, not stored
    expected = sum(values_per_frame(d) * 6 for d in devices)
    assert readings_of(store) == expected


def test_every_split_point_garbage_and_a_stranger_leave_the_server_serving(
    setup: tuple[Database, ReadingsStore, Path],
) -> None:
    db, store, folder = setup
    device = demo_devices()[0]
    import random

    from ecociv.receiver.simulator import hourly_values

    values = hourly_values(device, 1, Faults(), random.Random(1))[0]
    frame = upload_frame(device, START, values, qn="20261101000000001")
    stranger = upload_frame(
        SimDevice("UNKNOWN000001", "123456", device.kind), START, values, qn="20261101000000002"
    )

    async def send(port: int, data: bytes, pieces: list[int], wait: float = 30) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        start = 0
        for cut in [*pieces, len(data)]:
            writer.write(data[start:cut])
            await writer.drain()
            start = cut
        answer = b""
        with contextlib.suppress(TimeoutError, asyncio.IncompleteReadError):
            answer = await asyncio.wait_for(reader.readuntil(b"\r\n"), wait)
        writer.close()
        await writer.wait_closed()
        return answer

    async def scenario() -> list[bytes]:
        receiver = await _running(db, store, folder)
        port = receiver.port
        answers = await asyncio.gather(
            *(send(port, b"\x00junk##" + frame, [cut]) for cut in range(1, len(frame) + 7))
        )
        refused = await send(port, stranger, [], wait=2)
        after = await send(port, frame, [])
        await receiver.stop()
        assert receiver.stats.total("refused_auth") == 1 and refused == b""
        assert receiver.stats.junk  # the junk before each frame was counted
        return [*answers, after]

    answers = run_async(scenario)
    assert all(a for a in answers), "every good frame was answered"
    for answer in answers:
        reply = hj212.parse_packet(answer, crc_policy=hj212.CrcPolicy.STRICT)
        assert (reply.cn, reply.qn) == ("9014", "20261101000000001")
    assert readings_of(store) == values_per_frame(device)  # stored once


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_killing_the_receiver_loses_no_acknowledged_reading(
    setup: tuple[Database, ReadingsStore, Path], tmp_path: Path
) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    db, _store, _folder = setup
    var = tmp_path / "var"
    port = _free_port()
    env = {
        **os.environ,
        "ECOCIV_DATABASE_URL": db.url,
        "ECOCIV_VAR_DIR": str(var),
        "ECOCIV_RECEIVER_HOST": "127.0.0.1",
        "ECOCIV_RECEIVER_PORT": str(port),
        "ECOCIV_RECEIVER_PROCESS_SECONDS": "3600",  # nothing moves to the store before the kill
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "ecociv", "receiver"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "the receiver exited"
                assert time.monotonic() < deadline, "the receiver did not start"
                time.sleep(0.2)
        devices = demo_devices()[:3]
        result = run_async(lambda: play("127.0.0.1", port, devices, start=START, hours=4, seed=5))
        assert result.answered == 12
    finally:
        process.send_signal(signal.SIGKILL)  # no clean shutdown, no last processing
        process.wait(30)
    store = ReadingsStore(var / "readings.duckdb")
    assert store.count() == 0

    async def restart() -> None:  # a new receiver replays the log from its checkpoint
        receiver = Receiver(SourcesBackend(db, store, evaluate=False), FrameLog(var / "frames"))
        await receiver.start("127.0.0.1", 0)
        await receiver.stop()

    run_async(restart)
    assert store.count() == sum(values_per_frame(d) * 4 for d in devices)


def test_a_second_receiver_on_the_same_frame_log_refuses_to_start(
    setup: tuple[Database, ReadingsStore, Path], tmp_path: Path
) -> None:
    """`ecociv receiver` on another port but the same <VAR_DIR>/frames exits non-zero, naming
    the running receiver's PID, and leaves it serving; once the first stops, the log is free."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    db, _store, _folder = setup
    var = tmp_path / "var"
    env = {
        **os.environ,
        "ECOCIV_DATABASE_URL": db.url,
        "ECOCIV_VAR_DIR": str(var),
        "ECOCIV_RECEIVER_HOST": "127.0.0.1",
    }
    first_port, second_port = _free_port(), _free_port()
    command = [sys.executable, "-m", "ecociv", "receiver"]
    first = subprocess.Popen(
        [*command, "--port", str(first_port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", first_port), timeout=1).close()
                break
            except OSError:
                assert first.poll() is None, "the first receiver exited"
                assert time.monotonic() < deadline, "the first receiver did not start"
                time.sleep(0.2)
        second = subprocess.run(
            [*command, "--port", str(second_port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode != 0
        assert f"held by process {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
        with pytest.raises(OSError):  # it never listened
            socket.create_connection(("127.0.0.1", second_port), timeout=1).close()
        result = run_async(lambda: play("127.0.0.1", first_port, demo_devices()[:1],
                                        start=START, hours=1, seed=2))  # fmt: skip
        assert result.answered == 1  # the first one still serves
    finally:
        first.send_signal(signal.SIGTERM)  # a clean stop releases the lock
        first.wait(60)
    FrameLog(var / "frames").close()  # free again


def test_refused_frames_are_kept_per_device_with_their_reason_and_bytes(
    setup: tuple[Database, ReadingsStore, Path],
) -> None:
    """What a field engineer opens on the device page: each refused frame as it came, and
    why; a frame log replayed after a crash keeps each refused frame once."""
    import random

    from ecociv.receiver.simulator import corrupt, hourly_values
    from ecociv.sources import services

    db, store, folder = setup
    device = demo_devices()[0]
    values = hourly_values(device, 1, Faults(), random.Random(1))[0]
    good = upload_frame(device, START, values, qn="20261101000000001")
    bad_crc = corrupt(upload_frame(device, START, values, qn="20261101000000002"))
    stranger = upload_frame(
        SimDevice("UNKNOWN000009", "123456", device.kind), START, values, qn="20261101000000003"
    )

    async def scenario() -> None:
        receiver = await _running(db, store, folder)
        _reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        writer.write(good + bad_crc + stranger)
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.close()
        await receiver.stop()

    run_async(scenario)
    now = datetime.now(SHANGHAI)
    detail = services.device_detail(db, SYSTEM, device.mn, now)
    status, refused = detail.status, detail.refused
    assert [f.reason for f in refused] == ["bad_crc"]
    assert refused[0].raw.encode() == bad_crc
    assert status.counters["frames_ok"] == 1 and status.counters["frames_bad_crc"] == 1
    stranger_detail = services.device_detail(db, SYSTEM, "UNKNOWN000009", now)
    other, refused_stranger = stranger_detail.status, stranger_detail.refused
    assert not other.registered and [f.reason for f in refused_stranger] == ["refused_auth"]

    log = FrameLog(folder)  # replay everything the log holds: nothing is added twice
    records = log.tail(0).read(1000)
    log.close()
    backend = SourcesBackend(db, store, evaluate=False)
    backend.process(records, {}, {}, now)
    assert len(services.device_detail(db, SYSTEM, device.mn, now).refused) == 1


def test_live_devices_send_real_time_data_that_the_live_chart_reads(
    setup: tuple[Database, ReadingsStore, Path],
) -> None:
    from datetime import timedelta

    from ecociv.sources import services

    db, store, folder = setup
    device = next(d for d in demo_devices() if d.kind == "flue_gas")
    first = datetime.now(SHANGHAI).replace(microsecond=0) - timedelta(seconds=3)

    async def scenario() -> int:
        receiver = await _running(db, store, folder)
        result = await play("127.0.0.1", receiver.port, [device], start=first, hours=3,
                            cn="2011", step=timedelta(seconds=1), pace_s=0.05)  # fmt: skip
        await receiver.stop()
        return result.answered

    assert run_async(scenario) == 3
    detail = services.device_detail(db, SYSTEM, device.mn, datetime.now(SHANGHAI))
    outlet = detail.status.outlet_code
    live = services.outlet_live(
        db, store, SYSTEM, outlet, start=first, end=first + timedelta(minutes=1)
    )
    so2 = live["a21026"]
    assert [p.observed_at for p in so2] == [first + timedelta(seconds=s) for s in range(3)]
    assert all(p.converted is not None for p in so2)  # ZsRtd sent beside Rtd


def test_the_receiver_posts_each_new_warning_to_the_notifier_once(
    setup: tuple[Database, ReadingsStore, Path],
) -> None:
    """ECOCIV_WARNING_WEBHOOK_URL: the receiver's backend hands each new warning to the
    notifier after storing it; the same exceedance arriving again notifies nobody."""
    from datetime import timedelta

    db, store, _folder = setup
    device = next(d for d in demo_devices() if d.kind == "wastewater")
    posted: list[dict[str, object]] = []
    backend = SourcesBackend(db, store, notify=posted.append)
    now = datetime.now(SHANGHAI).replace(minute=5, second=0, microsecond=0)
    hour = now.replace(minute=0) - timedelta(hours=1)

    def record(seq: int) -> dict[str, object]:
        return {"kind": "data", "seq": seq, "mn": device.mn, "cn": "2061", "qn": f"Q{seq}",
                "data_time": hour.isoformat(), "received_at": now.isoformat(),
                "values": [["w01018", "Avg", 400.0, "N"]], "quirks": []}  # fmt: skip

    backend.process([record(1)], {}, {}, now)
    assert [p["rule"] for p in posted] == ["exceedance"]
    assert posted[0]["device_mn"] == device.mn and posted[0]["parameter"] == "w01018"
    backend.process([record(2)], {}, {}, now + timedelta(minutes=1))
    assert len(posted) == 1
