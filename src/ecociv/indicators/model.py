"""Indicator frameworks, indicators, data elements, targets and annual reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

#: The one ordinal scale of qualitative targets (issue 3; plan wording mapped onto it).
STATE_SCALE: tuple[str, ...] = ("未开展", "开展", "基本建成", "建成")


class Confirmation(StrEnum):
    """How well a catalogue row was checked against its source."""

    CONFIRMED = "confirmed"
    PARTIAL = "partial"  # 部分核实
    UNVERIFIED = "unverified"  # 待核实


class ValueKind(StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    STATE = "state"  # an ordinal state on STATE_SCALE
    TEXT = "text"  # described only; not computed


class Aggregation(StrEnum):
    """How a city value is built from county values."""

    RATE = "rate"  # Σnumerator / Σdenominator × 100
    SUM = "sum"
    MIN_STATE = "min_state"  # the city has reached a state when every county has
    NONE = "none"  # reported for the city itself


class Comparator(StrEnum):
    GE = "ge"
    LE = "le"
    EQ = "eq"
    INCREASE = "increase"
    DECREASE = "decrease"
    REACH = "reach"


class Binding(StrEnum):
    BINDING = "binding"  # 约束性
    REFERENCE = "reference"  # 参考性


class FormKind(StrEnum):
    COUNTY = "county"  # 县（市、区）年度报表
    DEPARTMENT = "department"  # 市直部门年度报表


class ReportState(StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交
    APPROVED = "approved"  # 单位负责人已审核
    ACCEPTED = "accepted"  # 市创建办已采纳（锁定）
    RETURNED = "returned"  # 已退回


class ReportAction(StrEnum):
    SAVE = "save"
    SUBMIT = "submit"
    APPROVE = "approve"
    ACCEPT = "accept"
    RETURN = "return"


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One catalogue row, parsed."""

    code: str
    framework: str
    number: str
    name_zh: str
    name_en: str
    unit: str
    area_zh: str = ""
    area_en: str = ""
    task_zh: str = ""
    task_en: str = ""
    value_kind: ValueKind = ValueKind.TEXT
    comparator: Comparator | None = None
    binding: Binding | None = None
    levels: str = "city"  # "city", "county" or "city|county"
    confirmation: Confirmation = Confirmation.CONFIRMED
    source: str = ""
    quote: str = ""
    plan_section: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target as read from a catalogue (the city's own target for the plan rows)."""

    indicator_code: str
    comparator: Comparator
    value: float | None = None
    required_state: str | None = None
    year: int | None = None  # None: within the plan period
    recurring: bool = False  # every year
    baseline_year: int | None = None
    relative_change: float | None = None  # e.g. -0.10: 10 % below the baseline year's value
    wording: str = ""  # the source's own words for the target
    level: str = "city"  # "city": the city's target; "county": every county's


@dataclass(frozen=True, slots=True)
class ElementSpec:
    """A data element a report form asks for."""

    code: str
    indicator_code: str
    form: FormKind
    department_code: str
    role: str  # value, numerator, denominator
    name_zh: str
    name_en: str
    unit: str
    value_kind: ValueKind
    aggregation: Aggregation
    applicable_zones: tuple[str, ...] = ()
    sum_of_county_element: str = ""


@dataclass(frozen=True, slots=True)
class Issue:
    """A validation finding on a report: an error blocks saving/submission, a warning asks
    for a comment."""

    element: str
    message: str
    severity: str = "error"  # error | comment_required


@dataclass(frozen=True, slots=True)
class ReportRef:
    """Which report: form, org unit (county, or the city for departments), department, year."""

    form: FormKind
    org_unit_code: str
    department_code: str
    year: int


@dataclass(frozen=True, slots=True)
class ReportSummary:
    id: int
    ref: ReportRef
    state: ReportState
    due_on: date
    submitted_at: datetime | None
    on_time: bool | None
    returned_reason: str
    filled: int
    expected: int


@dataclass(frozen=True, slots=True)
class FieldValue:
    element: str
    value: float | str | None
    comment: str = ""
    previous: float | str | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """A stored target (current or historical revision)."""

    id: int
    framework_code: str
    indicator_code: str
    org_unit_code: str
    year: int | None
    recurring: bool
    comparator: Comparator
    value: float | None
    required_state: str | None
    baseline_year: int | None
    relative_change: float | None
    wording: str
    source: str
    revision: int
    is_current: bool
    reason: str
    created_by: str
    created_at: datetime
    parent_id: int | None

    def describe(self) -> str:
        """The target in a few characters, e.g. "≥ 69.85（2022年）" or "达到 建成"."""
        symbols = {
            Comparator.GE: "≥",
            Comparator.LE: "≤",
            Comparator.EQ: "=",
            Comparator.INCREASE: "提高",
            Comparator.DECREASE: "下降",
            Comparator.REACH: "达到",
        }
        what = self.required_state or (f"{self.value:g}" if self.value is not None else "")
        if self.relative_change is not None:
            what = f"基准年{self.baseline_year}值 × {1 + self.relative_change:g}"
        when = "每年" if self.recurring else (f"{self.year}年" if self.year else "规划期内")
        return f"{symbols[self.comparator]} {what}（{when}）".replace("  ", " ")

    def as_spec(self) -> TargetSpec:
        return TargetSpec(
            self.indicator_code,
            self.comparator,
            self.value,
            self.required_state,
            self.year,
            self.recurring,
            self.baseline_year,
            self.relative_change,
            self.wording,
        )


@dataclass(frozen=True, slots=True)
class IndicatorInfo:
    """An indicator of the current framework version, with its reporting elements."""

    id: int
    framework_code: str
    framework_version: int
    code: str
    number: str
    area_zh: str
    area_en: str
    name_zh: str
    name_en: str
    unit: str
    value_kind: ValueKind
    comparator: Comparator | None
    binding: Binding | None
    levels: str
    confirmation: Confirmation
    confirmation_citation: str
    source: str
    quote: str
    plan_section: str
    note: str
    elements: tuple[ElementSpec, ...] = ()
    linked: tuple[str, ...] = ()

    @property
    def assessable(self) -> bool:
        """Confirmed, and either reported through a form or without data (qualitative)."""
        return self.confirmation is Confirmation.CONFIRMED

    @property
    def aggregation(self) -> Aggregation | None:
        return self.elements[0].aggregation if self.elements else None

    @property
    def display_unit(self) -> str:
        """The unit of the values the platform computes: a rate's catalogue unit, else the
        unit of the reported quantity (coal "较2017年下降%" is assessed in 万吨)."""
        if self.elements and self.aggregation is not Aggregation.RATE:
            return self.elements[0].unit
        return self.unit


@dataclass(frozen=True, slots=True)
class ReportEvent:
    at: datetime
    actor: str
    action: str
    from_state: str
    to_state: str
    reason: str


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    id: int
    element: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class ReportView:
    """A report as its form shows it: every applicable element with this year's and last
    year's value, comments, evidence, open issues, and what the viewer may do."""

    id: int
    ref: ReportRef
    state: ReportState
    due_on: date
    first_submitted_at: datetime | None
    returned_reason: str
    elements: tuple[ElementSpec, ...]
    values: dict[str, float | str | None]
    comments: dict[str, str]
    previous: dict[str, float | str | None]
    evidence: tuple[EvidenceInfo, ...]
    issues: tuple[Issue, ...]
    events: tuple[ReportEvent, ...]
    may_edit: bool
    may_approve: bool
    may_accept: bool
    may_return: bool
    subject_name: str
