"""Indicators I1–I12 of hazardous-waste supervision (docs/modules/hazwaste.md §7; 考核) as pure
functions.

Each function takes plain inputs (transfer records, ledger entries, unit facts, alert records,
track coverage), an **area** and a **period**, and returns an :class:`IndicatorValue` carrying
the value, its numerator and denominator, the unit, the formula as text and what it was built
from, so every figure can be recomputed from stored inputs (an audit requirement of §7).

**Area**: a 6-digit adcode (GB/T 2260). A code ending in ``00`` is a prefecture (``330800``
衢州市: every code starting ``3308``), ``0000`` a province; otherwise a county (``330802``
柯城区). A record belongs to an area by its consignor's site (transfers), its unit's site
(ledger, filings, alerts) or the licence holder's site (I10 capacity).

**Period**: :class:`Period`, calendar days ``start_on``–``end_on`` (both included), Asia/Shanghai
local dates. Each indicator says which day places a record in the period.

Rates are given in per cent (``value = 100 × numerator / denominator``); ``None`` when the
denominator is zero. Tonnes are exact Decimals.

**Plan targets** (衢州市创建国家生态文明建设示范市规划, section 二(三)4; rows of
``shared/data/indicators/quzhou_plan_targets.csv``, the same lines in the package copy
``src/ecociv/indicators/data/quzhou_plan_targets.csv``; see :data:`PLAN_TARGETS`):

* QZ-029 危险废物不出市 (csv line 30) → **I4** in-city disposal share (hazardous waste).
* QZ-030 固体废物不出县 (line 31) → **I5** in-county share (general industrial solid waste).
* QZ-031 危险废物利用处置无害化率 100 % by 2021 (line 32) → **I1** harmless rate; its numerator
  and denominator are the reporting elements ``hw_harmless_t`` and ``hw_generated_t`` of
  ``src/ecociv/indicators/data/reporting.csv`` (lines 7–8), so I1's reported definition is the
  one the indicators domain collects.
* QZ-032 全过程、信息化固体废物闭环管理体系, 基本形成 by 2021 (line 33) → **I3** closed-loop
  rate (every manifest reaches a closed state).
* QZ-033 "能定位、能查询、能跟踪、能预警、能考核" 危险废物全过程信息化监管体系, 建成 by end
  2025 (line 34; qualitative) → evidenced by **I12** tracking coverage (能定位、能跟踪), **I9**
  alert handling (能预警), **I6** electronic manifest share and **I7** on-time reporting (能查询、
  能考核: the data are online and complete).

I1 has two definitions (docs/modules/hazwaste.md §7, doubt 9): (utilised + disposed) / generated —
the **reported** one, the plan's and the brief's — and (utilised + disposed) / (generated +
opening stock), some official sets' — given in ``detail`` beside it.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from ecociv.kernel.clock import SHANGHAI
from ecociv.standards import waste as catalogue
from ecociv.waste.model import (
    LedgerEntry,
    LedgerStage,
    Licence,
    ManifestLine,
    ManifestState,
    WasteKind,
)
from ecociv.waste.rules import tracks
from ecociv.waste.rules.warnings import (
    ManifestFacts,
    UnitFacts,
    WarningRule,
    WarningSettings,
    effective_state,
    filed_on,
    open_batches,
    receipt_days,
    reports_due,
    storage_overdue,
)
from ecociv.waste.rules.workdays import local_date

S = ManifestState
ZERO: Final = Decimal(0)
Number = Decimal | int | float


class Indicator(StrEnum):
    I1 = "I1"
    I2 = "I2"
    I3 = "I3"
    I4 = "I4"
    I5 = "I5"
    I6 = "I6"
    I7 = "I7"
    I8 = "I8"
    I9 = "I9"
    I10 = "I10"
    I11 = "I11"
    I12 = "I12"


INDICATOR_NAMES: Final[Mapping[Indicator, tuple[str, str]]] = {
    Indicator.I1: ("危险废物利用处置无害化率", "Harmless utilisation/disposal rate"),
    Indicator.I2: ("接收按时确认率", "On-time receipt confirmation rate"),
    Indicator.I3: ("联单闭环率", "Closed-loop rate"),
    Indicator.I4: ("危险废物不出市率", "In-city disposal share"),
    Indicator.I5: ("一般工业固体废物不出县率", "In-county share, general solid waste"),
    Indicator.I6: ("电子联单率", "Electronic manifest share"),
    Indicator.I7: ("按时申报率", "On-time reporting rate"),
    Indicator.I8: ("超期贮存量", "Overdue storage"),
    Indicator.I9: ("预警处置率", "Alert handling"),
    Indicator.I10: ("利用处置能力匹配率", "Capacity match"),
    Indicator.I11: ("平均转移距离", "Mean transfer distance"),
    Indicator.I12: ("轨迹覆盖率", "Tracking coverage"),
}

#: The formula of each indicator, as shown with its value.
INDICATOR_FORMULAS: Final[Mapping[Indicator, str]] = {
    Indicator.I1: "（利用量 + 处置量）÷ 产生量 × 100% "
    "((utilised t + disposed t) / generated t; alternative: / (generated + opening stock))",
    Indicator.I2: "5 个工作日内确认接收的联单数 ÷ 已送达且期限已过或已确认的联单数 × 100% "
    "(manifests confirmed within 5 working days / manifests delivered, pending excluded)",
    Indicator.I3: "已办结（含已利用处置）联单数 ÷ 已提交联单数（不含作废）× 100% "
    "(manifests closed or disposed / manifests submitted, cancelled excluded)",
    Indicator.I4: "接受单位在本市的转移量 ÷ 本地区移出人转移量 × 100% "
    "(t to receivers in the city / t transferred by the area's consignors)",
    Indicator.I5: "（县内自行利用处置量 + 转移至本县的量）÷ 产生量 × 100% "
    "((own t + t transferred within the county) / generated t)",
    Indicator.I6: "电子联单数 ÷ 全部联单数（含纸质补录）× 100% "
    "(electronic manifests / all manifests, paper backfills included)",
    Indicator.I7: "按期申报数 ÷ 应申报数 × 100% (reports filed by the deadline / reports due)",
    Indicator.I8: "期末贮存超期（W01）的数量，吨 "
    "(t in storage batches with W01 open at period end; ÷ t in storage)",
    Indicator.I9: "7 日内处置完毕的预警数 ÷ 应处置预警数 × 100% "
    "(alerts resolved within 7 days / alerts whose 7 days have passed or that are resolved)",
    Indicator.I10: "Σ 各类别 min(本地许可能力, 产生量) ÷ Σ 产生量 × 100% "
    "(Σ over categories of min(licensed capacity, generated) / Σ generated)",
    Indicator.I11: "Σ(路线公里 × 吨) ÷ Σ 吨 (tonne-weighted mean route km)",
    Indicator.I12: "有定位的在途分钟 ÷ 在途分钟 × 100% (in-transit minutes with fixes / "
    "in-transit minutes)",
}


@dataclass(frozen=True, slots=True)
class PlanTarget:
    """A plan target this module feeds: code, quoted text, target, and the indicators."""

    code: str
    name_zh: str
    target: str
    year: int | None
    quote: str
    source_row: str
    indicators: tuple[Indicator, ...]
    reading: str
    elements: Mapping[str, str] = field(default_factory=dict)  # reporting element → role


_TARGETS_CSV = "shared/data/indicators/quzhou_plan_targets.csv"

#: QZ-029–QZ-033 of the plan (section 二(三)4) and the indicators that measure them.
PLAN_TARGETS: Final[Mapping[str, PlanTarget]] = {
    "QZ-029": PlanTarget(
        "QZ-029",
        "危险废物不出市",
        "不出市",
        None,
        "危险废物不出市",
        f"{_TARGETS_CSV} line 30",
        (Indicator.I4,),
        "I4 = 100 % means no hazardous waste of the area's consignors left the city.",
    ),
    "QZ-030": PlanTarget(
        "QZ-030",
        "固体废物不出县",
        "不出县",
        None,
        "固体废物不出县",
        f"{_TARGETS_CSV} line 31",
        (Indicator.I5,),
        "I5 per county: general industrial solid waste handled within the county.",
    ),
    "QZ-031": PlanTarget(
        "QZ-031",
        "危险废物利用处置无害化率",
        "100 %",
        2021,
        "危险废物利用处置无害化率达到100%",
        f"{_TARGETS_CSV} line 32",
        (Indicator.I1,),
        "I1 (generated-based definition) ≥ 100 % in the year.",
        {"hw_harmless_t": "numerator", "hw_generated_t": "denominator"},
    ),
    "QZ-032": PlanTarget(
        "QZ-032",
        "全过程、信息化固体废物闭环管理体系",
        "基本形成",
        2021,
        "到2021年基本形成全过程、信息化的固体废物闭环管理体系",
        f"{_TARGETS_CSV} line 33",
        (Indicator.I3,),
        "Qualitative; I3 shows every manifest reaching a closed state.",
    ),
    "QZ-033": PlanTarget(
        "QZ-033",
        "危险废物全过程信息化监管体系",
        "建成",
        2025,
        "到2025年底前,建成“能定位、能查询、能跟踪、能预警、能考核”的危险废物全过程信息化监管体系",
        f"{_TARGETS_CSV} line 34",
        (Indicator.I12, Indicator.I9, Indicator.I6, Indicator.I7),
        "Qualitative; locate/track = I12, warn = I9, query/assess = I6 and I7.",
    ),
}


def targets_of(indicator: Indicator) -> tuple[str, ...]:
    """The plan target codes an indicator feeds.

    Examples:
        >>> targets_of(Indicator.I4), targets_of(Indicator.I2)
        (('QZ-029',), ())
    """
    return tuple(code for code, t in PLAN_TARGETS.items() if indicator in t.indicators)


# ---- values, periods, areas --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """Calendar days ``start_on``–``end_on``, both included (Asia/Shanghai)."""

    start_on: date
    end_on: date
    label: str = ""

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), str(year))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return cls(date(year, month, 1), nxt - timedelta(days=1), f"{year}-{month:02d}")

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start_on <= day <= self.end_on

    def has(self, instant: datetime | None) -> bool:
        """True when the local day of the instant is in the period."""
        return instant is not None and self.contains(local_date(instant))

    @property
    def end_instant(self) -> datetime:
        """The instant the period ends: the next local midnight, as aware UTC."""
        midnight = datetime.combine(self.end_on + timedelta(days=1), time(0), tzinfo=SHANGHAI)
        return midnight.astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.end_on - self.start_on).days + 1


def area_prefix(area: str) -> str:
    """The adcode prefix of an area: ``330800`` → ``3308``, ``330000`` → ``33``,
    ``330802`` → ``330802``."""
    code = area.strip()
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def in_area(adcode: str | None, area: str) -> bool:
    """True when a 6-digit adcode lies in the area.

    Examples:
        >>> in_area("330881", "330800"), in_area("330881", "330802"), in_area("", "330800")
        (True, False, False)
    """
    return bool(adcode) and str(adcode).startswith(area_prefix(area))


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """One indicator for one area and period: value, numerator, denominator, unit, formula,
    the plan targets it feeds and a ``detail`` of JSON-ready inputs and alternatives."""

    indicator: Indicator
    area: str
    period: Period
    value: float | None
    numerator: Number
    denominator: Number
    unit: str
    formula: str
    targets: tuple[str, ...] = ()
    detail: Mapping[str, Any] = field(default_factory=dict)


def _percent(numerator: Number, denominator: Number) -> float | None:
    if not denominator:
        return None
    return float(Decimal(str(numerator)) / Decimal(str(denominator)) * 100)


def _value(
    indicator: Indicator,
    area: str,
    period: Period,
    value: float | None,
    numerator: Number,
    denominator: Number,
    unit: str,
    detail: Mapping[str, Any],
) -> IndicatorValue:
    return IndicatorValue(
        indicator,
        area,
        period,
        value,
        numerator,
        denominator,
        unit,
        INDICATOR_FORMULAS[indicator],
        targets_of(indicator),
        dict(detail),
    )


def _t(quantity: Decimal) -> str:
    text = format(quantity, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransferRecord:
    """One manifest as the indicators read it (what a query returns per manifest)."""

    number: str
    state: ManifestState  # effective state
    waste_kind: WasteKind
    consignor_adcode: str
    receiver_adcode: str
    shipped_t: Decimal
    submitted_at: datetime | None = None
    delivered_at: datetime | None = None
    confirmed_at: datetime | None = None  # T7
    receipt_due_on: date | None = None
    paper: bool = False
    route_km: float | None = None
    lines: tuple[ManifestLine, ...] = ()

    @classmethod
    def of(cls, facts: ManifestFacts, settings: WarningSettings | None = None) -> TransferRecord:
        """The record of a manifest's facts; the receipt deadline as W02 computes it."""
        m = facts.manifest
        days = receipt_days(m, settings or WarningSettings())
        return cls(
            number=m.number or "",
            state=effective_state(m),
            waste_kind=m.waste_kind,
            consignor_adcode=facts.consignor_adcode,
            receiver_adcode=facts.receiver_adcode,
            shipped_t=m.total_shipped_t,
            submitted_at=m.submitted_at,
            delivered_at=m.delivered_at,
            confirmed_at=m.accepted_at,
            receipt_due_on=days[1] if days else None,
            paper=m.paper,
            route_km=facts.route_km,
            lines=m.lines,
        )

    @property
    def run(self) -> bool:
        """Submitted (or back-entered) and not cancelled."""
        return self.state not in (S.DRAFT, S.CANCELLED)

    @property
    def transferred_at(self) -> datetime | None:
        """The day that places a transfer in a period: submission, else delivery (paper)."""
        return self.submitted_at or self.delivered_at


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """A warning as handled (docs/modules/hazwaste.md §6): its rule, the unit and its adcode, when
    it was opened and closed, and its state (open, acknowledged, resolved, false_positive)."""

    rule: str
    unit_uscc: str
    adcode: str
    opened_at: datetime
    closed_at: datetime | None = None
    state: str = "open"

    @property
    def handled(self) -> bool:
        return self.state in ("resolved", "false_positive") and self.closed_at is not None


@dataclass(frozen=True, slots=True)
class TrackCoverage:
    """I12 input per trip: covered and in-transit minutes (``tracks.tracking_coverage``)."""

    manifest_no: str
    consignor_adcode: str
    departed_at: datetime
    covered_minutes: float
    transit_minutes: float

    @classmethod
    def of(
        cls,
        manifest_no: str,
        consignor_adcode: str,
        departed_at: datetime,
        coverage: tracks.Coverage,
    ) -> TrackCoverage:
        return cls(
            manifest_no,
            consignor_adcode,
            departed_at,
            coverage.covered_minutes,
            coverage.transit_minutes,
        )


def _units_in(unit_adcodes: Mapping[str, str], area: str) -> set[str]:
    return {uscc for uscc, code in unit_adcodes.items() if in_area(code, area)}


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


# ---- I1 harmless rate --------------------------------------------------------------------------

#: Method codes counted in I1 but to be checked by the EEB (free-text "other",
#: docs/modules/hazwaste.md §5).
CHECK_METHODS: Final = frozenset({"R15", "D16"})


def method_class(code: str) -> str:
    """How a method code counts in I1 (docs/modules/hazwaste.md §5 [design]): ``utilised`` (R*, C2,
    C3), ``disposed`` (D1, D9, D10, C1, Y*), or ``unclassified`` (unknown or unconfirmed codes,
    not counted). R15 and D16 count but are flagged for an EEB check.

    Examples:
        >>> method_class("R4"), method_class("C1"), method_class("Y10"), method_class("G21")
        ('utilised', 'disposed', 'disposed', 'unclassified')
    """
    try:
        found = catalogue.method(code)
    except catalogue.WasteCodeError:
        return "unclassified"
    if found.unconfirmed:
        return "unclassified"
    return "utilised" if found.kind == "utilisation" else "disposed"


def harmless_rate(
    area: str,
    period: Period,
    *,
    ledger: Iterable[LedgerEntry],
    unit_adcodes: Mapping[str, str],
    transfers: Iterable[TransferRecord],
    opening_stock_t: Mapping[str, Decimal] | None = None,
) -> IndicatorValue:
    """I1 (QZ-031): (utilised + disposed) / generated, hazardous waste, in tonnes.

    * generated: ledger ``GENERATE`` entries of the area's units in the period;
    * own: their ``OWN_DISPOSE`` entries in the period (own facilities; counted);
    * utilised / disposed: disposal results (T9) of the area's consignors' manifest lines
      disposed in the period, by method class (:func:`method_class`); exempted-stage waste is
      counted by its destination like any other;
    * alternative denominator: generated + the units' opening stock (``opening_stock_t`` per
      unit USCC), in ``detail``.
    """
    units = _units_in(unit_adcodes, area)
    generated, own = ZERO, ZERO
    for e in ledger:
        if e.unit_uscc in units and period.has(e.occurred_at):
            if e.stage is LedgerStage.GENERATE:
                generated += e.quantity_t
            elif e.stage is LedgerStage.OWN_DISPOSE:
                own += e.quantity_t
    by_class: dict[str, Decimal] = defaultdict(lambda: ZERO)
    check = ZERO
    for record in transfers:
        if record.waste_kind is not WasteKind.HAZARDOUS or not in_area(
            record.consignor_adcode, area
        ):
            continue
        for line in record.lines:
            if line.disposed_t is None or not period.contains(line.disposed_on):
                continue
            by_class[method_class(line.method_code)] += line.disposed_t
            if line.method_code.strip().upper() in CHECK_METHODS:
                check += line.disposed_t
    numerator = by_class["utilised"] + by_class["disposed"] + own
    stock = _sum((opening_stock_t or {}).get(u, ZERO) for u in units)
    return _value(
        Indicator.I1,
        area,
        period,
        _percent(numerator, generated),
        numerator,
        generated,
        "%",
        {
            "reported_definition": "generated",
            "utilised_t": _t(by_class["utilised"]),
            "disposed_t": _t(by_class["disposed"]),
            "own_t": _t(own),
            "unclassified_t": _t(by_class["unclassified"]),
            "needs_check_t": _t(check),
            "opening_stock_t": _t(stock),
            "alternative_definition": "generated_plus_opening_stock",
            "alternative_value": _percent(numerator, generated + stock),
        },
    )


# ---- I2, I3 manifests --------------------------------------------------------------------------


def on_time_receipt_rate(
    area: str, period: Period, transfers: Iterable[TransferRecord], as_of: date
) -> IndicatorValue:
    """I2: manifests delivered in the period (local day of delivery) and confirmed (T7) by
    their deadline, over those confirmed or whose deadline passed before ``as_of``
    (转移办法 第十八条). A manifest still within its deadline is pending, not counted."""
    on_time = late = pending = 0
    for r in transfers:
        if not in_area(r.consignor_adcode, area) or not period.has(r.delivered_at):
            continue
        if r.state is S.CANCELLED or r.receipt_due_on is None:
            continue
        if r.confirmed_at is not None:
            if local_date(r.confirmed_at) <= r.receipt_due_on:
                on_time += 1
            else:
                late += 1
        elif r.receipt_due_on < as_of:
            late += 1
        else:
            pending += 1
    return _value(
        Indicator.I2,
        area,
        period,
        _percent(on_time, on_time + late),
        on_time,
        on_time + late,
        "%",
        {"late": late, "pending": pending, "as_of": as_of.isoformat()},
    )


def closed_loop_rate(
    area: str, period: Period, transfers: Iterable[TransferRecord]
) -> IndicatorValue:
    """I3 (QZ-032): manifests submitted in the period, not cancelled, that are closed or
    disposed, over all of them."""
    closed = total = 0
    by_state: dict[str, int] = defaultdict(int)
    for r in transfers:
        if not r.run or not in_area(r.consignor_adcode, area):
            continue
        if not period.has(r.transferred_at):
            continue
        total += 1
        by_state[r.state.value] += 1
        if r.state in (S.CLOSED, S.DISPOSED):
            closed += 1
    return _value(
        Indicator.I3,
        area,
        period,
        _percent(closed, total),
        closed,
        total,
        "%",
        {"by_state": dict(sorted(by_state.items()))},
    )


# ---- I4, I5 in city / in county ----------------------------------------------------------------


def in_city_share(
    area: str,
    period: Period,
    transfers: Iterable[TransferRecord],
    *,
    city_prefix: str = "3308",
) -> IndicatorValue:
    """I4 (QZ-029): of the hazardous waste the area's consignors transferred in the period
    (shipped t of manifests run, by submission day), the share going to receivers in the city
    (``city_prefix``). A receiver of unknown adcode counts as not in the city."""
    inside, total, unknown = ZERO, ZERO, ZERO
    for r in transfers:
        if r.waste_kind is not WasteKind.HAZARDOUS or not r.run:
            continue
        if not in_area(r.consignor_adcode, area) or not period.has(r.transferred_at):
            continue
        total += r.shipped_t
        if not r.receiver_adcode.strip():
            unknown += r.shipped_t
        elif r.receiver_adcode.startswith(city_prefix):
            inside += r.shipped_t
    return _value(
        Indicator.I4,
        area,
        period,
        _percent(inside, total),
        inside,
        total,
        "%",
        {
            "out_of_city_t": _t(total - inside - unknown),
            "unknown_receiver_t": _t(unknown),
            "city_prefix": city_prefix,
        },
    )


def in_county_share(
    area: str,
    period: Period,
    *,
    ledger: Iterable[LedgerEntry],
    unit_adcodes: Mapping[str, str],
    transfers: Iterable[TransferRecord],
) -> IndicatorValue:
    """I5 (QZ-030), general industrial solid waste: (own utilisation/disposal + t transferred
    to a receiver in the consignor's own county) / generated, for the area's units in the
    period. ``ledger`` holds the general solid waste ledger entries."""
    units = _units_in(unit_adcodes, area)
    generated, own = ZERO, ZERO
    for e in ledger:
        if e.unit_uscc in units and period.has(e.occurred_at):
            if e.stage is LedgerStage.GENERATE:
                generated += e.quantity_t
            elif e.stage is LedgerStage.OWN_DISPOSE:
                own += e.quantity_t
    same, moved = ZERO, ZERO
    for r in transfers:
        if r.waste_kind is not WasteKind.GENERAL_SOLID or not r.run:
            continue
        if not in_area(r.consignor_adcode, area) or not period.has(r.transferred_at):
            continue
        moved += r.shipped_t
        if r.receiver_adcode.strip() and r.receiver_adcode == r.consignor_adcode:
            same += r.shipped_t
    numerator = own + same
    return _value(
        Indicator.I5,
        area,
        period,
        _percent(numerator, generated),
        numerator,
        generated,
        "%",
        {
            "own_t": _t(own),
            "in_county_transfer_t": _t(same),
            "transferred_t": _t(moved),
            "out_of_county_t": _t(moved - same),
        },
    )


# ---- I6, I7 electronic manifests and reporting -------------------------------------------------


def electronic_share(
    area: str, period: Period, transfers: Iterable[TransferRecord]
) -> IndicatorValue:
    """I6: manifests run electronically over all manifests run in the period (paper backfills
    in the denominator; 转移办法 第二十条), by submission (else delivery) day."""
    electronic = total = 0
    for r in transfers:
        if not r.run or not in_area(r.consignor_adcode, area):
            continue
        if not period.has(r.transferred_at):
            continue
        total += 1
        electronic += not r.paper
    return _value(
        Indicator.I6,
        area,
        period,
        _percent(electronic, total),
        electronic,
        total,
        "%",
        {"paper": total - electronic},
    )


def on_time_reporting_rate(
    area: str,
    period: Period,
    units: Iterable[UnitFacts],
    unit_adcodes: Mapping[str, str],
    as_of: date,
    settings: WarningSettings | None = None,
) -> IndicatorValue:
    """I7: reports (and plan filings) due in the period whose deadline passed before
    ``as_of``, filed by the deadline, over all of them (HJ 1259-2022 §7.2; the W17 calendar,
    :func:`~ecociv.waste.rules.warnings.reports_due`)."""
    s = settings or WarningSettings()
    last = min(period.end_on, as_of - timedelta(days=1))
    on_time = due = 0
    missing: list[dict[str, str]] = []
    for unit in units:
        if not in_area(unit_adcodes.get(unit.uscc), area):
            continue
        for report in reports_due(unit.management_class, period.start_on, last, s):
            due += 1
            filed = filed_on(unit, report)
            if filed is not None and filed <= report.due_on:
                on_time += 1
            else:
                missing.append(
                    {"uscc": unit.uscc, "kind": report.kind.value, "period": report.period}
                )
    return _value(
        Indicator.I7,
        area,
        period,
        _percent(on_time, due),
        on_time,
        due,
        "%",
        {"late_or_missing": missing[:100], "as_of": as_of.isoformat()},
    )


# ---- I8 overdue storage ------------------------------------------------------------------------

_W01 = frozenset({WarningRule.W01A, WarningRule.W01B, WarningRule.W01C, WarningRule.W01D})


def overdue_storage(
    area: str,
    period: Period,
    units: Iterable[UnitFacts],
    unit_adcodes: Mapping[str, str],
    settings: WarningSettings | None = None,
) -> IndicatorValue:
    """I8 (固废法 第八十一条): tonnes in storage batches with a W01 warning (not a
    pre-warning) open at the end of the period, recomputed from the ledger at that instant;
    the denominator is all tonnes in storage then; ``detail`` lists the units."""
    s = settings or WarningSettings()
    at = period.end_instant
    overdue, stock = ZERO, ZERO
    flagged: list[str] = []
    for unit in units:
        if not in_area(unit_adcodes.get(unit.uscc), area):
            continue
        batches = {b.entry.batch_no: b.remaining_t for b in open_batches(unit.ledger, at)}
        stock += _sum(batches.values())
        found = [f for f in storage_overdue(unit, at, s) if f.rule in _W01 and not f.pre_warning]
        numbers = {str(f.evidence["batch_no"]) for f in found if "batch_no" in f.evidence}
        overdue += _sum(batches[n] for n in numbers if n in batches)
        if found:
            flagged.append(unit.uscc)
    return _value(
        Indicator.I8,
        area,
        period,
        float(overdue),
        overdue,
        stock,
        "t",
        {
            "units": len(flagged),
            "unit_usccs": sorted(flagged)[:100],
            "share_of_stock": _percent(overdue, stock),
            "at": at.isoformat(),
        },
    )


# ---- I9 alert handling -------------------------------------------------------------------------


def alert_handling(
    area: str,
    period: Period,
    alerts: Iterable[AlertRecord],
    transfers: Iterable[TransferRecord],
    as_of: datetime,
    *,
    handle_days: int = 7,
) -> IndicatorValue:
    """I9: alerts opened in the period and resolved (or closed as false positives) within
    ``handle_days`` (PARAM 7), over those resolved or older than ``handle_days`` at
    ``as_of``; ``detail`` adds the median handling time (hours), alerts per 100 manifests
    run in the period, and counts per rule ID."""
    limit = timedelta(days=handle_days)
    in_time = judged = opened = 0
    hours: list[float] = []
    by_rule: dict[str, int] = defaultdict(int)
    for a in alerts:
        if not in_area(a.adcode, area) or not period.has(a.opened_at):
            continue
        opened += 1
        by_rule[a.rule] += 1
        if a.handled and a.closed_at is not None:
            taken = a.closed_at - a.opened_at
            hours.append(taken.total_seconds() / 3600)
            judged += 1
            in_time += taken <= limit
        elif as_of - a.opened_at > limit:
            judged += 1
    manifests = sum(
        1
        for r in transfers
        if r.run and in_area(r.consignor_adcode, area) and period.has(r.transferred_at)
    )
    return _value(
        Indicator.I9,
        area,
        period,
        _percent(in_time, judged),
        in_time,
        judged,
        "%",
        {
            "opened": opened,
            "median_hours": statistics.median(hours) if hours else None,
            "per_100_manifests": opened * 100 / manifests if manifests else None,
            "manifests": manifests,
            "by_rule": dict(sorted(by_rule.items())),
            "handle_days": handle_days,
        },
    )


# ---- I10 capacity match ------------------------------------------------------------------------


_CATALOGUE_CODE = re.compile(r"^\d{3}-\d{3}-(\d{2})$")


def _category(code: str) -> str:
    match = _CATALOGUE_CODE.match(code.strip())
    return f"HW{match.group(1)}" if match else ""


def _scope_categories(codes: Sequence[str], categories: Sequence[str]) -> set[str]:
    return set(categories) | {f"HW{code[-2:]}" for code in codes}


def capacity_match(
    area: str,
    period: Period,
    *,
    licences: Iterable[Licence],
    holder_adcodes: Mapping[str, str],
    ledger: Iterable[LedgerEntry],
    unit_adcodes: Mapping[str, str],
) -> IndicatorValue:
    """I10 ("不出市" feasibility): per category, the approved annual scale of licences valid
    at the period's end held by units in the area (pro rata to the period's days over 365),
    against what the area's units generated in the period. Value: Σ min(capacity, generated)
    / Σ generated — the share of generation local capacity could take. A scope naming codes
    of several categories counts its whole scale in each (an upper bound)."""
    share = Decimal(period.days) / Decimal(365)
    capacity: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for lic in licences:
        if not in_area(holder_adcodes.get(lic.holder_uscc), area):
            continue
        if not lic.is_valid_on(period.end_on):
            continue
        for scope in lic.scopes:
            for cat in _scope_categories(scope.codes, scope.categories):
                capacity[cat] += scope.annual_scale_t_a * share
    units = _units_in(unit_adcodes, area)
    generated: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for e in ledger:
        if e.unit_uscc in units and e.stage is LedgerStage.GENERATE and period.has(e.occurred_at):
            category = _category(e.code)
            if category:
                generated[category] += e.quantity_t
    matched = _sum(min(capacity[c], g) for c, g in generated.items())
    total = _sum(generated.values())
    return _value(
        Indicator.I10,
        area,
        period,
        _percent(matched, total),
        matched,
        total,
        "%",
        {
            "by_category": {
                c: {
                    "capacity_t": _t(capacity[c]),
                    "generated_t": _t(generated[c]),
                    "ratio": _percent(capacity[c], generated[c]),
                }
                for c in sorted(set(generated) | set(capacity))
            }
        },
    )


# ---- I11, I12 distance and tracking ------------------------------------------------------------


def transfer_distance(
    area: str,
    period: Period,
    transfers: Iterable[TransferRecord],
    *,
    threshold_km: float = tracks.LONG_DISTANCE_KM,
) -> IndicatorValue:
    """I11 (plan: 严控长距离运输): tonne-weighted mean planned route distance of the area's
    manifests run in the period, and the long-haul shares over the W13 threshold
    (``tracks.transfer_distance``). Manifests without a route are counted in ``detail``."""
    km: list[float] = []
    t: list[float] = []
    no_route = 0
    for r in transfers:
        if not r.run or not in_area(r.consignor_adcode, area):
            continue
        if not period.has(r.transferred_at):
            continue
        if r.route_km is None:
            no_route += 1
            continue
        km.append(r.route_km)
        t.append(float(r.shipped_t))
    result = tracks.transfer_distance(km, t, threshold_km=threshold_km)
    weighted = sum(k * w for k, w in zip(km, t, strict=True))
    return _value(
        Indicator.I11,
        area,
        period,
        result.mean_km,
        weighted,
        result.tonnes,
        "km",
        {
            "manifests": result.manifests,
            "no_route": no_route,
            "long_haul_share_tonnes": result.long_haul_share_tonnes,
            "long_haul_share_manifests": result.long_haul_share_manifests,
            "threshold_km": threshold_km,
        },
    )


def tracking_coverage(
    area: str, period: Period, coverages: Iterable[TrackCoverage]
) -> IndicatorValue:
    """I12: in-transit minutes covered by GPS fixes over in-transit minutes, for trips of the
    area's consignors departing in the period (W08 gaps are the uncovered minutes)."""
    covered = transit = 0.0
    trips = 0
    for c in coverages:
        if not in_area(c.consignor_adcode, area) or not period.has(c.departed_at):
            continue
        trips += 1
        covered += c.covered_minutes
        transit += c.transit_minutes
    return _value(
        Indicator.I12,
        area,
        period,
        covered / transit * 100 if transit > 0 else None,
        covered,
        transit,
        "%",
        {"trips": trips},
    )


__all__ = [
    "CHECK_METHODS",
    "INDICATOR_FORMULAS",
    "INDICATOR_NAMES",
    "PLAN_TARGETS",
    "AlertRecord",
    "Indicator",
    "IndicatorValue",
    "Period",
    "PlanTarget",
    "TrackCoverage",
    "TransferRecord",
    "alert_handling",
    "area_prefix",
    "capacity_match",
    "closed_loop_rate",
    "electronic_share",
    "harmless_rate",
    "in_area",
    "in_city_share",
    "in_county_share",
    "method_class",
    "on_time_receipt_rate",
    "on_time_reporting_rate",
    "overdue_storage",
    "targets_of",
    "tracking_coverage",
    "transfer_distance",
]
