"""Warning rules W01–W21 of hazardous-waste supervision (docs/modules/hazwaste.md §6) as pure
functions.

Each rule is one function taking its *facts* (what the service loaded: a manifest with the
snapshots valid on the day, a unit's ledger and filings, or a vehicle track), ``now`` (an aware
instant) and :class:`WarningSettings`, and returning a list of :class:`Finding`. Nothing here
reads the clock, the environment or a database. :func:`evaluate_manifest`,
:func:`evaluate_unit` and :func:`evaluate_track` run the rules that apply to each kind of facts.

A finding names its rule, severity, the unit that must act, and a **stable subject key**, so a
live warning is updated rather than raised twice:

* ``manifest:<number>`` (a draft: ``manifest:draft:<consignor>:<created epoch s>``),
  ``manifest:<number>:leg:<n>`` for W09;
* ``batch:<uscc>:<batch no>`` for W01 on a storage batch, ``unit:<uscc>:medical-collection``;
* ``unit:<uscc>:<year>:<code>`` for the W18 mass balance,
  ``unit:<uscc>:<year>:<licence no>:<scope>`` for W11;
* ``report:<uscc>:<kind>:<period>`` for W17.

The live key of a warning is ``Finding.key`` = rule + subject. A *pre-warning*
(``pre_warning=True``) is raised before a deadline or limit is reached: W01a/b at 335 days, W02
on the 4th working day, W11 at 90 % of the approved scale, and W10, W12–W15 on a draft.

Who must act (``unit_uscc``): the receiver for W02, W04, W05, W20; the carrier for W03, W06–W09,
W19; the consignor for W10, W12–W16, W18 (manifest part), W21; the unit itself for W01, W11,
W17, W18.

**Thresholds** are fields of :class:`WarningSettings`, each citing its source or marked PARAM
(local policy). **Time**: instants are compared at whole seconds (floored, as
:mod:`~ecociv.waste.rules.tracks` does); calendar days are Asia/Shanghai local dates; working
days use the State Council calendar (:mod:`~ecociv.waste.rules.workdays`). "More than" is
strict: exactly 365 days, 10 %, 100 km or 30 days does not trigger.

**Scope rules** (docs/modules/hazwaste.md §6 and §2.6):

* The transport rules W03, W06, W07, W08 are not raised for a manifest whose every line has its
  transport stage exempt in the exemption list (``standards.waste.exemptions_for``: a row of
  stage 运输 or 全部环节, e.g. 900-052-31 undamaged lead-acid batteries). The list's exemptions
  hold only under their conditions (rain-proof vehicle …); a service that has checked them
  passes ``exempt_transport`` explicitly, otherwise the catalogue decides.
* General industrial solid waste (``WasteKind.GENERAL_SOLID``): W12 uses the county (不出县)
  instead of the city; the licence, plan and dangerous-goods rules (W09, W10, W14, W15) do not
  apply.
* A manifest under correction (T11) is judged in the state it will return to.

**Vectorised scan**: :func:`evaluate_manifest_columns` evaluates the manifest-level time and
location rules W02, W03, W04, W12, W13, W19, W20, W21 over column arrays of many manifests
(:data:`MANIFEST_COLUMNS` lists the columns; :func:`manifest_columns` builds them from facts).
It agrees exactly with the per-manifest functions: quantities are whole grams (int64) so the
10 % comparison is exact integer arithmetic, instants whole seconds, days day numbers.

Not decided here: the restricted-zone half of W06 (needs zone polygons); the GPS end point in
the receiver's geofence at T6 (``tracks.inside_geofence``).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ecociv.kernel.datum import Datum
from ecociv.kernel.errors import ValidationError
from ecociv.standards import waste as catalogue
from ecociv.waste.model import (
    CrewMember,
    LedgerEntry,
    LedgerStage,
    Licence,
    LicenceKind,
    ManagementPlan,
    Manifest,
    ManifestLine,
    ManifestState,
    TransferApproval,
    TransferType,
    Vehicle,
    WasteKind,
)
from ecociv.waste.rules import tracks
from ecociv.waste.rules.manifest import (
    LegInput,
    ManifestContext,
    ManifestSettings,
    TransferBlockedError,
    check_approval,
    check_plan,
    check_receiver_licence,
    check_vehicle_and_crew,
)
from ecociv.waste.rules.workdays import (
    CHINA_CALENDAR,
    WorkCalendar,
    local_date,
)
from ecociv.waste.rules.workdays import add_workdays as _add_workdays
from ecociv.waste.rules.workdays import workdays_between as _workdays_between


# Working-day arithmetic is a pure function of (day, n, calendar); the holiday table lookup is
# slow, and a scan asks for the same few hundred days again and again, so results are kept
# (per calendar object; an unhashable calendar is simply not cached).
@functools.lru_cache(maxsize=65_536)
def _cached_add(start: date, n: int, calendar: Any) -> date:
    return _add_workdays(start, n, calendar)


@functools.lru_cache(maxsize=65_536)
def _cached_between(start: date, end: date, calendar: Any) -> int:
    return _workdays_between(start, end, calendar)


def add_workdays(start: date, n: int, calendar: WorkCalendar) -> date:
    """``workdays.add_workdays``, cached."""
    key: Any = calendar
    try:
        return _cached_add(start, n, key)
    except TypeError:
        return _add_workdays(start, n, calendar)


def workdays_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """``workdays.workdays_between``, cached."""
    key: Any = calendar
    try:
        return _cached_between(start, end, key)
    except TypeError:
        return _workdays_between(start, end, calendar)


S = ManifestState
ZERO: Final = Decimal(0)
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Missing instant or day in the column arrays (int64 minimum).
NO_TIME: Final = int(np.iinfo(np.int64).min)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DAY = date(1970, 1, 1)
_SECOND = timedelta(seconds=1)
_DAY_S: Final = 86_400
#: Grams per tonne: column quantities are whole grams.
GRAMS_PER_TONNE: Final = 1_000_000
#: How many items an evidence list keeps (gaps, stops, deviations, batches).
EVIDENCE_ITEMS: Final = 20


# ---- rules, severities, findings ---------------------------------------------------------------


class WarningRule(StrEnum):
    """The warning rules of docs/modules/hazwaste.md §6 (values are the rule IDs shown to users and
    in I9)."""

    W01A = "W01a"
    W01B = "W01b"
    W01C = "W01c"
    W01D = "W01d"
    W02 = "W02"
    W03 = "W03"
    W04 = "W04"
    W05 = "W05"
    W06 = "W06"
    W07 = "W07"
    W08 = "W08"
    W09 = "W09"
    W10 = "W10"
    W11 = "W11"
    W12 = "W12"
    W13 = "W13"
    W14 = "W14"
    W15 = "W15"
    W16 = "W16"
    W17 = "W17"
    W18 = "W18"
    W19 = "W19"
    W20 = "W20"
    W21 = "W21"


WARNING_RULE_NAMES: Final[Mapping[WarningRule, tuple[str, str]]] = {
    WarningRule.W01A: ("经营单位贮存超期", "Storage overdue, licensed operator"),
    WarningRule.W01B: ("产生单位贮存超期", "Storage overdue, producer"),
    WarningRule.W01C: ("医疗废物暂存超时", "Medical waste held too long"),
    WarningRule.W01D: ("收集经营单位贮存超期", "Collection-only licence: held too long"),
    WarningRule.W02: ("接收未按时确认", "Receipt not confirmed"),
    WarningRule.W03: ("运输超时", "Transit too long"),
    WarningRule.W04: ("数量差异", "Quantity mismatch"),
    WarningRule.W05: ("种类差异", "Type mismatch"),
    WarningRule.W06: ("路线偏离", "Route deviation"),
    WarningRule.W07: ("异常停留", "Abnormal stop"),
    WarningRule.W08: ("轨迹缺失", "GPS missing"),
    WarningRule.W09: ("承运资质不符", "Carrier, vehicle or crew not qualified"),
    WarningRule.W10: ("接受单位无相应许可", "Receiver not licensed for the waste"),
    WarningRule.W11: ("接受单位超规模", "Receiver capacity"),
    WarningRule.W12: ("转移出市（县）", "Out of city (county)"),
    WarningRule.W13: ("长距离运输", "Long-distance transfer"),
    WarningRule.W14: ("跨省转移未经批准", "Cross-province without valid approval"),
    WarningRule.W15: ("未列入管理计划", "Not in management plan"),
    WarningRule.W16: ("纸质联单补录超期", "Paper backfill late"),
    WarningRule.W17: ("申报逾期", "Reporting late"),
    WarningRule.W18: ("台账与联单不符", "Ledger does not match manifests"),
    WarningRule.W19: ("一车多家", "One trip, several consignors"),
    WarningRule.W20: ("利用处置结果未报告", "Disposal result not reported"),
    WarningRule.W21: ("联单未办结", "Manifest not closed"),
}

#: Where each rule comes from (docs/modules/hazwaste.md §6 "source").
WARNING_RULE_SOURCES: Final[Mapping[WarningRule, str]] = {
    WarningRule.W01A: "固废法 第八十一条",
    WarningRule.W01B: "PARAM（地方政策或环评批复）",
    WarningRule.W01C: "医疗废物管理条例 第十七条、第二十五条",
    WarningRule.W01D: "危险废物经营许可证管理办法 第二十条",
    WarningRule.W02: "转移办法 第十八条",
    WarningRule.W03: "PARAM（运输超时）",
    WarningRule.W04: "转移办法 第十八条；10 % 取自 40 CFR 264.72",
    WarningRule.W05: "转移办法 第十八条",
    WarningRule.W06: "转移办法 第五条、第八条、第十一条第三项；PARAM",
    WarningRule.W07: "PARAM",
    WarningRule.W08: "转移办法 第十一条第三项",
    WarningRule.W09: "转移办法 第十一条、第十三条",
    WarningRule.W10: "固废法 第八十条；转移办法 第十条",
    WarningRule.W11: "危险废物经营许可证管理办法 第十二条",
    WarningRule.W12: "衢州市生态文明建设规划 二(三)4",
    WarningRule.W13: "衢州市生态文明建设规划 二(三)4（严控长距离运输）；PARAM",
    WarningRule.W14: "转移办法 第二十一条、第二十七条、第二十八条",
    WarningRule.W15: "转移办法 第十四条；HJ 1259-2022 §5.2.3",
    WarningRule.W16: "转移办法 第二十条",
    WarningRule.W17: "HJ 1259-2022 §5.2.2、§7.2",
    WarningRule.W18: "HJ 1259-2022 §6.3",
    WarningRule.W19: "转移办法 第十六条",
    WarningRule.W20: "转移办法 第十二条第四项",
    WarningRule.W21: "PARAM（闭环，指标 I3）",
}


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


SEVERITY_NAMES: Final[Mapping[Severity, tuple[str, str]]] = {
    Severity.HIGH: ("高", "High"),
    Severity.MEDIUM: ("中", "Medium"),
    Severity.LOW: ("低", "Low"),
    Severity.INFO: ("提示", "Info"),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One firing of a rule on one subject. ``message`` is Chinese first, English in
    parentheses; ``evidence`` holds JSON-ready values (weights, dates, track segments,
    licence snapshot)."""

    rule: WarningRule
    severity: Severity
    subject_key: str
    unit_uscc: str
    manifest_no: str | None
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    pre_warning: bool = False

    @property
    def key(self) -> str:
        """The live-warning key: one open warning per rule and subject."""
        return f"{self.rule.value}|{self.subject_key}"


# ---- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WarningSettings:
    """Every threshold of docs/modules/hazwaste.md §6, with its default and source."""

    # W01a: 固废法 第八十一条 — a licensed operator stores hazardous waste at most one year.
    operator_storage_days: int = 365
    # W01a pre-warning age, 30 days before the year (PARAM; common practice in public tools).
    operator_prewarn_days: int = 335
    # W01b: producer storage limit. PARAM (local policy): the one-year rule binds operators;
    # a producer's limit comes from local rules or its EIA approval (docs/modules/hazwaste.md §9
    # doubt 5).
    producer_storage_days: int = 365
    # W01b pre-warning, days before the limit. PARAM (local policy).
    producer_prewarn_days_before: int = 30
    # W01c: 医疗废物管理条例 第十七条 — temporary storage of medical waste at most 2 days.
    medical_storage_days: int = 2
    # W01c: 医疗废物管理条例 第二十五条 — collected at least every 2 days.
    medical_collection_days: int = 2
    # W01d: 许可证办法 第二十条 — collection-only operators pass waste on within 90 working days.
    collection_only_workdays: int = 90
    # W02: 转移办法 第十八条 — the receiver confirms within 5 working days of receipt.
    receipt_workdays: int = 5
    # W02 pre-warning on the 4th working day. PARAM (local policy).
    receipt_prewarn_workday: int = 4
    # W03: in transit longer than ETA × 1.5 + 120 min. PARAM (local policy; Zhoushan 车辆超时).
    transit_eta_factor: float = tracks.TRANSIT_ETA_FACTOR
    transit_slack_minutes: float = tracks.TRANSIT_SLACK_MINUTES
    # W04: |received − shipped| / shipped above 10 %. PARAM: 转移办法 第十八条 gives no number;
    # 10 % is the bulk-weight rule of 40 CFR 264.72.
    quantity_mismatch_ratio: Decimal = Decimal("0.10")
    # W06: more than 1,000 m off the planned corridor for more than 10 min. PARAM.
    corridor_offset_m: float = tracks.CORRIDOR_OFFSET_M
    corridor_minutes: float = tracks.CORRIDOR_MINUTES
    # W07: a stop longer than 30 min outside whitelisted sites. PARAM.
    abnormal_stop_minutes: float = tracks.ABNORMAL_STOP_MINUTES
    # W07 whitelist radius around a site point when the facts give none. PARAM (local policy).
    whitelist_radius_m: float = 500.0
    # Stop detection (platform choice, tracks.py): 200 m, 5 min, 5 km/h.
    stop_radius_m: float = tracks.STOP_RADIUS_M
    stop_min_minutes: float = tracks.STOP_MIN_MINUTES
    stop_max_speed_kmh: float = tracks.STOP_MAX_SPEED_KMH
    # W08: no fix for more than 10 min while in transit (转移办法 第十一条第三项; PARAM).
    gps_gap_minutes: float = tracks.GPS_GAP_MINUTES
    # W09: an escort besides the driver (road dangerous-goods rules; 转移办法 第十三条).
    require_escort: bool = True
    # W11: 许可证办法 第十二条第四项 — warn at 90 % of the approved annual scale (PARAM), breach
    # above 100 %, re-application required above 120 % (the article's "more than 20 %").
    capacity_warn_ratio: Decimal = Decimal("0.90")
    capacity_breach_ratio: Decimal = Decimal("1.00")
    capacity_reapply_ratio: Decimal = Decimal("1.20")
    # W12: plan 二(三)4 危险废物不出市 — Quzhou's prefecture code (GB/T 2260 330800).
    city_prefix: str = "3308"
    # W13: route distance above 100 km. PARAM (plan: 严控长距离运输).
    long_distance_km: float = tracks.LONG_DISTANCE_KM
    # W13: "Quzhou plus neighbours": Hangzhou 3301, Jinhua 3307, Lishui 3311, Huangshan 3410,
    # Nanping 3507, Shangrao 3611 (GB/T 2260). PARAM (local policy).
    neighbour_prefixes: tuple[str, ...] = ("3301", "3307", "3311", "3410", "3507", "3611")
    # W15: cumulative transfer above the planned quantity × 1.1. PARAM (HJ 1259 §5.2.3 asks
    # for a plan update on change; the 10 % margin is local policy).
    plan_excess_ratio: Decimal = Decimal("1.1")
    # W16: 转移办法 第二十条 — a paper manifest is entered within 10 working days.
    backfill_workdays: int = 10
    # W17: HJ 1259-2022 §7.2 — monthly and quarterly reports by the 15th of the next month
    # (the first month of the next quarter) ...
    report_day_of_month: int = 15
    # ... the annual report by 31 March of the next year (§7.2) ...
    annual_report_due: tuple[int, int] = (3, 31)
    # ... and the year's management plan filed by 31 March (§5.2.2).
    plan_filing_due: tuple[int, int] = (3, 31)
    # W18: ledger and manifest quantities may differ by at most 1 kg (the resolution of a
    # tonne figure to three decimals). PARAM.
    ledger_tolerance_t: Decimal = Decimal("0.001")
    # W19: manifests of one vehicle departing within 30 min of each other are one trip. PARAM.
    shared_trip_minutes: float = 30.0
    # W20: closed without a disposal result after 90 days. PARAM (第十二条第四项 says "timely").
    disposal_report_days: int = 90
    # W21: not closed or cancelled within 30 days of submission. PARAM (indicator I3).
    closure_days: int = 30
    # The working-day calendar (State Council holiday table, chinesecalendar package).
    calendar: WorkCalendar = CHINA_CALENDAR


# ---- facts -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceivedDescription:
    """What the receiver found on arrival for one line (W05): code, form and packaging."""

    code: str = ""
    form: str = ""
    packaging: str = ""


@dataclass(frozen=True, slots=True)
class Departure:
    """Another manifest loaded on the same vehicle (W19): its number, consignor, departure."""

    manifest_no: str
    consignor_uscc: str
    departed_at: datetime


@dataclass(frozen=True, slots=True)
class ManifestFacts:
    """A manifest with what its rules need that the model does not hold.

    ``consignor_adcode`` / ``receiver_adcode`` are the 6-digit county adcodes (GB/T 2260) of
    the two sites; ``route_km`` and ``eta_minutes`` the planned route's length and driving
    time; ``vehicles``, ``crew`` and ``receiver_licences`` the snapshots valid on the day;
    ``plan`` the consignor's filed plan; ``plan_transferred_t`` what already moved this plan
    year to this receiver per code *before* this manifest; ``approval`` and
    ``approval_used_t`` the cross-province approval and what already moved under it (this
    manifest excluded); ``received`` what the receiver found per line number (W05);
    ``same_vehicle_departures`` the other manifests loaded on the first leg's vehicle around
    this departure (W19); ``exempt_transport`` the service's verdict on the exemption list
    (``None``: the catalogue decides); ``out_of_city_approval_no`` a local EEB approval of an
    out-of-city transfer (silences W12); ``has_return_manifest`` a rejected manifest whose
    return manifest exists (T10; silences W21).
    """

    manifest: Manifest
    consignor_adcode: str = ""
    receiver_adcode: str = ""
    route_km: float | None = None
    eta_minutes: float | None = None
    vehicles: tuple[Vehicle, ...] = ()
    crew: tuple[CrewMember, ...] = ()
    receiver_licences: tuple[Licence, ...] = ()
    plan: ManagementPlan | None = None
    plan_transferred_t: Mapping[str, Decimal] = field(default_factory=dict)
    approval: TransferApproval | None = None
    approval_used_t: Mapping[str, Decimal] = field(default_factory=dict)
    received: Mapping[int, ReceivedDescription] = field(default_factory=dict)
    same_vehicle_departures: tuple[Departure, ...] = ()
    exempt_transport: bool | None = None
    out_of_city_approval_no: str = ""
    has_return_manifest: bool = False


class ManagementClass(StrEnum):
    """Unit classes of HJ 1259-2022 §4.2 (they set the reporting rhythm, §7.2)."""

    KEY = "key"  # 重点监管: ≥ 100 t/a, own utilisation/disposal, or licensed
    SIMPLIFIED = "simplified"  # 简化管理: 10–100 t/a
    REGISTRATION = "registration"  # 登记管理: < 10 t/a


MANAGEMENT_CLASS_NAMES: Final[Mapping[ManagementClass, tuple[str, str]]] = {
    ManagementClass.KEY: ("重点监管单位", "Key supervised"),
    ManagementClass.SIMPLIFIED: ("简化管理单位", "Simplified management"),
    ManagementClass.REGISTRATION: ("登记管理单位", "Registration management"),
}


class ReportKind(StrEnum):
    """What a unit files (HJ 1259-2022 §5.2.2, §7.2). Periods: ``2025-03``, ``2025-Q1``,
    ``2025`` (annual report and plan)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"
    PLAN = "plan"


REPORT_KIND_NAMES: Final[Mapping[ReportKind, tuple[str, str]]] = {
    ReportKind.MONTHLY: ("月度申报", "Monthly report"),
    ReportKind.QUARTERLY: ("季度申报", "Quarterly report"),
    ReportKind.ANNUAL: ("年度申报", "Annual report"),
    ReportKind.PLAN: ("管理计划备案", "Management plan filing"),
}


@dataclass(frozen=True, slots=True)
class ReportFiling:
    """A filed report: kind, period (``2025-03``, ``2025-Q1``, ``2025``) and filing day."""

    kind: ReportKind
    period: str
    filed_on: date


@dataclass(frozen=True, slots=True)
class DueReport:
    """A report a unit owes: kind, period and the last day to file it."""

    kind: ReportKind
    period: str
    due_on: date


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """A unit (production or operating site) with what its rules need.

    ``ledger`` its ledger entries since ``opening_stock_t`` was taken; ``plan`` the filed plan
    of the current year; ``licence_kind`` its operating-licence kind if any (else taken from
    ``licences`` valid on the day; none = producer); ``licences`` its own operating licences
    (W11); ``received_year_t`` what it accepted this calendar year as a receiver, per code;
    ``management_class`` (``None`` = registration duties); ``reports`` its filings;
    ``reporting_since_on`` the first deadline W17 looks at (default 1 January of last year);
    ``manifests`` its manifests as consignor (W18); ``opening_stock_t`` stock per code when
    the ledger window starts; ``closing_stock_t`` stock per code counted now (``None``: the
    ledger's own store balance).
    """

    uscc: str
    ledger: tuple[LedgerEntry, ...] = ()
    plan: ManagementPlan | None = None
    licence_kind: LicenceKind | None = None
    licences: tuple[Licence, ...] = ()
    received_year_t: Mapping[str, Decimal] = field(default_factory=dict)
    management_class: ManagementClass | None = None
    reports: tuple[ReportFiling, ...] = ()
    reporting_since_on: date | None = None
    manifests: tuple[Manifest, ...] = ()
    opening_stock_t: Mapping[str, Decimal] = field(default_factory=dict)
    closing_stock_t: Mapping[str, Decimal] | None = None

    def kind_on(self, day: date) -> LicenceKind | None:
        """The licence kind that sets the storage limit on ``day``."""
        if self.licence_kind is not None:
            return self.licence_kind
        kinds = {lic.kind for lic in self.licences if lic.is_valid_on(day)}
        if LicenceKind.COMPREHENSIVE in kinds:
            return LicenceKind.COMPREHENSIVE
        if LicenceKind.COLLECTION in kinds:
            return LicenceKind.COLLECTION
        return None


@dataclass(frozen=True, slots=True, eq=False)
class TrackFacts:
    """A manifest's vehicle track (W06–W08), as :mod:`~ecociv.waste.rules.tracks` takes it.

    ``times`` are ``numpy.datetime64`` (UTC) or aware datetimes, sorted; ``lon``/``lat``
    WGS-84; ``speed_kmh`` optional (NaN unknown). The in-transit window runs from
    ``departed_at`` to ``delivered_at`` (``None``: still in transit, up to ``now``). The planned
    route (``route_lon``/``route_lat``, in ``route_datum``; empty: no corridor check) and the
    whitelisted sites (``whitelist_points`` (lon, lat) in ``whitelist_datum``, radius per point
    or one for all, default the settings') come from the manifest. ``codes`` and
    ``exempt_transport`` decide the exemption as for :class:`ManifestFacts`.
    """

    manifest_no: str
    carrier_uscc: str
    departed_at: datetime | np.datetime64
    times: Any
    lon: Any
    lat: Any
    delivered_at: datetime | np.datetime64 | None = None
    speed_kmh: Any = None
    route_lon: Any = ()
    route_lat: Any = ()
    route_datum: Datum = Datum.WGS84
    whitelist_points: Sequence[tuple[float, float]] = ()
    whitelist_radius_m: float | Sequence[float] | None = None
    whitelist_datum: Datum = Datum.WGS84
    codes: tuple[str, ...] = ()
    waste_kind: WasteKind = WasteKind.HAZARDOUS
    exempt_transport: bool | None = None


# ---- helpers -----------------------------------------------------------------------------------


def _sec(instant: datetime) -> int:
    """Whole seconds since the epoch (floored); refuses a naive instant."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationError("时间须带时区 (an instant must be timezone-aware)", field="now")
    return (instant - _EPOCH) // _SECOND


def _day_no(day: date) -> int:
    return (day - _EPOCH_DAY).days


def _iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat() if instant is not None else None


def _iso64(instant: np.datetime64) -> str:
    seconds = int(np.asarray(instant).astype("datetime64[s]").astype(np.int64))
    return (_EPOCH + timedelta(seconds=seconds)).isoformat()


def _t(quantity: Decimal) -> str:
    """A quantity as plain text: 10.50 → '10.5'."""
    text = format(quantity, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def effective_state(m: Manifest) -> ManifestState:
    """The state a manifest is judged in: under correction, the state it returns to."""
    if m.state is S.UNDER_CORRECTION and m.correction is not None:
        return m.correction.resume_state
    return m.state


def subject_of(m: Manifest) -> str:
    """The stable subject key of a manifest (a draft has no number yet)."""
    if m.number:
        return f"manifest:{m.number}"
    return f"manifest:draft:{m.consignor_uscc}:{_sec(m.created_at)}"


def _label(m: Manifest) -> str:
    return m.number or "（草稿）"


def _adcode(raw: str) -> str | None:
    """A 6-digit adcode, or None when unknown."""
    text = raw.strip()
    if len(text) == 6 and text.isdigit() and text[0] != "0":
        return text
    return None


_CATALOGUE_CODE = re.compile(r"^\d{3}-\d{3}-(\d{2})$")


def _category(code: str) -> str:
    """``HWnn`` of a catalogue code (``III-SSS-CC``); "" for anything else (local codes of
    general solid waste)."""
    match = _CATALOGUE_CODE.match(code.strip())
    return f"HW{match.group(1)}" if match else ""


def _quantity(line: ManifestLine) -> Decimal:
    return line.shipped_t if line.shipped_t is not None else line.planned_t


@functools.lru_cache(maxsize=4_096)
def _code_transport_exempt(code: str) -> bool:
    try:
        rows = catalogue.exemptions_for(code)
    except catalogue.WasteCodeError:
        return False
    return any(row.stage_zh in ("运输", "全部环节") for row in rows)


def transport_exempt(
    codes: Iterable[str], waste_kind: WasteKind, verdict: bool | None = None
) -> bool:
    """True when the transport rules (W03, W06–W08) are not raised: the service's
    ``verdict`` if given, else every code's transport stage is exempt in the exemption list.
    General solid waste is never exempt (it has no catalogue code).

    Examples:
        >>> transport_exempt(["900-052-31"], WasteKind.HAZARDOUS)
        True
        >>> transport_exempt(["900-052-31", "900-249-08"], WasteKind.HAZARDOUS)
        False
    """
    if verdict is not None:
        return verdict
    if waste_kind is not WasteKind.HAZARDOUS:
        return False
    listed = list(codes)
    return bool(listed) and all(_code_transport_exempt(code) for code in listed)


def _manifest_exempt(facts: ManifestFacts) -> bool:
    m = facts.manifest
    return transport_exempt((line.code for line in m.lines), m.waste_kind, facts.exempt_transport)


def _finding(
    rule: WarningRule,
    severity: Severity,
    m: Manifest,
    unit_uscc: str,
    message: str,
    evidence: Mapping[str, Any],
    *,
    pre_warning: bool = False,
    subject: str | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        subject_key=subject or subject_of(m),
        unit_uscc=unit_uscc,
        manifest_no=m.number,
        message=message,
        evidence=dict(evidence),
        pre_warning=pre_warning,
    )


def _check_day(m: Manifest, now: datetime) -> tuple[date, bool]:
    """The day a planning rule (W10, W14, W15) is judged on, and whether it is a pre-warning:
    the submission day; for a draft, today (pre-warning); for a back-entered paper manifest
    without a submission time, the day it departed (else was delivered)."""
    if m.submitted_at is not None:
        return local_date(m.submitted_at), False
    if effective_state(m) is S.DRAFT:
        return local_date(now), True
    return local_date(m.departed_at or m.delivered_at or m.created_at), False


# ---- W01 storage -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenBatch:
    """A store-in batch with waste still in store: the entry and what remains of it."""

    entry: LedgerEntry
    remaining_t: Decimal


_REMOVING = frozenset({LedgerStage.STORE_OUT, LedgerStage.OWN_DISPOSE, LedgerStage.HAND_OVER})


def open_batches(ledger: Iterable[LedgerEntry], at: datetime | None = None) -> list[OpenBatch]:
    """Store-in batches with a positive remainder (HJ 1259-2022 §6.3 batch chain): a store-in
    entry less every store-out, own-disposal or hand-over entry whose ``parent_batch_no`` is
    that batch. With ``at``, only entries up to that instant count."""
    entries = [e for e in ledger if at is None or e.occurred_at <= at]
    batches = {e.batch_no: e for e in entries if e.stage is LedgerStage.STORE_IN}
    removed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for e in entries:
        if e.stage in _REMOVING and e.parent_batch_no in batches:
            removed[e.parent_batch_no] += e.quantity_t
    out = []
    for batch_no, entry in batches.items():
        remaining = entry.quantity_t - removed[batch_no]
        if remaining > 0:
            out.append(OpenBatch(entry, remaining))
    out.sort(key=lambda b: (b.entry.occurred_at, b.entry.batch_no))
    return out


def storage_overdue(facts: UnitFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W01a–W01d: waste held in store too long, per store-in batch with waste remaining.

    * medical waste (HW01): held more than ``medical_storage_days`` × 24 h (W01c, high); and
      the unit's last collection of HW01 more than ``medical_collection_days`` ago while an
      HW01 batch older than that is held (W01c, subject ``unit:<uscc>:medical-collection``);
    * collection-only licence: held more than ``collection_only_workdays`` working days (W01d);
    * licensed operator: older than ``operator_storage_days`` local days (W01a, high),
      pre-warning from ``operator_prewarn_days``;
    * producer (no licence): older than ``producer_storage_days`` (W01b, medium), pre-warning
      ``producer_prewarn_days_before`` days earlier.
    """
    s = settings
    today = local_date(now)
    now_s = _sec(now)
    kind = facts.kind_on(today)
    findings: list[Finding] = []
    medical_oldest: OpenBatch | None = None
    for batch in open_batches(facts.ledger, now):
        e = batch.entry
        stored_on = local_date(e.occurred_at)
        evidence: dict[str, Any] = {
            "batch_no": e.batch_no,
            "code": e.code,
            "stored_at": _iso(e.occurred_at),
            "remaining_t": _t(batch.remaining_t),
            "licence_kind": kind.value if kind else None,
        }
        subject = f"batch:{facts.uscc}:{e.batch_no}"
        if _category(e.code) == "HW01":
            held_s = now_s - _sec(e.occurred_at)
            if held_s > s.medical_storage_days * _DAY_S:
                if medical_oldest is None:
                    medical_oldest = batch
                findings.append(
                    Finding(
                        WarningRule.W01C,
                        Severity.HIGH,
                        subject,
                        facts.uscc,
                        None,
                        f"医疗废物批次 {e.batch_no} 暂存 {held_s / 3600:.1f} 小时，超过 "
                        f"{s.medical_storage_days} 天（医疗废物管理条例第十七条） "
                        f"(medical waste held more than {s.medical_storage_days} days)",
                        {**evidence, "held_hours": round(held_s / 3600, 2)},
                    )
                )
            continue
        if kind is LicenceKind.COLLECTION:
            held_wd = workdays_between(stored_on, today, s.calendar)
            if held_wd > s.collection_only_workdays:
                findings.append(
                    Finding(
                        WarningRule.W01D,
                        Severity.MEDIUM,
                        subject,
                        facts.uscc,
                        None,
                        f"收集经营单位批次 {e.batch_no}（{e.code}）已贮存 {held_wd} 个工作日，超过 "
                        f"{s.collection_only_workdays} 个工作日未转交利用处置单位"
                        f"（许可证办法第二十条） (held {held_wd} working days, more than "
                        f"{s.collection_only_workdays})",
                        {**evidence, "held_workdays": held_wd},
                    )
                )
            continue
        age = (today - stored_on).days
        if kind is LicenceKind.COMPREHENSIVE:
            rule, severity = WarningRule.W01A, Severity.HIGH
            limit, prewarn = s.operator_storage_days, s.operator_prewarn_days
            basis = "固废法第八十一条"
        else:
            rule, severity = WarningRule.W01B, Severity.MEDIUM
            limit = s.producer_storage_days
            prewarn = s.producer_storage_days - s.producer_prewarn_days_before
            basis = "地方管理要求"
        if age > limit:
            message = (
                f"批次 {e.batch_no}（{e.code}）已贮存 {age} 天，超过 {limit} 天（{basis}） "
                f"(stored {age} days, more than {limit})"
            )
            pre = False
        elif age >= prewarn:
            message = (
                f"批次 {e.batch_no}（{e.code}）已贮存 {age} 天，将于 {limit - age} 天后超过 "
                f"{limit} 天贮存期限（{basis}） (stored {age} days; the {limit}-day limit is "
                f"{limit - age} days away)"
            )
            pre = True
        else:
            continue
        findings.append(
            Finding(
                rule,
                severity,
                subject,
                facts.uscc,
                None,
                message,
                {**evidence, "age_days": age, "limit_days": limit, "prewarn_days": prewarn},
                pre,
            )
        )
    if medical_oldest is not None:
        collections = [
            e.occurred_at
            for e in facts.ledger
            if _category(e.code) == "HW01"
            and e.stage in (LedgerStage.STORE_OUT, LedgerStage.HAND_OVER)
            and e.occurred_at <= now
        ]
        last = max(collections, default=None)
        if last is None or now_s - _sec(last) > s.medical_collection_days * _DAY_S:
            findings.append(
                Finding(
                    WarningRule.W01C,
                    Severity.HIGH,
                    f"unit:{facts.uscc}:medical-collection",
                    facts.uscc,
                    None,
                    f"医疗废物超过 {s.medical_collection_days} 天未交集中处置单位收运"
                    f"（医疗废物管理条例第二十五条） (medical waste not collected for more than "
                    f"{s.medical_collection_days} days)",
                    {
                        "last_collection_at": _iso(last),
                        "oldest_batch_no": medical_oldest.entry.batch_no,
                        "oldest_stored_at": _iso(medical_oldest.entry.occurred_at),
                    },
                )
            )
    return findings


# ---- W02 receipt -------------------------------------------------------------------------------


def receipt_days(m: Manifest, settings: WarningSettings) -> tuple[date, date] | None:
    """(pre-warning day, deadline) of the receipt confirmation: the
    ``receipt_prewarn_workday``-th and ``receipt_workdays``-th working days after the local
    day of delivery (转移办法 第十八条); without a delivery instant, the stored
    ``receipt_due_on`` and the working day(s) before it. ``None`` when neither is known."""
    s = settings
    if m.delivered_at is not None:
        day = local_date(m.delivered_at)
        due = add_workdays(day, s.receipt_workdays, s.calendar)
        prewarn = add_workdays(day, s.receipt_prewarn_workday, s.calendar)
        return prewarn, due
    if m.receipt_due_on is not None:
        due = m.receipt_due_on
        back = s.receipt_prewarn_workday - s.receipt_workdays
        return add_workdays(due, back, s.calendar), due
    return None


def receipt_not_confirmed(
    facts: ManifestFacts, now: datetime, settings: WarningSettings
) -> list[Finding]:
    """W02: delivered and not confirmed (no T7) after the 5th working day after receipt
    (转移办法 第十八条; high); pre-warning from the 4th working day to the deadline day."""
    m = facts.manifest
    if effective_state(m) is not S.DELIVERED:
        return []
    days = receipt_days(m, settings)
    if days is None:
        return []
    prewarn, due = days
    today = local_date(now)
    evidence = {
        "delivered_at": _iso(m.delivered_at),
        "receipt_due_on": due.isoformat(),
        "prewarn_on": prewarn.isoformat(),
        "today": today.isoformat(),
    }
    if today > due:
        late = workdays_between(due, today, settings.calendar)
        return [
            _finding(
                WarningRule.W02,
                Severity.HIGH,
                m,
                m.receiver_uscc,
                f"联单 {_label(m)} 已送达，接受人未在 {settings.receipt_workdays} 个工作日内"
                f"（截至 {due.isoformat()}）确认接收，已逾期 {late} 个工作日（转移办法第十八条） "
                f"(receipt not confirmed within {settings.receipt_workdays} working days; "
                f"due {due.isoformat()})",
                {**evidence, "workdays_late": late},
            )
        ]
    if today >= prewarn:
        return [
            _finding(
                WarningRule.W02,
                Severity.HIGH,
                m,
                m.receiver_uscc,
                f"联单 {_label(m)} 须于 {due.isoformat()} 前确认接收（转移办法第十八条） "
                f"(receipt must be confirmed by {due.isoformat()})",
                evidence,
                pre_warning=True,
            )
        ]
    return []


# ---- W03 transit -------------------------------------------------------------------------------


def transit_too_long(
    facts: ManifestFacts, now: datetime, settings: WarningSettings
) -> list[Finding]:
    """W03: in transit longer than ETA × ``transit_eta_factor`` + ``transit_slack_minutes``
    (PARAM 1.5 and 120 min; ``tracks.transit_too_long``). Needs the planned ETA; not raised
    for a transport-exempt manifest."""
    m = facts.manifest
    if effective_state(m) is not S.IN_TRANSIT or m.departed_at is None:
        return []
    if facts.eta_minutes is None or _manifest_exempt(facts):
        return []
    departed, moment = _sec(m.departed_at), _sec(now)
    if moment < departed:
        return []
    over = tracks.transit_too_long(
        np.datetime64(departed, "s"),
        np.datetime64(moment, "s"),
        facts.eta_minutes,
        factor=settings.transit_eta_factor,
        slack_minutes=settings.transit_slack_minutes,
    )
    if not bool(over):
        return []
    elapsed = (moment - departed) / 60.0
    limit = facts.eta_minutes * settings.transit_eta_factor + settings.transit_slack_minutes
    carrier = m.current_leg.carrier_uscc if m.current_leg else m.carrier_uscc
    return [
        _finding(
            WarningRule.W03,
            Severity.MEDIUM,
            m,
            carrier,
            f"联单 {_label(m)} 已运输 {elapsed:.0f} 分钟，超过预计 {facts.eta_minutes:.0f} 分钟 × "
            f"{settings.transit_eta_factor:g} + {settings.transit_slack_minutes:g} 分钟 "
            f"(in transit {elapsed:.0f} min, over the {limit:.0f}-min limit)",
            {
                "departed_at": _iso(m.departed_at),
                "elapsed_minutes": round(elapsed, 1),
                "eta_minutes": facts.eta_minutes,
                "limit_minutes": round(limit, 1),
                "vehicle_plate": m.current_leg.vehicle_plate if m.current_leg else None,
            },
        )
    ]


# ---- W04, W05 receipt differences --------------------------------------------------------------


def _quantity_over(line: ManifestLine, ratio: Decimal) -> bool:
    if line.received_t is None:
        return False
    shipped = _quantity(line)
    return abs(line.received_t - shipped) > ratio * shipped


def _count_differs(line: ManifestLine) -> bool:
    return line.received_count is not None and line.received_count != line.package_count


def quantity_mismatch(
    facts: ManifestFacts, now: datetime, settings: WarningSettings
) -> list[Finding]:
    """W04: on a weighed line, |received − shipped| > ``quantity_mismatch_ratio`` × shipped
    (PARAM 10 %), or the counted packages differ from the manifest (转移办法 第十八条; high).
    Shipped is the consignor's weighed quantity (the planned one if none was weighed)."""
    m = facts.manifest
    ratio = settings.quantity_mismatch_ratio
    lines = []
    for line in m.lines:
        if line.received_t is None:
            continue
        over, recount = _quantity_over(line, ratio), _count_differs(line)
        if over or recount:
            shipped = _quantity(line)
            lines.append(
                {
                    "line_no": line.line_no,
                    "code": line.code,
                    "shipped_t": _t(shipped),
                    "received_t": _t(line.received_t),
                    "difference_ratio": float(abs(line.received_t - shipped) / shipped)
                    if shipped
                    else None,
                    "package_count": line.package_count,
                    "received_count": line.received_count,
                }
            )
    if not lines:
        return []
    first = lines[0]
    return [
        _finding(
            WarningRule.W04,
            Severity.HIGH,
            m,
            m.receiver_uscc,
            f"联单 {_label(m)} 第 {first['line_no']} 行转移量 {first['shipped_t']} 吨、"
            f"接收量 {first['received_t']} 吨（包装 {first['package_count']} 件，清点 "
            f"{first['received_count'] if first['received_count'] is not None else '—'} 件），"
            f"差异超过 {ratio * 100:g}% 或件数不符，应告知移出人并报告（转移办法第十八条） "
            f"(quantity differs by more than {ratio * 100:g} % or the package count differs)",
            {"threshold_ratio": str(ratio), "lines": lines},
        )
    ]


def type_mismatch(facts: ManifestFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W05: the receiver found another code, form or packaging than the manifest states
    (``facts.received``), or flagged a significant difference (是否存在重大差异) on a line
    whose quantity and count agree — so the difference is of kind (转移办法 第十八条; high)."""
    m = facts.manifest
    ratio = settings.quantity_mismatch_ratio
    lines = []
    for line in m.lines:
        found = facts.received.get(line.line_no)
        differs: dict[str, dict[str, str]] = {}
        if found is not None:
            for name, stated, seen in (
                ("code", line.code, found.code),
                ("form", line.form, found.form),
                ("packaging", line.packaging, found.packaging),
            ):
                if seen.strip() and seen.strip() != stated.strip():
                    differs[name] = {"manifest": stated, "received": seen.strip()}
        flagged = (
            line.discrepancy
            and line.received_t is not None
            and not _quantity_over(line, ratio)
            and not _count_differs(line)
        )
        if differs or flagged:
            lines.append(
                {
                    "line_no": line.line_no,
                    "differs": differs,
                    "discrepancy_flag": line.discrepancy,
                    "note": line.discrepancy_note,
                }
            )
    if not lines:
        return []
    return [
        _finding(
            WarningRule.W05,
            Severity.HIGH,
            m,
            m.receiver_uscc,
            f"联单 {_label(m)} 第 {lines[0]['line_no']} 行接收的废物种类、形态或包装与联单不符，"
            f"应告知移出人并报告接受地生态环境部门（转移办法第十八条） "
            f"(received code, form or packaging differs from the manifest)",
            {"lines": lines},
        )
    ]


# ---- W06–W08 tracks ----------------------------------------------------------------------------


def _times64(values: Any) -> npt.NDArray[np.datetime64]:
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[s]")
    if arr.size == 0:
        return np.zeros(0, dtype="datetime64[s]")
    return tracks.utc_instants(list(values))


def _instant64(value: datetime | np.datetime64) -> np.datetime64:
    if isinstance(value, datetime):
        return tracks.utc_instant(value)
    seconds = int(np.asarray(value).astype("datetime64[s]").astype(np.int64))
    return np.datetime64(seconds, "s")


@dataclass(frozen=True, slots=True, eq=False)
class _Track:
    times: npt.NDArray[np.datetime64]
    lon: FloatArray
    lat: FloatArray
    speed: FloatArray | None
    start: np.datetime64
    end: np.datetime64


def _track_window(facts: TrackFacts, now: datetime) -> _Track | None:
    """The fixes inside the in-transit window, or None when the window is empty or the
    manifest's transport is exempt."""
    if transport_exempt(facts.codes, facts.waste_kind, facts.exempt_transport):
        return None
    start = _instant64(facts.departed_at)
    end = _instant64(facts.delivered_at) if facts.delivered_at is not None else _instant64(now)
    if end < start:
        return None
    times = _times64(facts.times)
    lon = np.asarray(facts.lon, dtype=np.float64).reshape(-1)
    lat = np.asarray(facts.lat, dtype=np.float64).reshape(-1)
    if lon.size != times.size or lat.size != times.size:
        raise tracks.TrackInputError(
            "轨迹的时间与坐标数量不符 (times, lon and lat must have the same length)",
            field="lon",
        )
    speed = None
    if facts.speed_kmh is not None:
        speed = np.asarray(facts.speed_kmh, dtype=np.float64).reshape(-1)
    inside = (times >= start) & (times <= end)
    return _Track(
        times[inside],
        lon[inside],
        lat[inside],
        speed[inside] if speed is not None else None,
        start,
        end,
    )


def _track_finding(
    rule: WarningRule,
    severity: Severity,
    facts: TrackFacts,
    message: str,
    evidence: Mapping[str, Any],
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        subject_key=f"manifest:{facts.manifest_no}",
        unit_uscc=facts.carrier_uscc,
        manifest_no=facts.manifest_no,
        message=message,
        evidence=dict(evidence),
    )


def route_deviation(facts: TrackFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W06: fixes more than ``corridor_offset_m`` (PARAM 1 km) off the planned route for more
    than ``corridor_minutes`` (PARAM 10 min) (转移办法 第五条、第十一条第三项; high). Needs a
    planned route. The restricted-zone half of W06 is not decided here."""
    track = _track_window(facts, now)
    route_lon = np.asarray(facts.route_lon, dtype=np.float64).reshape(-1)
    if track is None or route_lon.size == 0 or track.times.size == 0:
        return []
    runs = tracks.corridor_deviation(
        track.lon,
        track.lat,
        track.times,
        route_lon,
        facts.route_lat,
        max_offset_m=settings.corridor_offset_m,
        min_minutes=settings.corridor_minutes,
        route_datum=facts.route_datum,
    )
    if not runs:
        return []
    longest = max(runs, key=lambda r: r.minutes)
    return [
        _track_finding(
            WarningRule.W06,
            Severity.HIGH,
            facts,
            f"联单 {facts.manifest_no} 车辆偏离计划路线超过 {settings.corridor_offset_m:g} 米，"
            f"最长 {longest.minutes:.0f} 分钟、最远 {longest.max_offset_m:.0f} 米"
            f"（转移办法第十一条第三项） (off the planned corridor by more than "
            f"{settings.corridor_offset_m:g} m for {longest.minutes:.0f} min)",
            {
                "threshold_m": settings.corridor_offset_m,
                "threshold_minutes": settings.corridor_minutes,
                "deviations": [
                    {
                        "start": _iso64(r.start),
                        "end": _iso64(r.end),
                        "minutes": round(r.minutes, 1),
                        "max_offset_m": round(r.max_offset_m, 1),
                    }
                    for r in runs[:EVIDENCE_ITEMS]
                ],
                "count": len(runs),
            },
        )
    ]


def abnormal_stop(facts: TrackFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W07: a stop longer than ``abnormal_stop_minutes`` (PARAM 30 min) whose centre is outside
    every whitelisted site (consignor, receiver, approved service areas) (medium)."""
    track = _track_window(facts, now)
    if track is None or track.times.size == 0:
        return []
    stops = tracks.derive_stops(
        track.times,
        track.lon,
        track.lat,
        track.speed,
        radius_m=settings.stop_radius_m,
        min_minutes=settings.stop_min_minutes,
        max_speed_kmh=settings.stop_max_speed_kmh,
    )
    radius = (
        facts.whitelist_radius_m
        if facts.whitelist_radius_m is not None
        else settings.whitelist_radius_m
    )
    points = np.asarray(list(facts.whitelist_points), dtype=np.float64).reshape(-1, 2)
    found = tracks.abnormal_stops(
        stops,
        points,
        radius,
        min_minutes=settings.abnormal_stop_minutes,
        whitelist_datum=facts.whitelist_datum,
    )
    if not found:
        return []
    longest = max(found, key=lambda s: s.minutes)
    return [
        _track_finding(
            WarningRule.W07,
            Severity.MEDIUM,
            facts,
            f"联单 {facts.manifest_no} 车辆在非白名单地点停留 {longest.minutes:.0f} 分钟，超过 "
            f"{settings.abnormal_stop_minutes:g} 分钟 (stopped {longest.minutes:.0f} min "
            f"outside whitelisted sites)",
            {
                "threshold_minutes": settings.abnormal_stop_minutes,
                "stops": [
                    {
                        "start": _iso64(s.start),
                        "end": _iso64(s.end),
                        "minutes": round(s.minutes, 1),
                        "lon": round(s.lon, 6),
                        "lat": round(s.lat, 6),
                    }
                    for s in found[:EVIDENCE_ITEMS]
                ],
                "count": len(found),
            },
        )
    ]


def gps_missing(facts: TrackFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W08: no fix for more than ``gps_gap_minutes`` (PARAM 10 min) inside the in-transit
    window, or no fix at all (转移办法 第十一条第三项; medium). A window without fixes is
    reported once it is longer than the threshold (a trip that just departed is not yet)."""
    track = _track_window(facts, now)
    if track is None:
        return []
    gaps = tracks.gps_gaps(
        track.times, track.start, track.end, max_gap_minutes=settings.gps_gap_minutes
    )
    gaps = tuple(g for g in gaps if not g.no_track or g.minutes > settings.gps_gap_minutes)
    if not gaps:
        return []
    no_track = any(g.no_track for g in gaps)
    total = sum(g.minutes for g in gaps)
    message = (
        f"联单 {facts.manifest_no} 运输途中无任何定位数据（转移办法第十一条第三项） "
        "(no GPS fix at all while in transit)"
        if no_track
        else f"联单 {facts.manifest_no} 运输途中定位中断 {len(gaps)} 次，累计 {total:.0f} 分钟，"
        f"单次超过 {settings.gps_gap_minutes:g} 分钟（转移办法第十一条第三项） "
        f"({len(gaps)} GPS gaps longer than {settings.gps_gap_minutes:g} min)"
    )
    return [
        _track_finding(
            WarningRule.W08,
            Severity.MEDIUM,
            facts,
            message,
            {
                "threshold_minutes": settings.gps_gap_minutes,
                "no_track": no_track,
                "gap_minutes_total": round(total, 1),
                "gaps": [
                    {"start": _iso64(g.start), "end": _iso64(g.end), "minutes": round(g.minutes, 1)}
                    for g in gaps[:EVIDENCE_ITEMS]
                ],
                "count": len(gaps),
            },
        )
    ]


# ---- W09, W10, W11 qualification and capacity --------------------------------------------------


def unqualified_carrier(
    facts: ManifestFacts, now: datetime, settings: WarningSettings
) -> list[Finding]:
    """W09: a transport leg whose vehicle, operating certificate or crew had no valid
    dangerous-goods permit covering the waste on the day it started (转移办法 第十一条、
    第十三条; the T4/T5 check, high). One finding per failing leg. Hazardous waste only."""
    m = facts.manifest
    if m.waste_kind is not WasteKind.HAZARDOUS or effective_state(m) is S.CANCELLED:
        return []
    context = ManifestContext(
        vehicles=facts.vehicles,
        crew=facts.crew,
        settings=ManifestSettings(require_escort=settings.require_escort),
    )
    findings = []
    for leg in m.legs:
        day = local_date(leg.started_at)
        leg_input = LegInput(leg.vehicle_plate, leg.crew, leg.start_place or "—", True)
        try:
            check_vehicle_and_crew(leg.carrier_uscc, leg_input, m.lines, day, context)
        except TransferBlockedError as error:
            findings.append(
                _finding(
                    WarningRule.W09,
                    Severity.HIGH,
                    m,
                    leg.carrier_uscc,
                    f"联单 {_label(m)} 第 {leg.order} 段运输：{error.message}",
                    {
                        "leg": leg.order,
                        "vehicle_plate": leg.vehicle_plate,
                        "crew": list(leg.crew),
                        "day": day.isoformat(),
                        "field": error.field,
                        "vehicles": [
                            {
                                "plate": v.plate,
                                "certificate": v.operating_certificate_no,
                                "classes": list(v.dangerous_goods_classes),
                                "valid_until_on": v.valid_until_on.isoformat(),
                            }
                            for v in facts.vehicles
                        ],
                    },
                    subject=f"{subject_of(m)}:leg:{leg.order}",
                )
            )
    return findings


def _licence_snapshot(licences: Iterable[Licence]) -> list[dict[str, Any]]:
    return [
        {
            "number": lic.number,
            "kind": lic.kind.value,
            "valid_from_on": lic.valid_from_on.isoformat(),
            "valid_until_on": lic.valid_until_on.isoformat(),
            "scopes": [
                {"label": sc.label, "annual_scale_t_a": _t(sc.annual_scale_t_a)}
                for sc in lic.scopes
            ],
        }
        for lic in licences
    ]


def unlicensed_receiver(
    facts: ManifestFacts, now: datetime, settings: WarningSettings
) -> list[Finding]:
    """W10: the receiver had no licence valid on the submission day (and on the delivery day)
    whose scope covers every line's code (固废法 第八十条; 转移办法 第十条; high). On a draft,
    judged today as a pre-warning. Not for general solid waste nor a return to the original
    consignor (the waste goes home)."""
    m = facts.manifest
    state = effective_state(m)
    if m.waste_kind is not WasteKind.HAZARDOUS or state is S.CANCELLED or m.return_to_origin:
        return []
    day, pre = _check_day(m, now)
    days = [day]
    if m.delivered_at is not None and local_date(m.delivered_at) != day:
        days.append(local_date(m.delivered_at))
    context = ManifestContext(receiver_licences=facts.receiver_licences)
    quantities = [(line.line_no, line.code, _quantity(line)) for line in m.lines]
    for check_on in days:
        try:
            check_receiver_licence(m.receiver_uscc, quantities, check_on, context)
        except TransferBlockedError as error:
            if error.rule != "W10":
                continue  # capacity is W11's
            return [
                _finding(
                    WarningRule.W10,
                    Severity.HIGH,
                    m,
                    m.consignor_uscc,
                    f"联单 {_label(m)}：{error.message}",
                    {
                        "day": check_on.isoformat(),
                        "receiver_uscc": m.receiver_uscc,
                        "field": error.field,
                        "licences": _licence_snapshot(facts.receiver_licences),
                    },
                    pre_warning=pre,
                )
            ]
    return []


def receiver_capacity(facts: UnitFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W11: what a receiver accepted this year under a licence scope against the approved
    annual scale (许可证办法 第十二条第四项): at least ``capacity_warn_ratio`` (90 %,
    pre-warning, medium), above ``capacity_breach_ratio`` (100 %, high), above
    ``capacity_reapply_ratio`` (120 %: the licence must be applied for again, high)."""
    s = settings
    today = local_date(now)
    findings = []
    for lic in facts.licences:
        if not lic.is_valid_on(today):
            continue
        for scope in lic.scopes:
            used = sum(
                (q for code, q in facts.received_year_t.items() if lic.scope_for(code) is scope),
                ZERO,
            )
            scale = scope.annual_scale_t_a
            if scale <= 0:
                continue
            share = used / scale
            evidence = {
                "licence_no": lic.number,
                "scope": scope.label,
                "annual_scale_t_a": _t(scale),
                "received_t": _t(used),
                "share": float(share),
                "year": today.year,
            }
            subject = f"unit:{facts.uscc}:{today.year}:{lic.number}:{scope.label}"
            if used > scale * s.capacity_reapply_ratio:
                severity, pre = Severity.HIGH, False
                message = (
                    f"许可证 {lic.number} 中 {scope.label} 本年已接收 {_t(used)} 吨，超过核准年经营"
                    f"规模 {_t(scale)} 吨的 {(s.capacity_reapply_ratio - 1) * 100:g}% 以上，"
                    f"应重新申请许可证（许可证办法第十二条） (over the approved scale by more than "
                    f"{(s.capacity_reapply_ratio - 1) * 100:g} %: re-apply for the licence)"
                )
            elif used > scale * s.capacity_breach_ratio:
                severity, pre = Severity.HIGH, False
                message = (
                    f"许可证 {lic.number} 中 {scope.label} 本年已接收 {_t(used)} 吨，超过核准年经营"
                    f"规模 {_t(scale)} 吨 (over the approved annual scale)"
                )
            elif used >= scale * s.capacity_warn_ratio:
                severity, pre = Severity.MEDIUM, True
                message = (
                    f"许可证 {lic.number} 中 {scope.label} 本年已接收 {_t(used)} 吨，达到核准年经营"
                    f"规模 {_t(scale)} 吨的 {share * 100:.0f}% (at {share * 100:.0f} % of the "
                    "approved annual scale)"
                )
            else:
                continue
            findings.append(
                Finding(
                    WarningRule.W11, severity, subject, facts.uscc, None, message, evidence, pre
                )
            )
    return findings


# ---- W12, W13 location and distance ------------------------------------------------------------


def out_of_city(facts: ManifestFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W12: hazardous waste from a consignor in the city (adcode ``city_prefix``…) to a receiver
    outside it (危险废物不出市); general solid waste to a receiver outside the consignor's
    county (固体废物不出县) (plan 二(三)4; high). A draft gives a pre-warning; a local
    out-of-city approval silences it; unknown adcodes are not judged."""
    m = facts.manifest
    state = effective_state(m)
    if state is S.CANCELLED or facts.out_of_city_approval_no.strip():
        return []
    consignor, receiver = _adcode(facts.consignor_adcode), _adcode(facts.receiver_adcode)
    if consignor is None or receiver is None:
        return []
    prefix = settings.city_prefix
    if m.waste_kind is WasteKind.HAZARDOUS:
        if not consignor.startswith(prefix) or receiver.startswith(prefix):
            return []
        message = (
            f"联单 {_label(m)} 的接受单位位于 {receiver}，危险废物转移出市（规划二(三)4：危险废物"
            f"不出市） (hazardous waste leaves the city: receiver in {receiver})"
        )
        boundary = "city"
    else:
        if receiver == consignor:
            return []
        message = (
            f"联单 {_label(m)} 的接受单位位于 {receiver}，一般工业固体废物转移出县（{consignor}）"
            f"（规划二(三)4：固体废物不出县） (solid waste leaves the county {consignor})"
        )
        boundary = "county"
    return [
        _finding(
            WarningRule.W12,
            Severity.HIGH,
            m,
            m.consignor_uscc,
            message,
            {
                "consignor_adcode": consignor,
                "receiver_adcode": receiver,
                "boundary": boundary,
                "city_prefix": prefix,
            },
            pre_warning=state is S.DRAFT,
        )
    ]


def long_distance(facts: ManifestFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W13: planned route longer than ``long_distance_km`` (PARAM 100 km; info), or a receiver
    outside Quzhou and its neighbours for a consignor in the city (medium) (plan: 严控长距离
    运输). A draft gives a pre-warning."""
    m = facts.manifest
    state = effective_state(m)
    if state is S.CANCELLED:
        return []
    km = facts.route_km
    far = km is not None and km > settings.long_distance_km
    consignor, receiver = _adcode(facts.consignor_adcode), _adcode(facts.receiver_adcode)
    region = (settings.city_prefix, *settings.neighbour_prefixes)
    outside = (
        consignor is not None
        and receiver is not None
        and consignor.startswith(settings.city_prefix)
        and not receiver.startswith(region)
    )
    if not (far or outside):
        return []
    parts = []
    if far:
        parts.append(f"计划路线 {km:.1f} 公里，超过 {settings.long_distance_km:g} 公里")
    if outside:
        parts.append(f"接受单位（{receiver}）不在衢州及相邻地市")
    return [
        _finding(
            WarningRule.W13,
            Severity.MEDIUM if outside else Severity.INFO,
            m,
            m.consignor_uscc,
            f"联单 {_label(m)} 长距离运输：{'；'.join(parts)}（规划：严控长距离运输） "
            f"(long-distance transfer: route {km if km is not None else '—'} km)",
            {
                "route_km": km,
                "threshold_km": settings.long_distance_km,
                "receiver_adcode": receiver,
                "outside_region": outside,
            },
            pre_warning=state is S.DRAFT,
        )
    ]


# ---- W14, W15 approval and plan ----------------------------------------------------------------


def _cross_province(facts: ManifestFacts) -> bool:
    m = facts.manifest
    if m.transfer_type is TransferType.CROSS_PROVINCE:
        return True
    consignor, receiver = _adcode(facts.consignor_adcode), _adcode(facts.receiver_adcode)
    return consignor is not None and receiver is not None and consignor[:2] != receiver[:2]


def cross_province_without_approval(
    facts: ManifestFacts, now: datetime, settings: WarningSettings
) -> list[Finding]:
    """W14: a receiver in another province and no approval, an approval not valid on the
    submission day, naming other parties or codes, or its approved quantity exceeded
    (转移办法 第二十一条、第二十七条、第二十八条; high). Draft: pre-warning. Not for general
    solid waste, exports or return manifests (T10 skips the approval)."""
    m = facts.manifest
    state = effective_state(m)
    if (
        m.waste_kind is not WasteKind.HAZARDOUS
        or state is S.CANCELLED
        or m.parent_no is not None
        or m.transfer_type is TransferType.ABROAD
        or not _cross_province(facts)
    ):
        return []
    day, pre = _check_day(m, now)
    per_code: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in m.lines:
        per_code[line.code] += _quantity(line)
    context = ManifestContext(approval=facts.approval, approval_used_t=facts.approval_used_t)
    try:
        check_approval(m, per_code, day, context)
    except TransferBlockedError as error:
        approval = facts.approval
        return [
            _finding(
                WarningRule.W14,
                Severity.HIGH,
                m,
                m.consignor_uscc,
                f"联单 {_label(m)}：{error.message}",
                {
                    "day": day.isoformat(),
                    "receiver_adcode": facts.receiver_adcode,
                    "approval_no": approval.number if approval else None,
                    "approval_valid_until_on": approval.valid_until_on.isoformat()
                    if approval
                    else None,
                    "quantities_t": {code: _t(q) for code, q in per_code.items()},
                    "used_t": {code: _t(q) for code, q in facts.approval_used_t.items()},
                },
                pre_warning=pre,
            )
        ]
    return []


def not_in_plan(facts: ManifestFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W15: a code or receiver not in the consignor's filed plan for the year, or the
    cumulative transfer of a code to this receiver above the planned quantity ×
    ``plan_excess_ratio`` (PARAM 1.1) (转移办法 第十四条; HJ 1259-2022 §5.2.3; medium). Draft:
    pre-warning. Not for general solid waste or return manifests."""
    m = facts.manifest
    state = effective_state(m)
    if m.waste_kind is not WasteKind.HAZARDOUS or state is S.CANCELLED or m.parent_no:
        return []
    day, pre = _check_day(m, now)
    codes = [line.code for line in m.lines]
    try:
        check_plan(m.consignor_uscc, m.receiver_uscc, codes, day, facts.plan)
    except TransferBlockedError as error:
        return [
            _finding(
                WarningRule.W15,
                Severity.MEDIUM,
                m,
                m.consignor_uscc,
                f"联单 {_label(m)}：{error.message}",
                {
                    "day": day.isoformat(),
                    "codes": codes,
                    "receiver_uscc": m.receiver_uscc,
                    "plan_filing_no": facts.plan.filing_no if facts.plan else None,
                },
                pre_warning=pre,
            )
        ]
    if facts.plan is None:  # check_plan refuses a missing plan; kept for the type checker
        return []
    this: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in m.lines:
        this[line.code] += _quantity(line)
    over = []
    for code, quantity in this.items():
        planned = facts.plan.line_for(code, m.receiver_uscc)
        if planned is None:
            continue
        total = facts.plan_transferred_t.get(code, ZERO) + quantity
        limit = planned.planned_t * settings.plan_excess_ratio
        if total > limit:
            over.append(
                {
                    "code": code,
                    "planned_t": _t(planned.planned_t),
                    "limit_t": _t(limit),
                    "cumulative_t": _t(total),
                }
            )
    if not over:
        return []
    first = over[0]
    return [
        _finding(
            WarningRule.W15,
            Severity.MEDIUM,
            m,
            m.consignor_uscc,
            f"联单 {_label(m)}：{first['code']} 本年累计转移 {first['cumulative_t']} 吨，"
            f"超过管理计划 {first['planned_t']} 吨 × {settings.plan_excess_ratio}，应变更管理计划"
            f"（HJ 1259-2022 §5.2.3） (cumulative transfer over the planned quantity × "
            f"{settings.plan_excess_ratio})",
            {"plan_filing_no": facts.plan.filing_no, "codes": over},
            pre_warning=pre,
        )
    ]


# ---- W16, W17 late entries and reports ---------------------------------------------------------


def backfill_late(facts: ManifestFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W16: a paper manifest entered after the ``backfill_workdays``-th (10th) working day
    after the transfer ended (转移办法 第二十条; medium). The entry day is the manifest's
    ``created_at`` (set when back-entered, T12)."""
    m = facts.manifest
    if not m.paper or effective_state(m) is S.CANCELLED:
        return []
    if m.delivered_at is not None:
        ended = local_date(m.delivered_at)
        due = add_workdays(ended, settings.backfill_workdays, settings.calendar)
    elif m.backfill_due_on is not None:
        ended, due = None, m.backfill_due_on
    else:
        return []
    entered = local_date(m.created_at)
    if entered <= due:
        return []
    late = workdays_between(due, entered, settings.calendar)
    return [
        _finding(
            WarningRule.W16,
            Severity.MEDIUM,
            m,
            m.consignor_uscc,
            f"纸质联单 {_label(m)} 于 {entered.isoformat()} 补录，超过转移结束后 "
            f"{settings.backfill_workdays} 个工作日（截至 {due.isoformat()}）（转移办法第二十条） "
            f"(paper manifest entered after the {settings.backfill_workdays}-working-day limit)",
            {
                "transfer_ended_on": ended.isoformat() if ended else None,
                "backfill_due_on": due.isoformat(),
                "entered_on": entered.isoformat(),
                "workdays_late": late,
            },
        )
    ]


def _safe_day(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def reports_due(
    management_class: ManagementClass | None,
    first_on: date,
    last_on: date,
    settings: WarningSettings,
) -> list[DueReport]:
    """The reports whose deadline falls in ``[first_on, last_on]`` (HJ 1259-2022 §7.2,
    §5.2.2): key units monthly, simplified units quarterly (both by the 15th of the next
    month), every class annually by 31 March and its plan by 31 March. ``None`` counts as
    registration. Sorted by deadline.

    Examples:
        >>> due = reports_due(ManagementClass.SIMPLIFIED, date(2025, 1, 1), date(2025, 4, 30),
        ...                   WarningSettings())
        >>> [(r.kind.value, r.period, r.due_on.isoformat()) for r in due]
        [('quarterly', '2024-Q4', '2025-01-15'), ('annual', '2024', '2025-03-31'),
         ('plan', '2025', '2025-03-31'), ('quarterly', '2025-Q1', '2025-04-15')]
    """
    s = settings
    out: list[DueReport] = []
    for year in range(first_on.year - 1, last_on.year + 1):
        if management_class is ManagementClass.KEY:
            for month in range(1, 13):
                ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
                out.append(
                    DueReport(
                        ReportKind.MONTHLY,
                        f"{year}-{month:02d}",
                        _safe_day(ny, nm, s.report_day_of_month),
                    )
                )
        if management_class is ManagementClass.SIMPLIFIED:
            for quarter in range(1, 5):
                ny, nm = (year + 1, 1) if quarter == 4 else (year, 3 * quarter + 1)
                out.append(
                    DueReport(
                        ReportKind.QUARTERLY,
                        f"{year}-Q{quarter}",
                        _safe_day(ny, nm, s.report_day_of_month),
                    )
                )
        out.append(
            DueReport(ReportKind.ANNUAL, str(year), _safe_day(year + 1, *s.annual_report_due))
        )
        out.append(DueReport(ReportKind.PLAN, str(year), _safe_day(year, *s.plan_filing_due)))
    picked = [r for r in out if first_on <= r.due_on <= last_on]
    picked.sort(key=lambda r: (r.due_on, list(ReportKind).index(r.kind), r.period))
    return picked


def filed_on(facts: UnitFacts, report: DueReport) -> date | None:
    """When a due report was filed (the earliest filing), or None. A plan counts as filed by
    a ``PLAN`` filing or by ``facts.plan`` of that year with a filing number and day."""
    days = [
        f.filed_on for f in facts.reports if f.kind is report.kind and f.period == report.period
    ]
    plan = facts.plan
    if (
        report.kind is ReportKind.PLAN
        and plan is not None
        and str(plan.year) == report.period
        and plan.filing_no.strip()
        and plan.filed_on is not None
    ):
        days.append(plan.filed_on)
    return min(days, default=None)


def reporting_late(facts: UnitFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W17: a report or plan not filed by its deadline, or filed after it (HJ 1259-2022
    §5.2.2, §7.2; medium). Deadlines from ``reporting_since_on`` (default 1 January of last
    year) up to yesterday are judged; the deadline day itself is in time."""
    today = local_date(now)
    since = facts.reporting_since_on or date(today.year - 1, 1, 1)
    findings = []
    for report in reports_due(facts.management_class, since, today - timedelta(days=1), settings):
        filed = filed_on(facts, report)
        if filed is not None and filed <= report.due_on:
            continue
        name_zh, name_en = REPORT_KIND_NAMES[report.kind]
        if filed is None:
            message = (
                f"{report.period} {name_zh}应于 {report.due_on.isoformat()} 前完成，至今未报"
                f"（HJ 1259-2022） ({name_en} {report.period} due {report.due_on.isoformat()} "
                "not filed)"
            )
        else:
            message = (
                f"{report.period} {name_zh}应于 {report.due_on.isoformat()} 前完成，"
                f"{filed.isoformat()} 才报（HJ 1259-2022） ({name_en} {report.period} filed late "
                f"on {filed.isoformat()})"
            )
        findings.append(
            Finding(
                WarningRule.W17,
                Severity.MEDIUM,
                f"report:{facts.uscc}:{report.kind.value}:{report.period}",
                facts.uscc,
                None,
                message,
                {
                    "kind": report.kind.value,
                    "period": report.period,
                    "due_on": report.due_on.isoformat(),
                    "filed_on": filed.isoformat() if filed else None,
                    "management_class": facts.management_class.value
                    if facts.management_class
                    else None,
                },
            )
        )
    return findings


# ---- W18 ledger --------------------------------------------------------------------------------


def ledger_mismatch(facts: UnitFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W18 (HJ 1259-2022 §6.3; medium), two checks:

    * per manifest of the unit (submitted, not cancelled): the hand-over entries carrying its
      number add up to its shipped quantity, within ``ledger_tolerance_t``; hand-over entries
      naming a manifest the unit does not have are reported too;
    * per code, the mass balance over the ledger window: opening + generated − handed over −
      own-disposed against the closing stock (counted, else opening + stored in − stored out),
      within ``ledger_tolerance_t``. Subject ``unit:<uscc>:<year>:<code>``.
    """
    tolerance = settings.ledger_tolerance_t
    today = local_date(now)
    entries = [e for e in facts.ledger if e.occurred_at <= now]
    findings = []
    handed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for e in entries:
        if e.stage is LedgerStage.HAND_OVER and e.manifest_no:
            handed[e.manifest_no] += e.quantity_t
    known = set()
    for m in facts.manifests:
        if m.number is None or effective_state(m) in (S.DRAFT, S.CANCELLED):
            continue
        known.add(m.number)
        ledger_t = handed.get(m.number, ZERO)
        shipped = m.total_shipped_t
        if abs(ledger_t - shipped) > tolerance:
            findings.append(
                _finding(
                    WarningRule.W18,
                    Severity.MEDIUM,
                    m,
                    facts.uscc,
                    f"联单 {m.number} 转移量 {_t(shipped)} 吨，台账委外转移记录 {_t(ledger_t)} 吨，"
                    f"不一致（HJ 1259-2022 §6.3） (manifest {_t(shipped)} t, ledger "
                    f"{_t(ledger_t)} t)",
                    {
                        "shipped_t": _t(shipped),
                        "ledger_t": _t(ledger_t),
                        "tolerance_t": _t(tolerance),
                    },
                )
            )
    for number in sorted(set(handed) - known):
        findings.append(
            Finding(
                WarningRule.W18,
                Severity.MEDIUM,
                f"manifest:{number}",
                facts.uscc,
                number,
                f"台账委外转移记录 {_t(handed[number])} 吨所填联单 {number} 不是本单位的有效联单 "
                f"(ledger hand-over names manifest {number}, which the unit does not run)",
                {"ledger_t": _t(handed[number]), "shipped_t": None},
            )
        )
    flows: dict[str, dict[LedgerStage, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for e in entries:
        flows[e.code][e.stage] += e.quantity_t
    codes = sorted(set(flows) | set(facts.opening_stock_t) | set(facts.closing_stock_t or {}))
    for code in codes:
        f = flows[code]
        opening = facts.opening_stock_t.get(code, ZERO)
        book = (
            opening
            + f[LedgerStage.GENERATE]
            - f[LedgerStage.HAND_OVER]
            - f[LedgerStage.OWN_DISPOSE]
        )
        if facts.closing_stock_t is not None:
            closing, basis = facts.closing_stock_t.get(code, ZERO), "counted"
        else:
            closing = opening + f[LedgerStage.STORE_IN] - f[LedgerStage.STORE_OUT]
            basis = "store"
        if abs(book - closing) <= tolerance:
            continue
        findings.append(
            Finding(
                WarningRule.W18,
                Severity.MEDIUM,
                f"unit:{facts.uscc}:{today.year}:{code}",
                facts.uscc,
                None,
                f"{code} 期初 {_t(opening)} + 产生 {_t(f[LedgerStage.GENERATE])} − 委外 "
                f"{_t(f[LedgerStage.HAND_OVER])} − 自行利用处置 {_t(f[LedgerStage.OWN_DISPOSE])}"
                f" = {_t(book)} 吨，与库存 {_t(closing)} 吨不符（HJ 1259-2022 §6.3） "
                f"(mass balance of {code}: {_t(book)} t against stock {_t(closing)} t)",
                {
                    "code": code,
                    "opening_t": _t(opening),
                    "generated_t": _t(f[LedgerStage.GENERATE]),
                    "stored_in_t": _t(f[LedgerStage.STORE_IN]),
                    "stored_out_t": _t(f[LedgerStage.STORE_OUT]),
                    "handed_over_t": _t(f[LedgerStage.HAND_OVER]),
                    "own_disposed_t": _t(f[LedgerStage.OWN_DISPOSE]),
                    "book_closing_t": _t(book),
                    "closing_t": _t(closing),
                    "closing_basis": basis,
                    "tolerance_t": _t(tolerance),
                },
            )
        )
    return findings


# ---- W19, W20, W21 trips and closure -----------------------------------------------------------


def shared_trip(facts: ManifestFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W19: the first leg's vehicle also carried a manifest of *another* consignor departing
    within ``shared_trip_minutes`` (PARAM 30 min) of this one: one trip shared by several
    consignors, each of which must run its own manifest (转移办法 第十六条; low)."""
    m = facts.manifest
    if m.departed_at is None or not m.legs or effective_state(m) is S.CANCELLED:
        return []
    departed = _sec(m.departed_at)
    window = settings.shared_trip_minutes * 60.0
    others = [
        d
        for d in facts.same_vehicle_departures
        if d.consignor_uscc != m.consignor_uscc
        and d.manifest_no != m.number
        and abs(_sec(d.departed_at) - departed) <= window
    ]
    if not others:
        return []
    plate = m.legs[0].vehicle_plate
    return [
        _finding(
            WarningRule.W19,
            Severity.LOW,
            m,
            m.legs[0].carrier_uscc,
            f"车辆 {plate} 同一趟次装载 {len({d.consignor_uscc for d in others}) + 1} 家移出人的"
            f"废物，每家须各自运行联单（转移办法第十六条） (vehicle {plate} carries several "
            "consignors' waste on one trip)",
            {
                "vehicle_plate": plate,
                "departed_at": _iso(m.departed_at),
                "window_minutes": settings.shared_trip_minutes,
                "others": [
                    {
                        "manifest_no": d.manifest_no,
                        "consignor_uscc": d.consignor_uscc,
                        "departed_at": _iso(d.departed_at),
                    }
                    for d in others[:EVIDENCE_ITEMS]
                ],
            },
        )
    ]


def disposal_not_reported(
    facts: ManifestFacts, now: datetime, settings: WarningSettings
) -> list[Finding]:
    """W20: closed (T8) and no disposal result (T9) more than ``disposal_report_days`` (PARAM
    90) days later (转移办法 第十二条第四项; medium)."""
    m = facts.manifest
    if effective_state(m) is not S.CLOSED or m.closed_at is None:
        return []
    elapsed = _sec(now) - _sec(m.closed_at)
    if elapsed <= settings.disposal_report_days * _DAY_S:
        return []
    return [
        _finding(
            WarningRule.W20,
            Severity.MEDIUM,
            m,
            m.receiver_uscc,
            f"联单 {_label(m)} 办结已 {elapsed // _DAY_S} 天，接受人未报告利用处置结果"
            f"（转移办法第十二条第四项） (closed {elapsed // _DAY_S} days ago; no disposal "
            "result reported)",
            {
                "closed_at": _iso(m.closed_at),
                "days": elapsed // _DAY_S,
                "threshold_days": settings.disposal_report_days,
            },
        )
    ]


_NOT_OPEN = frozenset({S.DRAFT, S.CANCELLED, S.CLOSED, S.DISPOSED})


def not_closed(facts: ManifestFacts, now: datetime, settings: WarningSettings) -> list[Finding]:
    """W21: submitted and neither closed (or disposed) nor cancelled more than
    ``closure_days`` (PARAM 30) days after submission (closed loop, indicator I3; high). A
    rejected manifest whose return manifest exists (T10) is settled."""
    m = facts.manifest
    state = effective_state(m)
    if state in _NOT_OPEN or m.submitted_at is None:
        return []
    if state is S.REJECTED and facts.has_return_manifest:
        return []
    elapsed = _sec(now) - _sec(m.submitted_at)
    if elapsed <= settings.closure_days * _DAY_S:
        return []
    return [
        _finding(
            WarningRule.W21,
            Severity.HIGH,
            m,
            m.consignor_uscc,
            f"联单 {_label(m)} 提交已 {elapsed // _DAY_S} 天仍未办结（当前：{state.value}） "
            f"(submitted {elapsed // _DAY_S} days ago and not closed; state {state.value})",
            {
                "submitted_at": _iso(m.submitted_at),
                "state": state.value,
                "days": elapsed // _DAY_S,
                "threshold_days": settings.closure_days,
            },
        )
    ]


# ---- evaluation --------------------------------------------------------------------------------

#: The rules :func:`evaluate_manifest` runs, in order.
MANIFEST_RULES: Final = (
    receipt_not_confirmed,
    transit_too_long,
    quantity_mismatch,
    type_mismatch,
    unqualified_carrier,
    unlicensed_receiver,
    out_of_city,
    long_distance,
    cross_province_without_approval,
    not_in_plan,
    backfill_late,
    shared_trip,
    disposal_not_reported,
    not_closed,
)
#: The rules :func:`evaluate_unit` runs.
UNIT_RULES: Final = (storage_overdue, receiver_capacity, reporting_late, ledger_mismatch)
#: The rules :func:`evaluate_track` runs.
TRACK_RULES: Final = (route_deviation, abnormal_stop, gps_missing)


def evaluate_manifest(
    facts: ManifestFacts, now: datetime, settings: WarningSettings | None = None
) -> list[Finding]:
    """Every manifest rule (W02–W05, W09, W10, W12–W16, W19–W21) that fires at ``now``."""
    s = settings or WarningSettings()
    return [f for rule in MANIFEST_RULES for f in rule(facts, now, s)]


def evaluate_unit(
    facts: UnitFacts, now: datetime, settings: WarningSettings | None = None
) -> list[Finding]:
    """Every unit rule (W01a–d storage, W11 capacity, W17 reporting, W18 ledger) at ``now``."""
    s = settings or WarningSettings()
    return [f for rule in UNIT_RULES for f in rule(facts, now, s)]


def evaluate_track(
    facts: TrackFacts, now: datetime, settings: WarningSettings | None = None
) -> list[Finding]:
    """Every track rule (W06 corridor, W07 stops, W08 gaps) at ``now``."""
    s = settings or WarningSettings()
    return [f for rule in TRACK_RULES for f in rule(facts, now, s)]


# ---- the vectorised scan -----------------------------------------------------------------------

#: State codes of the ``state`` column (the effective state, see :func:`effective_state`).
STATE_CODE: Final[Mapping[ManifestState, int]] = {state: i for i, state in enumerate(S)}
#: Waste-kind codes of the ``waste_kind`` column.
WASTE_KIND_CODE: Final[Mapping[WasteKind, int]] = {
    WasteKind.HAZARDOUS: 0,
    WasteKind.GENERAL_SOLID: 1,
}

#: The columns of :func:`evaluate_manifest_columns`: name → (dtype, meaning). One row per
#: manifest, except the ``line_*`` columns: one row per manifest line.
MANIFEST_COLUMNS: Final[Mapping[str, tuple[str, str]]] = {
    "state": ("int8", "effective state, STATE_CODE"),
    "waste_kind": ("int8", "WASTE_KIND_CODE: 0 hazardous, 1 general solid"),
    "submitted_s": ("int64", "submission instant, epoch seconds (NO_TIME: none)"),
    "departed_s": ("int64", "departure (T4), epoch seconds (NO_TIME: none)"),
    "closed_s": ("int64", "closing (T8), epoch seconds (NO_TIME: none)"),
    "receipt_prewarn_day": ("int64", "W02 pre-warning day, days since 1970-01-01 (NO_TIME)"),
    "receipt_due_day": ("int64", "W02 deadline day, days since 1970-01-01 (NO_TIME: none)"),
    "eta_min": ("float64", "planned driving time, minutes (NaN: unknown)"),
    "route_km": ("float64", "planned route length, km (NaN: unknown)"),
    "transport_exempt": ("bool", "every line's transport stage exempt (W03)"),
    "consignor_adcode": ("int64", "consignor county adcode (0: unknown)"),
    "receiver_adcode": ("int64", "receiver county adcode (0: unknown)"),
    "out_of_city_approved": ("bool", "a local out-of-city approval exists (W12)"),
    "has_return": ("bool", "a rejected manifest's return manifest exists (W21)"),
    "vehicle": ("int64", "first leg's vehicle key (-1: none)"),
    "consignor": ("int64", "consignor key"),
    "line_manifest": ("int64", "row of the line's manifest"),
    "line_shipped_g": ("int64", "shipped (else planned) quantity, grams"),
    "line_received_g": ("int64", "received quantity, grams (-1: not weighed)"),
    "line_count": ("int64", "packages on the manifest"),
    "line_received_count": ("int64", "packages counted on arrival (-1: not counted)"),
}

#: The keys of :func:`evaluate_manifest_columns`' result: the rules, and ``<rule>:pre`` for
#: the pre-warnings of W02, W12 and W13.
COLUMN_RULES: Final = (
    "W02",
    "W02:pre",
    "W03",
    "W04",
    "W12",
    "W12:pre",
    "W13",
    "W13:pre",
    "W19",
    "W20",
    "W21",
)


def _grams(quantity: Decimal, name: str) -> int:
    scaled = quantity * GRAMS_PER_TONNE
    if scaled != scaled.to_integral_value():
        raise ValidationError(
            f"{name} = {quantity} 吨不是整克数，不能按列精确比较 ({name} is not whole grams)",
            field=name,
        )
    return int(scaled)


def _adcode_int(raw: str) -> int:
    code = _adcode(raw)
    return int(code) if code is not None else 0


def manifest_columns(
    facts: Sequence[ManifestFacts], settings: WarningSettings | None = None
) -> dict[str, npt.NDArray[Any]]:
    """The :data:`MANIFEST_COLUMNS` of a sequence of manifests (what a scheduled scan loads
    from the store). Vehicle and consignor keys are assigned here by first appearance;
    quantities must be whole grams (weighbridge figures are)."""
    s = settings or WarningSettings()
    n = len(facts)
    cols: dict[str, npt.NDArray[Any]] = {
        name: np.zeros(n, dtype=dtype)
        for name, (dtype, _) in MANIFEST_COLUMNS.items()
        if not name.startswith("line_")
    }
    plates: dict[str, int] = {}
    consignors: dict[str, int] = {}
    line_rows: list[tuple[int, int, int, int, int]] = []
    for i, f in enumerate(facts):
        m = f.manifest
        cols["state"][i] = STATE_CODE[effective_state(m)]
        cols["waste_kind"][i] = WASTE_KIND_CODE[m.waste_kind]
        cols["submitted_s"][i] = _sec(m.submitted_at) if m.submitted_at else NO_TIME
        cols["departed_s"][i] = _sec(m.departed_at) if m.departed_at else NO_TIME
        cols["closed_s"][i] = _sec(m.closed_at) if m.closed_at else NO_TIME
        days = receipt_days(m, s)
        cols["receipt_prewarn_day"][i] = _day_no(days[0]) if days else NO_TIME
        cols["receipt_due_day"][i] = _day_no(days[1]) if days else NO_TIME
        cols["eta_min"][i] = f.eta_minutes if f.eta_minutes is not None else np.nan
        cols["route_km"][i] = f.route_km if f.route_km is not None else np.nan
        cols["transport_exempt"][i] = _manifest_exempt(f)
        cols["consignor_adcode"][i] = _adcode_int(f.consignor_adcode)
        cols["receiver_adcode"][i] = _adcode_int(f.receiver_adcode)
        cols["out_of_city_approved"][i] = bool(f.out_of_city_approval_no.strip())
        cols["has_return"][i] = f.has_return_manifest
        if m.legs:
            cols["vehicle"][i] = plates.setdefault(m.legs[0].vehicle_plate, len(plates))
        else:
            cols["vehicle"][i] = -1
        cols["consignor"][i] = consignors.setdefault(m.consignor_uscc, len(consignors))
        for line in m.lines:
            line_rows.append(
                (
                    i,
                    _grams(_quantity(line), "shipped_t"),
                    _grams(line.received_t, "received_t") if line.received_t is not None else -1,
                    line.package_count,
                    line.received_count if line.received_count is not None else -1,
                )
            )
    lines = np.array(line_rows, dtype=np.int64).reshape(-1, 5)
    for k, name in enumerate(
        ("line_manifest", "line_shipped_g", "line_received_g", "line_count", "line_received_count")
    ):
        cols[name] = np.ascontiguousarray(lines[:, k])
    return cols


def _column(columns: Mapping[str, Any], name: str, size: int | None) -> npt.NDArray[Any]:
    if name not in columns:
        raise ValidationError(f"缺少列 {name} (column {name} is missing)", field=name)
    dtype = MANIFEST_COLUMNS[name][0]
    arr = np.asarray(columns[name]).astype(dtype, copy=False).reshape(-1)
    if size is not None and arr.size != size:
        raise ValidationError(
            f"列 {name} 长度 {arr.size} 与联单数 {size} 不符 (column {name} has {arr.size} "
            f"rows, expected {size})",
            field=name,
        )
    return arr


def _prefix_of(adcode: IntArray, prefix: str) -> IntArray:
    return adcode // 10 ** (6 - len(prefix))


def evaluate_manifest_columns(
    columns: Mapping[str, Any], now: datetime, settings: WarningSettings | None = None
) -> dict[str, BoolArray]:
    """The manifest-level time and location rules over many manifests at once.

    ``columns`` are the arrays of :data:`MANIFEST_COLUMNS` (see :func:`manifest_columns`).
    Returns one boolean array per key of :data:`COLUMN_RULES`, one entry per manifest row:
    ``"W02"`` (fires as a warning), ``"W02:pre"`` (fires as a pre-warning), and so on. Each
    array is True exactly where the per-manifest function (:func:`receipt_not_confirmed`,
    :func:`transit_too_long`, :func:`quantity_mismatch`, :func:`out_of_city`,
    :func:`long_distance`, :func:`shared_trip`, :func:`disposal_not_reported`,
    :func:`not_closed`) returns a finding of that kind for the same facts.

    How: W02 compares today's day number with the pre-computed day numbers (the working-day
    arithmetic is done once per manifest, at delivery); W03 calls ``tracks.transit_too_long``
    on the rows in transit; W04 compares ``|received − shipped| × den > shipped × num`` in
    integers, ``num/den`` being the exact ratio, and ORs lines into their manifest; W12/W13
    compare adcode prefixes; W19 sorts the departures by (vehicle, time, consignor): within a
    run of one consignor the nearest departure of another consignor on the same vehicle is the
    row just before or just after the run; W20/W21 compare whole seconds.
    """
    s = settings or WarningSettings()
    state = _column(columns, "state", None).astype(np.int64)
    n = state.size

    def col(name: str) -> npt.NDArray[Any]:
        return _column(columns, name, n)

    now_s = _sec(now)
    today = _day_no(local_date(now))
    kind = col("waste_kind")
    cancelled = state == STATE_CODE[S.CANCELLED]
    draft = state == STATE_CODE[S.DRAFT]
    out: dict[str, BoolArray] = {}

    # W02
    due, prewarn = col("receipt_due_day"), col("receipt_prewarn_day")
    delivered = (state == STATE_CODE[S.DELIVERED]) & (due != NO_TIME)
    out["W02"] = delivered & (today > due)
    out["W02:pre"] = delivered & (today <= due) & (prewarn != NO_TIME) & (today >= prewarn)

    # W03
    departed_s = col("departed_s")
    eta = col("eta_min")
    moving = (
        (state == STATE_CODE[S.IN_TRANSIT])
        & (departed_s != NO_TIME)
        & ~col("transport_exempt")
        & (departed_s <= now_s)
    )
    w03 = np.zeros(n, dtype=np.bool_)
    rows = np.flatnonzero(moving)
    if rows.size:
        w03[rows] = tracks.transit_too_long(
            departed_s[rows].astype("datetime64[s]"),
            np.datetime64(now_s, "s"),
            eta[rows],
            factor=s.transit_eta_factor,
            slack_minutes=s.transit_slack_minutes,
        )
    out["W03"] = w03

    # W04
    line_of = _column(columns, "line_manifest", None)
    size = line_of.size

    def line_col(name: str) -> npt.NDArray[Any]:
        return _column(columns, name, size)

    shipped, received = line_col("line_shipped_g"), line_col("line_received_g")
    count, counted = line_col("line_count"), line_col("line_received_count")
    num, den = s.quantity_mismatch_ratio.as_integer_ratio()
    weighed = received >= 0
    diff = np.abs(received - shipped)
    limit = int(np.iinfo(np.int64).max)
    if size and (
        int(diff[weighed].max(initial=0)) * den >= limit
        or int(shipped.max(initial=0)) * max(num, 1) >= limit
    ):
        raise ValidationError(
            "数量过大，整数比较会溢出 (quantities too large for exact integer comparison)",
            field="line_shipped_g",
        )
    line_fires = weighed & ((diff * den > shipped * num) | ((counted >= 0) & (counted != count)))
    if size and (line_of.min() < 0 or line_of.max() >= n):
        raise ValidationError(
            "line_manifest 指向不存在的联单行 (line_manifest out of range)", field="line_manifest"
        )
    out["W04"] = np.bincount(line_of[line_fires], minlength=n)[:n] > 0

    # W12, W13
    consignor_ad, receiver_ad = col("consignor_adcode"), col("receiver_adcode")
    city = int(s.city_prefix)
    known = (consignor_ad > 0) & (receiver_ad > 0)
    consignor_city = _prefix_of(consignor_ad, s.city_prefix) == city
    receiver_city = _prefix_of(receiver_ad, s.city_prefix) == city
    hazardous = kind == WASTE_KIND_CODE[WasteKind.HAZARDOUS]
    w12 = (
        known
        & ~col("out_of_city_approved")
        & ~cancelled
        & np.where(hazardous, consignor_city & ~receiver_city, receiver_ad != consignor_ad)
    )
    out["W12"] = w12 & ~draft
    out["W12:pre"] = w12 & draft
    region = [s.city_prefix, *s.neighbour_prefixes]
    if len({len(p) for p in region}) != 1:
        raise ValidationError(
            "city_prefix 与 neighbour_prefixes 须同长 (prefixes must have the same length)",
            field="neighbour_prefixes",
        )
    in_region = np.isin(_prefix_of(receiver_ad, s.city_prefix), [int(p) for p in region])
    far = col("route_km") > s.long_distance_km
    outside = known & consignor_city & ~in_region
    w13 = (far | outside) & ~cancelled
    out["W13"] = w13 & ~draft
    out["W13:pre"] = w13 & draft

    # W19
    vehicle, consignor = col("vehicle"), col("consignor")
    eligible = np.flatnonzero((vehicle >= 0) & (departed_s != NO_TIME) & ~cancelled)
    w19 = np.zeros(n, dtype=np.bool_)
    if eligible.size > 1:
        order = eligible[np.lexsort((consignor[eligible], departed_s[eligible], vehicle[eligible]))]
        v, t, c = vehicle[order], departed_s[order], consignor[order]
        k = v.size
        new_run = np.r_[True, (v[1:] != v[:-1]) | (c[1:] != c[:-1])]
        starts = np.flatnonzero(new_run)
        ends = np.r_[starts[1:], k] - 1
        run = np.cumsum(new_run) - 1
        first, last = starts[run], ends[run]
        window = s.shared_trip_minutes * 60.0
        before = np.maximum(first - 1, 0)
        after = np.minimum(last + 1, k - 1)
        prev_ok = (first > 0) & (v[before] == v) & ((t - t[before]) <= window)
        next_ok = (last < k - 1) & (v[after] == v) & ((t[after] - t) <= window)
        w19[order] = prev_ok | next_ok
    out["W19"] = w19

    # W20, W21
    closed_s, submitted_s = col("closed_s"), col("submitted_s")
    out["W20"] = (
        (state == STATE_CODE[S.CLOSED])
        & (closed_s != NO_TIME)
        & (now_s - closed_s > s.disposal_report_days * _DAY_S)
    )
    open_state = ~np.isin(state, [STATE_CODE[x] for x in _NOT_OPEN])
    settled = (state == STATE_CODE[S.REJECTED]) & col("has_return")
    out["W21"] = (
        open_state
        & ~settled
        & (submitted_s != NO_TIME)
        & (now_s - submitted_s > s.closure_days * _DAY_S)
    )
    return out


def manifest_column_flags(
    facts: ManifestFacts, now: datetime, settings: WarningSettings | None = None
) -> dict[str, bool]:
    """The per-manifest reference of :func:`evaluate_manifest_columns`: the same keys, from
    the per-manifest rule functions."""
    s = settings or WarningSettings()
    flags = dict.fromkeys(COLUMN_RULES, False)
    for rule in (
        receipt_not_confirmed,
        transit_too_long,
        quantity_mismatch,
        out_of_city,
        long_distance,
        shared_trip,
        disposal_not_reported,
        not_closed,
    ):
        for found in rule(facts, now, s):
            key = f"{found.rule.value}:pre" if found.pre_warning else found.rule.value
            flags[key] = True
    return flags


__all__ = [
    "COLUMN_RULES",
    "EVIDENCE_ITEMS",
    "GRAMS_PER_TONNE",
    "MANAGEMENT_CLASS_NAMES",
    "MANIFEST_COLUMNS",
    "MANIFEST_RULES",
    "NO_TIME",
    "REPORT_KIND_NAMES",
    "SEVERITY_NAMES",
    "STATE_CODE",
    "TRACK_RULES",
    "UNIT_RULES",
    "WARNING_RULE_NAMES",
    "WARNING_RULE_SOURCES",
    "WASTE_KIND_CODE",
    "Departure",
    "DueReport",
    "Finding",
    "ManagementClass",
    "ManifestFacts",
    "OpenBatch",
    "ReceivedDescription",
    "ReportFiling",
    "ReportKind",
    "Severity",
    "TrackFacts",
    "UnitFacts",
    "WarningRule",
    "WarningSettings",
    "abnormal_stop",
    "backfill_late",
    "cross_province_without_approval",
    "disposal_not_reported",
    "effective_state",
    "evaluate_manifest",
    "evaluate_manifest_columns",
    "evaluate_track",
    "evaluate_unit",
    "filed_on",
    "gps_missing",
    "ledger_mismatch",
    "long_distance",
    "manifest_column_flags",
    "manifest_columns",
    "not_closed",
    "not_in_plan",
    "open_batches",
    "out_of_city",
    "quantity_mismatch",
    "receipt_days",
    "receipt_not_confirmed",
    "receiver_capacity",
    "reporting_late",
    "reports_due",
    "route_deviation",
    "shared_trip",
    "storage_overdue",
    "subject_of",
    "transit_too_long",
    "transport_exempt",
    "type_mismatch",
    "unlicensed_receiver",
    "unqualified_carrier",
]
