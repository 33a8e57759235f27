"""The receiver's limits as bookkeeping, without a socket: the connection caps, the budget of
unregistered traffic per round and the log rate limit (docs/operations.md, "Receiver
limits")."""

from __future__ import annotations

import logging

import pytest

from ecociv.receiver.limits import (
    FD_RESERVE,
    OTHERS,
    Admission,
    ConnectionBook,
    ConnectionLimits,
    RateLimitFilter,
    UnregisteredBudget,
    UnregisteredTally,
    descriptor_budget,
)
from ecociv.sources import UNREGISTERED_OTHERS


def test_the_per_address_cap_admits_up_to_the_cap_and_refuses_the_next() -> None:
    book: ConnectionBook[str] = ConnectionBook(
        ConnectionLimits(per_address=3, unauthenticated=100, total=200)
    )
    assert book.admit("a1", "10.0.0.1") == (Admission.ADMITTED, None)
    assert book.admit("a2", "10.0.0.1") == (Admission.ADMITTED, None)  # just below the cap
    assert book.admit("a3", "10.0.0.1") == (Admission.ADMITTED, None)  # at the cap
    assert book.admit("a4", "10.0.0.1") == (Admission.REFUSED_ADDRESS, None)  # above
    assert book.admit("b1", "10.0.0.2") == (Admission.ADMITTED, None)  # another address
    book.authenticated("a1")  # an authenticated connection no longer counts for its address
    assert book.admit("a5", "10.0.0.1") == (Admission.ADMITTED, None)
    book.release("a2")
    assert book.admit("a6", "10.0.0.1") == (Admission.ADMITTED, None)
    assert book.total == 5 and book.unauthenticated == 4  # a1 authenticated, a2 gone


def test_a_full_unauthenticated_pool_makes_room_by_closing_its_oldest_connection() -> None:
    book: ConnectionBook[str] = ConnectionBook(
        ConnectionLimits(per_address=100, unauthenticated=2, total=10)
    )
    assert book.admit("idle1", "a")[0] is Admission.ADMITTED
    assert book.admit("device", "b")[0] is Admission.ADMITTED
    book.authenticated("device")
    assert book.admit("idle2", "a") == (Admission.ADMITTED, None)  # 2 waiting: at the cap
    assert book.admit("idle3", "a") == (Admission.ADMITTED, "idle1")  # above: oldest goes
    assert book.admit("idle4", "a") == (Admission.ADMITTED, "idle2")
    assert book.is_authenticated("device") and book.unauthenticated == 2 and book.total == 3


def test_the_total_cap_refuses_only_when_every_connection_has_authenticated() -> None:
    book: ConnectionBook[str] = ConnectionBook(
        ConnectionLimits(per_address=100, unauthenticated=2, total=3)
    )
    for name in ("d1", "d2"):
        book.admit(name, "x")
        book.authenticated(name)
    assert book.admit("idle", "y") == (Admission.ADMITTED, None)  # at the total cap
    assert book.admit("d3", "z") == (Admission.ADMITTED, "idle")  # full: the waiting one goes
    book.authenticated("d3")
    assert book.admit("late", "z") == (Admission.REFUSED_TOTAL, None)  # all authenticated
    book.release("d1")
    assert book.admit("late", "z") == (Admission.ADMITTED, None)


def test_the_per_device_cap_closes_the_oldest_connection_of_an_mn_beyond_it() -> None:
    """Rule: at most ``per_device`` connections authenticated as one MN; one more closes the
    oldest of that MN (docs/operations.md, "Receiver limits")."""
    book: ConnectionBook[str] = ConnectionBook(
        ConnectionLimits(per_address=100, unauthenticated=10, total=20, per_device=3)
    )
    for name in ("c1", "c2", "c3", "c4", "c5", "other"):
        book.admit(name, "10.0.0.1")
    assert book.authenticated("c1", "MN-A") is None
    assert book.authenticated("c2", "MN-A") is None  # just below the cap
    assert book.authenticated("c3", "MN-A") is None  # at the cap
    assert book.authenticated("c3", "MN-A") is None  # the same connection again: no change
    assert book.connections_of("MN-A") == 3
    assert book.authenticated("other", "MN-B") is None  # another MN has its own count
    assert book.authenticated("c4", "MN-A") == "c1"  # above: the oldest of MN-A goes
    assert book.authenticated("c5", "MN-A") == "c2"
    assert book.connections_of("MN-A") == 3 and book.connections_of("MN-B") == 1
    assert not book.is_authenticated("c1") and book.total == 4  # c3, c4, c5, other
    book.release("c3")
    assert book.connections_of("MN-A") == 2
    book.admit("c6", "10.0.0.1")
    assert book.authenticated("c6", "MN-A") is None  # room again after a release


def test_one_devices_connections_cannot_fill_the_total_cap() -> None:
    """Whoever holds one MN's password keeps at most ``per_device`` connections, so another
    registered device still finds room under the total cap."""
    book: ConnectionBook[int] = ConnectionBook(
        ConnectionLimits(per_address=20, unauthenticated=20, total=40, per_device=2)
    )
    closed = []
    for conn in range(40):
        assert book.admit(conn, "10.0.0.9")[0] is Admission.ADMITTED
        replaced = book.authenticated(conn, "DEMO-MN")
        if replaced is not None:
            closed.append(replaced)
    assert closed == list(range(38)) and book.total == 2
    assert book.admit(99, "10.0.0.7") == (Admission.ADMITTED, None)
    assert book.authenticated(99, "OTHER-MN") is None and book.is_authenticated(99)


def test_a_gateway_connection_counts_for_each_mn_it_carries() -> None:
    book: ConnectionBook[str] = ConnectionBook(
        ConnectionLimits(per_address=10, unauthenticated=5, total=10, per_device=1)
    )
    book.admit("gateway", "10.0.0.1")
    book.admit("direct", "10.0.0.2")
    assert book.authenticated("gateway", "MN-A") is None
    assert book.authenticated("gateway", "MN-B") is None
    assert book.authenticated("direct", "MN-B") == "gateway"  # the newer connection of MN-B wins
    assert book.connections_of("MN-A") == 0 and book.connections_of("MN-B") == 1


def test_limits_keep_room_for_authenticated_connections() -> None:
    with pytest.raises(ValueError, match="below the total"):
        ConnectionLimits(unauthenticated=10, total=10)
    ConnectionLimits(unauthenticated=9, total=10)
    with pytest.raises(ValueError):
        ConnectionLimits(idle_seconds=0)
    with pytest.raises(ValueError):
        ConnectionLimits(per_device=0)
    assert ConnectionLimits().per_device == 2


def test_the_total_cap_and_the_accept_backlog_stay_below_the_descriptor_limit() -> None:
    assert descriptor_budget(5000, 4096, None) == (5000, 4096)
    assert descriptor_budget(5000, 4096, 1_048_576) == (5000, 4096)
    full = FD_RESERVE + 4 * 4096  # the backlog takes at most a quarter of the headroom
    assert descriptor_budget(5000, 4096, full)[1] == 4096  # at
    assert descriptor_budget(5000, 4096, full - 4)[1] == 4095  # below
    assert descriptor_budget(5000, 4096, full + 4)[1] == 4096  # above: the wanted backlog
    for limit in (96, 256, 1024, 4096, 8192, full, 65536):
        total, backlog = descriptor_budget(5000, 4096, limit)
        assert total + backlog + FD_RESERVE <= max(limit, FD_RESERVE + 18)
        assert 2 <= total <= 5000 and 16 <= backlog <= 4096
    assert descriptor_budget(5000, 4096, 256) == (144, 48)


def test_one_round_names_at_most_the_budget_of_unregistered_mns_and_samples_within_it() -> None:
    assert OTHERS == UNREGISTERED_OTHERS
    tally = UnregisteredTally(UnregisteredBudget(mns=2, samples_per_mn=2, samples=3))
    assert [tally.key(mn) for mn in ("A", "B", "A", "C", "")] == ["A", "B", "A", OTHERS, OTHERS]
    assert [tally.sample("A") for _ in range(3)] == [True, True, False]  # 2 per MN
    assert tally.sample("B") is True  # 3 in all: at the budget
    assert tally.sample("C") is False  # above it


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("ecociv.receiver", logging.WARNING, __file__, 1, msg, args, None)


def test_the_log_limit_lets_n_lines_of_a_kind_through_then_says_how_many_it_suppressed() -> None:
    now = [0.0]
    limiter = RateLimitFilter(3, 60.0, clock=lambda: now[0])
    passed = [limiter.filter(_record("accept failed: %s", i)) for i in range(10)]
    assert passed == [True] * 3 + [False] * 7  # at the limit, then above it
    assert limiter.filter(_record("another kind %s", 1))  # kinds have their own bucket
    now[0] = 20.0  # a third of the interval: one line's worth
    later = _record("accept failed: %s", "x")
    assert limiter.filter(later)
    assert later.getMessage() == "accept failed: x (suppressed 7 similar lines)"
    assert not limiter.filter(_record("accept failed: %s", "y"))


def test_the_log_limit_reports_suppressed_lines_of_a_kind_gone_quiet(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    limiter = RateLimitFilter(1, 10.0, clock=lambda: now[0])
    for i in range(5):
        limiter.filter(_record("too many open files %s", i))
    logger = logging.getLogger("ecociv.receiver.test")
    with caplog.at_level(logging.WARNING, logger="ecociv.receiver.test"):
        assert limiter.flush(logger) == 0  # the bucket is still empty
        now[0] = 10.0
        assert limiter.flush(logger) == 1
        assert limiter.flush(logger) == 0  # reported once
        limiter.filter(_record("too many open files %s", 5))
        limiter.filter(_record("too many open files %s", 6))  # dropped: the bucket is empty
        assert limiter.flush(logger) == 0
        assert limiter.flush(logger, final=True) == 1  # stopping: reported anyway
    assert [r.getMessage() for r in caplog.records] == [
        "suppressed 4 similar lines of ecociv.receiver, the last: too many open files 4",
        "suppressed 1 similar lines of ecociv.receiver, the last: too many open files 6",
    ]


def test_the_suppressed_summary_reads_as_a_log_line_not_as_its_format_string(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The summary of a kind gone quiet shows the last dropped line with its values filled in
    (the refusal of a connection, here), never the raw ``%s`` template."""
    limiter = RateLimitFilter(1, 60.0, clock=lambda: 0.0)
    template = "connection from %s closed at once: %s"
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        limiter.filter(_record(template, address, "refused_address"))
    broken = _record("%s and %s", "only one")  # arguments that do not fit: the template
    limiter.filter(broken)
    limiter.filter(broken)
    logger = logging.getLogger("ecociv.receiver.test")
    with caplog.at_level(logging.WARNING, logger="ecociv.receiver.test"):
        assert limiter.flush(logger, final=True) == 2
    assert [r.getMessage() for r in caplog.records] == [
        "suppressed 2 similar lines of ecociv.receiver, the last: "
        "connection from 10.0.0.3 closed at once: refused_address",
        "suppressed 1 similar lines of ecociv.receiver, the last: %s and %s",
    ]


def test_the_log_limit_forgets_the_oldest_kinds_beyond_its_memory() -> None:
    limiter = RateLimitFilter(1, 60.0, kinds=3, clock=lambda: 0.0)
    for i in range(5):
        assert limiter.filter(_record(f"kind {i}"))
    assert limiter.filter(_record("kind 0"))  # forgotten, so new again
    assert not limiter.filter(_record("kind 4"))  # remembered and empty
