"""A flood against the HJ 212 receiver, at a small scale, on loopback only: does a registered
device still get its answer, and what does the flood leave behind?

Run: .venv/bin/python benchmarks/receiver_flood.py [--idle 3000] [--frames 20000]
         [--addresses 20] [--max-connections 1000] [--max-unauthenticated 500]

In one run: a fresh SQLite database with the synthetic demo registry; ``ecociv receiver`` is
started as a separate process on a free port of 127.0.0.1 with the caps given; this process

1. opens ``--idle`` sockets that send nothing, spread over ``--addresses`` loopback source
   addresses (127.0.0.2, 127.0.0.3, …), and keeps them open;
2. sends ``--frames`` frames, each from a different unregistered MN, over 10 connections;
3. while all that is open, a registered synthetic device connects and sends one hourly frame,
   and its 9014 answer is awaited;
4. prints the receiver's open descriptors beside the caps and its descriptor limit, how many of
   the idle sockets the receiver kept, the growth of the database (rows and bytes) and of the
   frame log, and the receiver's log lines; then stops the receiver and removes everything.

It targets only 127.0.0.1 and stops by itself (every wait is bounded).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from ecociv import orgs
from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Role
from ecociv.kernel.clock import SHANGHAI
from ecociv.receiver.cli import demo_devices
from ecociv.receiver.simulator import Faults, SimDevice, hourly_values, upload_frame
from ecociv.sources.demo import load_sources_demo

SYSTEM = Actor("benchmark", Role.ADMIN, request_id="benchmark")
START = datetime(2026, 1, 1, tzinfo=SHANGHAI)
HOST = "127.0.0.1"
#: Every wait is bounded by this (seconds), so the script always ends.
PATIENCE = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def rows(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("source_device_activity", "source_refused_frame")
        }


def counted(path: Path) -> int:
    """Refused frames the receiver has counted so far (all MNs)."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        found = con.execute("SELECT sum(frames_refused_auth) FROM source_device_activity")
        return int(found.fetchone()[0] or 0)


def size(*paths: Path) -> int:
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        elif path.exists():
            total += path.stat().st_size
    return total


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def flood(port: int, args: argparse.Namespace) -> dict[str, object]:
    idle: list[asyncio.StreamWriter] = []
    readers: list[asyncio.StreamReader] = []
    failed = 0
    for i in range(args.idle):
        source = f"127.0.0.{2 + i % args.addresses}"
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(HOST, port, local_addr=(source, 0)), PATIENCE
            )
        except (OSError, TimeoutError):
            failed += 1
            continue
        idle.append(writer)
        readers.append(reader)
    await asyncio.sleep(1.0)  # let the receiver close what it refuses
    kept = sum(1 for r in readers if not r.at_eof())

    device = demo_devices()[0]
    values = hourly_values(device, 1, Faults(), random.Random(1))[0]
    strangers = []
    for c in range(10):
        frames = [
            upload_frame(SimDevice(f"FLOOD{c}{i:09d}", "123456", device.kind), START, values,
                         qn=f"{i:017d}")
            for i in range(c, args.frames, 10)
        ]  # fmt: skip
        _reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(b"".join(frames))
        strangers.append(writer)

    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(upload_frame(device, START, values, qn="20260101000000001"))
    await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n"), PATIENCE)
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        answer = b""
    round_trip = time.perf_counter() - started
    for w in strangers:
        with contextlib.suppress(ConnectionError):
            await asyncio.wait_for(w.drain(), PATIENCE)
    return {
        "idle_opened": len(idle),
        "idle_failed": failed,
        "idle_kept": kept,
        "answered": b"CN=9014" in answer,
        "round_trip_s": round_trip,
        "writers": [*idle, *strangers, writer],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=3000, help="idle sockets to open")
    parser.add_argument("--frames", type=int, default=20_000, help="frames of unknown MNs")
    parser.add_argument("--addresses", type=int, default=20, help="loopback source addresses")
    parser.add_argument("--max-connections", type=int, default=1000)
    parser.add_argument("--max-unauthenticated", type=int, default=500)
    parser.add_argument("--max-per-address", type=int, default=20)
    parser.add_argument("--show-log", action="store_true", help="print every log line")
    parser.add_argument(
        "--fd-limit", type=int, default=0, help="the receiver's hard RLIMIT_NOFILE (0: inherit)"
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this side's sockets
    with tempfile.TemporaryDirectory() as folder:
        var = Path(folder) / "var"
        db_path = Path(folder) / "bench.db"
        url = f"sqlite:///{db_path}"
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
            "ECOCIV_RECEIVER_HOST": HOST,
            "ECOCIV_RECEIVER_PORT": str(port),
            "ECOCIV_RECEIVER_MAX_CONNECTIONS": str(args.max_connections),
            "ECOCIV_RECEIVER_MAX_UNAUTHENTICATED": str(args.max_unauthenticated),
            "ECOCIV_RECEIVER_MAX_PER_ADDRESS": str(args.max_per_address),
            "ECOCIV_LOG_LEVEL": "warning",
        }
        log_path = Path(folder) / "receiver.log"
        db_files = (db_path, Path(f"{db_path}-wal"))
        with open(log_path, "wb") as log_file:
            limit = args.fd_limit

            def low_limit() -> None:  # in the child: a small soft and hard descriptor limit
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(64, limit), limit))

            receiver = subprocess.Popen(
                [sys.executable, "-m", "ecociv", "receiver"],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                preexec_fn=low_limit if limit else None,  # noqa: PLW1509
            )
            try:
                deadline = time.monotonic() + PATIENCE
                while True:
                    try:
                        socket.create_connection((HOST, port), timeout=1).close()
                        break
                    except OSError:
                        if receiver.poll() is not None or time.monotonic() > deadline:
                            raise SystemExit("the receiver did not start") from None
                        time.sleep(0.1)
                before_rows, before_bytes = rows(db_path), size(db_path)
                before_wal = size(db_files[1])
                fds_before = open_fds(receiver.pid)
                result = asyncio.run(asyncio.wait_for(flood(port, args), PATIENCE * 4))
                fds_during = open_fds(receiver.pid)
                with open(f"/proc/{receiver.pid}/limits", encoding="ascii") as limits:
                    fd_limit = next(line for line in limits if line.startswith("Max open files"))
                deadline = time.monotonic() + PATIENCE * 4
                while counted(db_path) < args.frames and time.monotonic() < deadline:
                    time.sleep(0.5)  # until every frame of the flood is counted
                time.sleep(1.0)  # and the round after
                total_counted = counted(db_path)
                after_rows, after_bytes = rows(db_path), size(db_path)
                after_wal = size(db_files[1])
                frame_log = size(var / "frames")
            finally:
                receiver.send_signal(signal.SIGINT)
                try:
                    receiver.wait(PATIENCE)
                except subprocess.TimeoutExpired:
                    receiver.kill()
                    receiver.wait()
        output = log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    print(f"receiver on {HOST}:{port}; this process's descriptor limit was {soft}/{hard}")
    print(f"caps: total {args.max_connections}, unauthenticated {args.max_unauthenticated}, "
          f"per address {args.max_per_address}; receiver '{' '.join(fd_limit.split()[:5])}' "
          f"soft {fd_limit.split()[3]}")  # fmt: skip
    print(f"idle sockets: opened {result['idle_opened']} from {args.addresses} addresses "
          f"(failed {result['idle_failed']}), "
          f"still open after 1 s: {result['idle_kept']}")  # fmt: skip
    print(f"receiver open descriptors: before {fds_before}, during the flood {fds_during}")
    print(f"registered device answered 9014: {result['answered']} "
          f"(round trip {result['round_trip_s']:.3f} s, during the flood)")  # fmt: skip
    print(f"frames from {args.frames:,} unregistered MNs: database rows {before_rows} -> "
          f"{after_rows}; database file {before_bytes:,} -> {after_bytes:,} bytes "
          f"(+{after_bytes - before_bytes:,}), its WAL {before_wal:,} -> {after_wal:,}; "
          f"frame log {frame_log:,} bytes; "
          f"refused frames counted {total_counted:,}")  # fmt: skip
    warnings = [line for line in output if "WARNING" in line or "ERROR" in line]
    print(f"receiver log: {len(output)} lines ({len(warnings)} warnings/errors)")
    for line in output if args.show_log else [output[0], *output[-3:]]:
        print(f"  | {line[:200]}")


if __name__ == "__main__":
    main()
