"""Manifest use cases: draft, then each legal transition (T1–T12) by the party it belongs to,
loaded, checked by the pure state machine (:mod:`ecociv.waste.rules.manifest`) with what its
guards need from the registry, and saved as a new version with its event and audit entry, in
one transaction. After a full or partial acceptance the platform closes the manifest (T8).

Who acts: an enterprise user for its own unit (the facility linked to its enterprise); the
bureau (``WASTE_MANAGE``) as the regulator for corrections; an administrator may act on behalf
of a party (``on_behalf_of``: back-entering a party's own records, enterprise systems behind an
administrator's token), which the audit log records as such.

Relay transport (T5) is offer → accept: the current carrier or the consignor offers the
manifest to a named next carrier, who alone may then read it and take it over; a unit that is
not on the manifest and not named in a standing offer cannot even find it. A refused relay step
changes nothing and is kept in the audit log (``waste_manifest.refused``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecociv import audit
from ecociv.adapters.db import Database
from ecociv.kernel import (
    Actor,
    Clock,
    ConflictError,
    EcocivError,
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
from ecociv.waste.model import (
    Manifest,
    ManifestState,
    Party,
    PartyRole,
)
from ecociv.waste.repository import manifest_of, save_manifest
from ecociv.waste.rules import manifest as machine
from ecociv.waste.services.registry import (
    CITY_PREFIX,
    Facility,
    approval_for,
    check_carrier,
    crew_of_unit,
    facilities,
    licences_of,
    plan_for,
    unit_of,
    vehicles_of,
)
from ecociv.waste.tables import (
    ManifestEventRow,
    ManifestLineRow,
    ManifestRow,
    ManifestVersionRow,
)

#: Digits 5–8 of the numbers this platform gives (省 33, 市 08: 转移办法 第十五条).
PREFECTURE_CODE = "3308"
#: States in which received waste counts against a receiver's approved annual scale.
_RECEIVED_STATES = ("accepted", "partially_accepted", "closed", "disposed")


@dataclass(frozen=True, slots=True)
class EventRecord:
    version: int
    transition: str
    action: str
    from_state: str | None
    to_state: str
    actor_role: str
    actor_uscc: str
    actor_user: str
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ManifestView:
    """A manifest as a page or the API shows it: the current version, its parties' sites,
    its events, its versions, and what the viewer may do next."""

    id: int
    manifest: Manifest
    parties: dict[str, Facility]
    events: list[EventRecord]
    versions: list[tuple[int, datetime, str]]
    actions: list[str]
    is_synthetic: bool
    route: dict[str, Any] | None = None

    @property
    def reference(self) -> str:
        """The number, or ``#id`` for a draft."""
        return self.manifest.number or f"#{self.id}"


# ---- scope -----------------------------------------------------------------------------------


def read_conditions(session: Session, actor: Actor) -> list[ColumnElement[bool]]:
    """Which manifests the actor sees: an enterprise user those its unit is a party to (or is
    offered a relay of), a county officer those leaving or arriving in its county, the other
    signed-in roles all."""
    ensure(actor, Permission.WASTE_READ)
    if actor.role is Role.ENTERPRISE_USER:
        uscc = unit_of(session, actor) or "-"
        return [
            or_(
                ManifestRow.consignor_uscc == uscc,
                ManifestRow.receiver_uscc == uscc,
                ManifestRow.carriers.like(f"%,{uscc},%"),
                ManifestRow.relay_to_uscc == uscc,
            )
        ]
    if actor.role is Role.COUNTY_OFFICER:
        county = actor.county_code or "-"
        return [or_(ManifestRow.consignor_adcode == county, ManifestRow.receiver_adcode == county)]
    return []


def ref_condition(ref: str) -> ColumnElement[bool]:
    """A manifest by its 14-digit number, or by ``#id`` (a draft has no number yet)."""
    key = ref.strip().lstrip("#")
    if len(key) == 14 and key.isdigit():
        return ManifestRow.number == key
    return ManifestRow.id == (int(key) if key.isdigit() and len(key) < 10 else -1)


def _find(session: Session, actor: Actor, ref: str) -> ManifestRow:
    """A manifest by its number (14 digits) or ``#id`` / id (drafts), within scope (a relay's
    next carrier finds it once the relay is offered to it by name)."""
    row = session.scalar(
        select(ManifestRow)
        .where(ref_condition(ref), *read_conditions(session, actor))
        .with_for_update()
    )
    if row is None:
        raise NotFoundError(f"没有联单 {ref} (no such manifest)", field="manifest")
    return row


# ---- context ---------------------------------------------------------------------------------


def _local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def _received_this_year(
    session: Session, receiver_uscc: str, year: int, exclude_id: int | None
) -> dict[str, Decimal]:
    start = datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    conditions = [
        ManifestRow.receiver_uscc == receiver_uscc,
        ManifestRow.state.in_(_RECEIVED_STATES),
        ManifestRow.accepted_at >= start,
        ManifestRow.accepted_at < end,
    ]
    if exclude_id is not None:
        conditions.append(ManifestRow.id != exclude_id)
    rows = session.execute(
        select(ManifestLineRow.code, ManifestLineRow.accepted_t)
        .join(ManifestRow, ManifestRow.id == ManifestLineRow.manifest_id)
        .where(*conditions)
    ).all()
    totals: dict[str, Decimal] = {}
    for code, accepted in rows:
        totals[code] = totals.get(code, Decimal(0)) + (accepted or Decimal(0))
    return totals


def _context(
    session: Session,
    manifest: Manifest | None,
    *,
    consignor_uscc: str,
    receiver_uscc: str,
    carrier_uscc: str | None,
    now: datetime,
    exclude_id: int | None,
) -> machine.ManifestContext:
    day = _local_day(now)
    approval = approval_for(session, consignor_uscc, receiver_uscc, day)
    used: dict[str, Decimal] = {}
    if approval is not None:
        shipped = session.execute(
            select(ManifestLineRow.code, ManifestLineRow.shipped_t)
            .join(ManifestRow, ManifestRow.id == ManifestLineRow.manifest_id)
            .where(
                ManifestRow.consignor_uscc == consignor_uscc,
                ManifestRow.receiver_uscc == receiver_uscc,
                ManifestRow.state.not_in(("draft", "cancelled")),
                ManifestRow.id != (exclude_id or -1),
            )
        ).all()
        for code, t in shipped:
            used[code] = used.get(code, Decimal(0)) + (t or Decimal(0))
    return machine.ManifestContext(
        receiver_licences=licences_of(session, receiver_uscc),
        receiver_year_t=_received_this_year(session, receiver_uscc, day.year, exclude_id),
        plan=plan_for(session, consignor_uscc, day.year),
        approval=approval,
        approval_used_t=used,
        vehicles=vehicles_of(session, carrier_uscc) if carrier_uscc else (),
        crew=crew_of_unit(session, carrier_uscc) if carrier_uscc else (),
        prefecture_code=PREFECTURE_CODE,
    )


# ---- who acts --------------------------------------------------------------------------------


def _acting_uscc(session: Session, actor: Actor, on_behalf_of: str | None) -> str:
    if on_behalf_of:
        if actor.role is not Role.ADMIN:
            raise PermissionDeniedError(
                "只有系统管理员可以代当事单位操作 (only an administrator may act on behalf)"
            )
        return on_behalf_of.strip().upper()
    ensure(actor, Permission.WASTE_ACT)
    uscc = unit_of(session, actor)
    if uscc is None:
        raise PermissionDeniedError(
            "本账户的企业未登记为危险废物相关单位 (this account's enterprise is not a registered "
            "waste party)"
        )
    return uscc


def _party(
    session: Session, actor: Actor, manifest: Manifest, action: str, on_behalf_of: str | None
) -> Party:
    """The party an action is taken as. The rules check it is the right one."""
    who = machine.TRANSITIONS[action].actor
    if who == "party" and not on_behalf_of and can(actor, Permission.WASTE_MANAGE):
        return Party(PartyRole.REGULATOR, "", actor.username)
    uscc = _acting_uscc(session, actor, on_behalf_of)
    carriers = {manifest.carrier_uscc, *(leg.carrier_uscc for leg in manifest.legs)}
    if who in ("carrier", "next carrier"):
        return Party(PartyRole.CARRIER, uscc, actor.username)
    if who == "carrier or consignor":
        current = manifest.current_leg
        if current is not None and uscc == current.carrier_uscc:
            return Party(PartyRole.CARRIER, uscc, actor.username)
        if uscc == manifest.consignor_uscc:
            return Party(manifest.consignor_role, uscc, actor.username)
        return Party(PartyRole.CARRIER, uscc, actor.username)
    if who == "receiver":
        return Party(PartyRole.RECEIVER, uscc, actor.username)
    if uscc == manifest.consignor_uscc:
        return Party(manifest.consignor_role, uscc, actor.username)
    if uscc == manifest.receiver_uscc:
        return Party(PartyRole.RECEIVER, uscc, actor.username)
    if uscc in carriers:
        return Party(PartyRole.CARRIER, uscc, actor.username)
    return Party(manifest.consignor_role, uscc, actor.username)


def _adcodes(session: Session, manifest: Manifest) -> tuple[str, str]:
    sites = facilities(session, [manifest.consignor_uscc, manifest.receiver_uscc])
    missing = [u for u in (manifest.consignor_uscc, manifest.receiver_uscc) if u not in sites]
    if missing:
        raise ValidationError(
            f"单位 {missing[0]} 未登记为危险废物相关单位 (unit not registered)",
            field="receiver_uscc" if missing[0] == manifest.receiver_uscc else "consignor_uscc",
        )
    return sites[manifest.consignor_uscc].adcode, sites[manifest.receiver_uscc].adcode


def _next_number(session: Session, now: datetime) -> str:
    year = _local_day(now).year
    prefix = f"{year}{PREFECTURE_CODE}"
    last = session.scalar(
        select(func.max(ManifestRow.number)).where(ManifestRow.number.like(f"{prefix}%"))
    )
    serial = int(last[-6:]) + 1 if last else 1
    return machine.format_manifest_number(year, PREFECTURE_CODE, serial)


#: Called after a manifest is saved, inside the same transaction (the warning rules).
AfterSave = Callable[[Session, int, Manifest, datetime], None]
_after_save: list[AfterSave] = []


#: Called in a transaction of its own when a blocking rule refuses a step, so the refusal
#: itself is on record for the bureau (the refused step changes nothing).
Blocked = Callable[[Session, "machine.TransferBlockedError", str, int | None, str, datetime], None]
_on_blocked: list[Blocked] = []


def on_blocked(hook: Blocked) -> None:
    """Register a hook run when a blocking rule (W09–W11, W14, W15) refuses a step."""
    if hook not in _on_blocked:
        _on_blocked.append(hook)


def _record_blocked(
    db: Database,
    error: machine.TransferBlockedError,
    action: str,
    manifest_id: int | None,
    consignor_uscc: str,
    now: datetime,
) -> None:
    with db.transaction() as session:
        for hook in _on_blocked:
            hook(session, error, action, manifest_id, consignor_uscc, now)


def on_saved(hook: AfterSave) -> None:
    """Register a hook run after every saved version (the warning rules use it)."""
    if hook not in _after_save:
        _after_save.append(hook)


def _store(
    session: Session,
    actor: Actor,
    transition: machine.Transition,
    row: ManifestRow | None,
    now: datetime,
    *,
    is_synthetic: bool,
    on_behalf_of: str | None,
) -> ManifestRow:
    manifest, event = transition
    consignor_adcode, receiver_adcode = _adcodes(session, manifest)
    before = None if row is None else {"state": row.state, "version": row.version}
    stored = save_manifest(
        session,
        manifest,
        event,
        row=row,
        consignor_adcode=consignor_adcode,
        receiver_adcode=receiver_adcode,
        now=now,
        is_synthetic=is_synthetic,
    )
    after = {"state": manifest.state.value, "version": manifest.version}
    if on_behalf_of:
        after["on_behalf_of"] = on_behalf_of
    audit.record(
        session, actor, f"waste_manifest.{event.action}", "waste_manifest",
        manifest.number or f"#{stored.id}", before, after, only_changes=False,
    )  # fmt: skip
    for hook in _after_save:
        hook(session, stored.id, manifest, now)
    return stored


# ---- use cases -------------------------------------------------------------------------------


def create_draft(
    db: Database,
    actor: Actor,
    draft: machine.DraftInput,
    *,
    consignor_role: PartyRole = PartyRole.GENERATOR,
    on_behalf_of: str | None = None,
    clock: Clock | None = None,
    is_synthetic: bool = False,
) -> ManifestView:
    """T1: the consignor drafts a manifest (checked against its plan and the receiver's
    licence)."""
    now = (clock or SystemClock()).now()
    acting = on_behalf_of or ""
    try:
        with db.transaction() as session:
            uscc = acting = _acting_uscc(session, actor, on_behalf_of)
            party = Party(consignor_role, uscc, actor.username)
            context = _context(
                session, None, consignor_uscc=uscc,
                receiver_uscc=draft.receiver_uscc.strip().upper(), carrier_uscc=None, now=now,
                exclude_id=None,
            )  # fmt: skip
            result = machine.create_draft(party, draft, now=now, context=context)
            row = _store(
                session, actor, result, None, now, is_synthetic=is_synthetic,
                on_behalf_of=on_behalf_of,
            )  # fmt: skip
            return _view(session, actor, row)
    except machine.TransferBlockedError as blocked:
        _record_blocked(db, blocked, "create_draft", None, acting, now)
        raise


def act(
    db: Database,
    actor: Actor,
    ref: str,
    action: str,
    args: Mapping[str, Any] | None = None,
    *,
    on_behalf_of: str | None = None,
    clock: Clock | None = None,
) -> ManifestView:
    """Take one legal action on a manifest (its number, or ``#id`` for a draft) as the party
    it belongs to. ``args`` are the rules function's inputs: ``draft`` (revise_draft),
    ``shipped_t`` (submit: line number → t), ``reason`` (cancel, start_correction), ``leg``
    (depart, accept_relay), ``to_carrier_uscc`` and ``place`` (offer_relay), ``end_place``
    (deliver), ``receipts`` (confirm_receipt), ``disposals`` (report_disposal), ``changes``
    (finish_correction), ``carrier_uscc`` and ``receiver_uscc`` (make_return_manifest).
    A refused action changes nothing."""
    if action not in machine.TRANSITIONS or action in ("create_draft", "backfill_paper", "close"):
        raise ValidationError(f"未知操作 “{action}” (unknown action)", field="action")
    args = dict(args or {})
    now = (clock or SystemClock()).now()
    found: list[tuple[int, str]] = []  # the manifest's id and consignor, once read
    if action == "offer_relay" and str(args.get("to_carrier_uscc") or "").strip():
        check_carrier(db, str(args["to_carrier_uscc"]), _local_day(now))
    try:
        return _act(db, actor, ref, action, args, on_behalf_of, now, found)
    except machine.TransferBlockedError as blocked:
        manifest_id, consignor = found[0] if found else (None, "")
        _record_blocked(db, blocked, action, manifest_id, consignor, now)
        raise
    except (PermissionDeniedError, ConflictError, NotFoundError) as refused:
        if action in RELAY_ACTIONS:
            _record_refused(db, actor, ref, action, refused, on_behalf_of)
        raise


#: The steps of a relay (T5): a refusal of one of them is kept in the audit log.
RELAY_ACTIONS = ("offer_relay", "withdraw_relay", "accept_relay")


def _record_refused(
    db: Database,
    actor: Actor,
    ref: str,
    action: str,
    error: EcocivError,
    on_behalf_of: str | None,
) -> None:
    """Keep a refused step in the audit log (a transaction of its own: the step changed
    nothing), with who tried what on which reference and why it was refused."""
    after = {"action": action, "field": error.field or "", "reason": error.message}
    if on_behalf_of:
        after["on_behalf_of"] = on_behalf_of
    with db.transaction() as session:
        audit.record(
            session, actor, "waste_manifest.refused", "waste_manifest", ref.strip()[:40], None,
            after, only_changes=False,
        )  # fmt: skip


def _act(
    db: Database,
    actor: Actor,
    ref: str,
    action: str,
    args: dict[str, Any],
    on_behalf_of: str | None,
    now: datetime,
    found: list[tuple[int, str]],
) -> ManifestView:
    with db.transaction() as session:
        row = _find(session, actor, ref)
        found.append((row.id, row.consignor_uscc))
        current = manifest_of(row.body)
        party = _party(session, actor, current, action, on_behalf_of)
        carrier = party.uscc if party.role is PartyRole.CARRIER else current.carrier_uscc
        context = _context(
            session, current, consignor_uscc=current.consignor_uscc,
            receiver_uscc=args.get("receiver_uscc") or current.receiver_uscc,
            carrier_uscc=carrier, now=now, exclude_id=row.id,
        )  # fmt: skip
        result = _dispatch(session, action, current, party, args, now, context)
        if action == "make_return_manifest":
            stored = _store(
                session, actor, result, None, now, is_synthetic=row.is_synthetic,
                on_behalf_of=on_behalf_of,
            )  # fmt: skip
            return _view(session, actor, stored)
        stored = _store(
            session, actor, result, row, now, is_synthetic=row.is_synthetic,
            on_behalf_of=on_behalf_of,
        )  # fmt: skip
        if result.manifest.state in (ManifestState.ACCEPTED, ManifestState.PARTIALLY_ACCEPTED):
            closed = machine.close(result.manifest, now=now)  # T8: the platform closes it
            stored = _store(
                session, actor, closed, stored, now, is_synthetic=row.is_synthetic,
                on_behalf_of=on_behalf_of,
            )  # fmt: skip
        return _view(session, actor, stored)


def _dispatch(
    session: Session,
    action: str,
    m: Manifest,
    party: Party,
    args: dict[str, Any],
    now: datetime,
    context: machine.ManifestContext,
) -> machine.Transition:
    try:
        if action == "revise_draft":
            return machine.revise_draft(m, party, args["draft"], now=now, context=context)
        if action == "submit":
            number = _next_number(session, now)
            shipped = args.get("shipped_t") or {line.line_no: line.planned_t for line in m.lines}
            return machine.submit(
                m, party, number=number, shipped_t=shipped, now=now, context=context
            )
        if action == "cancel":
            return machine.cancel(m, party, reason=args.get("reason", ""), now=now)
        if action == "depart":
            return machine.depart(m, party, args["leg"], now=now, context=context)
        if action == "offer_relay":
            to = str(args["to_carrier_uscc"]).strip().upper()
            if to and not facilities(session, [to]):
                raise ValidationError(
                    f"后一承运人 {to} 未登记为危险废物相关单位 "
                    "(the next carrier is not registered)",
                    field="to_carrier_uscc",
                )
            return machine.offer_relay(
                m, party, to_carrier_uscc=args["to_carrier_uscc"], place=args.get("place", ""),
                now=now,
            )  # fmt: skip
        if action == "withdraw_relay":
            return machine.withdraw_relay(m, party, now=now)
        if action == "accept_relay":
            return machine.accept_relay(m, party, args["leg"], now=now, context=context)
        if action == "deliver":
            return machine.deliver(
                m, party, end_place=args.get("end_place", ""), now=now, context=context
            )
        if action == "confirm_receipt":
            return machine.confirm_receipt(
                m, party, tuple(args["receipts"]), now=now, context=context
            )
        if action == "report_disposal":
            return machine.report_disposal(
                m, party, tuple(args["disposals"]), now=now, context=context
            )
        if action == "make_return_manifest":
            existing = session.scalar(
                select(ManifestRow.id).where(
                    ManifestRow.parent_no == m.number, ManifestRow.state != "cancelled"
                )
            )
            if existing is not None:
                raise ConflictError(
                    f"联单 {m.number} 已有退运联单 (a return manifest already exists)",
                    field="parent_no",
                )
            return machine.make_return_manifest(
                m, party, carrier_uscc=args["carrier_uscc"], now=now, context=context,
                receiver_uscc=args.get("receiver_uscc"),
            )  # fmt: skip
        if action == "start_correction":
            return machine.start_correction(m, party, reason=args.get("reason", ""), now=now)
        if action == "finish_correction":
            return machine.finish_correction(m, party, args["changes"], now=now, context=context)
        if action == "complete_backfill":
            return machine.complete_backfill(m, party, now=now)
    except KeyError as exc:
        raise ValidationError(
            f"缺少 {exc.args[0]} (missing input)", field=str(exc.args[0])
        ) from None
    raise ValidationError(f"未知操作 “{action}” (unknown action)", field="action")


def backfill_paper(
    db: Database,
    actor: Actor,
    paper: Manifest,
    *,
    scan_ref: str,
    on_behalf_of: str | None = None,
    clock: Clock | None = None,
    is_synthetic: bool = False,
) -> ManifestView:
    """T12: the consignor back-enters a transfer made on a paper manifest."""
    now = (clock or SystemClock()).now()
    with db.transaction() as session:
        uscc = _acting_uscc(session, actor, on_behalf_of)
        party = Party(paper.consignor_role, uscc, actor.username)
        context = _context(
            session, paper, consignor_uscc=paper.consignor_uscc,
            receiver_uscc=paper.receiver_uscc, carrier_uscc=None, now=now, exclude_id=None,
        )  # fmt: skip
        if paper.number and session.scalar(
            select(ManifestRow.id).where(ManifestRow.number == paper.number)
        ):
            raise ConflictError(f"联单号 {paper.number} 已存在 (number exists)", field="number")
        result = machine.backfill_paper(paper, party, scan_ref=scan_ref, now=now, context=context)
        try:
            row = _store(
                session, actor, result, None, now, is_synthetic=is_synthetic,
                on_behalf_of=on_behalf_of,
            )  # fmt: skip
        except IntegrityError:
            raise ConflictError(f"联单号 {paper.number} 已存在 (number exists)") from None
        return _view(session, actor, row)


# ---- reads -----------------------------------------------------------------------------------


def _view(session: Session, actor: Actor, row: ManifestRow) -> ManifestView:
    manifest = manifest_of(row.body)
    events = [
        EventRecord(
            e.version,
            e.transition,
            e.action,
            e.from_state,
            e.to_state,
            e.actor_role,
            e.actor_uscc,
            e.actor_user,
            e.at,
            dict(e.data),
        )  # fmt: skip
        for e in session.scalars(
            select(ManifestEventRow)
            .where(ManifestEventRow.manifest_id == row.id)
            .order_by(ManifestEventRow.id)
        )
    ]
    versions = [
        (v.version, v.created_at, str(v.body.get("state", "")))
        for v in session.scalars(
            select(ManifestVersionRow)
            .where(ManifestVersionRow.manifest_id == row.id)
            .order_by(ManifestVersionRow.version)
        )
    ]
    usccs = [manifest.consignor_uscc, manifest.receiver_uscc, manifest.carrier_uscc]
    usccs += [leg.carrier_uscc for leg in manifest.legs]
    if manifest.relay_offer is not None:
        usccs.append(manifest.relay_offer.to_carrier_uscc)
    return ManifestView(
        id=row.id,
        manifest=manifest,
        parties=facilities(session, usccs),
        events=events,
        versions=versions,
        actions=_actions_for(session, actor, manifest),
        is_synthetic=row.is_synthetic,
        route=row.route,
    )


def _actions_for(session: Session, actor: Actor, m: Manifest) -> list[str]:
    """The legal next actions the viewer's unit could take (the rules decide when it tries)."""
    legal = [a for a in machine.legal_actions(m.state) if a != "close"]
    legal = [a for a in legal if _relay_fits(a, m)]
    if can(actor, Permission.WASTE_MANAGE) and actor.role is not Role.ADMIN:
        return [a for a in legal if machine.TRANSITIONS[a].actor == "party"]
    if actor.role is not Role.ENTERPRISE_USER:
        return legal if actor.role is Role.ADMIN else []
    uscc = unit_of(session, actor)
    mine: list[str] = []
    offer = m.relay_offer
    for action in legal:
        who = machine.TRANSITIONS[action].actor
        consignor = uscc == m.consignor_uscc
        receiver = uscc == m.receiver_uscc
        carrier = uscc == m.carrier_uscc or any(leg.carrier_uscc == uscc for leg in m.legs)
        current = m.current_leg is not None and m.current_leg.carrier_uscc == uscc
        if action == "offer_relay":
            mine += [action] if current or consignor else []
        elif action == "withdraw_relay":
            mine += [action] if offer is not None and offer.offered_by.uscc == uscc else []
        elif action == "accept_relay":
            mine += [action] if offer is not None and offer.to_carrier_uscc == uscc else []
        elif (
            (who == "consignor" and consignor)
            or (who == "receiver" and receiver)
            or (who == "carrier" and carrier)
            or (who in ("party", "consignor or receiver") and (consignor or receiver or carrier))
        ):
            mine.append(action)
    return mine


def _relay_fits(action: str, m: Manifest) -> bool:
    """Offer while no offer stands; withdraw or accept while one does."""
    if action == "offer_relay":
        return m.relay_offer is None
    if action in ("withdraw_relay", "accept_relay"):
        return m.relay_offer is not None
    return True


def relay_offers(db: Database, actor: Actor) -> list[ManifestView]:
    """The relays offered to the actor's unit by name, waiting for it to take them over
    (转移办法 第十七条): empty for a user whose unit is offered none, and for other roles."""
    ensure(actor, Permission.WASTE_READ)
    with db.reading() as session:
        uscc = unit_of(session, actor)
        if uscc is None:
            return []
        rows = session.scalars(
            select(ManifestRow)
            .where(
                ManifestRow.relay_to_uscc == uscc,
                ManifestRow.state == ManifestState.IN_TRANSIT.value,
            )
            .order_by(ManifestRow.number)
        ).all()
        return [_view(session, actor, row) for row in rows]


def get_manifest(db: Database, actor: Actor, ref: str) -> ManifestView:
    """One manifest within the actor's scope (its number, or ``#id`` for a draft)."""
    with db.reading() as session:
        row = session.scalar(
            select(ManifestRow).where(ref_condition(ref), *read_conditions(session, actor))
        )
        if row is None:
            raise NotFoundError(f"没有联单 {ref} (no such manifest)", field="manifest")
        return _view(session, actor, row)


def manifest_version(db: Database, actor: Actor, ref: str, version: int) -> Manifest:
    """An earlier version of a manifest, as it was."""
    with db.reading() as session:
        view_row = session.scalar(
            select(ManifestRow).where(
                ref_condition(ref),
                *read_conditions(session, actor),
            )
        )
        if view_row is None:
            raise NotFoundError(f"没有联单 {ref} (no such manifest)", field="manifest")
        found = session.scalar(
            select(ManifestVersionRow).where(
                ManifestVersionRow.manifest_id == view_row.id,
                ManifestVersionRow.version == version,
            )
        )
        if found is None:
            raise NotFoundError(
                f"联单 {ref} 没有第 {version} 版 (no such version)", field="version"
            )
        return manifest_of(found.body)


@dataclass(frozen=True, slots=True)
class ManifestFilter:
    """Search: any party, code, county (either end), state, kind, submission dates (local)."""

    party_uscc: str | None = None
    code: str | None = None
    county_code: str | None = None
    state: str | None = None
    waste_kind: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    number: str | None = None
    in_city: bool | None = None


@dataclass(frozen=True, slots=True)
class ManifestSummary:
    id: int
    number: str | None
    state: str
    waste_kind: str
    consignor_uscc: str
    consignor_adcode: str
    receiver_uscc: str
    receiver_adcode: str
    carrier_uscc: str
    vehicle_plate: str
    submitted_at: datetime | None
    delivered_at: datetime | None
    closed_at: datetime | None
    shipped_t: Decimal
    codes: tuple[str, ...]
    is_synthetic: bool

    @property
    def reference(self) -> str:
        return self.number or f"#{self.id}"


@dataclass(frozen=True, slots=True)
class ManifestPage:
    items: list[ManifestSummary]
    total: int
    page: int
    page_size: int
    names: dict[str, str]


def search_manifests(
    db: Database, actor: Actor, filters: ManifestFilter, *, page: int = 1, page_size: int = 50
) -> ManifestPage:
    """Manifests within the actor's scope matching the filters, newest first."""
    page, page_size = max(page, 1), min(max(page_size, 1), 500)
    with db.reading() as session:
        conditions = read_conditions(session, actor)
        if filters.party_uscc:
            u = filters.party_uscc.strip().upper()
            conditions.append(
                or_(
                    ManifestRow.consignor_uscc == u,
                    ManifestRow.receiver_uscc == u,
                    ManifestRow.carriers.like(f"%,{u},%"),
                )
            )
        if filters.county_code:
            c = filters.county_code
            conditions.append(
                or_(ManifestRow.consignor_adcode == c, ManifestRow.receiver_adcode == c)
            )
        if filters.state:
            conditions.append(ManifestRow.state == filters.state)
        if filters.waste_kind:
            conditions.append(ManifestRow.waste_kind == filters.waste_kind)
        if filters.number:
            conditions.append(ManifestRow.number.like(f"%{filters.number.strip()}%"))
        if filters.in_city is not None:
            inside = ManifestRow.receiver_adcode.like(f"{CITY_PREFIX}%")
            conditions.append(inside if filters.in_city else ~inside)
        if filters.submitted_from:
            start = datetime.combine(filters.submitted_from, datetime.min.time(), SHANGHAI)
            conditions.append(ManifestRow.submitted_at >= start)
        if filters.submitted_to:
            end = datetime.combine(filters.submitted_to, datetime.max.time(), SHANGHAI)
            conditions.append(ManifestRow.submitted_at <= end)
        if filters.code:
            coded = select(ManifestLineRow.manifest_id).where(
                ManifestLineRow.code == filters.code.strip()
            )
            conditions.append(ManifestRow.id.in_(coded))
        where = and_(*conditions) if conditions else None
        count = select(func.count()).select_from(ManifestRow)
        stmt = select(ManifestRow)
        if where is not None:
            count, stmt = count.where(where), stmt.where(where)
        total = session.scalar(count) or 0
        rows = session.scalars(
            stmt.order_by(ManifestRow.submitted_at.desc().nulls_first(), ManifestRow.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        lines: dict[int, list[ManifestLineRow]] = {}
        if rows:
            for line in session.scalars(
                select(ManifestLineRow).where(ManifestLineRow.manifest_id.in_([r.id for r in rows]))
            ):
                lines.setdefault(line.manifest_id, []).append(line)
        items = [
            ManifestSummary(
                id=r.id,
                number=r.number,
                state=r.state,
                waste_kind=r.waste_kind,
                consignor_uscc=r.consignor_uscc,
                consignor_adcode=r.consignor_adcode,
                receiver_uscc=r.receiver_uscc,
                receiver_adcode=r.receiver_adcode,
                carrier_uscc=r.carrier_uscc,
                vehicle_plate=r.vehicle_plate,
                submitted_at=r.submitted_at,
                delivered_at=r.delivered_at,
                closed_at=r.closed_at,
                shipped_t=sum((x.shipped_t or Decimal(0) for x in lines.get(r.id, [])), Decimal(0)),
                codes=tuple(sorted({x.code for x in lines.get(r.id, [])})),
                is_synthetic=r.is_synthetic,
            )
            for r in rows
        ]
        usccs = {u for i in items for u in (i.consignor_uscc, i.receiver_uscc, i.carrier_uscc)}
        names = {u: f.name for u, f in facilities(session, sorted(usccs)).items()}
    return ManifestPage(items, total, page, page_size, names)


def count_by_state(db: Database, actor: Actor) -> dict[str, int]:
    """How many manifests the actor sees in each state (every state, zeros included)."""
    with db.reading() as session:
        found = session.execute(
            select(ManifestRow.state, func.count())
            .where(*read_conditions(session, actor))
            .group_by(ManifestRow.state)
        ).all()
    counts = dict.fromkeys((s.value for s in ManifestState), 0)
    counts.update({str(state): int(n) for state, n in found})
    return counts
