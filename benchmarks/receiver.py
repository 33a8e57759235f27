"""Sustained throughput of the HJ 212 receiver, against the parse-only rate of the same frames.

Run: .venv/bin/python benchmarks/receiver.py [--hours 300] [--devices 16]

In one run: a fresh SQLite database with the synthetic demo registry; ``ecociv receiver`` is
started as a separate process on a free loopback port; this process plays the synthetic demo
devices (each on its own connection, each frame answered before the next, as real devices
do) for ``--hours`` hourly uploads each, and measures

1. frames/second answered (every answer comes after the frame is fsync'd to the frame log);
2. readings/second stored: from the first frame until the readings store holds every value;
3. the parse-only rate: the same frames framed and parsed by ``ecociv.standards.hj212`` in
   this process, with no network, log or store (the ceiling of the protocol code).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from ecociv import orgs
from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, Role
from ecociv.kernel.clock import SHANGHAI
from ecociv.receiver.cli import demo_devices
from ecociv.receiver.simulator import PARAMETERS, Faults, hourly_values, play, upload_frame
from ecociv.sources.demo import load_sources_demo
from ecociv.standards import hj212

SYSTEM = Actor("benchmark", Role.ADMIN, request_id="benchmark")
START = datetime(2026, 1, 1, tzinfo=SHANGHAI)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def values_per_frame(kind: str) -> int:
    return sum(3 + (1 if converted else 0) for _c, _v, converted in PARAMETERS[kind])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=300)
    parser.add_argument("--devices", type=int, default=16)
    args = parser.parse_args()
    devices = demo_devices()[: args.devices]
    frames = len(devices) * args.hours
    readings = sum(values_per_frame(d.kind) for d in devices) * args.hours
    with tempfile.TemporaryDirectory() as folder:
        var = Path(folder) / "var"
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        db = Database(url)
        orgs.load_reference_data(db, SYSTEM)
        orgs.import_enterprises(db, SYSTEM, orgs.demo_enterprise_rows(), synthetic=True)
        load_sources_demo(db, SYSTEM)
        db.dispose()
        port = free_port()
        env = {
            **os.environ,
            "ECOCIV_DATABASE_URL": url,
            "ECOCIV_VAR_DIR": str(var),
            "ECOCIV_RECEIVER_HOST": "127.0.0.1",
            "ECOCIV_RECEIVER_PORT": str(port),
            "ECOCIV_LOG_LEVEL": "warning",
        }
        receiver = subprocess.Popen(
            [sys.executable, "-m", "ecociv", "receiver"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if receiver.poll() is not None:
                        raise SystemExit("the receiver did not start") from None
                    time.sleep(0.1)
            print(
                f"{len(devices)} synthetic devices × {args.hours} hourly uploads = {frames:,} "
                f"frames, {readings:,} values; receiver pid {receiver.pid} on port {port}"
            )
            started = time.perf_counter()
            result = asyncio.run(
                play("127.0.0.1", port, devices, start=START, hours=args.hours, seed=1)
            )
            answered_s = time.perf_counter() - started
            assert result.answered == frames, result
            store = ReadingsStore(var / "readings.duckdb")
            while store.count() < readings:
                time.sleep(0.2)
            stored_s = time.perf_counter() - started
        finally:
            receiver.terminate()
            receiver.wait(60)

    rng = random.Random(1)
    raw = [
        upload_frame(d, START + timedelta(hours=h), values, qn=f"{h:017d}")
        for d in devices
        for h, values in enumerate(hourly_values(d, args.hours, Faults(), rng))
    ]
    stream = b"".join(raw)
    started = time.perf_counter()
    framer = hj212.Framer()
    parsed = 0
    for event in framer.feed(stream):
        if isinstance(event, hj212.Frame):
            hj212.parse_packet(event, crc_policy=hj212.CrcPolicy.STRICT)
            parsed += 1
    parse_s = time.perf_counter() - started
    assert parsed == frames

    print()
    print(f"answered (fsync'd before each answer): {frames / answered_s:10,.0f} frames/s "
          f"({answered_s:.2f} s)")  # fmt: skip
    print(f"stored in the readings store:          {readings / stored_s:10,.0f} readings/s "
          f"({stored_s:.2f} s to the last value)")  # fmt: skip
    print(f"parse only (same frames, in process):  {parsed / parse_s:10,.0f} frames/s "
          f"({parse_s:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
