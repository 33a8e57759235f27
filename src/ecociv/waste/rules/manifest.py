"""The transfer-manifest state machine (危险废物转移联单, docs/modules/hazwaste.md §2.1, T1–T12) as
pure functions.

One function per legal transition. Each takes the current :class:`Manifest` (none for T1, T10,
T12), the acting :class:`Party` (role + USCC + user), its inputs, ``now`` (an aware instant) and
a :class:`ManifestContext` holding what its guards need; it returns a :class:`Transition` (the new
manifest and the :class:`ManifestEvent` recording it) or raises a domain error. The input
manifest is a frozen value and is never changed, so a refused step leaves it as it was.

The transitions (function: from → to, who acts, legal basis):

* T1 :func:`create_draft`, :func:`revise_draft`: — → draft; consignor; 转移办法 第十条第二、四项,
  第十四条.
* T2 :func:`submit`: draft → submitted; consignor; 第十条第三项, 第十五条, 第二十一至二十七条.
* T3 :func:`cancel`: draft, submitted → cancelled; consignor; design (before loading only).
* T4 :func:`depart`: submitted → in_transit; carrier; 第十一条第一、二项, 第十三条.
* T5 relay transport, offer → accept (第十七条): :func:`offer_relay` (the current carrier or the
  consignor names the next carrier), :func:`withdraw_relay` (the offerer), :func:`accept_relay`
  (only the named carrier: in_transit → in_transit, leg n+1).
* T6 :func:`deliver`: in_transit → delivered; current carrier; 第十一条第四项.
* T7 :func:`confirm_receipt`: delivered → accepted, partially_accepted, rejected; receiver;
  第十二条, 第十八条.
* T8 :func:`close`: accepted, partially_accepted → closed; the platform; design.
* T9 :func:`report_disposal`: closed → disposed; receiver; 第十二条第四项.
* T10 :func:`make_return_manifest`: rejected, partially_accepted (or closed/disposed with refused
  waste) → a new draft; consignor or receiver (托运人); 第三十一条第五项, design.
* T11 :func:`start_correction`, :func:`finish_correction`: post-submission → under_correction →
  back; the field's owner, or the EEB; 第二十九条第三款.
* T12 :func:`backfill_paper`, :func:`complete_backfill`: — → paper_backfill → the state the paper
  reached; consignor (completion: consignor or receiver); 第二十条.

Errors (all from :mod:`ecociv.kernel`): the wrong party gets :class:`PermissionDeniedError`, the
wrong state :class:`ConflictError`, bad input :class:`ValidationError` naming the field or line,
and a transfer a rule forbids :class:`TransferBlockedError` (a ValidationError) carrying the
warning rule of docs/modules/hazwaste.md §6 it enforces (W09 vehicle and crew, W10 licence, W11
capacity, W14 cross-province approval, W15 management plan). Messages are Chinese first, English in
parentheses.

**Manifest number** (转移办法 第十五条): 14 digits ``YYYY PP CC NNNNNN`` — year (4), the
consignor's province code (2) and prefecture code (2) of GB/T 2260, and a 6-digit serial per
prefecture. A Quzhou number reads ``2025 33 08 000123``. The article fixes this split, so it is
used rather than year + 6-digit adcode + 4-digit serial; reading "08" as the prefecture part of
adcode 330800 is an inference (docs/modules/hazwaste.md §9 doubt 2). The number is assigned at T2 (a
draft has none) and checked by :func:`validate_manifest_number`.

Design choices where the texts are silent (docs/modules/hazwaste.md §2.1, §9):

* Quantities are weighed (第十条第三项) and compared exactly as Decimals. A received quantity
  differing from the shipped one by more than ``discrepancy_ratio`` (default 10 %, borrowed from
  40 CFR 264.72, docs/modules/hazwaste.md §6 W04), or any package-count difference, marks the line's
  discrepancy and needs a note (第十八条第二款: the receiver tells the consignor and reports).
* Capacity (W11): received this year under a licence scope plus this manifest may not exceed
  the approved annual scale × ``scale_block_ratio`` (default 1.0 = the remaining approved scale;
  Order 408 第十二条第四项 puts re-application at more than 20 % over, so a city may set 1.2).
* A return manifest (T10) runs from the original receiver's site (it is the 移出人 of the
  return, 第三十一条第二项) to the original consignor or to an alternate receiver. It skips the
  management-plan and cross-province checks; a return to the original consignor also skips the
  licence check (the waste goes home, as e-Manifest's "alternate facility = generator").
* A correction is a new version; the old version stays as it was. A party may change only the
  fields of its own section (the consignor its lines' description and weights, a carrier its
  legs' places, the receiver receipt and disposal figures); the EEB may change any. Changing the
  waste code, a party or a decision is not a correction: cancel or reject and start again.
* General industrial solid waste (docs/modules/hazwaste.md §2.6) runs the same machine without the
  catalogue, management-plan, licence, cross-province and dangerous-goods vehicle checks.
* A late receipt confirmation (T7) or paper backfill (T12) is recorded, not refused: the event
  data carry ``late`` for the warning rules (W02, W16).

Not decided here (they need geometry, tracks or other manifests, and are warnings rather than
blocks): the GPS end point inside the receiver's geofence at T6, the in-city check (W12), one
manifest per consignor per trip (W19), and the transport exemptions of the exemption list.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final, NamedTuple, NoReturn

from ecociv.kernel.errors import (
    ConflictError,
    PermissionDeniedError,
    ValidationError,
)
from ecociv.kernel.uscc import validate_uscc
from ecociv.standards import waste as catalogue
from ecociv.waste.model import (
    CONSIGNOR_ROLES,
    LINE_DECISION_NAMES,
    MANIFEST_STATE_NAMES,
    PARTY_ROLE_NAMES,
    Correction,
    CrewMember,
    CrewRole,
    Licence,
    LicenceScope,
    LineDecision,
    ManagementPlan,
    Manifest,
    ManifestEvent,
    ManifestLine,
    ManifestState,
    Party,
    PartyRole,
    RelayOffer,
    Section,
    Signature,
    SignatureMethod,
    TransferApproval,
    TransferType,
    TransportLeg,
    Vehicle,
    WasteKind,
    tonnes,
)
from ecociv.waste.rules.registry import check_text, natural_key
from ecociv.waste.rules.workdays import (
    CHINA_CALENDAR,
    WorkCalendar,
    is_late,
    local_date,
    paper_backfill_deadline,
    receipt_confirmation_deadline,
)

S = ManifestState
ZERO: Final = Decimal(0)

# ---- errors, settings, context ---------------------------------------------------------------


class TransferBlockedError(ValidationError):
    """A transfer step a supervision rule forbids; ``rule`` is the warning rule of
    docs/modules/hazwaste.md §6 (W09, W10, W11, W14, W15) it enforces as a block."""

    def __init__(self, message: str, *, rule: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.rule = rule


@dataclass(frozen=True, slots=True)
class ManifestSettings:
    """The thresholds of the manifest rules (local policy may change them)."""

    #: W04: a received quantity differing from the shipped one by more than this share marks
    #: the line's discrepancy. 转移办法 第十八条 gives no number; 10 % is 40 CFR 264.72's
    #: bulk-weight rule (docs/modules/hazwaste.md §3, §6).
    discrepancy_ratio: Decimal = Decimal("0.10")
    #: W11: block when this year's receipts under a licence scope plus this manifest exceed the
    #: approved annual scale times this ratio. 1.0 keeps within the approved scale; Order 408
    #: 第十二条第四项 requires re-application beyond 20 % over (ratio 1.2).
    scale_block_ratio: Decimal = Decimal("1.00")
    #: W09: a dangerous-goods vehicle carries an escort (押运人员) besides the driver, as the
    #: road dangerous-goods rules require; 转移办法 第十三条 has the 托运人 check every crew
    #: member's permit.
    require_escort: bool = True
    #: Method codes seen in one implementation only (G21–G29) are refused unless allowed.
    allow_unconfirmed_methods: bool = False


@dataclass(frozen=True, slots=True)
class ManifestContext:
    """What the guards need besides the manifest; each function says which parts it reads.

    ``receiver_year_t`` is what the receiver has accepted this calendar year per waste code
    (before this manifest); ``approval_used_t`` what has already moved under the cross-province
    approval per code. ``prefecture_code`` (``3308``) is digits 5–8 of the numbers this platform
    issues.
    """

    receiver_licences: tuple[Licence, ...] = ()
    receiver_year_t: Mapping[str, Decimal] = field(default_factory=dict)
    plan: ManagementPlan | None = None
    approval: TransferApproval | None = None
    approval_used_t: Mapping[str, Decimal] = field(default_factory=dict)
    vehicles: tuple[Vehicle, ...] = ()
    crew: tuple[CrewMember, ...] = ()
    prefecture_code: str | None = None
    calendar: WorkCalendar = CHINA_CALENDAR
    settings: ManifestSettings = field(default_factory=ManifestSettings)


class Transition(NamedTuple):
    """The result of a legal transition: the new manifest (version) and its event."""

    manifest: Manifest
    event: ManifestEvent


# ---- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineInput:
    """A waste line as the consignor enters it (T1). ``hazard`` may stay empty for a listed
    code (the catalogue's is used); a ``900-000-XX`` code needs the tested characteristics."""

    code: str
    name: str
    form: str
    packaging: str
    package_count: int
    planned_t: Decimal
    hazard: str = ""
    hazardous_components: str = ""
    dangerous_goods_class: str = ""
    un_number: str = ""


@dataclass(frozen=True, slots=True)
class DraftInput:
    """The consignor's part of a new manifest (T1)."""

    receiver_uscc: str
    carrier_uscc: str
    lines: tuple[LineInput, ...]
    waste_kind: WasteKind = WasteKind.HAZARDOUS
    emergency_measures: str = ""


@dataclass(frozen=True, slots=True)
class LegInput:
    """A carrier's leg (T4, T5): vehicle, crew (qualification numbers), where it starts (the
    handover place for T5), and the loading check of 第十三条第三款 / 第十七条: whether the
    labels and the waste match the manifest."""

    vehicle_plate: str
    crew: tuple[str, ...]
    start_place: str
    labels_match: bool


@dataclass(frozen=True, slots=True)
class LineReceipt:
    """The receiver's record of one line (T7): weighed quantity on arrival, decision, accepted
    quantity (partial acceptance only), method code, counted packages, and the note that
    explains a discrepancy or a refusal."""

    line_no: int
    received_t: Decimal
    decision: LineDecision
    method_code: str = ""
    accepted_t: Decimal | None = None
    received_count: int | None = None
    note: str = ""
    #: what arrived when it is not what the manifest states (code, form, packaging; W05)
    found_code: str = ""
    found_form: str = ""
    found_packaging: str = ""


@dataclass(frozen=True, slots=True)
class LineDisposal:
    """The utilisation/disposal result of one accepted line (T9)."""

    line_no: int
    disposed_t: Decimal
    disposed_on: date
    method_code: str = ""  # empty: the method confirmed at receipt
    output_ledger_ref: str = ""


@dataclass(frozen=True, slots=True)
class LineCorrection:
    """Changes to one line (T11); ``None`` leaves a field as it is. The consignor owns the
    first group, the receiver the second."""

    line_no: int
    name: str | None = None
    form: str | None = None
    packaging: str | None = None
    package_count: int | None = None
    hazardous_components: str | None = None
    dangerous_goods_class: str | None = None
    un_number: str | None = None
    shipped_t: Decimal | None = None
    received_t: Decimal | None = None
    received_count: int | None = None
    method_code: str | None = None
    discrepancy_note: str | None = None
    disposed_t: Decimal | None = None
    disposed_on: date | None = None


@dataclass(frozen=True, slots=True)
class LegCorrection:
    """Changes to one transport leg (T11), owned by that leg's carrier."""

    order: int
    start_place: str | None = None
    end_place: str | None = None


@dataclass(frozen=True, slots=True)
class CorrectionInput:
    lines: tuple[LineCorrection, ...] = ()
    legs: tuple[LegCorrection, ...] = ()
    emergency_measures: str | None = None


#: Which section owns which line field (T11).
CONSIGNOR_LINE_FIELDS: Final = frozenset(
    {
        "name",
        "form",
        "packaging",
        "package_count",
        "hazardous_components",
        "dangerous_goods_class",
        "un_number",
        "shipped_t",
    }
)
RECEIPT_LINE_FIELDS: Final = frozenset(
    {"received_t", "received_count", "method_code", "discrepancy_note"}
)
DISPOSAL_LINE_FIELDS: Final = frozenset({"disposed_t", "disposed_on"})


# ---- the transition table --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransitionRule:
    """One row of the table: transition id, names, the states it starts from (``None`` = it
    makes a new manifest), who acts, and its legal basis."""

    transition: str
    name_zh: str
    name_en: str
    from_states: frozenset[ManifestState | None]
    actor: str  # consignor, carrier, receiver, party, platform
    basis: str


#: States after submission in which a correction may start (T11).
CORRECTABLE_STATES: Final = frozenset(
    {
        S.SUBMITTED,
        S.IN_TRANSIT,
        S.DELIVERED,
        S.ACCEPTED,
        S.PARTIALLY_ACCEPTED,
        S.REJECTED,
        S.CLOSED,
        S.DISPOSED,
    }
)

TRANSITIONS: Final[Mapping[str, TransitionRule]] = {
    "create_draft": TransitionRule(
        "T1",
        "创建联单",
        "create a draft",
        frozenset({None}),
        "consignor",
        "转移办法 第十条、第十四条",
    ),
    "revise_draft": TransitionRule(
        "T1", "修改草稿", "revise the draft", frozenset({S.DRAFT}), "consignor", "转移办法 第十条"
    ),
    "submit": TransitionRule(
        "T2",
        "提交联单",
        "submit",
        frozenset({S.DRAFT}),
        "consignor",
        "转移办法 第十条、第十五条、第二十一至二十七条",
    ),
    "cancel": TransitionRule(
        "T3", "作废联单", "cancel", frozenset({S.DRAFT, S.SUBMITTED}), "consignor", "设计：装车前"
    ),
    "depart": TransitionRule(
        "T4",
        "装车起运",
        "load and depart",
        frozenset({S.SUBMITTED}),
        "carrier",
        "转移办法 第十一条、第十三条",
    ),
    "offer_relay": TransitionRule(
        "T5",
        "发起联运交接",
        "offer the relay to the next carrier",
        frozenset({S.IN_TRANSIT}),
        "carrier or consignor",
        "转移办法 第十七条",
    ),
    "withdraw_relay": TransitionRule(
        "T5",
        "撤回联运交接",
        "withdraw the relay offer",
        frozenset({S.IN_TRANSIT}),
        "carrier or consignor",
        "转移办法 第十七条",
    ),
    "accept_relay": TransitionRule(
        "T5",
        "接收联运交接",
        "take over the relay",
        frozenset({S.IN_TRANSIT}),
        "next carrier",
        "转移办法 第十七条",
    ),
    "deliver": TransitionRule(
        "T6", "运抵交付", "deliver", frozenset({S.IN_TRANSIT}), "carrier", "转移办法 第十一条第四项"
    ),
    "confirm_receipt": TransitionRule(
        "T7",
        "确认接收",
        "confirm receipt",
        frozenset({S.DELIVERED}),
        "receiver",
        "转移办法 第十二条、第十八条",
    ),
    "close": TransitionRule(
        "T8",
        "办结",
        "close",
        frozenset({S.ACCEPTED, S.PARTIALLY_ACCEPTED}),
        "platform",
        "设计：闭环",
    ),
    "report_disposal": TransitionRule(
        "T9",
        "报告利用处置结果",
        "report disposal",
        frozenset({S.CLOSED}),
        "receiver",
        "转移办法 第十二条第四项",
    ),
    "make_return_manifest": TransitionRule(
        "T10",
        "拒收退运",
        "make a return manifest",
        frozenset({S.REJECTED, S.PARTIALLY_ACCEPTED, S.CLOSED, S.DISPOSED}),
        "consignor or receiver",
        "转移办法 第三十一条；设计",
    ),
    "start_correction": TransitionRule(
        "T11", "发起更正", "start a correction", CORRECTABLE_STATES, "party", "转移办法 第二十九条"
    ),
    "finish_correction": TransitionRule(
        "T11",
        "完成更正",
        "finish the correction",
        frozenset({S.UNDER_CORRECTION}),
        "party",
        "转移办法 第二十九条",
    ),
    "backfill_paper": TransitionRule(
        "T12",
        "补录纸质联单",
        "back-enter a paper manifest",
        frozenset({None}),
        "consignor",
        "转移办法 第二十条",
    ),
    "complete_backfill": TransitionRule(
        "T12",
        "完成补录",
        "complete the backfill",
        frozenset({S.PAPER_BACKFILL}),
        "consignor or receiver",
        "转移办法 第二十条",
    ),
}


def legal_actions(state: ManifestState) -> tuple[str, ...]:
    """The actions the table allows from a state (who may take them is checked when acting).

    Examples:
        >>> legal_actions(ManifestState.SUBMITTED)
        ('cancel', 'depart', 'start_correction')
    """
    return tuple(name for name, rule in TRANSITIONS.items() if state in rule.from_states)


# ---- manifest number -------------------------------------------------------------------------

_NUMBER = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{6})$")
#: 转移办法 第三十二条: the 14-digit numbering applies from 2022-01-01.
FIRST_NUMBER_YEAR: Final = 2022


def format_manifest_number(year: int, prefecture_code: str, serial: int) -> str:
    """A 14-digit number from its parts (转移办法 第十五条).

    Examples:
        >>> format_manifest_number(2025, "3308", 123)
        '20253308000123'
    """
    return validate_manifest_number(f"{year:04d}{prefecture_code}{serial:06d}")


def validate_manifest_number(
    number: str, *, year: int | None = None, prefecture_code: str | None = None
) -> str:
    """Check a manifest number: 14 digits, year (2022 on, and ``year`` when given), province
    and prefecture codes not 00 (and equal to ``prefecture_code`` when given), serial not 0.

    Examples:
        >>> validate_manifest_number(" 20253308000123 ", year=2025, prefecture_code="3308")
        '20253308000123'
        >>> validate_manifest_number("2025330800012")
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 联单编号 “2025330800012” 应为 14 位数字...
    """
    text = number.strip()
    match = _NUMBER.match(text)
    if match is None:
        raise ValidationError(
            f"联单编号 “{number}” 应为 14 位数字：年份 4 位、省级代码 2 位、设区的市代码 2 位、"
            f"流水号 6 位（转移办法第十五条） (a manifest number is 14 digits: year, province, "
            f"prefecture, 6-digit serial)",
            field="number",
        )
    found_year, province, prefecture, serial = match.groups()
    problems = []
    if int(found_year) < FIRST_NUMBER_YEAR:
        problems.append(f"年份 {found_year} 早于 {FIRST_NUMBER_YEAR} 年 (year before 2022)")
    if year is not None and int(found_year) != year:
        problems.append(f"年份应为 {year}，实际为 {found_year} (year should be {year})")
    if province == "00" or prefecture == "00":
        problems.append("省级或设区的市代码不能为 00 (province/prefecture code 00)")
    if prefecture_code is not None and province + prefecture != prefecture_code:
        problems.append(
            f"第 5–8 位应为移出地代码 {prefecture_code}，实际为 {province}{prefecture} "
            f"(digits 5-8 should be {prefecture_code})"
        )
    if int(serial) == 0:
        problems.append("流水号不能为 000000 (serial 000000)")
    if problems:
        raise ValidationError(f"联单编号 “{number}”：" + "；".join(problems), field="number")
    return text


# ---- helpers ---------------------------------------------------------------------------------


def _instant(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError("时间须带时区 (an instant must be timezone-aware)", field="now")
    return now.astimezone(UTC)


def _latest(m: Manifest) -> datetime:
    moments = [
        m.created_at,
        m.submitted_at,
        m.departed_at,
        m.delivered_at,
        m.accepted_at,
        m.closed_at,
        m.disposed_at,
        m.cancelled_at,
        m.correction.started_at if m.correction else None,
    ]
    for leg in m.legs:
        moments += [leg.started_at, leg.ended_at]
    return max(t for t in moments if t is not None)


def _now_after(m: Manifest, now: datetime) -> datetime:
    moment = _instant(now)
    latest = _latest(m)
    if moment < latest:
        raise ValidationError(
            f"时间 {moment.isoformat()} 早于联单上一步的时间 {latest.isoformat()} "
            "(the step cannot be earlier than the previous one)",
            field="now",
        )
    return moment


def _t(quantity: Decimal) -> str:
    """A quantity as plain text: 10.50 → '10.5', 1E+1 → '10'."""
    text = format(quantity, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _label(m: Manifest) -> str:
    return m.number or "（草稿）"


def _state_zh(state: ManifestState) -> str:
    return MANIFEST_STATE_NAMES[state][0]


def _require_state(m: Manifest, action: str) -> TransitionRule:
    rule = TRANSITIONS[action]
    if m.state not in rule.from_states:
        allowed = "、".join(_state_zh(s) for s in S if s in rule.from_states)
        hint = ""
        if action == "revise_draft" and m.signature(Section.CONSIGNOR) is not None:
            hint = "；移出人部分已签署并锁定，只能通过更正修改 (the signed section is locked)"
        raise ConflictError(
            f"联单 {_label(m)} 当前为“{_state_zh(m.state)}”，不能{rule.name_zh}（须为：{allowed}）"
            f"{hint} (manifest is {m.state.value}; cannot {rule.name_en})",
            field="state",
        )
    return rule


def _denied(m: Manifest, who_zh: str, uscc: str, rule: TransitionRule, actor: Party) -> NoReturn:
    raise PermissionDeniedError(
        f"只有本联单的{who_zh}（{uscc}）可以{rule.name_zh}；"
        f"{PARTY_ROLE_NAMES[actor.role][0]} {actor.uscc} 无权操作联单 {_label(m)} "
        f"(only the {rule.actor} may {rule.name_en})",
        field="actor",
    )


def _require_consignor(m: Manifest, actor: Party, rule: TransitionRule) -> None:
    if actor.role is not m.consignor_role or actor.uscc != m.consignor_uscc:
        _denied(m, "移出人", m.consignor_uscc, rule, actor)


def _require_receiver(m: Manifest, actor: Party, rule: TransitionRule) -> None:
    if actor.role is not PartyRole.RECEIVER or actor.uscc != m.receiver_uscc:
        _denied(m, "接受人", m.receiver_uscc, rule, actor)


def _require_carrier(m: Manifest, actor: Party, uscc: str, rule: TransitionRule) -> None:
    if actor.role is not PartyRole.CARRIER or actor.uscc != uscc:
        _denied(m, "承运人", uscc, rule, actor)


def _current_leg(m: Manifest) -> TransportLeg:
    if m.current_leg is None:
        raise ConflictError(
            f"联单 {_label(m)} 没有运输段 (the manifest has no transport leg)", field="legs"
        )
    return m.current_leg


def _uscc(raw: str, field_name: str, label_zh: str) -> str:
    try:
        return validate_uscc(raw)
    except ValidationError as error:
        raise ValidationError(f"{label_zh}：{error.message}", field=field_name) from None


def _sign(
    actor: Party,
    section: Section,
    now: datetime,
    method: SignatureMethod,
    leg_order: int | None = None,
) -> Signature:
    return Signature(
        section=section,
        role=actor.role,
        uscc=actor.uscc,
        user=actor.user,
        signed_at=now,
        method=method,
        leg_order=leg_order,
    )


def _event(
    before: Manifest | None,
    after: Manifest,
    action: str,
    actor: Party | None,
    now: datetime,
    data: Mapping[str, Any] | None = None,
) -> ManifestEvent:
    return ManifestEvent(
        manifest_no=after.number,
        version=after.version,
        transition=TRANSITIONS[action].transition,
        action=action,
        from_state=before.state if before is not None else None,
        to_state=after.state,
        actor=actor,
        at=now,
        data=dict(data or {}),
    )


def _positive(value: Decimal, field_name: str, what_zh: str) -> Decimal:
    number = tonnes(value, field=field_name)
    if number <= 0:
        raise ValidationError(f"{what_zh}须大于 0 吨 (must be more than 0 t)", field=field_name)
    return number


def _hazardous(m: Manifest) -> bool:
    return m.waste_kind is WasteKind.HAZARDOUS


# ---- guards: plan, licence, approval, vehicle and crew ---------------------------------------


def check_plan(
    consignor_uscc: str,
    receiver_uscc: str,
    codes: Sequence[str],
    day: date,
    plan: ManagementPlan | None,
) -> TransferType:
    """T1: the filed management plan of the consignor for the year of ``day`` lists every code
    with this receiver (转移办法 第十四条; docs/modules/hazwaste.md §6 W15). Returns the
    transfer type the plan gives (cross-province if any line is). Export is refused: it is not run
    on a domestic manifest."""
    if plan is None or plan.consignor_uscc != consignor_uscc or plan.year != day.year:
        raise TransferBlockedError(
            f"移出人 {consignor_uscc} 没有 {day.year} 年已备案的危险废物管理计划，联单应根据"
            f"管理计划的备案信息填写（转移办法第十四条） (no filed management plan for "
            f"{day.year})",
            rule="W15",
            field="plan",
        )
    if not plan.filing_no.strip():
        raise TransferBlockedError(
            f"{plan.year} 年危险废物管理计划尚未备案（无备案号） (the plan has no filing number)",
            rule="W15",
            field="plan",
        )
    kinds = set()
    for index, code in enumerate(codes, start=1):
        line = plan.line_for(code, receiver_uscc)
        if line is None:
            raise TransferBlockedError(
                f"第 {index} 行：废物代码 {code} 转移至接受单位 {receiver_uscc} 未列入管理计划"
                f"（备案号 {plan.filing_no}）（转移办法第十四条） (code {code} to this receiver "
                "is not in the filed plan)",
                rule="W15",
                field=f"lines[{index}].code",
            )
        kinds.add(line.transfer_type)
    if TransferType.ABROAD in kinds:
        raise TransferBlockedError(
            "管理计划中该流向为出境，出境转移须办理出口核准，不使用国内转移联单 "
            "(an export is not run on a domestic manifest)",
            rule="W15",
            field="plan",
        )
    if TransferType.CROSS_PROVINCE in kinds:
        return TransferType.CROSS_PROVINCE
    return TransferType.IN_PROVINCE


def _scope_usage(
    licence: Licence, scope: LicenceScope, receiver_year_t: Mapping[str, Decimal]
) -> Decimal:
    return sum(
        (qty for code, qty in receiver_year_t.items() if licence.scope_for(code) is scope),
        ZERO,
    )


def check_receiver_licence(
    receiver_uscc: str,
    quantities: Sequence[tuple[int, str, Decimal]],
    day: date,
    context: ManifestContext,
) -> None:
    """T1/T2: the receiver holds a licence valid on ``day`` whose scope covers each line's code
    (by code or category), with room left in the approved annual scale (固废法 第八十条;
    许可证办法 第十条、第十五条; docs/modules/hazwaste.md §6 W10, W11). ``quantities`` are (line no,
    code, tonnes)."""
    held = [lic for lic in context.receiver_licences if lic.holder_uscc == receiver_uscc]
    if not held:
        raise TransferBlockedError(
            f"接受单位 {receiver_uscc} 没有危险废物经营许可证，禁止将危险废物提供或委托给无许可证的"
            f"单位（固废法第八十条） (the receiver holds no hazardous-waste licence)",
            rule="W10",
            field="receiver_uscc",
        )
    valid = [lic for lic in held if lic.is_valid_on(day)]
    if not valid:
        latest = max(held, key=lambda lic: lic.valid_until_on)
        raise TransferBlockedError(
            f"接受单位 {receiver_uscc} 的危险废物经营许可证 {latest.number} 有效期为 "
            f"{latest.valid_from_on.isoformat()} 至 {latest.valid_until_on.isoformat()}，"
            f"{day.isoformat()} 不在有效期内 (licence {latest.number} is not valid on "
            f"{day.isoformat()})",
            rule="W10",
            field="receiver_uscc",
        )
    this_manifest: dict[tuple[str, int], Decimal] = {}
    scopes: dict[tuple[str, int], tuple[Licence, LicenceScope]] = {}
    for line_no, code, quantity in quantities:
        found = None
        for lic in valid:
            scope = lic.scope_for(code)
            if scope is not None:
                found = (lic, scope)
                break
        if found is None:
            numbers = "、".join(lic.number for lic in valid)
            raise TransferBlockedError(
                f"第 {line_no} 行：接受单位的许可证（{numbers}）经营范围不含废物代码 {code}"
                f"（HW{code[-2:]}） (the licence does not cover code {code})",
                rule="W10",
                field=f"lines[{line_no}].code",
            )
        key = (found[0].number, found[0].scopes.index(found[1]))
        scopes[key] = found
        this_manifest[key] = this_manifest.get(key, ZERO) + quantity
    ratio = context.settings.scale_block_ratio
    for key, quantity in this_manifest.items():
        lic, scope = scopes[key]
        used = _scope_usage(lic, scope, context.receiver_year_t)
        limit = scope.annual_scale_t_a * ratio
        if used + quantity > limit:
            raise TransferBlockedError(
                f"接受单位许可证 {lic.number} 中 {scope.label} 的核准年经营规模为 "
                f"{_t(scope.annual_scale_t_a)} 吨/年，本年已接收 {_t(used)} 吨，加本联单 "
                f"{_t(quantity)} 吨超过可接收量 {_t(limit)} 吨（许可证办法第十二条） "
                f"(over the approved annual scale: {_t(used)} + {_t(quantity)} > {_t(limit)} t)",
                rule="W11",
                field="receiver_uscc",
            )


def check_approval(
    m: Manifest, quantities: Mapping[str, Decimal], day: date, context: ManifestContext
) -> str:
    """T2, cross-province: an approval valid on ``day`` for this consignor and receiver covers
    each code, within its approved quantity less what already moved (转移办法 第二十一条、
    第二十七条、第二十八条; docs/modules/hazwaste.md §6 W14). Returns the approval number."""
    approval = context.approval
    if approval is None:
        raise TransferBlockedError(
            "跨省转移危险废物须经移出地省级生态环境主管部门批准，未经批准不得转移"
            "（转移办法第二十一条） "
            "(a cross-province transfer needs an approval)",
            rule="W14",
            field="approval",
        )
    if approval.consignor_uscc != m.consignor_uscc or approval.receiver_uscc != m.receiver_uscc:
        raise TransferBlockedError(
            f"跨省转移批准 {approval.number} 的移出人或接受人与联单不符，接受人变更须重新申请"
            "（转移办法第二十八条） (the approval names other parties)",
            rule="W14",
            field="approval",
        )
    if not approval.is_valid_on(day):
        raise TransferBlockedError(
            f"跨省转移批准 {approval.number} 有效期为 {approval.valid_from_on.isoformat()} 至 "
            f"{approval.valid_until_on.isoformat()}，{day.isoformat()} 不在有效期内"
            f"（转移办法第二十七条） (the approval is not valid on {day.isoformat()})",
            rule="W14",
            field="approval",
        )
    for code, quantity in quantities.items():
        cap = approval.approved_t.get(code)
        if cap is None:
            raise TransferBlockedError(
                f"跨省转移批准 {approval.number} 不含废物代码 {code}（转移办法第二十八条） "
                f"(the approval does not cover {code})",
                rule="W14",
                field="approval",
            )
        used = context.approval_used_t.get(code, ZERO)
        if used + quantity > cap:
            raise TransferBlockedError(
                f"跨省转移批准 {approval.number} 中 {code} 批准 {_t(cap)} 吨，"
                f"已转移 {_t(used)} 吨，"
                f"加本联单 {_t(quantity)} 吨超过批准量，须重新申请（转移办法第二十八条） "
                f"(over the approved quantity)",
                rule="W14",
                field="approval",
            )
    return approval.number


def _plate(raw: str) -> str:
    return natural_key(raw)


def check_vehicle_and_crew(
    carrier_uscc: str,
    leg: LegInput,
    lines: Sequence[ManifestLine],
    day: date,
    context: ManifestContext,
) -> tuple[Vehicle, tuple[CrewMember, ...]]:
    """T4/T5: the loading check of 转移办法 第十三条第三款 (and the next carrier's check of
    第十七条): labels match the manifest; the vehicle is the carrier's, has an operating
    certificate valid on ``day`` whose dangerous-goods classes cover each line's class; every
    crew member holds a valid qualification, with a driver and (by default) an escort (W09)."""
    if not leg.labels_match:
        raise TransferBlockedError(
            "装载核验：危险废物识别标志与联单不符，不予装载（转移办法第十三条第三款） "
            "(labels do not match the manifest: do not load)",
            rule="W09",
            field="labels_match",
        )
    plate = _plate(leg.vehicle_plate)
    vehicle = next((v for v in context.vehicles if _plate(v.plate) == plate), None)
    if vehicle is None:
        raise TransferBlockedError(
            f"车辆 {plate} 未登记危险货物道路运输资质（转移办法第十一条、第十三条） "
            f"(vehicle {plate} has no registered dangerous-goods permit)",
            rule="W09",
            field="vehicle_plate",
        )
    if vehicle.owner_uscc != carrier_uscc:
        raise TransferBlockedError(
            f"车辆 {plate} 不属于承运人 {carrier_uscc} (vehicle {plate} is not the carrier's)",
            rule="W09",
            field="vehicle_plate",
        )
    if not vehicle.operating_certificate_no.strip():
        raise TransferBlockedError(
            f"车辆 {plate} 无道路运输证（营运证件）号（转移办法第十一条第二项） "
            f"(vehicle {plate} has no operating certificate number)",
            rule="W09",
            field="vehicle_plate",
        )
    if not vehicle.is_valid_on(day):
        raise TransferBlockedError(
            f"车辆 {plate} 的道路运输证 {vehicle.operating_certificate_no} 有效期至 "
            f"{vehicle.valid_until_on.isoformat()}，{day.isoformat()} 已失效 "
            f"(the vehicle's certificate is not valid on {day.isoformat()})",
            rule="W09",
            field="vehicle_plate",
        )
    for line in lines:
        cls = line.dangerous_goods_class.strip()
        if cls and not vehicle.carries(cls):
            allowed = "、".join(vehicle.dangerous_goods_classes) or "无"
            raise TransferBlockedError(
                f"第 {line.line_no} 行危险货物类别 {cls} 不在车辆 {plate} 的经营范围（{allowed}）内"
                f"（转移办法第十三条） (class {cls} is not in the vehicle's scope)",
                rule="W09",
                field=f"lines[{line.line_no}].dangerous_goods_class",
            )
    if not leg.crew:
        raise TransferBlockedError("未填写驾驶、押运人员 (no crew given)", rule="W09", field="crew")
    members = []
    for number in leg.crew:
        key = natural_key(number)
        member = next((c for c in context.crew if natural_key(c.qualification_no) == key), None)
        if member is None:
            raise TransferBlockedError(
                f"从业资格证 {number} 未登记，不能承运危险废物（转移办法第十三条第三款） "
                f"(qualification {number} is not registered)",
                rule="W09",
                field="crew",
            )
        if member.employer_uscc and member.employer_uscc != carrier_uscc:
            raise TransferBlockedError(
                f"{member.name}（{number}）不是承运人 {carrier_uscc} 的人员 "
                f"({member.name} does not work for the carrier)",
                rule="W09",
                field="crew",
            )
        if not member.is_valid_on(day):
            raise TransferBlockedError(
                f"{member.name} 的从业资格证 {number} 有效期至 "
                f"{member.valid_until_on.isoformat()}，"
                f"{day.isoformat()} 已失效 (qualification {number} is not valid on "
                f"{day.isoformat()})",
                rule="W09",
                field="crew",
            )
        members.append(member)
    roles = {m.role for m in members}
    if CrewRole.DRIVER not in roles:
        raise TransferBlockedError(
            "车组中没有具备资格的驾驶人员 (no qualified driver)", rule="W09", field="crew"
        )
    if context.settings.require_escort and CrewRole.ESCORT not in roles:
        raise TransferBlockedError(
            "车组中没有具备资格的押运人员 (no qualified escort)", rule="W09", field="crew"
        )
    return vehicle, tuple(members)


def check_method(
    code: str, line: ManifestLine, context: ManifestContext, field_name: str, *, hazardous: bool
) -> str:
    """A utilisation/disposal method code (HJ 1259-2022 §5.5; docs/modules/hazwaste.md §5): known,
    confirmed unless allowed, Y codes for medical waste (HW01) only, and within the licence scope's
    methods where the licence restricts them."""
    text = code.strip().upper()
    if not text:
        raise ValidationError(
            f"第 {line.line_no} 行：须填写利用处置方式（转移办法第十二条第二项） "
            "(the utilisation/disposal method is required)",
            field=field_name,
        )
    if not hazardous:
        return text
    try:
        found = catalogue.method(text)
    except catalogue.WasteCodeError as error:
        raise ValidationError(f"第 {line.line_no} 行：{error.message}", field=field_name) from None
    if found.unconfirmed and not context.settings.allow_unconfirmed_methods:
        raise ValidationError(
            f"第 {line.line_no} 行：利用处置方式 {text}（{found.name_zh}）来源未确认，暂不使用 "
            f"(method {text} is unconfirmed)",
            field=field_name,
        )
    if found.medical_only and line.category != "HW01":
        raise ValidationError(
            f"第 {line.line_no} 行：{text}（{found.name_zh}）仅用于医疗废物 HW01 "
            f"(method {text} is for medical waste only)",
            field=field_name,
        )
    for lic in context.receiver_licences:
        scope = lic.scope_for(line.code)
        if scope is not None and scope.methods and text not in scope.methods:
            raise TransferBlockedError(
                f"第 {line.line_no} 行：许可证 {lic.number} 对 {scope.label} 核准的方式为 "
                f"{'、'.join(scope.methods)}，不含 {text} (method {text} is not licensed)",
                rule="W10",
                field=field_name,
            )
    return text


# ---- T1: create / revise a draft -------------------------------------------------------------


def _draft_lines(draft: DraftInput) -> tuple[ManifestLine, ...]:
    if not draft.lines:
        raise ValidationError("联单至少须有一行废物 (at least one waste line)", field="lines")
    hazardous = draft.waste_kind is WasteKind.HAZARDOUS
    lines = []
    for index, item in enumerate(draft.lines, start=1):
        prefix = f"lines[{index}]"
        planned = _positive(item.planned_t, f"{prefix}.planned_t", f"第 {index} 行计划转移量")
        if item.package_count < 0:
            raise ValidationError(
                f"第 {index} 行：包装数量不能为负 (package count must not be negative)",
                field=f"{prefix}.package_count",
            )
        if not item.name.strip():
            raise ValidationError(
                f"第 {index} 行：须填写废物名称 (waste name required)", field=f"{prefix}.name"
            )
        if hazardous:
            try:
                record = catalogue.waste_code(item.code)
            except catalogue.WasteCodeError as error:
                raise ValidationError(
                    f"第 {index} 行：{error.message}", field=f"{prefix}.code"
                ) from None
            hazard = item.hazard.strip() or record.hazard
            if record.by_testing and not hazard:
                raise ValidationError(
                    f"第 {index} 行：{record.code} 为经鉴别的危险废物，须填写鉴别得出的危险特性"
                    "（名录第六条） (a 900-000-XX code needs the tested characteristics)",
                    field=f"{prefix}.hazard",
                )
            if not record.by_testing and hazard != record.hazard:
                raise ValidationError(
                    f"第 {index} 行：{record.code} 的危险特性应为名录所列 “{record.hazard}”，"
                    f"实际填写 “{hazard}” (hazard must be the catalogue's {record.hazard!r})",
                    field=f"{prefix}.hazard",
                )
            code, category, edition = record.code, record.category, record.edition
        else:
            code = item.code.strip()
            if not code:
                raise ValidationError(
                    f"第 {index} 行：须填写固体废物代码 (waste code required)",
                    field=f"{prefix}.code",
                )
            hazard, category, edition = item.hazard.strip(), "", ""
        lines.append(
            ManifestLine(
                line_no=index,
                code=code,
                name=item.name.strip(),
                category=category,
                hazard=hazard,
                form=item.form.strip(),
                packaging=item.packaging.strip(),
                package_count=item.package_count,
                planned_t=planned,
                hazardous_components=item.hazardous_components.strip(),
                dangerous_goods_class=item.dangerous_goods_class.strip(),
                un_number=item.un_number.strip(),
                catalogue_edition=edition,
            )
        )
    return tuple(lines)


def _draft_manifest(
    actor: Party, draft: DraftInput, now: datetime, context: ManifestContext
) -> Manifest:
    if actor.role not in CONSIGNOR_ROLES:
        raise PermissionDeniedError(
            f"只有产生单位或收集单位（移出人）可以创建联单，{PARTY_ROLE_NAMES[actor.role][0]}不能 "
            "(only a generator or collector may create a manifest)",
            field="actor",
        )
    receiver = _uscc(draft.receiver_uscc, "receiver_uscc", "接受单位统一社会信用代码")
    carrier = _uscc(draft.carrier_uscc, "carrier_uscc", "承运单位统一社会信用代码")
    lines = _draft_lines(draft)
    day = local_date(now)
    transfer_type = TransferType.IN_PROVINCE
    filing_no = ""
    if draft.waste_kind is WasteKind.HAZARDOUS:
        transfer_type = check_plan(
            actor.uscc, receiver, [line.code for line in lines], day, context.plan
        )
        filing_no = context.plan.filing_no if context.plan else ""
        check_receiver_licence(
            receiver, [(line.line_no, line.code, line.planned_t) for line in lines], day, context
        )
    return Manifest(
        number=None,
        version=1,
        state=S.DRAFT,
        waste_kind=draft.waste_kind,
        consignor_uscc=actor.uscc,
        consignor_role=actor.role,
        receiver_uscc=receiver,
        carrier_uscc=carrier,
        lines=lines,
        created_at=now,
        catalogue_edition=catalogue.CATALOGUE_EDITION
        if draft.waste_kind is WasteKind.HAZARDOUS
        else "",
        plan_filing_no=filing_no,
        transfer_type=transfer_type,
        shipper_uscc=actor.uscc,
        emergency_measures=draft.emergency_measures.strip(),
    )


def create_draft(
    actor: Party, draft: DraftInput, *, now: datetime, context: ManifestContext
) -> Transition:
    """T1: the consignor (a generator or collector) drafts a manifest. Hazardous waste: every
    code is in the catalogue (名录; ``900-000-XX`` by testing), the code and receiver are in the
    consignor's filed plan for the year (第十四条), and the receiver's licence is valid today,
    covers the code and has scale left for the planned quantity (固废法 第八十条; W10, W11).
    Reads ``context.plan``, ``receiver_licences``, ``receiver_year_t``."""
    moment = _instant(now)
    manifest = _draft_manifest(actor, draft, moment, context)
    data = {"lines": len(manifest.lines), "plan_filing_no": manifest.plan_filing_no}
    return Transition(manifest, _event(None, manifest, "create_draft", actor, moment, data))


def revise_draft(
    manifest: Manifest,
    actor: Party,
    draft: DraftInput,
    *,
    now: datetime,
    context: ManifestContext,
) -> Transition:
    """T1 again: the consignor replaces the content of its unsigned draft; the same checks run.
    Once submitted, the consignor's section is signed and locked (only a correction changes
    it)."""
    rule = _require_state(manifest, "revise_draft")
    _require_consignor(manifest, actor, rule)
    if manifest.parent_no is not None:
        raise ConflictError(
            "退运联单由拒收记录生成，不能改写；请作废后重新生成 "
            "(a return manifest comes from the refusal: cancel it and make it again)",
            field="parent_no",
        )
    moment = _now_after(manifest, now)
    fresh = _draft_manifest(actor, draft, moment, context)
    revised = dataclasses.replace(fresh, created_at=manifest.created_at)
    return Transition(revised, _event(manifest, revised, "revise_draft", actor, moment))


# ---- T2: submit ------------------------------------------------------------------------------


def submit(
    manifest: Manifest,
    actor: Party,
    *,
    number: str,
    shipped_t: Mapping[int, Decimal],
    now: datetime,
    context: ManifestContext,
    method: SignatureMethod = SignatureMethod.ACCOUNT,
) -> Transition:
    """T2: the consignor weighs each line (第十条第三项), the manifest gets its 14-digit number
    (第十五条) and the consignor signs. Hazardous waste: the receiver's licence is checked again
    on the day with the weighed quantities (W10, W11); a cross-province transfer needs a valid
    approval with quantity left (第二十一条、第二十七条, W14). Reads ``prefecture_code``,
    ``receiver_licences``, ``receiver_year_t``, ``approval``, ``approval_used_t``."""
    rule = _require_state(manifest, "submit")
    _require_consignor(manifest, actor, rule)
    moment = _now_after(manifest, now)
    day = local_date(moment)
    checked = validate_manifest_number(
        number, year=day.year, prefecture_code=context.prefecture_code
    )
    unknown = sorted(set(shipped_t) - {line.line_no for line in manifest.lines})
    if unknown:
        raise ValidationError(
            f"联单无第 {unknown[0]} 行 (manifest has no line {unknown[0]})",
            field=f"lines[{unknown[0]}].shipped_t",
        )
    lines = []
    for line in manifest.lines:
        if line.line_no not in shipped_t:
            raise ValidationError(
                f"第 {line.line_no} 行：须填写计量称重的转移量（转移办法第十条第三项） "
                "(the weighed quantity is required)",
                field=f"lines[{line.line_no}].shipped_t",
            )
        weighed = _positive(
            shipped_t[line.line_no],
            f"lines[{line.line_no}].shipped_t",
            f"第 {line.line_no} 行转移量",
        )
        lines.append(dataclasses.replace(line, shipped_t=weighed))
    approval_no = manifest.approval_no
    if _hazardous(manifest):
        if not manifest.return_to_origin:
            check_receiver_licence(
                manifest.receiver_uscc,
                [(line.line_no, line.code, line.shipped_t or ZERO) for line in lines],
                day,
                context,
            )
        if manifest.transfer_type is TransferType.CROSS_PROVINCE and manifest.parent_no is None:
            per_code: dict[str, Decimal] = {}
            for line in lines:
                per_code[line.code] = per_code.get(line.code, ZERO) + (line.shipped_t or ZERO)
            approval_no = check_approval(manifest, per_code, day, context)
    submitted = dataclasses.replace(
        manifest,
        number=checked,
        state=S.SUBMITTED,
        lines=tuple(lines),
        approval_no=approval_no,
        submitted_at=moment,
        signatures=(*manifest.signatures, _sign(actor, Section.CONSIGNOR, moment, method)),
    )
    data = {
        "number": checked,
        "shipped_t": {str(line.line_no): _t(line.shipped_t or ZERO) for line in lines},
        "approval_no": approval_no,
    }
    return Transition(submitted, _event(manifest, submitted, "submit", actor, moment, data))


# ---- T3: cancel ------------------------------------------------------------------------------


def cancel(manifest: Manifest, actor: Party, *, reason: str, now: datetime) -> Transition:
    """T3: the consignor cancels a draft or a submitted manifest before loading, giving a
    reason (design; e-Manifest allows deletion only before the transporter signs)."""
    rule = _require_state(manifest, "cancel")
    _require_consignor(manifest, actor, rule)
    moment = _now_after(manifest, now)
    if not reason.strip():
        raise ValidationError("作废须说明原因 (a reason is required)", field="reason")
    cancelled = dataclasses.replace(
        manifest, state=S.CANCELLED, cancelled_at=moment, cancel_reason=reason.strip()
    )
    data = {"reason": reason.strip()}
    return Transition(cancelled, _event(manifest, cancelled, "cancel", actor, moment, data))


# ---- T4–T6: transport ------------------------------------------------------------------------


def _leg(
    actor: Party,
    order: int,
    leg: LegInput,
    manifest: Manifest,
    moment: datetime,
    context: ManifestContext,
) -> TransportLeg:
    if not leg.start_place.strip():
        raise ValidationError(
            "须填写运输起点（转移办法第十一条第二项） (the start point is required)",
            field="start_place",
        )
    check_text(leg.start_place, "start_place", 200)
    for number in leg.crew:
        check_text(natural_key(number), "crew", 40)
    plate = check_text(_plate(leg.vehicle_plate), "vehicle_plate", 12)
    if not plate:
        raise ValidationError("须填写车牌号 (the vehicle plate is required)", field="vehicle_plate")
    certificate, gps = "", ""
    if _hazardous(manifest):
        vehicle, _ = check_vehicle_and_crew(
            actor.uscc, leg, manifest.lines, local_date(moment), context
        )
        certificate, gps = vehicle.operating_certificate_no, vehicle.gps_device_id
    elif not leg.labels_match:
        raise ValidationError(
            "装载核验：废物与记录不符，不予装载 (the waste does not match the record)",
            field="labels_match",
        )
    return TransportLeg(
        order=order,
        carrier_uscc=actor.uscc,
        vehicle_plate=plate,
        operating_certificate_no=certificate,
        crew=tuple(natural_key(number) for number in leg.crew),
        start_place=leg.start_place.strip(),
        started_at=moment,
        gps_device_id=gps,
    )


def depart(
    manifest: Manifest,
    actor: Party,
    leg: LegInput,
    *,
    now: datetime,
    context: ManifestContext,
    method: SignatureMethod = SignatureMethod.ACCOUNT,
) -> Transition:
    """T4: the planned carrier loads and departs. The loading check (第十三条第三款) refuses a
    vehicle, certificate or crew member without a valid dangerous-goods permit covering the
    waste, or labels that do not match (W09); the carrier fills in vehicle, certificate number
    and start point (第十一条第二项) and signs its leg. Reads ``vehicles``, ``crew``."""
    rule = _require_state(manifest, "depart")
    _require_carrier(manifest, actor, manifest.carrier_uscc, rule)
    moment = _now_after(manifest, now)
    first = _leg(actor, 1, leg, manifest, moment, context)
    departed = dataclasses.replace(
        manifest,
        state=S.IN_TRANSIT,
        departed_at=moment,
        legs=(first,),
        signatures=(*manifest.signatures, _sign(actor, Section.TRANSPORT, moment, method, 1)),
    )
    data = {"vehicle_plate": first.vehicle_plate, "crew": list(first.crew)}
    return Transition(departed, _event(manifest, departed, "depart", actor, moment, data))


def _offer_of(m: Manifest, rule: TransitionRule) -> RelayOffer:
    if m.relay_offer is None:
        raise ConflictError(
            f"联单 {_label(m)} 没有待接收的联运交接，不能{rule.name_zh} "
            f"(no relay offer stands on this manifest; cannot {rule.name_en})",
            field="relay_offer",
        )
    return m.relay_offer


def offer_relay(
    manifest: Manifest, actor: Party, *, to_carrier_uscc: str, place: str = "", now: datetime
) -> Transition:
    """T5, offer: the carrier of the current leg, or the consignor, names the next carrier of a
    relay transport (转移办法 第十七条: the next carrier takes over from the previous one with
    the consignor's manifest; no one else may take the load). One offer stands at a time, to a
    carrier other than the current one; the manifest is unchanged otherwise (no leg, no
    signature) until the named carrier accepts."""
    rule = _require_state(manifest, "offer_relay")
    current = _current_leg(manifest)
    is_carrier = actor.role is PartyRole.CARRIER and actor.uscc == current.carrier_uscc
    is_consignor = actor.role is manifest.consignor_role and actor.uscc == manifest.consignor_uscc
    if not (is_carrier or is_consignor):
        _denied(
            manifest, "当前承运人或移出人", f"{current.carrier_uscc}、{manifest.consignor_uscc}",
            rule, actor,
        )  # fmt: skip
    if manifest.relay_offer is not None:
        raise ConflictError(
            f"联单 {_label(manifest)} 已有待接收的联运交接"
            f"（{manifest.relay_offer.to_carrier_uscc}），须先撤回 "
            "(a relay offer already stands: withdraw it first)",
            field="relay_offer",
        )
    to = _uscc(to_carrier_uscc, "to_carrier_uscc", "后一承运人")
    if to == current.carrier_uscc:
        raise ValidationError(
            f"后一承运人 {to} 就是当前承运人 (the next carrier is the current one)",
            field="to_carrier_uscc",
        )
    moment = _now_after(manifest, now)
    offer = RelayOffer(to_carrier_uscc=to, offered_by=actor, offered_at=moment, place=place.strip())
    offered = dataclasses.replace(manifest, relay_offer=offer)
    data = {"to_carrier": to, "from_carrier": current.carrier_uscc, "place": offer.place}
    return Transition(offered, _event(manifest, offered, "offer_relay", actor, moment, data))


def withdraw_relay(manifest: Manifest, actor: Party, *, now: datetime) -> Transition:
    """T5, withdrawal: the unit that offered a relay takes the offer back before it is accepted
    (转移办法 第十七条); the named carrier can no longer accept it."""
    rule = _require_state(manifest, "withdraw_relay")
    offer = _offer_of(manifest, rule)
    if actor.uscc != offer.offered_by.uscc or actor.role is PartyRole.REGULATOR:
        _denied(manifest, "发起交接的单位", offer.offered_by.uscc, rule, actor)
    moment = _now_after(manifest, now)
    withdrawn = dataclasses.replace(manifest, relay_offer=None)
    data = {"to_carrier": offer.to_carrier_uscc}
    return Transition(withdrawn, _event(manifest, withdrawn, "withdraw_relay", actor, moment, data))


def accept_relay(
    manifest: Manifest,
    actor: Party,
    leg: LegInput,
    *,
    now: datetime,
    context: ManifestContext,
    method: SignatureMethod = SignatureMethod.ACCOUNT,
) -> Transition:
    """T5, acceptance: only the carrier named in the standing offer, having checked the
    consignor, the previous carrier and the waste (转移办法 第十七条; ``labels_match``), takes
    over at ``leg.start_place`` (the offer's place when left empty): the current leg ends there
    and then, a new leg starts, with the same vehicle and crew checks as T4 (W09), and the
    offer is used up. Reads ``vehicles``, ``crew`` (the accepting carrier's)."""
    rule = _require_state(manifest, "accept_relay")
    offer = _offer_of(manifest, rule)
    if actor.role is not PartyRole.CARRIER or actor.uscc != offer.to_carrier_uscc:
        _denied(manifest, "被指定的后一承运人", offer.to_carrier_uscc, rule, actor)
    moment = _now_after(manifest, now)
    current = _current_leg(manifest)
    if not leg.start_place.strip() and offer.place:
        leg = dataclasses.replace(leg, start_place=offer.place)
    nxt = _leg(actor, current.order + 1, leg, manifest, moment, context)
    ended = dataclasses.replace(current, end_place=nxt.start_place, ended_at=moment)
    handed = dataclasses.replace(
        manifest,
        legs=(*manifest.legs[:-1], ended, nxt),
        relay_offer=None,
        signatures=(
            *manifest.signatures,
            _sign(actor, Section.TRANSPORT, moment, method, nxt.order),
        ),
    )
    data = {
        "place": nxt.start_place,
        "from_carrier": current.carrier_uscc,
        "to_carrier": actor.uscc,
        "leg": nxt.order,
        "vehicle_plate": nxt.vehicle_plate,
    }
    return Transition(handed, _event(manifest, handed, "accept_relay", actor, moment, data))


def deliver(
    manifest: Manifest,
    actor: Party,
    *,
    end_place: str,
    now: datetime,
    context: ManifestContext,
    method: SignatureMethod = SignatureMethod.ACCOUNT,
) -> Transition:
    """T6: the carrier of the current leg delivers to the receiver named on the manifest
    (第十一条第四项); the receipt deadline (5 working days, 第十八条) is set from the local
    day of arrival. Reads ``calendar``."""
    rule = _require_state(manifest, "deliver")
    current = _current_leg(manifest)
    _require_carrier(manifest, actor, current.carrier_uscc, rule)
    moment = _now_after(manifest, now)
    if not end_place.strip():
        raise ValidationError(
            "须填写运输终点（转移办法第十一条第二项） (the end point is required)",
            field="end_place",
        )
    due = receipt_confirmation_deadline(moment, context.calendar)
    ended = dataclasses.replace(current, end_place=end_place.strip(), ended_at=moment)
    delivered = dataclasses.replace(
        manifest,
        state=S.DELIVERED,
        delivered_at=moment,
        receipt_due_on=due,
        legs=(*manifest.legs[:-1], ended),
        relay_offer=None,  # delivered: a relay no longer taken over lapses
        signatures=(
            *manifest.signatures,
            _sign(actor, Section.TRANSPORT, moment, method, current.order),
        ),
    )
    data = {"end_place": ended.end_place, "receipt_due_on": due.isoformat()}
    return Transition(delivered, _event(manifest, delivered, "deliver", actor, moment, data))


# ---- T7: confirm receipt ---------------------------------------------------------------------


def discrepancy_ratio(shipped_t: Decimal, received_t: Decimal) -> Decimal:
    """|received − shipped| / shipped (docs/modules/hazwaste.md §6 W04).

    Examples:
        >>> discrepancy_ratio(Decimal("10"), Decimal("8.9"))
        Decimal('0.11')
    """
    if shipped_t <= 0:
        raise ValidationError(
            "转移量须大于 0 (shipped quantity must be positive)", field="shipped_t"
        )
    return abs(received_t - shipped_t) / shipped_t


def has_discrepancy(
    line: ManifestLine,
    received_t: Decimal,
    received_count: int | None,
    settings: ManifestSettings,
) -> bool:
    """A significant difference (重大差异): quantity beyond ``discrepancy_ratio`` of the
    shipped quantity, or any difference in the package count (docs/modules/hazwaste.md §6 W04)."""
    shipped = line.shipped_t if line.shipped_t is not None else line.planned_t
    over = discrepancy_ratio(shipped, received_t) > settings.discrepancy_ratio
    recount = received_count is not None and received_count != line.package_count
    return over or recount


#: The line fields a receiver may find different (W05).
_FOUND_NAMES: Final = {"code": "代码", "form": "形态", "packaging": "包装"}


def _receipt_line(
    manifest: Manifest,
    line: ManifestLine,
    receipt: LineReceipt,
    context: ManifestContext,
) -> ManifestLine:
    prefix = f"lines[{line.line_no}]"
    received = tonnes(receipt.received_t, field=f"{prefix}.received_t")
    if received < 0:
        raise ValidationError(
            f"第 {line.line_no} 行：接收量不能为负 (received quantity must not be negative)",
            field=f"{prefix}.received_t",
        )
    if receipt.received_count is not None and receipt.received_count < 0:
        raise ValidationError(
            f"第 {line.line_no} 行：清点数量不能为负 (count must not be negative)",
            field=f"{prefix}.received_count",
        )
    decision = receipt.decision
    note = receipt.note.strip()
    if decision is LineDecision.ACCEPT:
        if received <= 0:
            raise ValidationError(
                f"第 {line.line_no} 行：接受时接收量须大于 0 (accepting needs a quantity)",
                field=f"{prefix}.received_t",
            )
        accepted = received
    elif decision is LineDecision.REJECT:
        accepted = ZERO
    else:
        if receipt.accepted_t is None:
            raise ValidationError(
                f"第 {line.line_no} 行：部分接受须填写接受量 (partial acceptance needs the "
                "accepted quantity)",
                field=f"{prefix}.accepted_t",
            )
        accepted = tonnes(receipt.accepted_t, field=f"{prefix}.accepted_t")
        if not ZERO < accepted < received:
            raise ValidationError(
                f"第 {line.line_no} 行：部分接受的接受量须大于 0 且小于接收量 {_t(received)} 吨 "
                f"(accepted must be between 0 and {_t(received)} t)",
                field=f"{prefix}.accepted_t",
            )
    if decision is not LineDecision.ACCEPT and not note:
        raise ValidationError(
            f"第 {line.line_no} 行：{LINE_DECISION_NAMES[decision][0]}须说明理由，并告知移出人"
            "（转移办法第十八条第二款） (a refusal needs a note)",
            field=f"{prefix}.note",
        )
    found = {
        name: seen.strip()
        for name, stated, seen in (
            ("code", line.code, receipt.found_code),
            ("form", line.form, receipt.found_form),
            ("packaging", line.packaging, receipt.found_packaging),
        )
        if seen.strip() and seen.strip() != stated.strip()
    }
    if found and not note:
        what = "、".join(f"{_FOUND_NAMES[k]}为 {v}" for k, v in found.items())
        raise ValidationError(
            f"第 {line.line_no} 行：实际接收的废物{what}，与联单不符，须填写差异说明并告知移出人"
            "（转移办法第十八条第二款） (what arrived differs from the manifest: a note is needed)",
            field=f"{prefix}.note",
        )
    flagged = has_discrepancy(line, received, receipt.received_count, context.settings)
    if flagged and not note:
        shipped = line.shipped_t or line.planned_t
        ratio = discrepancy_ratio(shipped, received) * 100
        limit = context.settings.discrepancy_ratio * 100
        what = (
            f"接收量 {_t(received)} 吨与转移量 {_t(shipped)} 吨相差 "
            f"{_t(ratio.quantize(Decimal('0.1')))}%（阈值 {_t(limit)}%）"
        )
        if receipt.received_count is not None and receipt.received_count != line.package_count:
            what = f"清点 {receipt.received_count} 件，联单 {line.package_count} 件"
        raise ValidationError(
            f"第 {line.line_no} 行：{what}，存在重大差异，须填写差异说明并告知移出人"
            "（转移办法第十八条第二款） (a significant discrepancy needs a note)",
            field=f"{prefix}.note",
        )
    method = ""
    if accepted > 0:
        method = check_method(
            receipt.method_code,
            line,
            context,
            f"{prefix}.method_code",
            hazardous=_hazardous(manifest),
        )
    return dataclasses.replace(
        line,
        received_t=received,
        received_count=receipt.received_count,
        accepted_t=accepted,
        discrepancy=flagged or bool(found),
        discrepancy_note=note,
        decision=decision,
        method_code=method,
        found_code=found.get("code", ""),
        found_form=found.get("form", ""),
        found_packaging=found.get("packaging", ""),
    )


def _decided_state(lines: Iterable[ManifestLine]) -> ManifestState:
    decisions = {line.decision for line in lines}
    if decisions == {LineDecision.ACCEPT}:
        return S.ACCEPTED
    if decisions == {LineDecision.REJECT}:
        return S.REJECTED
    return S.PARTIALLY_ACCEPTED


def confirm_receipt(
    manifest: Manifest,
    actor: Party,
    receipts: Sequence[LineReceipt],
    *,
    now: datetime,
    context: ManifestContext,
    method: SignatureMethod = SignatureMethod.ACCOUNT,
) -> Transition:
    """T7: the receiver checks the delivery and records, per line, the weighed quantity, its
    decision (accept, accept in part, refuse), the accepted quantity and the method code
    (第十二条第一、二项). A significant discrepancy is flagged and must be explained, as must
    a refusal (第十八条第二款). All accepted → accepted; all refused → rejected; else partially
    accepted. A confirmation after the fifth working day is recorded as ``late`` (W02). Reads
    ``settings``, ``receiver_licences`` (method scope)."""
    rule = _require_state(manifest, "confirm_receipt")
    _require_receiver(manifest, actor, rule)
    moment = _now_after(manifest, now)
    by_line: dict[int, LineReceipt] = {}
    known = {line.line_no for line in manifest.lines}
    for receipt in receipts:
        if receipt.line_no not in known:
            raise ValidationError(
                f"联单无第 {receipt.line_no} 行 (manifest has no line {receipt.line_no})",
                field=f"lines[{receipt.line_no}]",
            )
        if receipt.line_no in by_line:
            raise ValidationError(
                f"第 {receipt.line_no} 行的接收意见重复 (line {receipt.line_no} given twice)",
                field=f"lines[{receipt.line_no}]",
            )
        by_line[receipt.line_no] = receipt
    lines = []
    for line in manifest.lines:
        given = by_line.get(line.line_no)
        if given is None:
            raise ValidationError(
                f"第 {line.line_no} 行未填写接收意见 (line {line.line_no} has no decision)",
                field=f"lines[{line.line_no}].decision",
            )
        lines.append(_receipt_line(manifest, line, given, context))
    state = _decided_state(lines)
    late = manifest.receipt_due_on is not None and is_late(manifest.receipt_due_on, moment)
    confirmed = dataclasses.replace(
        manifest,
        state=state,
        lines=tuple(lines),
        accepted_at=moment,
        signatures=(*manifest.signatures, _sign(actor, Section.RECEIPT, moment, method)),
    )
    data = {
        "decisions": {str(line.line_no): str(line.decision) for line in lines},
        "received_t": {str(line.line_no): _t(line.received_t or ZERO) for line in lines},
        "accepted_t": {str(line.line_no): _t(line.accepted_t or ZERO) for line in lines},
        "discrepancy_lines": [line.line_no for line in lines if line.discrepancy],
        "late": late,
        "receipt_due_on": manifest.receipt_due_on.isoformat() if manifest.receipt_due_on else None,
    }
    return Transition(
        confirmed, _event(manifest, confirmed, "confirm_receipt", actor, moment, data)
    )


# ---- T8: close -------------------------------------------------------------------------------


def close(manifest: Manifest, *, now: datetime) -> Transition:
    """T8: the platform closes an accepted or partially accepted manifest once every line has a
    decision (closed loop, indicator I3); the disposal clock (W20) starts."""
    _require_state(manifest, "close")
    moment = _now_after(manifest, now)
    open_lines = [line.line_no for line in manifest.lines if line.decision is None]
    if open_lines:
        raise ValidationError(
            f"第 {open_lines[0]} 行尚未确认接收 (line {open_lines[0]} is not confirmed)",
            field=f"lines[{open_lines[0]}].decision",
        )
    closed = dataclasses.replace(manifest, state=S.CLOSED, closed_at=moment)
    return Transition(closed, _event(manifest, closed, "close", None, moment))


# ---- T9: disposal result ---------------------------------------------------------------------


def report_disposal(
    manifest: Manifest,
    actor: Party,
    disposals: Sequence[LineDisposal],
    *,
    now: datetime,
    context: ManifestContext,
    method: SignatureMethod = SignatureMethod.ACCOUNT,
) -> Transition:
    """T9: the receiver reports the utilisation/disposal result of every accepted line to the
    consignor (第十二条第四项): quantity (at most the accepted quantity), date (from acceptance
    to today) and method. Reads ``settings``, ``receiver_licences``."""
    rule = _require_state(manifest, "report_disposal")
    _require_receiver(manifest, actor, rule)
    moment = _now_after(manifest, now)
    today = local_date(moment)
    accepted_on = local_date(manifest.accepted_at) if manifest.accepted_at else None
    by_line: dict[int, LineDisposal] = {}
    for item in disposals:
        line = manifest.line(item.line_no)
        if not line.accepted_t:
            raise ValidationError(
                f"第 {item.line_no} 行未被接受，无利用处置结果 (line {item.line_no} was not "
                "accepted)",
                field=f"lines[{item.line_no}]",
            )
        if item.line_no in by_line:
            raise ValidationError(
                f"第 {item.line_no} 行重复 (line {item.line_no} given twice)",
                field=f"lines[{item.line_no}]",
            )
        by_line[item.line_no] = item
    lines = []
    for line in manifest.lines:
        if not line.accepted_t:
            lines.append(line)
            continue
        prefix = f"lines[{line.line_no}]"
        result = by_line.get(line.line_no)
        if result is None:
            raise ValidationError(
                f"第 {line.line_no} 行未报告利用处置结果 (line {line.line_no} has no result)",
                field=f"{prefix}.disposed_t",
            )
        disposed = _positive(
            result.disposed_t, f"{prefix}.disposed_t", f"第 {line.line_no} 行处置量"
        )
        if disposed > line.accepted_t:
            raise ValidationError(
                f"第 {line.line_no} 行：利用处置量 {_t(disposed)} 吨超过接受量 "
                f"{_t(line.accepted_t)} 吨 (more than the accepted quantity)",
                field=f"{prefix}.disposed_t",
            )
        if result.disposed_on > today or (accepted_on and result.disposed_on < accepted_on):
            raise ValidationError(
                f"第 {line.line_no} 行：利用处置日期 {result.disposed_on.isoformat()} 应在接收日 "
                f"{accepted_on.isoformat() if accepted_on else ''} 与今天之间 "
                "(the date must lie between acceptance and today)",
                field=f"{prefix}.disposed_on",
            )
        code = result.method_code or line.method_code
        checked = check_method(
            code, line, context, f"{prefix}.method_code", hazardous=_hazardous(manifest)
        )
        lines.append(
            dataclasses.replace(
                line,
                disposed_t=disposed,
                disposed_on=result.disposed_on,
                method_code=checked,
                output_ledger_ref=result.output_ledger_ref.strip(),
            )
        )
    disposed_manifest = dataclasses.replace(
        manifest,
        state=S.DISPOSED,
        lines=tuple(lines),
        disposed_at=moment,
        signatures=(*manifest.signatures, _sign(actor, Section.DISPOSAL, moment, method)),
    )
    data = {
        "disposed_t": {
            str(line.line_no): _t(line.disposed_t) for line in lines if line.disposed_t is not None
        },
        "methods": {str(line.line_no): line.method_code for line in lines if line.disposed_t},
    }
    return Transition(
        disposed_manifest,
        _event(manifest, disposed_manifest, "report_disposal", actor, moment, data),
    )


# ---- T10: return manifest --------------------------------------------------------------------


def make_return_manifest(
    parent: Manifest,
    actor: Party,
    *,
    carrier_uscc: str,
    now: datetime,
    context: ManifestContext,
    receiver_uscc: str | None = None,
) -> Transition:
    """T10: refused waste goes back on a **new** manifest linked by ``parent_no``. It runs from
    the original receiver's site (its 移出人) to the original consignor (default) or to an
    alternate receiver, whose licence is then checked (W10, W11). Either the original consignor
    or the original receiver may arrange it as 托运人 (第三十一条第五项). Each line carries
    the refused quantity of a parent line. Reads ``receiver_licences``, ``receiver_year_t``
    (alternate receiver only)."""
    rule = _require_state(parent, "make_return_manifest")
    is_consignor = actor.role is parent.consignor_role and actor.uscc == parent.consignor_uscc
    is_receiver = actor.role is PartyRole.RECEIVER and actor.uscc == parent.receiver_uscc
    if not (is_consignor or is_receiver):
        _denied(
            parent,
            "移出人或接受人",
            f"{parent.consignor_uscc}、{parent.receiver_uscc}",
            rule,
            actor,
        )
    moment = _now_after(parent, now)
    refused = [line for line in parent.lines if line.refused_t > 0]
    if not refused:
        raise ConflictError(
            f"联单 {_label(parent)} 没有拒收的废物，无需退运 (nothing was refused)",
            field="lines",
        )
    target = (
        _uscc(receiver_uscc, "receiver_uscc", "退运接受单位统一社会信用代码")
        if receiver_uscc
        else parent.consignor_uscc
    )
    carrier = _uscc(carrier_uscc, "carrier_uscc", "承运单位统一社会信用代码")
    to_origin = target == parent.consignor_uscc
    lines = tuple(
        ManifestLine(
            line_no=index,
            code=line.code,
            name=line.name,
            category=line.category,
            hazard=line.hazard,
            form=line.form,
            packaging=line.packaging,
            package_count=(
                (line.received_count if line.received_count is not None else line.package_count)
                if line.decision is LineDecision.REJECT
                else 0
            ),
            planned_t=line.refused_t,
            hazardous_components=line.hazardous_components,
            dangerous_goods_class=line.dangerous_goods_class,
            un_number=line.un_number,
            catalogue_edition=line.catalogue_edition,
        )
        for index, line in enumerate(refused, start=1)
    )
    day = local_date(moment)
    if _hazardous(parent) and not to_origin:
        check_receiver_licence(
            target, [(line.line_no, line.code, line.planned_t) for line in lines], day, context
        )
    returned = Manifest(
        number=None,
        version=1,
        state=S.DRAFT,
        waste_kind=parent.waste_kind,
        consignor_uscc=parent.receiver_uscc,
        consignor_role=PartyRole.RECEIVER,
        receiver_uscc=target,
        carrier_uscc=carrier,
        lines=lines,
        created_at=moment,
        catalogue_edition=parent.catalogue_edition,
        plan_filing_no=parent.plan_filing_no,
        transfer_type=parent.transfer_type,
        shipper_uscc=actor.uscc,
        emergency_measures=parent.emergency_measures,
        parent_no=parent.number,
        return_to_origin=to_origin,
    )
    data = {
        "parent_no": parent.number,
        "parent_lines": [line.line_no for line in refused],
        "refused_t": {str(line.line_no): _t(line.refused_t) for line in refused},
        "return_to_origin": to_origin,
    }
    event = ManifestEvent(
        manifest_no=None,
        version=1,
        transition=rule.transition,
        action="make_return_manifest",
        from_state=None,
        to_state=S.DRAFT,
        actor=actor,
        at=moment,
        data=data,
    )
    return Transition(returned, event)


# ---- T11: correction -------------------------------------------------------------------------


def _is_party(m: Manifest, actor: Party) -> bool:
    if actor.role is PartyRole.REGULATOR:
        return True
    if actor.role is m.consignor_role and actor.uscc == m.consignor_uscc:
        return True
    if actor.role is PartyRole.RECEIVER and actor.uscc == m.receiver_uscc:
        return True
    carriers = {leg.carrier_uscc for leg in m.legs} | {m.carrier_uscc}
    return actor.role is PartyRole.CARRIER and actor.uscc in carriers


def start_correction(manifest: Manifest, actor: Party, *, reason: str, now: datetime) -> Transition:
    """T11, first half: a party on the manifest (or the EEB) opens a correction with a reason.
    The result is a new version under correction; the input version stays as it was (keep both:
    第二十条, ≥ 10 years). One open correction at a time: a version under correction cannot
    start another (第二十九条第三款 tolerates prompt correction)."""
    rule = _require_state(manifest, "start_correction")
    if not _is_party(manifest, actor):
        _denied(manifest, "当事方或生态环境主管部门", "—", rule, actor)
    moment = _now_after(manifest, now)
    if not reason.strip():
        raise ValidationError("更正须说明原因 (a reason is required)", field="reason")
    opened = dataclasses.replace(
        manifest,
        version=manifest.version + 1,
        state=S.UNDER_CORRECTION,
        correction=Correction(
            reason=reason.strip(), started_by=actor, started_at=moment, resume_state=manifest.state
        ),
    )
    data = {"reason": reason.strip(), "previous_version": manifest.version}
    return Transition(opened, _event(manifest, opened, "start_correction", actor, moment, data))


def _owns(m: Manifest, actor: Party, section: Section, leg_order: int | None = None) -> bool:
    if actor.role is PartyRole.REGULATOR:
        return True
    if section is Section.CONSIGNOR:
        return actor.role is m.consignor_role and actor.uscc == m.consignor_uscc
    if section in (Section.RECEIPT, Section.DISPOSAL):
        return actor.role is PartyRole.RECEIVER and actor.uscc == m.receiver_uscc
    leg = next((leg for leg in m.legs if leg.order == leg_order), None)
    return actor.role is PartyRole.CARRIER and leg is not None and leg.carrier_uscc == actor.uscc


def _section_of(name: str) -> Section:
    if name in CONSIGNOR_LINE_FIELDS:
        return Section.CONSIGNOR
    if name in RECEIPT_LINE_FIELDS:
        return Section.RECEIPT
    return Section.DISPOSAL


def _as_text(value: object) -> str:
    if isinstance(value, Decimal):
        return _t(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _correct_line(
    m: Manifest,
    actor: Party,
    change: LineCorrection,
    context: ManifestContext,
    changes: list[dict[str, str]],
    sections: set[Section],
) -> ManifestLine:
    line = m.line(change.line_no)
    prefix = f"lines[{line.line_no}]"
    updates: dict[str, Any] = {}
    for item in dataclasses.fields(change):
        if item.name == "line_no":
            continue
        value = getattr(change, item.name)
        if value is None or value == getattr(line, item.name):
            continue
        section = _section_of(item.name)
        if not _owns(m, actor, section):
            raise PermissionDeniedError(
                f"第 {line.line_no} 行的 {item.name} 属于{_section_zh(section)}，"
                f"{PARTY_ROLE_NAMES[actor.role][0]} {actor.uscc} 不能更正 "
                f"(only the owner of the {section.value} section may correct {item.name})",
                field=f"{prefix}.{item.name}",
            )
        if section is not Section.CONSIGNOR and line.decision is None:
            raise ConflictError(
                f"第 {line.line_no} 行尚未接收，不能更正 {item.name} (not received yet)",
                field=f"{prefix}.{item.name}",
            )
        if section is Section.DISPOSAL and line.disposed_t is None:
            raise ConflictError(
                f"第 {line.line_no} 行尚无利用处置结果，不能更正 {item.name} (no result yet)",
                field=f"{prefix}.{item.name}",
            )
        if item.name in ("shipped_t", "received_t", "disposed_t"):
            value = _positive(value, f"{prefix}.{item.name}", f"第 {line.line_no} 行 {item.name}")
        if item.name == "method_code":
            value = check_method(
                value, line, context, f"{prefix}.method_code", hazardous=_hazardous(m)
            )
        updates[item.name] = value
        sections.add(section)
        changes.append(
            {
                "field": f"{prefix}.{item.name}",
                "before": _as_text(getattr(line, item.name)),
                "after": _as_text(value),
            }
        )
    if not updates:
        return line
    fixed = dataclasses.replace(line, **updates)
    received = fixed.received_t
    if fixed.decision is not None and received is not None:
        if fixed.decision is LineDecision.ACCEPT:
            fixed = dataclasses.replace(fixed, accepted_t=received)
        elif fixed.decision is LineDecision.PARTIAL and not (
            fixed.accepted_t is not None and fixed.accepted_t < received
        ):
            raise ValidationError(
                f"第 {line.line_no} 行：更正后的接收量须大于接受量 (received must exceed the "
                "accepted quantity)",
                field=f"{prefix}.received_t",
            )
        flagged = has_discrepancy(fixed, received, fixed.received_count, context.settings)
        if flagged and not fixed.discrepancy_note:
            raise ValidationError(
                f"第 {line.line_no} 行：更正后存在重大差异，须填写差异说明 (a discrepancy "
                "needs a note)",
                field=f"{prefix}.discrepancy_note",
            )
        fixed = dataclasses.replace(fixed, discrepancy=flagged)
    if (
        fixed.disposed_t is not None
        and fixed.accepted_t is not None
        and fixed.disposed_t > fixed.accepted_t
    ):
        raise ValidationError(
            f"第 {line.line_no} 行：利用处置量超过接受量 (more than the accepted quantity)",
            field=f"{prefix}.disposed_t",
        )
    return fixed


def _section_zh(section: Section) -> str:
    names = {
        Section.CONSIGNOR: "移出人部分",
        Section.TRANSPORT: "承运人部分",
        Section.RECEIPT: "接受人接收部分",
        Section.DISPOSAL: "利用处置结果",
    }
    return names[section]


def finish_correction(
    manifest: Manifest,
    actor: Party,
    changes: CorrectionInput,
    *,
    now: datetime,
    context: ManifestContext,
    method: SignatureMethod = SignatureMethod.ACCOUNT,
) -> Transition:
    """T11, second half: a party changes fields of its own section only (the EEB any) and
    re-signs each changed section; the manifest returns to the state it was in. The event lists
    every change as before → after. Reads ``settings``, ``receiver_licences``."""
    rule = _require_state(manifest, "finish_correction")
    if not _is_party(manifest, actor):
        _denied(manifest, "当事方或生态环境主管部门", "—", rule, actor)
    moment = _now_after(manifest, now)
    correction = manifest.correction
    if correction is None:
        raise ConflictError(
            f"联单 {_label(manifest)} 没有进行中的更正 (no open correction)", field="state"
        )
    log: list[dict[str, str]] = []
    sections: set[Section] = set()
    legs_signed: set[int] = set()
    seen: set[int] = set()
    lines = {line.line_no: line for line in manifest.lines}
    for change in changes.lines:
        if change.line_no in seen:
            raise ValidationError(
                f"第 {change.line_no} 行重复 (line {change.line_no} given twice)",
                field=f"lines[{change.line_no}]",
            )
        seen.add(change.line_no)
        lines[change.line_no] = _correct_line(manifest, actor, change, context, log, sections)
    legs = {leg.order: leg for leg in manifest.legs}
    for leg_change in changes.legs:
        leg = legs.get(leg_change.order)
        if leg is None:
            raise ValidationError(
                f"联单无第 {leg_change.order} 运输段 (no leg {leg_change.order})",
                field=f"legs[{leg_change.order}]",
            )
        if not _owns(manifest, actor, Section.TRANSPORT, leg.order):
            raise PermissionDeniedError(
                f"第 {leg.order} 运输段属于承运人 {leg.carrier_uscc}，{actor.uscc} 不能更正 "
                "(only that leg's carrier may correct it)",
                field=f"legs[{leg.order}]",
            )
        updates = {}
        for name in ("start_place", "end_place"):
            value = getattr(leg_change, name)
            if value is not None and value.strip() and value.strip() != getattr(leg, name):
                updates[name] = value.strip()
                log.append(
                    {
                        "field": f"legs[{leg.order}].{name}",
                        "before": getattr(leg, name),
                        "after": value.strip(),
                    }
                )
        if updates:
            legs[leg.order] = dataclasses.replace(leg, **updates)
            legs_signed.add(leg.order)
    measures = manifest.emergency_measures
    if (
        changes.emergency_measures is not None
        and changes.emergency_measures.strip() != manifest.emergency_measures
    ):
        if not _owns(manifest, actor, Section.CONSIGNOR):
            raise PermissionDeniedError(
                "应急措施属于移出人部分，只有移出人可以更正 (only the consignor may correct it)",
                field="emergency_measures",
            )
        measures = changes.emergency_measures.strip()
        sections.add(Section.CONSIGNOR)
        log.append(
            {
                "field": "emergency_measures",
                "before": manifest.emergency_measures,
                "after": measures,
            }
        )
    if not log:
        raise ValidationError("更正没有任何改动 (the correction changes nothing)", field="changes")
    signatures = list(manifest.signatures)
    signatures += [_sign(actor, section, moment, method) for section in sorted(sections)]
    signatures += [
        _sign(actor, Section.TRANSPORT, moment, method, order) for order in sorted(legs_signed)
    ]
    finished = dataclasses.replace(
        manifest,
        state=correction.resume_state,
        lines=tuple(lines[no] for no in sorted(lines)),
        legs=tuple(legs[order] for order in sorted(legs)),
        emergency_measures=measures,
        correction=None,
        signatures=tuple(signatures),
    )
    data = {"reason": correction.reason, "changes": log}
    return Transition(
        finished, _event(manifest, finished, "finish_correction", actor, moment, data)
    )


# ---- T12: paper backfill ---------------------------------------------------------------------


def _paper_state(m: Manifest) -> ManifestState:
    if m.lines and all(line.decision is not None for line in m.lines):
        return _decided_state(m.lines)
    return S.DELIVERED


def backfill_paper(
    paper: Manifest,
    actor: Party,
    *,
    scan_ref: str,
    now: datetime,
    context: ManifestContext,
) -> Transition:
    """T12, first half: when the electronic manifest could not run, the consignor back-enters
    the paper one after the transfer ended (转移办法 第二十条). ``paper`` holds every field of
    the paper form, with its number, delivery time and paper signatures (the consignor's at
    least). Hazardous codes must be in the catalogue; licences are not re-checked (the transfer
    has happened: W10 may still warn). Entry after the tenth working day is recorded as ``late``
    (W16). Reads ``prefecture_code``, ``calendar``."""
    rule = TRANSITIONS["backfill_paper"]
    _require_consignor(paper, actor, rule)
    moment = _instant(now)
    number = validate_manifest_number(paper.number or "", prefecture_code=context.prefecture_code)
    if not scan_ref.strip():
        raise ValidationError(
            "须上传纸质联单扫描件 (the scan of the paper manifest is required)", field="scan_ref"
        )
    if paper.delivered_at is None or not paper.legs:
        raise ValidationError(
            "纸质联单须在转移活动完成后补录：须填写运输段和运抵时间（转移办法第二十条） "
            "(back-entry follows a finished transfer: legs and delivery time required)",
            field="delivered_at",
        )
    ended = _instant(paper.delivered_at)
    if ended > moment:
        raise ValidationError(
            "运抵时间不能晚于补录时间 (delivery cannot be in the future)", field="delivered_at"
        )
    if not paper.lines:
        raise ValidationError("联单至少须有一行废物 (at least one waste line)", field="lines")
    for line in paper.lines:
        prefix = f"lines[{line.line_no}]"
        if line.shipped_t is None or line.shipped_t <= 0:
            raise ValidationError(
                f"第 {line.line_no} 行：须填写转移量 (the shipped quantity is required)",
                field=f"{prefix}.shipped_t",
            )
        if paper.waste_kind is WasteKind.HAZARDOUS:
            try:
                record = catalogue.waste_code(line.code)
            except catalogue.WasteCodeError as error:
                raise ValidationError(
                    f"第 {line.line_no} 行：{error.message}", field=f"{prefix}.code"
                ) from None
            if line.category != record.category:
                raise ValidationError(
                    f"第 {line.line_no} 行：废物类别应为 {record.category} "
                    f"(category should be {record.category})",
                    field=f"{prefix}.category",
                )
    if any(sig.method is not SignatureMethod.PAPER for sig in paper.signatures):
        raise ValidationError(
            "纸质联单上的签章方式应为纸质签章 (paper signatures only)", field="signatures"
        )
    if paper.signature(Section.CONSIGNOR) is None:
        raise ValidationError(
            "纸质联单须有移出人签章 (the consignor's signature is required)", field="signatures"
        )
    due = paper_backfill_deadline(ended, context.calendar)
    target = _paper_state(paper)
    entered = dataclasses.replace(
        paper,
        number=number,
        version=1,
        state=S.PAPER_BACKFILL,
        paper=True,
        paper_scan_ref=scan_ref.strip(),
        backfill_due_on=due,
        receipt_due_on=receipt_confirmation_deadline(ended, context.calendar),
        created_at=moment,
        catalogue_edition=paper.catalogue_edition
        or (catalogue.CATALOGUE_EDITION if paper.waste_kind is WasteKind.HAZARDOUS else ""),
        correction=None,
    )
    data = {
        "number": number,
        "backfill_due_on": due.isoformat(),
        "late": is_late(due, moment),
        "paper_state": str(target),
    }
    event = ManifestEvent(
        manifest_no=number,
        version=1,
        transition=rule.transition,
        action="backfill_paper",
        from_state=None,
        to_state=S.PAPER_BACKFILL,
        actor=actor,
        at=moment,
        data=data,
    )
    return Transition(entered, event)


def complete_backfill(manifest: Manifest, actor: Party, *, now: datetime) -> Transition:
    """T12, second half: the consignor or the receiver confirms the back-entered manifest, which
    takes the state the paper form reached (delivered, or the receiver's decision)."""
    rule = _require_state(manifest, "complete_backfill")
    is_consignor = actor.role is manifest.consignor_role and actor.uscc == manifest.consignor_uscc
    is_receiver = actor.role is PartyRole.RECEIVER and actor.uscc == manifest.receiver_uscc
    if not (is_consignor or is_receiver):
        _denied(
            manifest,
            "移出人或接受人",
            f"{manifest.consignor_uscc}、{manifest.receiver_uscc}",
            rule,
            actor,
        )
    moment = _now_after(manifest, now)
    completed = dataclasses.replace(manifest, state=_paper_state(manifest))
    return Transition(completed, _event(manifest, completed, "complete_backfill", actor, moment))


def locked_sections(manifest: Manifest) -> frozenset[tuple[Section, int | None]]:
    """The signed, hence locked, sections: (section, leg order for transport legs)."""
    return frozenset((sig.section, sig.leg_order) for sig in manifest.signatures)


#: States in which nothing has been loaded yet, so the transport plan is still open.
_PLANNING_STATES: Final = frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_CORRECTION})


def check_planning_open(manifest: Manifest, field_name: str = "route") -> None:
    """Planning data — the planned route and its expected travel time — belong to the
    transport section: the carrier (or the consignor) files them before loading, and they lock
    with that section when its first leg is signed at departure (T4; 转移办法 第十一条、第十三条),
    and so in every later state (delivered, closed, disposed …) and on a cancelled manifest.
    Rewriting them afterwards would change the evidence of the route and transit-time warnings
    (W03, W06, W13) after the fact; the signed version stays as it was.

    Examples:
        >>> from datetime import datetime, UTC
        >>> m = Manifest(None, 1, S.DRAFT, WasteKind.HAZARDOUS, "a", PartyRole.GENERATOR, "b",
        ...              "c", (), datetime(2025, 1, 1, tzinfo=UTC))
        >>> check_planning_open(m)
        >>> check_planning_open(dataclasses.replace(m, state=S.DISPOSED))
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ConflictError: 联单 （草稿） 当前为“已利用处置”...
    """
    signed = any(sig.section is Section.TRANSPORT for sig in manifest.signatures)
    if signed or manifest.legs or manifest.state not in _PLANNING_STATES:
        raise ConflictError(
            f"联单 {_label(manifest)} 当前为“{_state_zh(manifest.state)}”，运输部分已签署锁定，"
            f"计划路线和预计用时不能再修改 (the transport section is signed and locked: "
            f"{field_name} can no longer be changed)",
            field=field_name,
        )
