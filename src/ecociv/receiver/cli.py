"""Commands: ``ecociv receiver`` (run the HJ 212 TCP receiver) and ``ecociv simulate-devices``
(play synthetic devices against a receiver)."""

from __future__ import annotations

import asyncio
import csv
import logging
import signal
import sys
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import typer

from ecociv import sources
from ecociv.adapters.db import Database
from ecociv.adapters.framelog import FrameLog, FrameLogLocked
from ecociv.adapters.readings import ReadingsStore
from ecociv.config import Settings, get_settings
from ecociv.kernel.clock import SHANGHAI as BEIJING
from ecociv.receiver.backend import SourcesBackend
from ecociv.receiver.limits import ConnectionLimits, RateLimitFilter, UnregisteredBudget
from ecociv.receiver.server import Receiver, run_async
from ecociv.receiver.simulator import Faults, SimDevice, SimResult, play


def demo_devices() -> list[SimDevice]:
    """The synthetic demo devices (MN, password, kind) registered by ``ecociv demo``."""
    text = resources.files("ecociv.sources").joinpath("data/demo_devices.csv").read_text("utf-8")
    return [
        SimDevice(row["mn"], row["password"], row["kind"])
        for row in csv.DictReader(text.splitlines())
    ]


def build_receiver(settings: Settings, db: Database, store: ReadingsStore) -> Receiver:
    """The receiver with the limits of the settings (``ECOCIV_RECEIVER_*``)."""
    notify = (
        sources.WebhookNotifier(settings.warning_webhook_url)
        if settings.warning_webhook_url
        else None
    )
    retention = sources.UnregisteredRetention(
        mns=settings.receiver_unregistered_mns,
        frames_per_mn=settings.receiver_unregistered_frames_per_mn,
        frames=settings.receiver_unregistered_frames,
    )
    return Receiver(
        SourcesBackend(db, store, notify=notify, retention=retention),
        FrameLog(settings.var_dir / "frames"),
        process_interval=settings.receiver_process_seconds,
        limits=ConnectionLimits(
            idle_seconds=settings.receiver_idle_seconds,
            per_address=settings.receiver_max_per_address,
            unauthenticated=settings.receiver_max_unauthenticated,
            total=settings.receiver_max_connections,
            per_device=settings.receiver_max_per_device,
        ),
        unregistered=UnregisteredBudget(
            mns=settings.receiver_unregistered_mns,
            samples_per_mn=settings.receiver_unregistered_frames_per_mn,
            samples=min(100, settings.receiver_unregistered_frames),
        ),
        log_filter=RateLimitFilter(
            settings.receiver_log_lines, settings.receiver_log_interval_seconds
        ),
    )


async def _serve(settings: Settings, host: str, port: int) -> None:
    db = Database(
        settings.database_url,
        audit_key=settings.audit_key,
        audit_previous_keys=settings.audit_old_keys,
    )
    try:
        store = ReadingsStore(settings.var_dir / "readings.duckdb")
        receiver = build_receiver(settings, db, store)
    except FrameLogLocked:
        db.dispose()
        raise
    server = await receiver.start(host, port)
    limits = receiver.limits
    print(
        f"HJ 212 receiver listening on {host}:{receiver.port} "
        f"(frame log {settings.var_dir / 'frames'}; connections at most {limits.total}, "
        f"{limits.unauthenticated} unauthenticated, {limits.per_address} per address, "
        f"{limits.per_device} per device; "
        f"idle {limits.idle_seconds:g} s; descriptor limit {receiver.fd_limit})"
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    await receiver.stop()
    db.dispose()
    counts = {
        name: receiver.stats.total(name)
        for name in ("ok", "duplicate", "bad_crc", "bad_format", "refused_auth")
    }
    print(
        f"stopped; frames: {counts}; junk: {dict(receiver.stats.junk)}; "
        f"connections closed by a limit: {dict(receiver.stats.closed)}"
    )


def receiver(
    host: str = typer.Option("", help="address (default ECOCIV_RECEIVER_HOST)"),
    port: int = typer.Option(0, help="TCP port (default ECOCIV_RECEIVER_PORT, 9212)"),
) -> None:
    """Run the HJ 212 receiver: frames are logged durably, answered (9014/9013 when asked),
    stored in the readings store and checked for warnings. Listens on loopback unless
    ECOCIV_RECEIVER_HOST (or --host) says otherwise; connections are capped, idle ones
    closed (docs/operations.md, "Receiver limits"). One receiver per frame log: a second one
    on the same ECOCIV_VAR_DIR refuses to start. Ctrl+C stops it cleanly."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper())
    try:
        asyncio.run(
            _serve(settings, host or settings.receiver_host, port or settings.receiver_port)
        )
    except FrameLogLocked as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        raise typer.Exit(1) from None


def simulate_devices(
    count: int = typer.Option(5, "--count", min=1, help="how many demo devices to play"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(0, help="receiver port (default ECOCIV_RECEIVER_PORT)"),
    hours: int = typer.Option(24, min=1, help="hours of data per device"),
    start: str = typer.Option("", help="first hour, YYYY-MM-DDTHH (Beijing; default: hours ago)"),
    crc_errors: float = typer.Option(0.0, help="share of frames first sent with a bad CRC"),
    split: float = typer.Option(0.0, help="share of frames written in pieces"),
    exceed: float = typer.Option(0.0, help="share of hours over the usual level"),
    offline: str = typer.Option("", help="hours without data, e.g. 5-8"),
    stuck_from: int = typer.Option(-1, help="hour from which values stop changing"),
    seed: int = typer.Option(1),
    live: bool = typer.Option(
        False, "--live", help="send real-time data (CN 2011) now, every --interval seconds"
    ),
    interval: int = typer.Option(10, min=1, help="seconds between real-time uploads (--live)"),
    minutes: int = typer.Option(10, min=1, help="how long to send real-time data (--live)"),
) -> None:
    """Play synthetic demo devices (labelled synthetic) against a running receiver: hourly
    data (CN 2061) for past hours, or with --live real-time data (CN 2011) as it happens,
    which the outlet pages' live charts show."""
    devices = demo_devices()[:count]
    if len(devices) < count:
        print(f"only {len(devices)} synthetic demo devices are registered; playing those")
    first = (
        datetime.fromisoformat(start).replace(tzinfo=BEIJING)
        if start
        else (datetime.now(BEIJING) - timedelta(hours=hours)).replace(
            minute=0, second=0, microsecond=0
        )
    )
    cn, step, pace, periods = "2061", timedelta(hours=1), 0.0, hours
    if live:
        first = datetime.now(BEIJING).replace(microsecond=0)
        cn, step, pace = "2011", timedelta(seconds=interval), float(interval)
        periods = max(1, minutes * 60 // interval)
        print(f"sending real-time data every {interval} s for {minutes} min (Ctrl+C stops)")
    gap: frozenset[int] = frozenset()
    if offline:
        low, _, high = offline.partition("-")
        gap = frozenset(range(int(low), int(high or low) + 1))
    faults = Faults(
        crc_error_rate=crc_errors,
        split_rate=split,
        exceed_rate=exceed,
        offline_hours=gap,
        stuck_from=stuck_from if stuck_from >= 0 else None,
    )
    result = run_async(
        lambda: play(
            host,
            port or get_settings().receiver_port,
            devices,
            start=first,
            hours=periods,
            faults=faults,
            seed=seed,
            cn=cn,
            step=step,
            pace_s=pace,
        )
    )
    print(
        f"synthetic devices {len(devices)}: sent {result.sent}, answered {result.answered}, "
        f"unanswered {result.unanswered}, resent {result.resent}, "
        f"sent with a bad CRC {result.corrupted}"
    )
    if result.unanswered:
        raise typer.Exit(1)


#: Hours of synthetic device traffic the demo plays (ending at the current hour).
DEMO_HOURS = 48


def demo_traffic(
    db: Database, store: ReadingsStore, folder: Path, *, now: datetime, hours: int = DEMO_HOURS
) -> SimResult | None:
    """Play the synthetic demo devices through an in-process receiver for the last ``hours``
    hours, with faults the warning centre should show: a few frames with a bad CRC or written
    in pieces, some hours over the permit, one analyser stuck and one device gone offline.
    Skipped when the store already holds device data (so ``ecociv demo`` twice adds nothing)."""
    if any(load["source"] == "hj212" for load in store.loads()):
        return None
    devices = demo_devices()
    start = (now.astimezone(BEIJING) - timedelta(hours=hours)).replace(
        minute=0, second=0, microsecond=0
    )

    try:
        frame_log = FrameLog(folder)
    except FrameLogLocked as exc:  # a receiver runs on this log: the demo cannot use it
        print(f"error: {exc.message}", file=sys.stderr)
        raise typer.Exit(1) from None

    async def run() -> SimResult:
        receiver = Receiver(
            SourcesBackend(db, store),
            frame_log,
            process_interval=0.2,
            # every synthetic device connects from loopback at once
            limits=ConnectionLimits(per_address=1000, unauthenticated=1000, total=2000),
        )
        await receiver.start("127.0.0.1", 0)
        plain = Faults(crc_error_rate=0.03, split_rate=0.2, exceed_rate=0.04)
        results = await asyncio.gather(
            play("127.0.0.1", receiver.port, devices[:-2], start=start, hours=hours,
                 faults=plain, seed=7),
            play("127.0.0.1", receiver.port, devices[-2:-1], start=start, hours=hours,
                 faults=Faults(stuck_from=hours - 10), seed=7),
            play("127.0.0.1", receiver.port, devices[-1:], start=start, hours=hours,
                 faults=Faults(offline_hours=frozenset(range(hours - 8, hours))), seed=7),
        )  # fmt: skip
        await receiver.stop()
        total = SimResult()
        for result in results:
            total.sent += result.sent
            total.answered += result.answered
            total.unanswered += result.unanswered
            total.corrupted += result.corrupted
        return total

    return run_async(run)
