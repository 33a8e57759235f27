"""The clock is passed in, never read inside rules: services take a Clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc_now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def to_local(instant: datetime) -> datetime:
    """An instant shown in China Standard Time (Asia/Shanghai)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(SHANGHAI)


class Clock(Protocol):
    """Anything that tells the time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> datetime:
        return utc_now()
