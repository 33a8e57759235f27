"""/healthz latency alone and while clients flood the sign-in form with wrong passwords.

Run: .venv/bin/python benchmarks/login_flood.py [--clients 4] [--requests 200] [--seconds 15]
     [--address-limit 1000000]

In one run: a fresh SQLite database with the reference data; the web application is started
with uvicorn (one worker) as a separate process on a free loopback port; then

1. ``--requests`` sequential ``GET /healthz`` requests, alone: median and p99 latency;
2. the same (for at least ``--seconds``) while ``--clients`` threads each post wrong
   passwords to ``POST /login`` as fast as the server answers (each a different unknown
   username, so every attempt costs one Argon2 verification against the dummy hash, a
   failed-login audit entry and a login_failure row): median and p99 of ``/healthz``, and
   sign-in attempts per second.

The per-address limit (``ECOCIV_LOGIN_ADDRESS_MAX_FAILURES``) is raised to
``--address-limit`` so that every attempt is verified; with the default limit (20 per 15
minutes) a flood from one address is refused without hashing after its 20th failure, which
would hide the cost being measured. Point ``PYTHONPATH`` at another checkout's ``src`` to
measure that code instead. The run stops by itself: the server is terminated at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from ecociv import orgs
from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Role

SYSTEM = Actor("benchmark", Role.ADMIN, request_id="benchmark")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_COOKIE = re.compile(r"ecociv_session=([^;]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthz_latencies(port: int, count: int, seconds: float = 0.0) -> list[float]:
    """Milliseconds of sequential GET /healthz on one kept-alive connection: ``count`` of
    them, and more until ``seconds`` have passed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times: list[float] = []
    until = time.perf_counter() + seconds
    while len(times) < count or time.perf_counter() < until:
        started = time.perf_counter()
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
    conn.close()
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):8.1f} ms   p99 {p99:8.1f} ms"


class Flooder(threading.Thread):
    """One client posting wrong passwords to the sign-in form until told to stop."""

    def __init__(self, port: int, index: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.index, self.stop, self.attempts = port, index, stop, 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("GET", "/login")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = _COOKIE.search(response.getheader("set-cookie") or "")
        found = _CSRF.search(page)
        assert cookie and found, "no session cookie or CSRF field on /login"
        session, csrf = cookie.group(1), found.group(1)
        while not self.stop.is_set():
            body = urlencode(
                {
                    "username": f"nobody-{self.index}-{self.attempts}",
                    "password": "wrong-password-1",
                    "csrf_token": csrf,
                }
            )
            conn.request(
                "POST",
                "/login",
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"ecociv_session={session}",
                },
            )
            response = conn.getresponse()
            response.read()
            assert response.status == 401, response.status
            renewed = _COOKIE.search(response.getheader("set-cookie") or "")
            if renewed:
                session = renewed.group(1)
            self.attempts += 1
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="measure under the flood at least this long"
    )
    parser.add_argument("--address-limit", type=int, default=1_000_000)
    parser.add_argument("--server-log", type=Path, help="keep the server's output in this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        db = Database(url)
        orgs.load_reference_data(db, SYSTEM)
        db.dispose()
        port = free_port()
        log = args.server_log.open("wb") if args.server_log else subprocess.DEVNULL
        env = {
            **os.environ,
            "ECOCIV_ENV": "test",
            "ECOCIV_DATABASE_URL": url,
            "ECOCIV_VAR_DIR": str(Path(folder) / "var"),
            "ECOCIV_SECRET_KEY": "benchmark-secret-" + "k" * 32,
            "ECOCIV_LOGIN_ADDRESS_MAX_FAILURES": str(args.address_limit),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "ecociv.web.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stop = threading.Event()
        flooders: list[Flooder] = []
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    healthz_latencies(port, 1)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("the web application did not start") from None
                    time.sleep(0.2)
            healthz_latencies(port, 20)  # warm up
            alone = healthz_latencies(port, args.requests)
            flooders = [Flooder(port, i, stop) for i in range(args.clients)]
            for flooder in flooders:
                flooder.start()
            time.sleep(1.0)  # let the flood reach its pace
            first = sum(f.attempts for f in flooders)
            started = time.perf_counter()
            flooded = healthz_latencies(port, args.requests, args.seconds)
            elapsed = time.perf_counter() - started
            attempts = sum(f.attempts for f in flooders) - first
        finally:
            stop.set()
            for flooder in flooders:
                flooder.join(60)
            server.terminate()
            server.wait(60)
    print(f"GET /healthz, uvicorn with one worker on 127.0.0.1:{port}")
    print(f"  alone ({len(alone)} requests):{' ' * 30}{summary(alone)}")
    print(
        f"  while {args.clients} clients send wrong passwords ({len(flooded)} requests): "
        f"{summary(flooded)}"
    )
    print(f"  sign-in attempts answered meanwhile: {attempts} ({attempts / elapsed:.1f}/s)")


if __name__ == "__main__":
    main()
