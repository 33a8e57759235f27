"""Does a large .xlsx upload hold up other requests? /healthz latency alone and during uploads.

Run: .venv/bin/python benchmarks/upload_blocking.py [--rows 60000] [--uploads 3] [--probes 200]

Builds a demo database in a temporary folder, starts the app with uvicorn (one worker) on a
free loopback port, and makes a readings workbook of ``--rows`` rows (about 2 MB of .xlsx at
60,000 rows). Then (1) ``--probes`` sequential GET /healthz alone, and (2) the same while
``--uploads`` clients each post the workbook to /api/v1/monitoring/readings/import (as the
demo admin, by bearer token) over and over. Prints the median and p99 of /healthz in both
phases, the uploads' own times and the server's peak memory, then stops the server.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from ecociv import demo, indicators, orgs, users
from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Role

SYSTEM = Actor(username="benchmark", role=Role.ADMIN, request_id="benchmark")
SECRET = "benchmark-secret-" + "x" * 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def workbook(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("readings")
    sheet.append(["site_code", "parameter", "observed_at", "value", "flag"])
    start = datetime(2024, 1, 1)  # noqa: DTZ001  # local time, as the upload convention says
    for i in range(rows):
        moment = start + timedelta(hours=i)
        sheet.append(["QZ-W01", "pH", moment.strftime("%Y-%m-%d %H:%M"), 7 + (i % 10) / 10, "N"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.xlsx"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


def get(port: int, path: str) -> float:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 200, response.status
    return time.perf_counter() - started


def probe(port: int, count: int) -> list[float]:
    return [get(port, "/healthz") for _ in range(count)]


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:8.1f} ms   p99 {p99 * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--uploads", type=int, default=3)
    parser.add_argument("--probes", type=int, default=200)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ecociv-upload-bench-"))
    url = f"sqlite:///{folder / 'ecociv.db'}"
    migrate.upgrade(url)
    db = Database(url)
    orgs.load_reference_data(db, SYSTEM)
    indicators.load_catalogues(db, SYSTEM)
    demo.load_demo(db, SYSTEM)
    token = users.create_token(db, SYSTEM, username="admin", name="benchmark").secret
    db.dispose()
    data = workbook(args.rows)
    body, boundary = multipart(data)
    print(f"workbook: {args.rows} rows, {len(data) / 1024 / 1024:.2f} MB")

    port = free_port()
    env = {
        **os.environ,
        "ECOCIV_ENV": "test",
        "ECOCIV_VAR_DIR": str(folder),
        "ECOCIV_DATABASE_URL": url,
        "ECOCIV_SECRET_KEY": SECRET,
        "ECOCIV_MAX_UPLOAD_MB": "50",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "ecociv.web.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                get(port, "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        probe(port, 10)  # warm up
        alone = probe(port, args.probes)

        upload_times: list[float] = []
        statuses: list[int] = []
        stop = threading.Event()

        def upload() -> None:
            while not stop.is_set():
                started = time.perf_counter()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                conn.request(
                    "POST",
                    "/api/v1/monitoring/readings/import?accept_partial=true",
                    body=body,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": f"multipart/form-data; boundary={boundary}",
                    },
                )
                response = conn.getresponse()
                response.read()
                conn.close()
                statuses.append(response.status)
                upload_times.append(time.perf_counter() - started)

        workers = [threading.Thread(target=upload) for _ in range(args.uploads)]
        for worker in workers:
            worker.start()
        time.sleep(0.5)  # let the uploads get going
        during = probe(port, args.probes)
        stop.set()
        for worker in workers:
            worker.join()
        print(f"/healthz alone          {summary(alone)}")
        print(f"/healthz during uploads {summary(during)}")
        print(
            f"uploads: {len(upload_times)} done (status {sorted(set(statuses))}), "
            f"{summary(upload_times)}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"server peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
