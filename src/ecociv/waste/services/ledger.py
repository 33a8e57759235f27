"""The management ledger (危险废物管理台账, HJ 1259-2022 §6): a unit records each batch it
generates, stores in, stores out, disposes of itself or hands over, one record per container
or package. A batch of records is all or nothing; a record sent again (same unit, stage and
batch number) with the same content changes nothing, with other content it is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import select

from ecociv import audit
from ecociv.adapters.db import Database
from ecociv.kernel import (
    Actor,
    Clock,
    NotFoundError,
    Permission,
    PermissionDeniedError,
    Role,
    SystemClock,
    ValidationError,
    can,
    ensure,
)
from ecociv.kernel.clock import SHANGHAI
from ecociv.standards import waste as catalogue
from ecociv.waste.model import LedgerEntry, LedgerStage
from ecociv.waste.repository import ledger_of
from ecociv.waste.services.registry import unit_of
from ecociv.waste.tables import FacilityRow, LedgerRow

#: Stages whose record points at the batch it came from (HJ 1259-2022 §6.3).
_PARENT_STAGE = {
    LedgerStage.STORE_IN: LedgerStage.GENERATE,
    LedgerStage.STORE_OUT: LedgerStage.STORE_IN,
}


@dataclass(frozen=True, slots=True)
class LedgerResult:
    received: int
    inserted: int
    unchanged: int


def _same(row: LedgerRow, entry: LedgerEntry) -> bool:
    return (
        row.code == entry.code
        and row.quantity_t == entry.quantity_t
        and row.occurred_at == entry.occurred_at
        and row.parent_batch_no == entry.parent_batch_no
        and (row.manifest_no or None) == (entry.manifest_no or None)
    )


def record_ledger(
    db: Database,
    actor: Actor,
    entries: Sequence[LedgerEntry],
    clock: Clock | None = None,
    *,
    is_synthetic: bool = False,
) -> LedgerResult:
    """Record ledger entries of one or more units: a unit's own users for their unit, the
    bureau and administrators for any. Errors name the row and the field; nothing is written
    when one row is bad."""
    now = (clock or SystemClock()).now()
    with db.transaction() as session:
        own: str | None = None
        if not (actor.role is Role.ADMIN or can(actor, Permission.WASTE_MANAGE)):
            ensure(actor, Permission.WASTE_ACT)
            own = unit_of(session, actor)
            if own is None:
                raise PermissionDeniedError("本账户的企业未登记 (enterprise not registered)")
        units = set(session.scalars(select(FacilityRow.uscc)))
        errors: list[dict[str, str]] = []
        existing: dict[tuple[str, str, str], LedgerRow] = {}
        batches = {(e.unit_uscc, e.stage.value, e.batch_no) for e in entries}
        for unit in sorted({e.unit_uscc for e in entries}):
            for row in session.scalars(select(LedgerRow).where(LedgerRow.unit_uscc == unit)):
                existing[(row.unit_uscc, row.stage, row.batch_no)] = row
        for i, e in enumerate(entries, start=1):

            def bad(name: str, message: str, row: int = i) -> None:
                errors.append({"field": f"row {row}: {name}", "message": message})

            if e.unit_uscc not in units:
                bad("unit_uscc", f"单位 {e.unit_uscc} 未登记 (unit not registered)")
            elif own is not None and e.unit_uscc != own:
                bad("unit_uscc", "只能记录本单位的台账 (only your own unit's ledger)")
            if not catalogue.is_valid_code(e.code):
                bad("code", f"“{e.code}” 不是名录中的废物代码 (not a catalogue code)")
            if e.quantity_t <= Decimal(0):
                bad("quantity_t", "数量须为正数 (quantity must be positive)")
            if e.occurred_at.tzinfo is None or e.occurred_at > now:
                bad("occurred_at", "时间须带时区且不晚于现在 (aware and not in the future)")
            parent_stage = _PARENT_STAGE.get(e.stage)
            if parent_stage is not None:
                key = (e.unit_uscc, parent_stage.value, e.parent_batch_no or "")
                if not e.parent_batch_no or (key not in existing and key not in batches):
                    bad(
                        "parent_batch_no",
                        f"找不到上一环节（{parent_stage.value}）批次 “{e.parent_batch_no or ''}” "
                        "(the batch this one comes from is unknown)",
                    )
            if e.stage is LedgerStage.HAND_OVER and not e.manifest_no:
                bad("manifest_no", "委外利用处置须填联单号 (hand-over needs the manifest number)")
            stored = existing.get((e.unit_uscc, e.stage.value, e.batch_no))
            if stored is not None and not _same(stored, e):
                bad("batch_no", f"批次 {e.batch_no} 已有不同记录 (batch exists with other content)")
        if errors:
            raise ValidationError(
                f"{len(errors)} 处错误，台账未写入 (nothing recorded)",
                field=errors[0]["field"],
                errors=errors,
            )
        inserted = 0
        for e in entries:
            if (e.unit_uscc, e.stage.value, e.batch_no) in existing:
                continue
            row = LedgerRow(
                unit_uscc=e.unit_uscc,
                stage=e.stage.value,
                batch_no=e.batch_no,
                parent_batch_no=e.parent_batch_no,
                code=e.code,
                quantity_t=e.quantity_t,
                occurred_at=e.occurred_at,
                container_code=e.container_code,
                container_type=e.container_type,
                package_count=e.package_count,
                facility_code=e.facility_code,
                staff=e.staff,
                manifest_no=e.manifest_no,
                is_synthetic=is_synthetic,
                created_at=now,
            )
            session.add(row)
            existing[(e.unit_uscc, e.stage.value, e.batch_no)] = row
            inserted += 1
        if inserted:
            session.flush()
            audit.record(
                session, actor, "waste_ledger.record", "waste_ledger",
                ",".join(sorted({e.unit_uscc for e in entries})), None,
                {"received": len(entries), "inserted": inserted}, only_changes=False,
            )  # fmt: skip
    return LedgerResult(len(entries), inserted, len(entries) - inserted)


def ledger_entries(
    db: Database,
    actor: Actor,
    unit_uscc: str,
    *,
    start_on: date | None = None,
    end_on: date | None = None,
) -> list[LedgerEntry]:
    """A unit's ledger in time order between local days [start_on, end_on): its own users,
    its county's officers, the city."""
    start = datetime.combine(start_on, time(0), SHANGHAI) if start_on else None
    end = datetime.combine(end_on, time(0), SHANGHAI) if end_on else None
    ensure(actor, Permission.WASTE_READ)
    with db.reading() as session:
        facility = session.scalar(select(FacilityRow).where(FacilityRow.uscc == unit_uscc))
        hidden = (
            facility is None
            or (actor.role is Role.ENTERPRISE_USER and unit_of(session, actor) != unit_uscc)
            or (actor.role is Role.COUNTY_OFFICER and facility.adcode != actor.county_code)
        )
        if hidden:  # outside the reader's scope reads as absent
            raise NotFoundError(f"没有单位 {unit_uscc} 的台账 (no such ledger)", field="uscc")
        stmt = select(LedgerRow).where(LedgerRow.unit_uscc == unit_uscc)
        if start is not None:
            stmt = stmt.where(LedgerRow.occurred_at >= start)
        if end is not None:
            stmt = stmt.where(LedgerRow.occurred_at < end)
        rows = session.scalars(stmt.order_by(LedgerRow.occurred_at, LedgerRow.id)).all()
        return [ledger_of(r) for r in rows]
