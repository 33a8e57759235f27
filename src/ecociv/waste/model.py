"""Hazardous-waste full-process supervision (危险废物全过程监管): the parties, their licences,
vehicles and crews, the management plan, the ledger, and the transfer manifest (转移联单) with
its lines, transport legs, signatures and recorded transitions.

Plain values only (docs/modules/hazwaste.md §2.3). Conventions:

* Quantities are tonnes, held as :class:`~decimal.Decimal` (weighbridge figures stay exact, and a
  threshold such as 10 % compares without float noise); fields end in ``_t`` (``_t_a`` for an
  annual scale). HJ 1259-2022 §6 keeps quantities in tonnes, with counts converted and kept.
* Instants are aware UTC datetimes (``*_at``); calendar days are dates (``*_on``), read in
  Asia/Shanghai local time.
* Enterprises are known by their 统一社会信用代码 (``*_uscc``, GB 32100-2015).
* Each ``StrEnum`` has a ``*_NAMES`` dict giving its Chinese and English names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from ecociv.kernel.errors import ValidationError

# ---- parties ---------------------------------------------------------------------------------


class PartyRole(StrEnum):
    """The role a unit acts in (转移办法 第三十一条; docs/modules/hazwaste.md §2.3)."""

    GENERATOR = "generator"  # 产生单位（移出人）
    COLLECTOR = "collector"  # 收集单位（移出人，持收集经营许可证）
    CARRIER = "carrier"  # 承运单位（承运人）
    RECEIVER = "receiver"  # 接受单位（利用处置单位，接受人）
    REGULATOR = "regulator"  # 生态环境主管部门（更正，转移办法 第二十九条）


PARTY_ROLE_NAMES = {
    PartyRole.GENERATOR: ("产生单位", "Generator"),
    PartyRole.COLLECTOR: ("收集单位", "Collector"),
    PartyRole.CARRIER: ("承运单位", "Carrier"),
    PartyRole.RECEIVER: ("接受单位（利用处置）", "Receiver (utilisation/disposal)"),
    PartyRole.REGULATOR: ("生态环境主管部门", "Ecology and environment bureau"),
}

#: Roles that may be the 移出人 (consignor) of a manifest: the producer or a collector
#: (转移办法 第三十一条); a receiver is the consignor of a return manifest (T10).
CONSIGNOR_ROLES = frozenset({PartyRole.GENERATOR, PartyRole.COLLECTOR})


@dataclass(frozen=True, slots=True)
class Party:
    """Who acts: the role they act in, their unit's USCC and the signing user."""

    role: PartyRole
    uscc: str
    user: str = ""


# ---- licences, vehicles, crew ------------------------------------------------------------------


class LicenceKind(StrEnum):
    """危险废物经营许可证 types (国务院令第 408 号 第三条)."""

    COMPREHENSIVE = "comprehensive"  # 综合经营（收集、贮存、利用、处置）
    COLLECTION = "collection"  # 收集经营


LICENCE_KIND_NAMES = {
    LicenceKind.COMPREHENSIVE: ("综合经营", "Comprehensive"),
    LicenceKind.COLLECTION: ("收集经营", "Collection only"),
}


@dataclass(frozen=True, slots=True)
class LicenceScope:
    """One approved line of a licence: the codes and/or whole categories it covers, with the
    approved annual scale (核准经营规模, t/a) and, if the licence restricts them, the methods."""

    annual_scale_t_a: Decimal
    codes: tuple[str, ...] = ()  # 900-041-49
    categories: tuple[str, ...] = ()  # HW08
    methods: tuple[str, ...] = ()  # R4, D10; empty = not restricted

    def covers(self, code: str) -> bool:
        """True when the code is listed, or its category (its last two digits) is."""
        return code in self.codes or f"HW{code[-2:]}" in self.categories

    @property
    def label(self) -> str:
        """The scope as shown in messages: its categories and codes."""
        return "、".join((*self.categories, *self.codes)) or "—"


@dataclass(frozen=True, slots=True)
class Licence:
    """A 危险废物经营许可证 (国务院令第 408 号 第十条: categories, annual scale, validity):
    number, holder, kind, validity (5 years comprehensive, 3 years collection, 第十三条),
    approved scopes and the storage capacity."""

    number: str
    holder_uscc: str
    kind: LicenceKind
    valid_from_on: date
    valid_until_on: date
    scopes: tuple[LicenceScope, ...]
    storage_capacity_t: Decimal | None = None
    issuer: str = ""

    def is_valid_on(self, day: date) -> bool:
        """True on every day from the first to the last day of validity, both included."""
        return self.valid_from_on <= day <= self.valid_until_on

    def scope_for(self, code: str) -> LicenceScope | None:
        """The scope covering the code: one naming the code first, else one naming its category."""
        for scope in self.scopes:
            if code in scope.codes:
                return scope
        for scope in self.scopes:
            if scope.covers(code):
                return scope
        return None


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A dangerous-goods road vehicle (道路危险货物运输车辆): plate, road transport operating
    certificate (道路运输证) number, permitted dangerous-goods classes, validity, GPS device."""

    plate: str
    owner_uscc: str  # the carrier
    operating_certificate_no: str
    dangerous_goods_classes: tuple[str, ...]  # "3", "6.1", "8", "9"
    valid_until_on: date
    gps_device_id: str = ""
    valid_from_on: date | None = None

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from_on is None or self.valid_from_on <= day) and (
            day <= self.valid_until_on
        )

    def carries(self, dangerous_goods_class: str) -> bool:
        """True when the class, or its whole class (``6`` for ``6.1``), is permitted."""
        whole = dangerous_goods_class.split(".")[0]
        return (
            dangerous_goods_class in self.dangerous_goods_classes
            or whole in self.dangerous_goods_classes
        )


class CrewRole(StrEnum):
    DRIVER = "driver"  # 驾驶人员
    ESCORT = "escort"  # 押运人员


CREW_ROLE_NAMES = {
    CrewRole.DRIVER: ("驾驶人员", "Driver"),
    CrewRole.ESCORT: ("押运人员", "Escort"),
}


@dataclass(frozen=True, slots=True)
class CrewMember:
    """A member of a vehicle's crew with the dangerous-goods qualification (从业资格证)."""

    name: str
    role: CrewRole
    qualification_no: str
    valid_until_on: date
    employer_uscc: str = ""

    def is_valid_on(self, day: date) -> bool:
        return bool(self.qualification_no) and day <= self.valid_until_on


# ---- management plan and ledger --------------------------------------------------------------


class TransferType(StrEnum):
    """Where planned waste goes (HJ 1259-2022 §5.3; docs/modules/hazwaste.md §2.3)."""

    IN_PROVINCE = "in_province"  # 省内转移
    CROSS_PROVINCE = "cross_province"  # 跨省转移（转移办法 第二十一条起）
    ABROAD = "abroad"  # 出境（按出口核准办理，不用国内联单）


TRANSFER_TYPE_NAMES = {
    TransferType.IN_PROVINCE: ("省内转移", "In-province"),
    TransferType.CROSS_PROVINCE: ("跨省转移", "Cross-province"),
    TransferType.ABROAD: ("出境", "Abroad"),
}


@dataclass(frozen=True, slots=True)
class PlanLine:
    """A planned transfer of one code to one receiver (固废法 第七十八条; HJ 1259-2022 §5)."""

    code: str
    planned_t: Decimal
    receiver_uscc: str
    method_code: str
    transfer_type: TransferType = TransferType.IN_PROVINCE


@dataclass(frozen=True, slots=True)
class ManagementPlan:
    """A unit's filed annual management plan (危险废物管理计划, 备案号 = ``filing_no``)."""

    year: int
    consignor_uscc: str
    filing_no: str
    lines: tuple[PlanLine, ...]
    filed_on: date | None = None

    def line_for(self, code: str, receiver_uscc: str) -> PlanLine | None:
        """The plan line for that code and receiver, if planned."""
        for line in self.lines:
            if line.code == code and line.receiver_uscc == receiver_uscc:
                return line
        return None


@dataclass(frozen=True, slots=True)
class TransferApproval:
    """A cross-province transfer approval (跨省转移批准, 转移办法 第二十七条): waste and
    quantity cap per code, consignor, receiver; valid 12 months at most."""

    number: str
    consignor_uscc: str
    receiver_uscc: str
    valid_from_on: date
    valid_until_on: date
    approved_t: Mapping[str, Decimal]  # code → approved quantity

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from_on <= day <= self.valid_until_on


class LedgerStage(StrEnum):
    """The five ledger stages of HJ 1259-2022 §6."""

    GENERATE = "generate"  # 产生
    STORE_IN = "store_in"  # 入库
    STORE_OUT = "store_out"  # 出库
    OWN_DISPOSE = "own_dispose"  # 自行利用/处置
    HAND_OVER = "hand_over"  # 委托外单位利用/处置


LEDGER_STAGE_NAMES = {
    LedgerStage.GENERATE: ("产生", "Generated"),
    LedgerStage.STORE_IN: ("入库", "Stored in"),
    LedgerStage.STORE_OUT: ("出库", "Stored out"),
    LedgerStage.OWN_DISPOSE: ("自行利用处置", "Own utilisation/disposal"),
    LedgerStage.HAND_OVER: ("委外利用处置", "Handed over"),
}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One ledger record (危险废物管理台账, HJ 1259-2022 §6.3): one per container or package.
    Storing in links to the generation batch and storing out to the store-in batch through
    ``parent_batch_no``; that chain gives storage age and mass balance (W01, W18)."""

    unit_uscc: str
    stage: LedgerStage
    batch_no: str
    code: str
    quantity_t: Decimal
    occurred_at: datetime
    parent_batch_no: str | None = None
    container_code: str = ""
    container_type: str = ""
    package_count: int | None = None
    facility_code: str = ""
    staff: str = ""
    manifest_no: str | None = None  # hand-over records: the manifest that carried it


# ---- the manifest ------------------------------------------------------------------------------


class WasteKind(StrEnum):
    """What a manifest carries: hazardous waste (转移联单) or general industrial solid waste
    (转移交接记录, docs/modules/hazwaste.md §2.6: the same workflow without licence and catalogue
    checks)."""

    HAZARDOUS = "hazardous"  # 危险废物
    GENERAL_SOLID = "general_solid"  # 一般工业固体废物


WASTE_KIND_NAMES = {
    WasteKind.HAZARDOUS: ("危险废物", "Hazardous waste"),
    WasteKind.GENERAL_SOLID: ("一般工业固体废物", "General industrial solid waste"),
}


class ManifestState(StrEnum):
    """The states of docs/modules/hazwaste.md §2.1 (T1–T12)."""

    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交（运行中）
    IN_TRANSIT = "in_transit"  # 运输中
    DELIVERED = "delivered"  # 已送达
    ACCEPTED = "accepted"  # 已接受
    PARTIALLY_ACCEPTED = "partially_accepted"  # 部分接受
    REJECTED = "rejected"  # 已拒收
    CLOSED = "closed"  # 已办结
    DISPOSED = "disposed"  # 已利用处置
    CANCELLED = "cancelled"  # 已作废
    UNDER_CORRECTION = "under_correction"  # 更正中
    PAPER_BACKFILL = "paper_backfill"  # 纸质联单补录中


MANIFEST_STATE_NAMES = {
    ManifestState.DRAFT: ("草稿", "Draft"),
    ManifestState.SUBMITTED: ("已提交", "Submitted"),
    ManifestState.IN_TRANSIT: ("运输中", "In transit"),
    ManifestState.DELIVERED: ("已送达", "Delivered"),
    ManifestState.ACCEPTED: ("已接受", "Accepted"),
    ManifestState.PARTIALLY_ACCEPTED: ("部分接受", "Partially accepted"),
    ManifestState.REJECTED: ("已拒收", "Rejected"),
    ManifestState.CLOSED: ("已办结", "Closed"),
    ManifestState.DISPOSED: ("已利用处置", "Disposed"),
    ManifestState.CANCELLED: ("已作废", "Cancelled"),
    ManifestState.UNDER_CORRECTION: ("更正中", "Under correction"),
    ManifestState.PAPER_BACKFILL: ("纸质联单补录", "Paper backfill"),
}


class LineDecision(StrEnum):
    """The receiver's decision on a line (处理意见, 转移办法 第十二条、第十八条)."""

    ACCEPT = "accept"  # 接受
    PARTIAL = "partial"  # 部分接受
    REJECT = "reject"  # 拒收


LINE_DECISION_NAMES = {
    LineDecision.ACCEPT: ("接受", "Accept"),
    LineDecision.PARTIAL: ("部分接受", "Accept in part"),
    LineDecision.REJECT: ("拒收", "Reject"),
}


class Section(StrEnum):
    """The parts of a manifest each party fills in and signs; a signed part is locked."""

    CONSIGNOR = "consignor"  # 移出人部分
    TRANSPORT = "transport"  # 承运人部分（每一运输段）
    RECEIPT = "receipt"  # 接受人接收部分
    DISPOSAL = "disposal"  # 接受人利用处置结果


SECTION_NAMES = {
    Section.CONSIGNOR: ("移出人部分", "Consignor section"),
    Section.TRANSPORT: ("承运人部分", "Carrier section"),
    Section.RECEIPT: ("接受人接收部分", "Receipt section"),
    Section.DISPOSAL: ("利用处置结果", "Disposal result"),
}


class SignatureMethod(StrEnum):
    DIGITAL_CERTIFICATE = "digital_certificate"  # CA 数字证书电子签名
    ACCOUNT = "account"  # 系统账户确认
    PAPER = "paper"  # 纸质签章（补录）


SIGNATURE_METHOD_NAMES = {
    SignatureMethod.DIGITAL_CERTIFICATE: ("数字证书签名", "Digital certificate"),
    SignatureMethod.ACCOUNT: ("账户确认", "Account confirmation"),
    SignatureMethod.PAPER: ("纸质签章", "Paper signature"),
}


@dataclass(frozen=True, slots=True)
class Signature:
    """Who signed which section, in which role, when and how (docs/modules/hazwaste.md §2.1: a party
    signs only its own section; the section locks once signed)."""

    section: Section
    role: PartyRole
    uscc: str
    user: str
    signed_at: datetime
    method: SignatureMethod
    leg_order: int | None = None  # transport legs only


@dataclass(frozen=True, slots=True)
class ManifestLine:
    """One waste line. The consignor's fields come first, the receiver's after
    (docs/modules/hazwaste.md §2.3, §2.5)."""

    line_no: int
    code: str  # 900-041-49; a local code for general solid waste
    name: str
    category: str  # HW49; "" for general solid waste
    hazard: str  # raw catalogue string, e.g. "T,I"
    form: str  # 固态、半固态、液态 …
    packaging: str
    package_count: int
    planned_t: Decimal
    hazardous_components: str = ""
    dangerous_goods_class: str = ""  # set by the 托运人 (转移办法 第十三条)
    un_number: str = ""
    shipped_t: Decimal | None = None  # weighed at the consignor (第十条第三项)
    catalogue_edition: str = ""
    # receiver
    received_t: Decimal | None = None  # weighed on arrival
    received_count: int | None = None
    accepted_t: Decimal | None = None
    discrepancy: bool = False  # 是否存在重大差异
    discrepancy_note: str = ""
    # what the receiver found when it differs from the consignor's entry ("" = as stated)
    found_code: str = ""
    found_form: str = ""
    found_packaging: str = ""
    decision: LineDecision | None = None
    method_code: str = ""
    # disposal result (T9)
    disposed_t: Decimal | None = None
    disposed_on: date | None = None
    output_ledger_ref: str = ""

    @property
    def refused_t(self) -> Decimal:
        """What the receiver turned away: received (or shipped) less accepted."""
        if self.decision is None:
            return Decimal(0)
        arrived = self.received_t if self.received_t is not None else self.shipped_t
        return (arrived or Decimal(0)) - (self.accepted_t or Decimal(0))


@dataclass(frozen=True, slots=True)
class TransportLeg:
    """One carrier's leg; relay transport adds legs (转移办法 第十七条)."""

    order: int  # 1, 2, …
    carrier_uscc: str
    vehicle_plate: str
    operating_certificate_no: str
    crew: tuple[str, ...]  # qualification numbers
    start_place: str
    started_at: datetime
    end_place: str = ""
    ended_at: datetime | None = None
    gps_device_id: str = ""


@dataclass(frozen=True, slots=True)
class Correction:
    """An open correction (T11): why, who started it, and the state it returns to."""

    reason: str
    started_by: Party
    started_at: datetime
    resume_state: ManifestState


@dataclass(frozen=True, slots=True)
class RelayOffer:
    """A relay hand-over the current carrier (or the consignor) offers to a named next carrier
    (转移办法 第十七条): only that carrier may take the waste over, until the offer is accepted
    or withdrawn. ``place`` is where the hand-over is to happen."""

    to_carrier_uscc: str
    offered_by: Party
    offered_at: datetime
    place: str = ""


@dataclass(frozen=True, slots=True)
class Manifest:
    """A transfer manifest (危险废物转移联单), one version of it. A correction makes a new
    version; the old one is kept unchanged (docs/modules/hazwaste.md §2.1 T11; 转移办法 第二十条
    keeps ≥ 10 years).

    ``number`` is the 14-digit number given at submission (``None`` for a draft);
    ``shipper_uscc`` is the 托运人 (the consignor, or the receiver for a return manifest).
    """

    number: str | None
    version: int
    state: ManifestState
    waste_kind: WasteKind
    consignor_uscc: str
    consignor_role: PartyRole
    receiver_uscc: str
    carrier_uscc: str  # the carrier planned for the first leg
    lines: tuple[ManifestLine, ...]
    created_at: datetime
    catalogue_edition: str = ""
    plan_filing_no: str = ""
    transfer_type: TransferType = TransferType.IN_PROVINCE
    approval_no: str = ""  # cross-province approval
    shipper_uscc: str = ""
    emergency_measures: str = ""
    parent_no: str | None = None  # the manifest this one returns refused waste of (T10)
    return_to_origin: bool = False
    legs: tuple[TransportLeg, ...] = ()
    signatures: tuple[Signature, ...] = ()
    submitted_at: datetime | None = None
    departed_at: datetime | None = None
    delivered_at: datetime | None = None
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    disposed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    receipt_due_on: date | None = None  # 5 working days after delivery (第十八条)
    paper: bool = False  # run on paper and back-entered (第二十条)
    paper_scan_ref: str = ""
    backfill_due_on: date | None = None  # 10 working days after the transfer ended
    correction: Correction | None = None
    relay_offer: RelayOffer | None = None  # a relay hand-over offered, not yet taken (T5)

    def line(self, line_no: int) -> ManifestLine:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise ValidationError(
            f"联单无第 {line_no} 行 (manifest has no line {line_no})", field="line_no"
        )

    def signature(self, section: Section, leg_order: int | None = None) -> Signature | None:
        """The latest signature of a section (of a leg, for transport)."""
        found = None
        for sig in self.signatures:
            if sig.section is section and sig.leg_order == leg_order:
                found = sig
        return found

    @property
    def current_leg(self) -> TransportLeg | None:
        return self.legs[-1] if self.legs else None

    @property
    def total_shipped_t(self) -> Decimal:
        return sum((line.shipped_t or Decimal(0) for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class ManifestEvent:
    """A recorded transition: which (``transition`` = T1…T12), from and to which state, by
    whom (``None`` = the platform itself, e.g. T8), when, and its data (JSON-ready values)."""

    manifest_no: str | None
    version: int
    transition: str
    action: str
    from_state: ManifestState | None
    to_state: ManifestState
    actor: Party | None
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


# ---- quantities --------------------------------------------------------------------------------


def tonnes(value: Decimal | int | str | float, *, field: str = "quantity_t") -> Decimal:
    """A quantity in tonnes as a Decimal (floats via their shortest repr, so 0.1 stays 0.1);
    ValidationError for anything not a finite number.

    Examples:
        >>> tonnes(0.1), tonnes("2.50"), tonnes(3)
        (Decimal('0.1'), Decimal('2.50'), Decimal('3'))
    """
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            f"数量 “{value}” 不是有效的吨数 (not a quantity in tonnes)", field=field
        ) from None
    if not number.is_finite():
        raise ValidationError(f"数量 “{value}” 不是有限数 (not a finite number)", field=field)
    return number
