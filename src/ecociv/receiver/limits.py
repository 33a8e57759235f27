"""What keeps the HJ 212 receiver serving registered devices under a flood: connection caps,
the idle timeout, the descriptor limit, bounded bookkeeping of unregistered traffic and
rate-limited logging. The limits and their defaults are explained in ``docs/operations.md``
("Receiver limits").

Nothing here does I/O except :func:`raise_fd_limit` (it asks the kernel); the rest is
bookkeeping the server consults, so each rule has a test without a socket.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

C = TypeVar("C", bound=Hashable)

#: The counter key under which unregistered MNs beyond the kept ones are added together
#: (no registered MN can be ``*``: ``ecociv.sources.rules.MN_PATTERN``).
OTHERS = "*"
#: Descriptors kept free for what the receiver opens besides connections (frame log
#: segments, the database, the readings store, worker threads, the listening socket).
FD_RESERVE = 64


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """Connection caps (``docs/operations.md``, "Receiver limits").

    ``per_address``: connections from one address that have not yet sent an authenticated
    frame (a gateway's authenticated connections do not count); ``unauthenticated``: such
    connections in all; ``total``: every open connection. ``unauthenticated`` must be below
    ``total`` so that registered devices always have room. ``per_device``: connections
    authenticated as one MN; one more closes the oldest of them, so one device's
    credentials cannot hold the room left to the others."""

    idle_seconds: float = 600.0
    per_address: int = 20
    unauthenticated: int = 1000
    total: int = 5000
    per_device: int = 2

    def __post_init__(self) -> None:
        if self.idle_seconds <= 0:
            raise ValueError("idle_seconds must be positive")
        if min(self.per_address, self.unauthenticated, self.total, self.per_device) < 1:
            raise ValueError("connection caps must be at least 1")
        if self.unauthenticated >= self.total:
            raise ValueError("the unauthenticated cap must be below the total cap")


class Admission(StrEnum):
    ADMITTED = "admitted"
    REFUSED_ADDRESS = "refused_address"  # too many unauthenticated from this address
    REFUSED_TOTAL = "refused_total"  # every slot held by an authenticated connection


class ConnectionBook(Generic[C]):
    """Open connections, each unauthenticated until it sends a frame that authenticates.

    A new connection is refused at once when its address already holds ``per_address``
    unauthenticated connections, or when ``total`` connections are open and all of them
    are authenticated. When the unauthenticated connections (or all connections) are at
    their cap and some are unauthenticated, the oldest unauthenticated connection is closed
    to make room: an idle flood cannot keep a registered device from connecting and sending
    its first frame, and connections that have authenticated are never pushed out by
    unauthenticated ones.

    Authenticated connections are counted per MN: when a connection authenticates as an MN
    that already holds ``per_device`` connections, the oldest of them (the first to have
    authenticated as that MN) is closed. A data logger that reconnects leaves its old,
    half-open socket behind and the new one wins; whoever holds one device's password cannot
    fill the total cap with it."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self._waiting: OrderedDict[C, str] = OrderedDict()  # unauthenticated, oldest first
        self._trusted: dict[C, str] = {}
        self._per_address: Counter[str] = Counter()
        # MN -> its authenticated connections, oldest first; connection -> its MNs
        self._per_device: dict[str, OrderedDict[C, None]] = {}
        self._devices_of: dict[C, set[str]] = {}

    @property
    def total(self) -> int:
        return len(self._waiting) + len(self._trusted)

    @property
    def unauthenticated(self) -> int:
        return len(self._waiting)

    def admit(self, conn: C, address: str) -> tuple[Admission, C | None]:
        """Whether ``conn`` (from ``address``) may stay, and the connection to close for it."""
        if self._per_address[address] >= self.limits.per_address:
            return Admission.REFUSED_ADDRESS, None
        evicted: C | None = None
        full = self.total >= self.limits.total
        if full or len(self._waiting) >= self.limits.unauthenticated:
            if not self._waiting:
                return Admission.REFUSED_TOTAL, None
            evicted, _ = next(iter(self._waiting.items()))
            self.release(evicted)
        self._waiting[conn] = address
        self._per_address[address] += 1
        return Admission.ADMITTED, evicted

    def authenticated(self, conn: C, mn: str = "") -> C | None:
        """``conn`` sent a frame of the registered device ``mn`` with its password; return
        the connection to close for it (the oldest of ``mn`` beyond ``per_device``), which
        is no longer counted. A connection may carry several MNs (a gateway)."""
        address = self._waiting.pop(conn, None)
        if address is not None:
            self._forget(address)
            self._trusted[conn] = address
        if not mn or conn not in self._trusted:
            return None
        held = self._per_device.setdefault(mn, OrderedDict())
        if conn in held:
            return None
        held[conn] = None
        self._devices_of.setdefault(conn, set()).add(mn)
        if len(held) <= self.limits.per_device:
            return None
        oldest = next(iter(held))
        self.release(oldest)
        return oldest

    def is_authenticated(self, conn: C) -> bool:
        return conn in self._trusted

    def connections_of(self, mn: str) -> int:
        """How many open connections have authenticated as ``mn``."""
        return len(self._per_device.get(mn, ()))

    def release(self, conn: C) -> None:
        """``conn`` is closed (idempotent)."""
        address = self._waiting.pop(conn, None)
        if address is not None:
            self._forget(address)
        self._trusted.pop(conn, None)
        for mn in self._devices_of.pop(conn, ()):
            held = self._per_device.get(mn)
            if held is not None:
                held.pop(conn, None)
                if not held:
                    del self._per_device[mn]

    def _forget(self, address: str) -> None:
        self._per_address[address] -= 1
        if self._per_address[address] <= 0:
            del self._per_address[address]


def descriptor_budget(wanted: int, backlog: int, fd_soft_limit: int | None) -> tuple[int, int]:
    """The total connection cap and the listen backlog that fit the descriptor limit.

    Besides the connections it keeps, the receiver holds :data:`FD_RESERVE` descriptors of
    its own, and asyncio accepts up to ``backlog`` connections at a time before the refused
    ones are closed. So the backlog takes at most a quarter of what is left after the
    reserve (at least 16) and the total cap the rest: the receiver's own files never fail
    with EMFILE."""
    if fd_soft_limit is None:
        return wanted, backlog
    headroom = max(2, fd_soft_limit - FD_RESERVE)
    backlog = min(backlog, max(16, headroom // 4))
    return max(2, min(wanted, headroom - backlog)), backlog


def raise_fd_limit() -> int | None:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; return the soft limit now
    in force (None where the platform has no such limit)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return None if soft == resource.RLIM_INFINITY else int(soft)


@dataclass(frozen=True, slots=True)
class UnregisteredBudget:
    """What the receiver keeps of unregistered traffic per processing round: counters for at
    most ``mns`` distinct unregistered MNs (the rest added together under :data:`OTHERS`)
    and at most ``samples_per_mn`` refused frames per MN, ``samples`` in all, written to the
    frame log for inspection. Everything else is counted and dropped."""

    mns: int = 200
    samples_per_mn: int = 5
    samples: int = 100


class UnregisteredTally:
    """One processing round of unregistered traffic, within an :class:`UnregisteredBudget`."""

    def __init__(self, budget: UnregisteredBudget) -> None:
        self.budget = budget
        self._samples: Counter[str] = Counter()
        self._keys: set[str] = set()

    def key(self, mn: str) -> str:
        """The counter key of ``mn``: itself while fewer than ``budget.mns`` MNs are named
        this round, else :data:`OTHERS` (frames without an MN too)."""
        if not mn:
            return OTHERS
        if mn in self._keys:
            return mn
        if len(self._keys) < self.budget.mns:
            self._keys.add(mn)
            return mn
        return OTHERS

    def sample(self, mn: str) -> bool:
        """Whether this refused frame of ``mn`` is kept (and counts against the budget)."""
        if self._samples.total() >= self.budget.samples:
            return False
        if self._samples[mn] >= self.budget.samples_per_mn:
            return False
        self._samples[mn] += 1
        return True


def _formatted(record: logging.LogRecord) -> str:
    """The record's message with its arguments filled in (its template if they do not fit)."""
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        return str(record.msg)


class RateLimitFilter(logging.Filter):
    """A token bucket per kind of log line (logger, level and message template): at most
    ``lines`` lines per ``interval`` seconds of one kind pass; the rest are dropped and
    counted, and the next line of that kind to pass says how many were dropped
    ("suppressed K similar lines"). :meth:`flush` reports the counts of kinds that have
    gone quiet, with the last dropped line as it would have read (its template filled in).
    Kinds are forgotten beyond ``kinds`` (the oldest first)."""

    def __init__(
        self,
        lines: int = 20,
        interval: float = 60.0,
        *,
        kinds: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if lines < 1 or interval <= 0:
            raise ValueError("lines must be at least 1 and interval positive")
        self.lines = lines
        self.interval = interval
        self.kinds = kinds
        self.clock = clock
        # kind -> [tokens, last refill, suppressed since the last line that passed]
        self._buckets: OrderedDict[tuple[str, int, str], list[float]] = OrderedDict()
        # kind -> the last line of that kind dropped, formatted
        self._last_dropped: dict[tuple[str, int, str], str] = {}

    @staticmethod
    def _kind(record: logging.LogRecord) -> tuple[str, int, str]:
        return record.name, record.levelno, str(record.msg)[:200]

    def _refill(self, bucket: list[float], now: float) -> None:
        bucket[0] = min(self.lines, bucket[0] + (now - bucket[1]) * self.lines / self.interval)
        bucket[1] = now

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "rate_limit_summary", False):
            return True
        now = self.clock()
        kind = self._kind(record)
        bucket = self._buckets.get(kind)
        if bucket is None:
            bucket = [float(self.lines), now, 0.0]
            self._buckets[kind] = bucket
            while len(self._buckets) > self.kinds:
                forgotten, _ = self._buckets.popitem(last=False)
                self._last_dropped.pop(forgotten, None)
        else:
            self._buckets.move_to_end(kind)
            self._refill(bucket, now)
        if bucket[0] < 1:
            bucket[2] += 1
            self._last_dropped[kind] = _formatted(record)
            return False
        bucket[0] -= 1
        if bucket[2]:
            record.msg = f"{_formatted(record)} (suppressed {int(bucket[2])} similar lines)"
            record.args = None
            bucket[2] = 0
            self._last_dropped.pop(kind, None)
        return True

    def flush(self, logger: logging.Logger, *, final: bool = False) -> int:
        """Log one "suppressed K similar lines" line for each kind whose bucket has refilled
        since lines were dropped (with ``final``, for every kind with dropped lines: the
        process is stopping); return how many lines that was."""
        now = self.clock()
        written = 0
        for kind, bucket in list(self._buckets.items()):
            if not bucket[2]:
                continue
            self._refill(bucket, now)
            if bucket[0] < 1 and not final:
                continue
            count, bucket[2] = int(bucket[2]), 0
            name, level, template = kind
            logger.log(
                level,
                "suppressed %d similar lines of %s, the last: %s",
                count,
                name,
                self._last_dropped.pop(kind, template),
                extra={"rate_limit_summary": True},
            )
            written += 1
        return written
