"""Use cases of the audit log: record a write, list entries, verify the chain."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ecociv.adapters.db import Database
from ecociv.audit.model import AuditEntry, ChainBreak
from ecociv.audit.rules import GENESIS, canonical_json, changed_fields, entry_hash, first_break
from ecociv.audit.tables import AuditRow
from ecociv.kernel import Actor, Clock, Permission, SystemClock, ensure

#: Any constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 212_0001


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    clock: Clock | None = None,
    only_changes: bool = True,
) -> AuditEntry:
    """Append an entry inside the caller's transaction (so the write and its record commit
    or roll back together)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    if only_changes:
        before, after = changed_fields(before, after)
    # Round-trip through canonical JSON so what is hashed equals what is read back.
    before = json.loads(canonical_json(before))
    after = json.loads(canonical_json(after))
    last = session.execute(
        select(AuditRow.seq, AuditRow.row_hash).order_by(AuditRow.seq.desc()).limit(1)
    ).first()
    seq = 1 if last is None else last.seq + 1
    prev_hash = GENESIS if last is None else last.row_hash
    occurred_at = (clock or SystemClock()).now()
    request_id = actor.request_id or f"local-{uuid.uuid4().hex[:16]}"
    fields: dict[str, Any] = {
        "seq": seq,
        "prev_hash": prev_hash,
        "occurred_at": occurred_at,
        "actor": actor.username,
        "actor_role": str(actor.role),
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "before": before,
        "after": after,
        "request_id": request_id,
    }
    row_hash = entry_hash(**fields)
    session.add(
        AuditRow(
            **{**fields, "before": canonical_json(before), "after": canonical_json(after)},
            row_hash=row_hash,
        )
    )
    session.flush()
    return AuditEntry(**fields, row_hash=row_hash)


def _to_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        occurred_at=row.occurred_at,
        actor=row.actor,
        actor_role=row.actor_role,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        before=json.loads(row.before),
        after=json.loads(row.after),
        request_id=row.request_id,
        prev_hash=row.prev_hash,
        row_hash=row.row_hash,
    )


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """How many entries were checked and the first break, if any."""

    checked: int
    first_break: ChainBreak | None


def verify_chain(db: Database, *, batch: int = 5000) -> VerifyResult:
    """Walk the whole log in order and report the first entry whose chain breaks."""
    checked = 0
    with db.reading() as session:
        result = session.execute(
            select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=batch)
        )
        try:

            def entries() -> Iterator[AuditEntry]:
                nonlocal checked
                for row in result.scalars():
                    checked += 1
                    yield _to_entry(row)

            found = first_break(entries())
        finally:
            result.close()  # a break stops early: release the server-side cursor
    return VerifyResult(checked=checked, first_break=found)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What an admin filters the log by; every field optional."""

    actor: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    page_size: int


def list_entries(
    db: Database, actor: Actor, filters: AuditFilter, *, page: int = 1, page_size: int = 50
) -> AuditPage:
    """Entries matching the filter, newest first."""
    ensure(actor, Permission.AUDIT_READ)
    page = max(page, 1)
    page_size = min(max(page_size, 1), 500)
    conditions = []
    if filters.actor:
        conditions.append(AuditRow.actor == filters.actor)
    if filters.action:
        conditions.append(AuditRow.action == filters.action)
    if filters.entity_type:
        conditions.append(AuditRow.entity_type == filters.entity_type)
    if filters.entity_id:
        conditions.append(AuditRow.entity_id == filters.entity_id)
    if filters.since:
        conditions.append(AuditRow.occurred_at >= filters.since)
    if filters.until:
        conditions.append(AuditRow.occurred_at < filters.until)
    with db.reading() as session:
        total = session.scalar(select(func.count()).select_from(AuditRow).where(*conditions)) or 0
        rows = session.scalars(
            select(AuditRow)
            .where(*conditions)
            .order_by(AuditRow.seq.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        return AuditPage([_to_entry(r) for r in rows], total, page, page_size)


def distinct_values(db: Database, actor: Actor) -> dict[str, list[str]]:
    """The actions and entity types present, for the filter form."""
    ensure(actor, Permission.AUDIT_READ)
    with db.reading() as session:
        return {
            "action": list(session.scalars(select(AuditRow.action).distinct().order_by("action"))),
            "entity_type": list(
                session.scalars(select(AuditRow.entity_type).distinct().order_by("entity_type"))
            ),
        }
