"""Fixtures: the demo registry loaded, a readings store, and frames."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.sources.demo import demo_devices, load_sources_demo
from ecociv.sources.model import DeviceFrame, FrameValue
from ecociv.sources.services import clear_device_cache
from tests.conftest import SYSTEM

NOW = datetime(2026, 3, 2, 12, 5, tzinfo=UTC)


@pytest.fixture
def sources_db(db: Database) -> Database:
    clear_device_cache()
    load_sources_demo(db, SYSTEM)
    return db


@pytest.fixture
def store(tmp_path: Path) -> ReadingsStore:
    return ReadingsStore(tmp_path / "readings.duckdb")


def device(kind: str, index: int = 0) -> dict[str, str]:
    """A demo device of a kind (its MN, password, outlet code)."""
    return [d for d in demo_devices() if d["kind"] == kind][index]


def hourly_frames(
    mn: str, values: Sequence[tuple[str, float]], *, hours: int, end: datetime = NOW,
    suffix: str = "Avg", flag: str = "N",
) -> list[DeviceFrame]:  # fmt: skip
    """One CN 2061 hourly frame per hour for the ``hours`` complete hours before ``end``."""
    last = end.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    return [
        DeviceFrame(
            mn=mn,
            cn="2061",
            data_time=last - timedelta(hours=h),
            values=tuple(FrameValue(code, suffix, value, flag) for code, value in values),
            received_at=last - timedelta(hours=h) + timedelta(minutes=61),
        )
        for h in reversed(range(hours))
    ]
