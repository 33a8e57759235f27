"""The audit chain: each entry hashes its content and its predecessor's hash."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ecociv.audit.model import AuditEntry
from ecociv.audit.rules import GENESIS, entry_hash, first_break

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "prev_hash": prev,
            "occurred_at": T0 + timedelta(seconds=seq),
            "actor": "kecheng",
            "actor_role": "county_officer",
            "action": "enterprise.update",
            "entity_type": "enterprise",
            "entity_id": f"E{seq}",
            "before": {"name": "旧"},
            "after": {"name": f"新{seq}"},
            "request_id": f"r{seq}",
        }
        row_hash = entry_hash(**fields)  # type: ignore[arg-type]
        entries.append(AuditEntry(**fields, row_hash=row_hash))  # type: ignore[arg-type]
        prev = row_hash
    return entries


def test_an_untouched_chain_has_no_break() -> None:
    assert first_break(chain(5)) is None
    assert first_break([]) is None


def test_changing_any_field_breaks_the_chain_at_that_row() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], after={"name": "篡改"})
    found = first_break(entries)
    assert found is not None and found.seq == 3


def test_changing_the_time_breaks_the_chain() -> None:
    entries = chain(3)
    entries[1] = replace(entries[1], occurred_at=entries[1].occurred_at + timedelta(microseconds=1))
    found = first_break(entries)
    assert found is not None and found.seq == 2


def test_a_deleted_row_is_found_at_the_gap() -> None:
    entries = chain(5)
    del entries[1]
    found = first_break(entries)
    assert found is not None and found.seq == 3


def test_recomputing_a_tampered_rows_hash_breaks_the_next_link() -> None:
    entries = chain(4)
    forged = replace(entries[1], actor="someone-else")
    fields = {
        k: getattr(forged, k)
        for k in (
            "seq",
            "prev_hash",
            "occurred_at",
            "actor",
            "actor_role",
            "action",
            "entity_type",
            "entity_id",
            "before",
            "after",
            "request_id",
        )
    }
    entries[1] = replace(forged, row_hash=entry_hash(**fields))
    found = first_break(entries)
    assert found is not None and found.seq == 3
