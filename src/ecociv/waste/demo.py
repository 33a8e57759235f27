"""A synthetic demo year of hazardous-waste supervision (危险废物全过程监管演示数据，合成).

**Everything here is synthetic.** The parties are the synthetic demo enterprises of
``orgs/data/demo_enterprises.csv`` (tags ``hw_generator``, ``hw_transporter``, ``hw_operator``)
plus a receiver in 江西省鹰潭市 and two service areas that exist only in
``waste/data/demo_parties.csv``; licences, vehicles, crews, plans, the cross-province approval,
ledgers, manifests and GPS fixes are invented. Names end with （合成）, facilities, ledger rows
and manifests are stored with ``is_synthetic`` set, and the data files say so
(``waste/data/README.md``). Nothing here is a record of a real transfer.

How it is made (:func:`load_waste_demo`):

1. **Registry** (through the registry services, at a moment before the year starts): the
   ``hw_generator`` enterprises (with their HJ 1259-2022 management class), two licensed
   receivers in the city (柯城 incineration and
   used-oil re-refining, 衢江 physico-chemical treatment, landfill and drum cleaning), one
   collection-only licence holder (江山, waste oil), the receiver outside the city (鹰潭,
   Jiangxi, registered with ``FacilityInput(adcode=..., name=..., is_synthetic=True)``), two
   service areas (whitelisted stops), licences with scopes and annual scales, the carriers
   (``hw_transporter``) with vehicles (GPS device ids) and crews, one management plan per
   consignor and calendar year, and the cross-province approval for the 鹰潭 transfers.
2. **Schedule** (pure, seeded with :data:`SEED`): every consignor ships each of its waste streams
   (``demo_streams.csv``, by industry) every two to twelve months over the twelve months
   before ``now`` (about 160 manifests with the cases);
   each shipment is a manifest with its times (draft, submission on a working day, loading,
   arrival, receipt within a day, disposal result within five weeks), its planned route through
   the road waypoints of ``demo_waypoints.csv`` (WGS-84) and a vehicle of the carrier of the
   consignor's county that is free at the time. The special cases below are added to it.
3. **Play**: the steps of all manifests, ledgers and tracks run in time order through the
   services (``create_draft``, ``act`` with an administrator acting ``on_behalf_of`` each
   party, ``set_route``, ``ingest_fixes``, ``record_ledger``, ``backfill_paper``) with a
   :class:`DemoClock` set forward to each step. Steps that would fall at or after ``now`` are not
   taken, so the manifests of the last days are found in the states they have reached. GPS fixes
   (WGS-84, every 60–120 s) follow the route while in transit. The ledger of each consignor
   books every batch (generate → store_in, at loading store_out → hand_over with the manifest
   number), so I1 and I4 per county can be recomputed from the stored rows by hand
   (:class:`CountyFigures`). The reporting units file their monthly, quarterly and annual
   reports (``file_report``) a few days before each deadline.
4. **Warnings**: the warning rules run with every saved manifest and every batch of fixes (the
   hooks of the warning service, at the step's moment); at the end every rule is evaluated
   once more at ``now`` (``evaluate_all``, what the schedule would do), so the time-driven
   warnings (receipt overdue, storage, capacity, reporting, closure) are live.

The cases of docs/modules/hazwaste.md §6 (who and when is in ``waste/data/README.md``):

* W01a an operator's own fly-ash batch stored 375 days; W01b a producer's batch stored 390
  days; W01c a factory clinic's medical waste held 4 days; W01d the collector's waste-oil batch
  held 160 days (more than 90 working days).
* W02 a delivered manifest left unconfirmed for 10 days, and one confirmed 12 days late.
* W03 a vehicle stuck at a service area for hours (still in transit at ``now``).
* W04 a receipt 14 % short of the shipped weight.
* W05 a partial refusal: the receiver found part of a "solid" line liquid (the form found is
  recorded on the line, with the note).
* W06 a 10 km detour 3 km off the planned route; W07 a 45-minute roadside stop; W08 a 25-minute
  GPS gap, and a trip with no fix at all.
* W09 a departure refused: the vehicle's road transport certificate had expired (the carrier
  then loads another vehicle). W10 a draft refused: the receiver's licence does not cover
  HW06. W11 the 衢江 receiver's scope for 336-064-17 filled to 90–95 % this calendar year, and
  a further draft refused for exceeding it (the waste goes to the 柯城 receiver instead).
  W14 a submission refused: it would exceed the approved cross-province quantity (the draft is
  then cancelled). W15 a draft refused: code and receiver not in the plan; and a plan line
  exceeded by more than 10 %. Refused attempts raise ``TransferBlockedError``; the loader
  catches them, counts them by rule (:attr:`WasteDemoSummary.blocked`) and goes on. A refused
  step stores nothing, so W09, W10 and W14 show in ``blocked``, not as stored warnings.
* W12, W13 the six transfers to 鹰潭 (out of the city, about 200 km).
* W16 a paper manifest entered 27 days after delivery; W17 a key unit's monthly report filed
  five days late (the latest one due this calendar year);
  W18 a hand-over booked 0.5 t short of its manifest; W19 one vehicle loading two consignors'
  waste 20 minutes apart; W20 a closed manifest without a disposal result for 125 days; W21 a
  manifest submitted 45 days ago and never loaded.
* T5 a relay: the first carrier offers the manifest to another county's carrier by name, a
  wrong-carrier attempt to take it is refused (and kept in the audit log), the named carrier
  accepts with its own vehicle and crew and delivers (转移办法 第十七条).
* Every state of the machine is reached: drafts (one left open, two return drafts of T10),
  submitted, in transit, delivered, accepted, partially accepted, rejected, closed, disposed,
  cancelled (T3 before loading, and the W14 draft), under correction (one finished, one open),
  paper backfill (two completed, one open).

Idempotent: when a synthetic manifest of a demo consignor exists, nothing is loaded and the
summary says so. The registry writes are upserts, so a load stopped before its first manifest
can simply be run again. ``scale`` thins (below 1) or thickens (above 1) the regular
shipments; the cases stay. About 50 s on SQLite for the year at ``scale=1``, most of it in the
warning hooks and the fix-by-fix insert of ``ingest_fixes``.
The demo enterprises (``ecociv.demo.load_demo``) must be loaded first. Working days come from
the State Council calendar; a ``now`` outside the years it covers raises its
``CalendarRangeError``. A ``now`` in the first five days of a year puts the W11 case in the
previous calendar year.
"""

from __future__ import annotations

import bisect
import csv
import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from importlib import resources
from typing import Any

from sqlalchemy import func, select

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, NotFoundError, PermissionDeniedError
from ecociv.kernel.clock import SHANGHAI
from ecociv.standards import waste as catalogue
from ecociv.waste import services
from ecociv.waste.model import (
    CrewMember,
    CrewRole,
    LedgerEntry,
    LedgerStage,
    Licence,
    LicenceKind,
    LicenceScope,
    LineDecision,
    ManagementPlan,
    Manifest,
    ManifestLine,
    ManifestState,
    PartyRole,
    PlanLine,
    Section,
    Signature,
    SignatureMethod,
    TransferApproval,
    TransferType,
    TransportLeg,
    Vehicle,
    WasteKind,
)
from ecociv.waste.rules import (
    CalendarRangeError,
    CorrectionInput,
    DraftInput,
    LegInput,
    LineCorrection,
    LineDisposal,
    LineInput,
    LineReceipt,
    TransferBlockedError,
    is_workday,
)
from ecociv.waste.rules import tracks as geo
from ecociv.waste.tables import ManifestRow

#: The seed of the demo year: the same ``now`` and ``scale`` give the same data everywhere.
SEED = 20250917
CITY_PREFIX = services.CITY_PREFIX
COUNTIES = ("330802", "330803", "330822", "330824", "330825", "330881")

D = Decimal
_KG = Decimal("0.001")
_ZERO = Decimal(0)
_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_STAFF = "仓库管理员（合成）"
_MEASURES = "泄漏时围堵收集，远离火源，通知当地生态环境部门（合成）"

# The demo consignors that carry a case (all synthetic, from demo_enterprises.csv).
K_AUTO = "91330802MA75C10929"  # 柯城示例汽车零部件
K_FLUORO = "91330802MA11FCDBB8"  # 柯城示例氟化工
Q_AUTO = "91330803MA717C7843"  # 衢江示例汽车零部件
Q_FLUORO = "91330803MA4349A4EL"  # 衢江示例氟化工
Q_RESIN = "91330803MA4HBAHC9N"  # 衢江示例新材料科技
C_RESIN = "91330822MA18A7A7GQ"  # 常山示例新材料科技
C_FLUORO = "91330822MABF35A25W"  # 常山示例氟化工
H_AUTO = "91330824MA895AC091"  # 开化示例汽车零部件
L_FLUORO = "91330825MAB4281409"  # 龙游示例氟化工
L_AUTO = "91330825MA635D6879"  # 龙游示例汽车零部件
L_RESIN = "91330825MA9G36E10U"  # 龙游示例新材料科技
J_RESIN = "91330881MAB26D9CFE"  # 江山示例新材料科技
J_AUTO = "91330881MAGGGG4H5E"  # 江山示例汽车零部件
J_FLUORO = "91330881MAAG8F62BJ"  # 江山示例氟化工
#: Their 336-064-17 goes to the 衢江 receiver this calendar year (W11).
CAPACITY_SENDERS = (Q_AUTO, L_AUTO)
#: The carrier of the city (柯城 has none of its own): the 衢江 one.
CITY_CARRIER_COUNTY = "330803"
#: Counties whose drum waste goes to the 衢江 receiver (nearer than 柯城).
SOUTH_EAST = ("330803", "330825", "330881")


# ---- the summary ------------------------------------------------------------------------------


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """100 × part / whole to two decimals (half-even), None when ``whole`` is zero."""
    return (100 * part / whole).quantize(Decimal("0.01")) if whole else None


@dataclass(frozen=True, slots=True)
class CountyFigures:
    """I1 and I4 (docs/modules/hazwaste.md §7) of one county over the demo year, with their parts in
    tonnes.

    * ``generated_t``: ledger ``generate`` rows of the county's units, occurred in the year;
    * ``utilised_disposed_t``: ``disposed_t`` of the lines of the county's consignors'
      manifests (return manifests excluded) whose disposal result was reported in the year;
    * ``transferred_t``: ``shipped_t`` of the county's consignors' manifests submitted in the
      year (not drafts, not cancelled, return manifests excluded);
    * ``in_city_t``: the part of it whose receiver's adcode starts with 3308.

    I1 = utilised_disposed / generated (the reported definition of
    :func:`ecociv.waste.rules.indicators.harmless_rate`: opening stock not added);
    I4 = in_city / transferred (:func:`~ecociv.waste.rules.indicators.in_city_share`: both
    sides weighed at the consignor, so a county whose waste all stays in the city shows 100).
    In per cent, two decimals. Every record of the demo falls inside the period whether it is
    read by instant or by local day (the year's first step comes an hour after its start).
    """

    county_code: str
    generated_t: Decimal
    utilised_disposed_t: Decimal
    transferred_t: Decimal
    in_city_t: Decimal

    @property
    def i1(self) -> Decimal | None:
        return _percent(self.utilised_disposed_t, self.generated_t)

    @property
    def i4(self) -> Decimal | None:
        return _percent(self.in_city_t, self.transferred_t)


@dataclass(frozen=True, slots=True)
class WasteDemoSummary:
    """What a load did. ``loaded`` is False when the demo was there already (nothing else is
    filled in then). ``manifests`` counts manifests created (return drafts and paper ones
    included), ``states`` their states at the end; ``fixes``, ``ledger_rows`` and ``reports``
    the rows inserted; ``blocked`` the refused attempts per rule; ``warnings`` the live
    warnings per rule after the closing evaluation at ``now``; ``cases`` what triggers each
    rule (manifest numbers, ``#id`` of drafts, or a description; T10–T12 list the return,
    correction and paper manifests); ``counties`` the expected I1 and I4 per county over
    ``[period_start, period_end)``."""

    loaded: bool
    period_start: datetime | None = None
    period_end: datetime | None = None
    facilities: int = 0
    licences: int = 0
    vehicles: int = 0
    crew: int = 0
    plans: int = 0
    approvals: int = 0
    manifests: int = 0
    states: Mapping[str, int] = field(default_factory=dict)
    fixes: int = 0
    ledger_rows: int = 0
    reports: int = 0
    blocked: Mapping[str, int] = field(default_factory=dict)
    warnings: Mapping[str, int] = field(default_factory=dict)
    cases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    counties: Mapping[str, CountyFigures] = field(default_factory=dict)


class DemoClock:
    """The loader's clock: set forward to each step's moment, never back."""

    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        return self._moment

    def advance_to(self, moment: datetime) -> None:
        if moment < self._moment:
            raise ValueError(f"clock cannot go back from {self._moment} to {moment}")
        self._moment = moment


# ---- data files -------------------------------------------------------------------------------


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ecociv.waste").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class _Site:
    uscc: str
    name: str
    adcode: str
    lon: float  # GCJ-02, as registered
    lat: float
    wgs: Point  # WGS-84, for routes and fixes


def _site(uscc: str, name: str, adcode: str, lon: float, lat: float) -> _Site:
    w_lon, w_lat = geo.gcj02_to_wgs84([lon], [lat])
    return _Site(uscc, name, adcode, lon, lat, (float(w_lon[0]), float(w_lat[0])))


@dataclass(frozen=True, slots=True)
class _Waste:
    code: str
    name: str
    form: str
    packaging: str
    per_package_t: float
    dangerous_goods_class: str
    un_number: str
    components: str


@dataclass(frozen=True, slots=True)
class _VehicleSpec:
    plate: str
    carrier: str
    certificate: str
    classes: tuple[str, ...]
    device: str
    valid_until_days: int
    crew: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Data:
    sites: dict[str, _Site]
    parts: dict[str, str]  # part (receiver_a, receiver_b, collector, outside) → USCC
    service_areas: tuple[str, ...]
    producers: dict[str, str]  # USCC → stream key (industry code, receiver_a, collector)
    carriers: dict[str, str]  # county → carrier USCC
    wastes: dict[str, _Waste]
    streams: dict[str, list[dict[str, str]]]  # stream key → rows
    licences: list[dict[str, str]]
    vehicles: list[_VehicleSpec]
    crew: list[dict[str, str]]
    waypoints: dict[str, Point]
    links: dict[str, tuple[str, ...]]
    hubs: dict[str, str]  # county adcode → waypoint id


def _read_data() -> _Data:
    sites: dict[str, _Site] = {}
    producers: dict[str, str] = {}
    carriers: dict[str, str] = {}
    for row in orgs.demo_enterprise_rows():
        sites[row["uscc"]] = _site(
            row["uscc"],
            row["name"],
            row["county_code"],
            float(row["longitude"]),
            float(row["latitude"]),
        )
        tags = row["tags"].split(";")
        if "hw_generator" in tags:
            producers[row["uscc"]] = row["industry_code"]
        if "hw_transporter" in tags:
            carriers[row["county_code"]] = row["uscc"]
    parts: dict[str, str] = {}
    areas: list[str] = []
    for row in _rows("demo_parties.csv"):
        if row["name"]:
            sites[row["uscc"]] = _site(
                row["uscc"],
                row["name"],
                row["adcode"],
                float(row["longitude"]),
                float(row["latitude"]),
            )
        if row["part"] == "service_area":
            areas.append(row["uscc"])
        else:
            parts[row["part"]] = row["uscc"]
    producers[parts["receiver_a"]] = "receiver_a"
    producers[parts["collector"]] = "collector"
    wastes = {
        r["code"]: _Waste(
            r["code"],
            r["name"],
            r["form"],
            r["packaging"],
            float(r["t_per_package"]),
            r["dangerous_goods_class"],
            r["un_number"],
            r["hazardous_components"],
        )
        for r in _rows("demo_wastes.csv")
    }
    streams: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in _rows("demo_streams.csv"):
        streams[r["producer"]].append(r)
    crew = _rows("demo_crew.csv")
    vehicles = [
        _VehicleSpec(
            r["plate"],
            r["carrier_uscc"],
            r["operating_certificate_no"],
            tuple(r["dangerous_goods_classes"].split(";")),
            r["gps_device_id"],
            int(r["valid_until_days"]),
            tuple(
                c["qualification_no"]
                for c in sorted(crew, key=lambda c: c["role"])
                if c["vehicle_plate"] == r["plate"]
            ),
        )
        for r in _rows("demo_vehicles.csv")
    ]
    waypoints: dict[str, Point] = {}
    links: dict[str, tuple[str, ...]] = {}
    hubs: dict[str, str] = {}
    for r in _rows("demo_waypoints.csv"):
        waypoints[r["id"]] = (float(r["longitude"]), float(r["latitude"]))
        links[r["id"]] = tuple(r["links"].split(";"))
        if r["county_code"]:
            hubs[r["county_code"]] = r["id"]
    return _Data(
        sites=sites,
        parts=parts,
        service_areas=tuple(areas),
        producers=producers,
        carriers=carriers,
        wastes=wastes,
        streams=dict(streams),
        licences=_rows("demo_licences.csv"),
        vehicles=vehicles,
        crew=crew,
        waypoints=waypoints,
        links=links,
        hubs=hubs,
    )


# ---- geometry ---------------------------------------------------------------------------------


def _metres(p: Point, q: Point) -> float:
    return float(geo.haversine_m(p[0], p[1], q[0], q[1]))


def _cumulative(path: Sequence[Point]) -> list[float]:
    out = [0.0]
    for p, q in zip(path, path[1:], strict=False):
        out.append(out[-1] + _metres(p, q))
    return out


def _lerp(p: Point, q: Point, f: float) -> Point:
    return (p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f)


def _point_at(path: Sequence[Point], cum: Sequence[float], s: float) -> Point:
    if s <= 0:
        return path[0]
    if s >= cum[-1]:
        return path[-1]
    j = bisect.bisect_right(cum, s) - 1
    step = cum[j + 1] - cum[j]
    return _lerp(path[j], path[j + 1], (s - cum[j]) / step if step else 0.0)


def _shift(p: Point, east_m: float, north_m: float) -> Point:
    return (
        p[0] + east_m / (111_320.0 * math.cos(math.radians(p[1]))),
        p[1] + north_m / 110_540.0,
    )


def _insert_at(path: list[Point], fraction: float) -> tuple[list[Point], int]:
    """The path with a vertex added at ``fraction`` of its length, and that vertex's index."""
    cum = _cumulative(path)
    target = fraction * cum[-1]
    j = min(bisect.bisect_right(cum, target) - 1, len(path) - 2)
    point = _point_at(path, cum, target)
    return [*path[: j + 1], point, *path[j + 1 :]], j + 1


def _detour(route: list[Point], *, offset_m: float, along_m: float) -> list[Point]:
    """The route with a detour: on its longest segment the vehicle leaves the road at a quarter
    of it, drives ``along_m`` parallel to it ``offset_m`` to its left, and comes back."""
    lengths = [_metres(p, q) for p, q in zip(route, route[1:], strict=False)]
    j = max(range(len(lengths)), key=lengths.__getitem__)
    p, q = route[j], route[j + 1]
    a, b = 0.25, min(0.25 + along_m / lengths[j], 0.85)
    east = (q[0] - p[0]) * 111_320.0 * math.cos(math.radians(p[1]))
    north = (q[1] - p[1]) * 110_540.0
    norm = math.hypot(east, north)
    left = (-north / norm * offset_m, east / norm * offset_m)
    start, end = _lerp(p, q, a), _lerp(p, q, b)
    return [
        *route[: j + 1],
        start,
        _shift(start, *left),
        _shift(end, *left),
        end,
        *route[j + 1 :],
    ]


def _knots(cum: Sequence[float], stops: Mapping[int, float], speed_ms: float) -> list[Point]:
    """(seconds after departure, metres travelled) at each change of motion."""
    t, s = 0.0, 0.0
    knots = [(0.0, 0.0)]
    for index in sorted(stops):
        t += (cum[index] - s) / speed_ms
        s = cum[index]
        knots.append((t, s))
        t += stops[index] * 60.0
        knots.append((t, s))
    t += (cum[-1] - s) / speed_ms
    knots.append((t, cum[-1]))
    return knots


def _travelled(knots: Sequence[Point], tau: float) -> tuple[float, bool]:
    """Metres travelled ``tau`` seconds after departure, and whether the vehicle is moving."""
    if tau >= knots[-1][0]:
        return knots[-1][1], False
    i = bisect.bisect_right([k[0] for k in knots], tau) - 1
    (t0, s0), (t1, s1) = knots[i], knots[i + 1]
    if s1 == s0 or t1 == t0:
        return s0, False
    return s0 + (s1 - s0) * (tau - t0) / (t1 - t0), True


# ---- the schedule -----------------------------------------------------------------------------


def _whole(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def _workday(day: date) -> bool:
    try:
        return is_workday(day)
    except CalendarRangeError:
        return day.weekday() < 5


def _work_moment(moment: datetime, rng: random.Random, *, back: bool = False) -> datetime:
    """A moment between 08:30 and 15:30 on the first working day on or after ``moment``'s day
    (``back``: on or before it)."""
    day = _local_day(moment)
    while not _workday(day):
        day += -_DAY if back else _DAY
    minutes = rng.randint(8 * 60 + 30, 15 * 60 + 30)
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(minutes=minutes)


def _t(value: float) -> Decimal:
    return Decimal(f"{max(value, 0.05):.3f}")


@dataclass(eq=False)
class _Line:
    waste: _Waste
    shipped_t: Decimal
    count: int
    received_t: Decimal
    method: str
    decision: LineDecision = LineDecision.ACCEPT
    accepted_t: Decimal | None = None
    received_count: int | None = None
    note: str = ""
    found_form: str = ""  # what the receiver found, when it differs (W05)
    batch: str = ""

    @property
    def kept_t(self) -> Decimal:
        if self.decision is LineDecision.ACCEPT:
            return self.received_t
        if self.decision is LineDecision.PARTIAL:
            return self.accepted_t or _ZERO
        return _ZERO


#: A relay is offered this long before the next carrier takes it over, which is this long
#: before arrival (the first vehicle's fixes cover the whole way).
_RELAY_OFFER = timedelta(minutes=15)
_RELAY_BEFORE = timedelta(minutes=5)

#: The standard steps of a manifest, in order; ``_Trip.until`` names the last one taken.
_CHAIN = ("draft", "submit", "depart", "deliver", "confirm", "dispose")


@dataclass(eq=False)
class _Trip:
    """One planned manifest (or a refused draft, ``attempt``) and everything about it."""

    key: str
    consignor: _Site
    receiver: _Site
    carrier: str
    lines: list[_Line]
    role: PartyRole
    t_submit: datetime
    t_draft: datetime
    t_gen: datetime | None
    t_depart: datetime
    route: list[Point]
    path: list[Point]
    speed_kmh: float
    eta_minutes: int
    wait: timedelta
    confirm_after: timedelta
    dispose_after: timedelta
    disposed_day: int
    until: str = "dispose"
    stops: dict[int, float] = field(default_factory=dict)
    gap: tuple[float, float] | None = None
    no_track: bool = False
    track_of: _Trip | None = None
    attempt: str = ""
    refused: _VehicleSpec | None = None
    vehicle: _VehicleSpec | None = None
    paper: tuple[timedelta, timedelta | None] | None = None  # after delivery: entry, completion
    extra: list[tuple[str, timedelta, str, dict[str, Any]]] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    hand_over_short_t: Decimal = _ZERO
    relay_carrier: str = ""  # T5: the named next carrier, taking over before arrival
    relay_vehicle: _VehicleSpec | None = None
    t_deliver: datetime | None = None
    t_confirm: datetime | None = None
    t_dispose: datetime | None = None
    # filled in while playing
    ref: str = ""
    number: str | None = None
    state: str = ""
    cancelled: bool = False
    disposed: bool = False

    def takes(self, step: str) -> bool:
        return _CHAIN.index(step) <= _CHAIN.index(self.until)

    @property
    def t_relay(self) -> datetime:
        """When the next carrier takes a relay over: shortly before arrival."""
        return self.anchor("deliver") - _RELAY_BEFORE

    @property
    def deliverer(self) -> str:
        """The carrier that delivers: the relay's next carrier, else the first one."""
        return self.relay_carrier or self.carrier

    def motion_seconds(self) -> float:
        return _knots(_cumulative(self.path), self.stops, self.speed_kmh / 3.6)[-1][0]

    def retime(self, deliver: datetime | None = None) -> None:
        """Arrival, receipt and disposal from the departure (and the motion)."""
        if deliver is None:
            deliver = _whole(self.t_depart + timedelta(seconds=self.motion_seconds()) + self.wait)
        self.t_deliver = deliver
        self.t_confirm = _whole(deliver + self.confirm_after)
        self.t_dispose = _whole(self.t_confirm + self.dispose_after)

    def anchor(self, name: str) -> datetime:
        moments = {
            "draft": self.t_draft,
            "submit": self.t_submit,
            "depart": self.t_depart,
            "deliver": self.t_deliver,
            "confirm": self.t_confirm,
            "dispose": self.t_dispose,
        }
        found = moments[name]
        assert found is not None
        return found


@dataclass(eq=False)
class _Batch:
    """A ledger batch with no manifest yet: stock, or a storage case (W01)."""

    unit: _Site
    waste: _Waste
    quantity_t: Decimal
    at: datetime
    batch: str
    case: str = ""


@dataclass(frozen=True, slots=True)
class _Filing:
    """A report a unit files (HJ 1259-2022 §7.2): kind, period, day; ``case`` if late."""

    unit: str
    kind: str
    period: str
    filed_on: date
    case: str = ""


class _Planner:
    """Builds the year: regular shipments, the cases, vehicles, plans and licence scales."""

    def __init__(self, data: _Data, now: datetime, start: datetime, scale: float) -> None:
        self.data = data
        self.now = now
        self.start = start
        self.scale = scale
        self.rng = random.Random(SEED)
        self.trips: list[_Trip] = []
        self.batches: list[_Batch] = []
        self.count = 0
        self.annual: dict[str, float] = defaultdict(float)
        self.filings: list[_Filing] = []
        local = now.astimezone(SHANGHAI)
        year = local.year if (local.date() - date(local.year, 1, 1)).days >= 5 else local.year - 1
        first = datetime(year, 1, 1, tzinfo=SHANGHAI)
        self.capacity_from = max(first, start) + _DAY
        self.capacity_to = min(datetime(year, 12, 31, tzinfo=SHANGHAI), now - 3 * _DAY)
        self.w11_attempt_at = self.capacity_to + timedelta(hours=20)
        self.scales: dict[str, Decimal] = {}
        self.approved_t = _ZERO
        self.plans: dict[tuple[str, int], dict[tuple[str, str], Decimal]] = {}
        self.over_plan: tuple[str, int] | None = None

    # -- parties --

    def site(self, uscc: str) -> _Site:
        return self.data.sites[uscc]

    @property
    def receiver_a(self) -> _Site:
        return self.site(self.data.parts["receiver_a"])

    @property
    def receiver_b(self) -> _Site:
        return self.site(self.data.parts["receiver_b"])

    @property
    def outside(self) -> _Site:
        return self.site(self.data.parts["outside"])

    def carrier_for(self, site: _Site) -> str:
        carriers = self.data.carriers
        return carriers.get(site.adcode) or carriers[CITY_CARRIER_COUNTY]

    def method(self, receiver: _Site, code: str) -> str:
        for row in self.data.licences:
            if row["holder_uscc"] != receiver.uscc:
                continue
            scope = LicenceScope(
                D(1), tuple(filter(None, row["codes"].split(";"))),
                tuple(filter(None, row["categories"].split(";"))),
            )  # fmt: skip
            if scope.covers(code) and row["methods"]:
                return row["methods"].split(";")[0]
        return "D10"

    def receiver_for(self, consignor: _Site, codes: Sequence[str], at: datetime) -> _Site:
        if (
            list(codes) == ["336-064-17"]
            and consignor.uscc in CAPACITY_SENDERS
            and self.capacity_from <= at <= self.capacity_to
        ):
            return self.receiver_b
        if list(codes) == ["900-041-49"] and consignor.adcode in SOUTH_EAST:
            return self.receiver_b
        if list(codes) == ["772-003-18"]:
            return self.receiver_b
        return self.receiver_a

    # -- routes --

    def hub_path(self, a: str, b: str) -> list[str]:
        previous: dict[str, str | None] = {a: None}
        queue = [a]
        while queue:
            here = queue.pop(0)
            if here == b:
                break
            for nxt in self.data.links[here]:
                if nxt not in previous:
                    previous[nxt] = here
                    queue.append(nxt)
        out: list[str] = []
        node: str | None = b
        while node is not None:
            out.append(node)
            node = previous[node]
        return out[::-1]

    def route(self, origin: _Site, destination: _Site) -> list[Point]:
        hubs = self.hub_path(self.data.hubs[origin.adcode], self.data.hubs[destination.adcode])
        return [origin.wgs, *(self.data.waypoints[h] for h in hubs), destination.wgs]

    # -- trips --

    def eta(self, route: Sequence[Point], far: bool) -> int:
        km = geo.route_length_km([p[0] for p in route], [p[1] for p in route])
        return round(km / (65.0 if far else 45.0) * 60 + (15 if far else 10))

    def reroute(self, trip: _Trip, route: list[Point]) -> None:
        trip.route = route
        trip.path = list(route)
        trip.eta_minutes = self.eta(route, trip.receiver.adcode[:2] != trip.consignor.adcode[:2])
        trip.retime()

    def line(self, code: str, quantity: Decimal, receiver: _Site) -> _Line:
        waste = self.data.wastes[code]
        count = max(1, math.ceil(float(quantity) / waste.per_package_t))
        drift = 1 + self.rng.uniform(-0.012, 0.012)
        received = Decimal(f"{float(quantity) * drift:.3f}")
        return _Line(waste, quantity, count, received, self.method(receiver, code))

    def trip(
        self,
        consignor: str,
        receiver: _Site,
        lines: Sequence[tuple[str, Decimal]],
        t_submit: datetime,
        *,
        gen_days: float = 20.0,
        role: PartyRole = PartyRole.GENERATOR,
        case: str = "",
    ) -> _Trip:
        rng = self.rng
        origin = self.site(consignor)
        self.count += 1
        t_submit = _whole(t_submit)
        t_draft = _whole(t_submit - timedelta(hours=rng.uniform(0.5, 20)))
        t_gen = _whole(t_submit - timedelta(days=rng.uniform(0.2, 0.9) * gen_days))
        t_gen = max(t_gen, _whole(self.start + timedelta(hours=rng.uniform(1, 20))))
        t_gen = min(t_gen, t_draft - _HOUR)
        route = self.route(origin, receiver)
        far = receiver.adcode[:2] != origin.adcode[:2]
        speed = rng.uniform(64, 72) if far else rng.uniform(40, 52)
        eta = self.eta(route, far)
        trip = _Trip(
            key=f"D{self.count:04d}",
            consignor=origin,
            receiver=receiver,
            carrier=self.carrier_for(origin),
            lines=[self.line(code, q, receiver) for code, q in lines],
            role=role,
            t_submit=t_submit,
            t_draft=t_draft,
            t_gen=t_gen,
            t_depart=_whole(t_submit + timedelta(hours=rng.uniform(0.4, 2.0))),
            route=route,
            path=list(route),
            speed_kmh=speed,
            eta_minutes=eta,
            wait=timedelta(minutes=rng.uniform(4, 9)),
            confirm_after=timedelta(hours=rng.uniform(0.4, 26)),
            dispose_after=timedelta(days=rng.uniform(4, 35)),
            disposed_day=rng.randint(0, 20),
        )
        if case:
            trip.cases.append(case)
        trip.retime()
        self.trips.append(trip)
        return trip

    def quantity(self, annual_t: float, cadence: float, size: float) -> Decimal:
        return _t(annual_t * size * cadence / 365.0 * self.rng.uniform(0.75, 1.25))

    def regular(self) -> None:
        """Every consignor ships each of its streams every ``cadence`` days (÷ ``scale``)."""
        for uscc in sorted(self.data.producers):
            key = self.data.producers[uscc]
            role = PartyRole.COLLECTOR if key == "collector" else PartyRole.GENERATOR
            size = self.rng.uniform(0.6, 1.5) if key.startswith("C") else 1.0
            origin = self.site(uscc)
            by_stream: dict[str, list[dict[str, str]]] = defaultdict(list)
            for row in self.data.streams[key]:
                by_stream[row["stream"]].append(row)
            self.annual[uscc] += size * sum(float(r["annual_t"]) for r in self.data.streams[key])
            for name in sorted(by_stream):
                rows = by_stream[name]
                every = float(rows[0]["cadence_days"])  # shipment sizes follow the stream
                cadence = every / self.scale
                moment = self.start + timedelta(days=self.rng.uniform(0.2, 1.0) * cadence)
                last: datetime | None = None
                while True:
                    t_submit = _work_moment(moment, self.rng)
                    if t_submit >= self.now - 2 * _HOUR:
                        break
                    moment += timedelta(days=cadence * self.rng.uniform(0.85, 1.15))
                    codes = [r["code"] for r in rows]
                    receiver = self.receiver_for(origin, codes, t_submit)
                    lines = [
                        (r["code"], self.quantity(float(r["annual_t"]), every, size)) for r in rows
                    ]
                    self.trip(uscc, receiver, lines, t_submit, gen_days=cadence, role=role)
                    last = t_submit
                stock_at = (last or self.start) + timedelta(days=self.rng.uniform(0.3, 0.8) * every)
                if stock_at < self.now - _HOUR:
                    for r in rows:
                        self.batch(
                            origin,
                            r["code"],
                            self.quantity(float(r["annual_t"]), every, size),
                            stock_at,
                        )

    def batch(
        self, unit: _Site, code: str, quantity: Decimal, at: datetime, case: str = ""
    ) -> None:
        n = len(self.batches) + 1
        stamp = _local_day(at).strftime("%Y%m%d")
        self.batches.append(
            _Batch(unit, self.data.wastes[code], quantity, _whole(at), f"K{stamp}-{n:04d}", case)
        )

    # -- the cases --

    def at(self, days_before: float, *, work: bool = True) -> datetime:
        """``days_before`` days before ``now``: in working hours of a working day (the next
        one, or the previous one when the next is too close to ``now``), or exactly."""
        moment = self.now - timedelta(days=days_before)
        if not work:
            return _whole(moment)
        found = _work_moment(moment, self.rng)
        if found > self.now - 12 * _HOUR:
            found = _work_moment(moment, self.rng, back=True)
        return found

    def special(
        self,
        consignor: str,
        code: str,
        quantity: str,
        days_before: float,
        *,
        receiver: _Site | None = None,
        case: str = "",
    ) -> _Trip:
        origin = self.site(consignor)
        target = receiver or self.receiver_for(origin, [code], self.now)
        return self.trip(consignor, target, [(code, D(quantity))], self.at(days_before), case=case)

    def cases(self) -> None:
        a, b = self.receiver_a, self.receiver_b
        # W04: 14 % short on the weighbridge, accepted with the note the rules require.
        trip = self.special(Q_RESIN, "265-101-13", "6.200", 200, case="W04")
        line = trip.lines[0]
        line.received_t = (line.shipped_t * D("0.86")).quantize(_KG)
        line.note = "地磅复核接收量比转移量少 14%，含水率下降，已告知移出人（合成）"
        # W06: a 10 km detour 3 km off the planned route.
        trip = self.special(C_RESIN, "265-101-13", "5.400", 170, case="W06")
        trip.path = _detour(trip.route, offset_m=3000.0, along_m=10_000.0)
        trip.retime()
        # W07: a 45-minute stop at the roadside, away from every whitelisted site.
        trip = self.special(Q_FLUORO, "900-013-11", "3.600", 150, case="W07")
        trip.path, index = _insert_at(trip.route, 0.45)
        trip.stops[index] = 45.0
        trip.retime()
        # W08: a 25-minute gap in the fixes (mountain road), and a trip with no fix at all.
        trip = self.special(H_AUTO, "900-252-12", "2.800", 100, case="W08")
        trip.gap = (20.0, 45.0)
        self.special(L_RESIN, "265-101-13", "4.900", 80, case="W08").no_track = True
        # W09: the first vehicle's road transport certificate has expired: loading refused.
        trip = self.special(C_FLUORO, "900-013-11", "3.300", 90, case="W09")
        trip.refused = next(v for v in self.data.vehicles if v.valid_until_days < 0)
        trip.t_depart = trip.t_submit + 2 * _HOUR
        trip.retime()
        # W02: delivered and never confirmed; and one confirmed twelve days late.
        self.special(J_AUTO, "900-252-12", "2.600", 11, case="W02").until = "deliver"
        late = self.special(K_AUTO, "900-252-12", "2.300", 230, case="W02")
        late.confirm_after = timedelta(days=12, hours=2)
        late.retime()
        # W20: closed 125 days ago, no disposal result; W21: submitted 45 days ago, not loaded.
        self.special(K_AUTO, "336-064-17", "4.800", 125, case="W20").until = "confirm"
        self.special(Q_AUTO, "900-252-12", "2.100", 45, case="W21").until = "submit"
        # W18: the hand-over booked 0.5 t short of the manifest.
        trip = self.special(J_AUTO, "336-064-17", "5.100", 140, case="W18")
        trip.hand_over_short_t = D("0.5")
        # W19: one vehicle loads two consignors' waste twenty minutes apart.
        first = self.special(K_AUTO, "900-252-12", "1.900", 55, case="W19")
        second = self.trip(
            K_FLUORO, a, [("900-013-11", D("2.200"))], first.t_submit + 5 * _MINUTE, case="W19"
        )
        pickup = self.site(K_FLUORO).wgs
        self.reroute(first, [first.consignor.wgs, pickup, *first.route[1:]])
        first.stops[1] = 5.0
        first.retime()
        second.track_of = first
        # W03: stuck at the service area on the way, still in transit at ``now``.
        trip = self.trip(
            L_FLUORO, a, [("261-084-45", D("6.500"))], self.at(7 / 24, work=False), case="W03"
        )
        trip.t_draft = trip.t_submit - 2 * _HOUR
        trip.t_gen = trip.t_submit - 3 * _DAY
        trip.t_depart = self.now - 6 * _HOUR
        area = self.data.waypoints["SA1"]
        trip.stops[trip.path.index(area)] = 24 * 60.0
        trip.retime()
        # In transit normally at ``now``; submitted two hours ago; a draft of this morning.
        trip = self.trip(Q_RESIN, a, [("900-039-49", D("1.700"))], self.at(1.5 / 24, work=False))
        trip.t_depart = self.now - 25 * _MINUTE
        trip.t_draft = trip.t_submit - _HOUR
        trip.t_gen = trip.t_submit - 5 * _DAY
        trip.retime()
        trip = self.trip(C_RESIN, a, [("900-039-49", D("1.400"))], self.at(2 / 24, work=False))
        trip.until = "submit"
        trip.t_draft = trip.t_submit - _HOUR
        trip = self.trip(L_AUTO, a, [("900-252-12", D("1.800"))], self.now - _HOUR)
        trip.until = "draft"
        trip.t_draft = self.now - 3 * _HOUR
        trip.t_gen = trip.t_draft - 2 * _DAY
        # Rejected (and its return draft); partially accepted (and its return draft).
        trip = self.special(C_FLUORO, "261-084-45", "5.800", 8)
        trip.until = "confirm"
        trip.lines[0].decision = LineDecision.REJECT
        trip.lines[0].note = "取样检测含水率与联单严重不符，整车拒收，已告知移出人（合成）"
        trip.extra.append(("confirm", _DAY, "return", {}))
        trip = self.special(L_RESIN, "265-101-13", "5.000", 40, case="W05")
        line = trip.lines[0]
        line.decision = LineDecision.PARTIAL
        line.accepted_t = (line.received_t * D("0.8")).quantize(_KG)
        line.note = "2 袋破损且内容物为液态，与联单“固态”不符（种类差异），该部分拒收（合成）"
        line.found_form = "液态"
        trip.extra.append(("confirm", 2 * _DAY, "return", {}))
        # T5: a relay — the 江山 carrier takes the load over from the first carrier by name.
        trip = self.special(K_AUTO, "900-252-12", "2.200", 35)
        trip.relay_carrier = self.data.carriers["330881"]
        # T3: cancelled before loading.
        trip = self.special(J_RESIN, "900-039-49", "1.300", 100)
        trip.until = "submit"
        trip.extra.append(("submit", 3 * _HOUR, "cancel", {"reason": "客户调整装运计划（合成）"}))
        # T11: a finished correction by the consignor; one opened by the receiver, still open.
        trip = self.special(H_AUTO, "336-064-17", "4.400", 160)
        trip.extra.append(
            ("dispose", 2 * _DAY, "correct_start",
             {"by": "consignor", "reason": "主要有害成分填写不全（合成）"})
        )  # fmt: skip
        trip.extra.append(
            ("dispose", 2 * _DAY + 2 * _HOUR, "correct_finish",
             {"components": "锌、镍、磷酸盐、少量六价铬（合成）"})
        )  # fmt: skip
        trip = self.special(K_FLUORO, "261-084-45", "6.100", 6)
        trip.until = "confirm"
        trip.confirm_after = timedelta(hours=3)
        trip.retime()
        trip.extra.append(
            ("confirm", 2 * _DAY, "correct_start",
             {"by": "receiver", "reason": "接收量录入有误，待地磅单复核（合成）"})
        )  # fmt: skip
        # T12: paper manifests: entered in time, entered late (W16), entered and not completed.
        for days, entry, done, quantity, code, case in (
            (150, 5, 1, "4.200", "265-101-13", ""),
            (62, 27, 1, "1.600", "900-039-49", "W16"),
            (6, 4, None, "0.900", "900-041-49", ""),
        ):
            owner = J_RESIN if code != "900-041-49" else Q_FLUORO
            trip = self.special(owner, code, quantity, days, case=case)
            trip.confirm_after = timedelta(hours=3)
            trip.retime()
            completion = timedelta(days=entry + done) if done is not None else None
            trip.paper = (timedelta(days=entry), completion)
            if completion is None:
                trip.until = "confirm"
            else:
                trip.dispose_after = completion + timedelta(days=10) - trip.confirm_after
                trip.retime()
        # W10: a draft to a receiver whose licence does not cover HW06 (it is in the plan).
        self.special(L_FLUORO, "900-402-06", "2.000", 60, receiver=a).attempt = "W10"
        # W15: a draft for a code and receiver the plan does not list.
        self.special(H_AUTO, "900-252-12", "2.500", 75, receiver=b).attempt = "W15"
        self.capacity()
        self.outside_transfers()

    def capacity(self) -> None:
        """W11: the 衢江 receiver's 336-064-17 scope this calendar year; a further draft over
        the scale is refused and the waste goes to the 柯城 receiver instead."""
        b = self.receiver_b
        flow = [t for t in self.trips if t.receiver is b and t.lines[0].waste.code == "336-064-17"]
        total = sum((t.lines[0].shipped_t for t in flow), _ZERO)
        span = (self.capacity_to - self.capacity_from).total_seconds()
        k = 0
        while (len(flow) < 2 or total < 20) and span > 0:
            k += 1
            moment = self.capacity_from + timedelta(seconds=span * (0.3 + 0.15 * k) % span)
            trip = self.trip(
                L_AUTO, b, [("336-064-17", D("7.500"))], _work_moment(moment, self.rng)
            )
            if trip.t_submit > self.capacity_to:
                trip.t_submit = self.capacity_to - 6 * _HOUR
                trip.t_draft = trip.t_submit - _HOUR
                trip.t_gen = trip.t_draft - 2 * _DAY
                trip.t_depart = trip.t_submit + _HOUR
            flow.append(trip)
            total += trip.lines[0].shipped_t
        for trip in flow:
            trip.confirm_after = min(trip.confirm_after, timedelta(hours=6))
            trip.cases.append("W11")
            trip.retime()
        self.capacity_flow = flow
        attempt = self.trip(L_AUTO, b, [("336-064-17", D("1"))], self.w11_attempt_at, case="W11")
        attempt.attempt = "W11"
        attempt.t_draft = attempt.t_submit
        self.capacity_attempt = attempt
        fallback = self.trip(
            L_AUTO, self.receiver_a, [("336-064-17", D("1"))], self.w11_attempt_at + _HOUR
        )
        fallback.t_draft = fallback.t_submit - 20 * _MINUTE
        self.capacity_fallback = fallback

    def outside_transfers(self) -> None:
        """W12, W13, W14: six transfers of 261-084-45 to 鹰潭 under one approval; a seventh
        would exceed the approved quantity: its submission is refused and the draft cancelled."""
        self.outside_flow = [
            self.trip(
                J_FLUORO, self.outside, [("261-084-45", _t(self.rng.uniform(5.2, 6.8)))],
                self.at((self.now - self.start).days - days), case="W12",
            )
            for days in (40, 85, 130, 175, 220, 265)
        ]  # fmt: skip
        for trip in self.outside_flow:
            trip.cases.append("W13")
        shipped = sum((t.lines[0].shipped_t for t in self.outside_flow), _ZERO)
        self.approved_t = shipped.quantize(D(1), ROUND_CEILING) + 4
        over = self.approved_t - shipped + 3
        trip = self.special(J_FLUORO, "261-084-45", str(over), 30, receiver=self.outside)
        trip.cases.append("W14")
        trip.until = "draft"
        trip.extra.append(("draft", _HOUR, "attempt_submit", {"rule": "W14"}))
        trip.extra.append(
            ("draft", 2 * _HOUR, "cancel", {"reason": "跨省转移批准量不足，待重新申请（合成）"})
        )

    def storage(self) -> None:
        """W01a–d: batches held too long."""
        a = self.receiver_a
        collector = self.site(self.data.parts["collector"])
        self.batch(self.site(K_FLUORO), "900-013-11", D("2.400"), self.at(390, work=False), "W01b")
        self.batch(a, "772-003-18", D("6.500"), self.at(375, work=False), "W01a")
        self.batch(self.site(L_FLUORO), "841-001-01", D("0.012"), self.at(4, work=False), "W01c")
        self.batch(collector, "900-214-08", D("3.200"), self.at(160, work=False), "W01d")

    # -- vehicles, scales, plans --

    def needs_vehicle(self, trip: _Trip) -> bool:
        if trip.attempt or trip.track_of is not None:
            return False
        return trip.takes("depart") and trip.t_depart < self.now

    def assign(self) -> None:
        busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        used: dict[str, int] = defaultdict(int)
        for trip in sorted(self.trips, key=lambda t: t.t_depart):
            if not self.needs_vehicle(trip):
                continue
            for _ in range(40):
                day = _local_day(trip.t_depart)
                begin = trip.t_depart - 15 * _MINUTE
                end = (trip.t_deliver or self.now) + 15 * _MINUTE
                free = [
                    v
                    for v in self.data.vehicles
                    if v.carrier == trip.carrier
                    and day <= _local_day(self.now) + timedelta(days=v.valid_until_days)
                    and all(e <= begin or s >= end for s, e in busy[v.plate])
                ]
                if free:
                    chosen = min(free, key=lambda v: (used[v.plate], v.plate))
                    trip.vehicle = chosen
                    busy[chosen.plate].append((begin, end))
                    used[chosen.plate] += 1
                    break
                trip.t_depart += 90 * _MINUTE
                trip.retime()
            else:
                raise RuntimeError(f"no free vehicle for demo trip {trip.key}")
            if trip.relay_carrier:
                begin, end = trip.t_relay - 15 * _MINUTE, trip.anchor("deliver") + 15 * _MINUTE
                relay = [
                    v
                    for v in self.data.vehicles
                    if v.carrier == trip.relay_carrier
                    and _local_day(trip.t_relay)
                    <= _local_day(self.now) + timedelta(days=v.valid_until_days)
                    and all(e <= begin or s >= end for s, e in busy[v.plate])
                ]
                if not relay:
                    raise RuntimeError(f"no free relay vehicle for demo trip {trip.key}")
                chosen = min(relay, key=lambda v: (used[v.plate], v.plate))
                trip.relay_vehicle = chosen
                busy[chosen.plate].append((begin, end))
        for trip in self.trips:
            first = trip.track_of
            if first is None:
                continue
            trip.vehicle = first.vehicle
            cum = _cumulative(first.path)
            knots = _knots(cum, first.stops, first.speed_kmh / 3.6)
            loaded = knots[2][0]  # the end of the stop at the second consignor
            trip.t_depart = _whole(first.t_depart + timedelta(seconds=loaded))
            assert first.t_deliver is not None
            trip.retime(deliver=first.t_deliver + _MINUTE)

    def settle(self) -> None:
        """The W11 scale (received this year ÷ 0.95, whole tonnes up: 90–95 % used) and the
        refused draft's quantity (2 t over what is left); the plans."""
        flow = self.capacity_flow
        total = sum((t.lines[0].received_t for t in flow), _ZERO)
        scale = (total / D("0.95")).quantize(D(1), ROUND_CEILING)
        self.scales["336-064-17"] = max(scale, D(1))
        before = [t for t in flow if t.t_confirm and t.t_confirm < self.capacity_attempt.t_draft]
        used = sum((t.lines[0].received_t for t in before), _ZERO)
        over = self.scales["336-064-17"] - used + 2
        self.capacity_attempt.lines[0].shipped_t = over
        self.capacity_fallback.lines[0].shipped_t = over
        self.capacity_fallback.lines[0].received_t = over
        self.capacity_fallback.lines[0].count = math.ceil(float(over))
        plans: dict[tuple[str, int], dict[tuple[str, str], Decimal]] = defaultdict(
            lambda: defaultdict(lambda: _ZERO)
        )
        for trip in self.trips:
            if trip.attempt == "W15":
                continue
            year = _local_day(trip.t_draft).year
            for line in trip.lines:
                plans[(trip.consignor.uscc, year)][(line.waste.code, trip.receiver.uscc)] += (
                    line.shipped_t
                )
        self.plans = {key: dict(value) for key, value in plans.items()}
        # W15: one plan line set below what is shipped (by a fifth).
        key = ("265-101-13", self.receiver_a.uscc)
        years = [y for (u, y), lines in self.plans.items() if u == C_RESIN and key in lines]
        if years:
            self.over_plan = (C_RESIN, max(years, key=lambda y: self.plans[(C_RESIN, y)][key]))

    def management_class(self, uscc: str) -> str | None:
        """HJ 1259-2022 §4.2: licence holders and units generating ≥ 100 t/a are key,
        10–100 t/a simplified, less registration; units generating nothing have none."""
        if uscc in (self.data.parts["receiver_a"], self.data.parts["receiver_b"]):
            return "key"
        if uscc == self.data.parts["collector"]:
            return "key"
        annual = self.annual.get(uscc)
        if annual is None:
            return None
        return "key" if annual >= 100 else "simplified" if annual >= 10 else "registration"

    def reports(self) -> None:
        """The reports each reporting unit owes over the year, filed two to ten days before
        the deadline (monthly for key units, quarterly for simplified ones, by the 15th of the
        next month; the annual report by 31 March). W17: the latest monthly report of
        柯城示例氟化工 due this calendar year is filed five days late."""
        today = _local_day(self.now)
        first = _local_day(self.start)
        units = sorted({*self.data.producers, self.data.parts["receiver_b"]})
        late: tuple[str, str, date] | None = None
        for uscc in units:
            cls = self.management_class(uscc)
            due: list[tuple[str, str, date]] = []
            for year in range(first.year - 1, today.year + 1):
                due.append(("annual", str(year), date(year + 1, 3, 31)))
                for month in range(1, 13):
                    nxt = date(year + 1, 1, 15) if month == 12 else date(year, month + 1, 15)
                    if cls == "key":
                        due.append(("monthly", f"{year}-{month:02d}", nxt))
                    elif cls == "simplified" and month % 3 == 0:
                        due.append(("quarterly", f"{year}-Q{month // 3}", nxt))
            if uscc not in self.data.producers:  # no consignor plan: its plan filed as a report
                for year in range(first.year, today.year + 1):
                    due.append(("plan", str(year), date(year - 1, 12, 20)))
            for kind, period, due_on in due:
                if due_on < first and kind != "plan":
                    continue
                filed = due_on - timedelta(days=self.rng.randint(2, 10))
                if filed >= today:
                    continue
                self.filings.append(_Filing(uscc, kind, period, filed))
                recent = due_on.year == today.year and due_on + timedelta(days=5) < today
                if uscc == K_FLUORO and kind == "monthly" and recent:
                    late = (uscc, period, due_on)
        if late is not None:
            unit, period, due_on = late
            self.filings = [
                replace(f, filed_on=due_on + timedelta(days=5), case="W17")
                if (f.unit, f.kind, f.period) == (unit, "monthly", period) else f
                for f in self.filings
            ]  # fmt: skip

    def build(self) -> None:
        self.regular()
        self.cases()
        self.storage()
        self.assign()
        self.settle()
        self.reports()


# ---- playing the year through the services ----------------------------------------------------


def _fix(device: str, at: datetime, p: Point, speed: float) -> services.FixInput:
    return services.FixInput(device, at, round(p[0], 6), round(p[1], 6), "WGS-84", round(speed, 1))


def _fixes(trip: _Trip, until: datetime) -> list[services.FixInput]:
    """Fixes every 60–120 s from loading to delivery (or ``until``), WGS-84, with a few metres
    of noise; none inside the trip's gap."""
    assert trip.vehicle is not None and trip.t_deliver is not None
    rng = random.Random(f"{SEED}:{trip.key}")
    cum = _cumulative(trip.path)
    speed_ms = trip.speed_kmh / 3.6
    knots = _knots(cum, trip.stops, speed_ms)
    end = min(trip.t_deliver, until)
    total = (end - trip.t_depart).total_seconds()
    taus: list[float] = []
    tau = 0.0
    while tau < total:
        taus.append(tau)
        tau += rng.uniform(60.0, 120.0)
    taus.append(total)
    out: list[services.FixInput] = []
    for tau in taus:
        if trip.gap and trip.gap[0] * 60 <= tau < trip.gap[1] * 60:
            continue
        s, moving = _travelled(knots, tau)
        point = _point_at(trip.path, cum, s)
        jitter = 6.0 if moving else 3.0
        point = _shift(point, rng.gauss(0, jitter), rng.gauss(0, jitter))
        speed = trip.speed_kmh * rng.uniform(0.85, 1.1) if moving else rng.uniform(0.0, 1.5)
        at = trip.t_depart + timedelta(seconds=int(tau))
        out.append(_fix(trip.vehicle.device, at, point, speed))
    unique: dict[datetime, services.FixInput] = {f.observed_at: f for f in out}
    return [unique[k] for k in sorted(unique)]


_Step = tuple[datetime, int, "_Trip | _Batch | _Filing", str, dict[str, Any]]


class _Player:
    def __init__(self, db: Database, actor: Actor, planner: _Planner, clock: DemoClock) -> None:
        self.db = db
        self.actor = actor
        self.p = planner
        self.clock = clock
        self.fixes = 0
        self.filed = 0
        self.warnings: dict[str, int] = {}
        self.ledger_rows = 0
        self.manifests = 0
        self.returns: list[str] = []
        self.blocked: dict[str, int] = defaultdict(int)
        self.cases: dict[str, list[str]] = defaultdict(list)
        self.generated: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        self.filing: dict[tuple[str, int], str] = {}
        self.counts: dict[str, int] = {}

    # -- registry --

    def registry(self) -> None:
        p, db, actor, clock = self.p, self.db, self.actor, self.clock
        data = p.data
        today = _local_day(p.now)
        facilities = 0
        parties = [data.parts["receiver_b"], *data.producers, *data.carriers.values()]
        in_record = sorted(set(parties))
        for uscc in in_record:
            data_in = services.FacilityInput(
                uscc=uscc, management_class=p.management_class(uscc), is_synthetic=True
            )
            services.register_facility(db, actor, data_in, clock)
            facilities += 1
        for row in _rows("demo_parties.csv"):
            if not row["name"]:
                continue
            services.register_facility(
                db, actor,
                services.FacilityInput(
                    uscc=row["uscc"], name=row["name"], adcode=row["adcode"],
                    address=row["address"], longitude=float(row["longitude"]),
                    latitude=float(row["latitude"]), kind=row["kind"], is_synthetic=True,
                ),
                clock,
            )  # fmt: skip
            facilities += 1
        licences: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in data.licences:
            licences[row["number"]].append(row)
        for number, rows in licences.items():
            head = rows[0]
            scopes = tuple(
                LicenceScope(
                    annual_scale_t_a=(
                        p.scales[r["codes"]] if r["annual_scale_t_a"] == "auto"
                        else D(r["annual_scale_t_a"])
                    ),
                    codes=tuple(filter(None, r["codes"].split(";"))),
                    categories=tuple(filter(None, r["categories"].split(";"))),
                    methods=tuple(filter(None, r["methods"].split(";"))),
                )
                for r in rows
            )  # fmt: skip
            services.save_licence(
                db, actor,
                Licence(
                    number, head["holder_uscc"], LicenceKind(head["kind"]),
                    today + timedelta(days=int(head["valid_from_days"])),
                    today + timedelta(days=int(head["valid_until_days"])),
                    scopes, D(head["storage_capacity_t"]), head["issuer"],
                ),
                clock, is_synthetic=True,
            )  # fmt: skip
        for v in data.vehicles:
            services.save_vehicle(
                db, actor,
                Vehicle(v.plate, v.carrier, v.certificate, v.classes,
                        today + timedelta(days=v.valid_until_days), v.device),
                clock, is_synthetic=True,
            )  # fmt: skip
        for c in data.crew:
            services.save_crew(
                db, actor,
                CrewMember(c["name"], CrewRole(c["role"]), c["qualification_no"],
                           today + timedelta(days=int(c["valid_until_days"])), c["employer_uscc"]),
                clock, is_synthetic=True,
            )  # fmt: skip
        over_key = ("265-101-13", p.receiver_a.uscc)
        for n, ((uscc, year), planned) in enumerate(sorted(p.plans.items()), start=1):
            site = p.site(uscc)
            filing = f"{site.adcode}-{year}-D{n:03d}（合成）"
            self.filing[(uscc, year)] = filing
            filed_on = date(year - 1, 12, 10)
            lines = []
            for (code, receiver), quantity in sorted(planned.items()):
                target = quantity * D("1.25")
                if (uscc, year) == p.over_plan and (code, receiver) == over_key:
                    target = quantity * D("0.8")
                    self.cases["W15"].append(f"plan {uscc} {year} {code}: planned {target:.1f} t")
                cross = p.site(receiver).adcode[:2] != site.adcode[:2]
                lines.append(
                    PlanLine(
                        code, max(target.quantize(D("0.1"), ROUND_FLOOR), D("0.1")), receiver,
                        p.method(p.site(receiver), code),
                        TransferType.CROSS_PROVINCE if cross else TransferType.IN_PROVINCE,
                    )
                )  # fmt: skip
            services.save_plan(
                db,
                actor,
                ManagementPlan(year, uscc, filing, tuple(lines), filed_on),
                clock,
                is_synthetic=True,
            )
        valid_from = _local_day(p.start) + timedelta(days=30)
        services.save_approval(
            db, actor,
            TransferApproval(
                f"浙环危跨审〔{valid_from.year}〕D01号（合成）", J_FLUORO, p.outside.uscc,
                valid_from, valid_from + timedelta(days=364),
                {"261-084-45": p.approved_t},
            ),
            clock,
        )  # fmt: skip
        self.counts = {
            "facilities": facilities,
            "licences": len(licences),
            "vehicles": len(data.vehicles),
            "crew": len(data.crew),
            "plans": len(p.plans),
            "approvals": 1,
        }
        scope = f"浙危废经第3308D02号（合成） 336-064-17: {p.scales['336-064-17']} t/a"
        self.cases["W11"].append(scope)

    # -- steps --

    def steps(self) -> list[_Step]:
        out: list[_Step] = []
        n = 0
        now = self.p.now
        for batch in self.p.batches:
            out.append((batch.at + 30 * _MINUTE, n, batch, "batch", {}))
            n += 1
        opened = self.clock.now() + _HOUR  # after the registry
        for filing in self.p.filings:
            moment = datetime.combine(filing.filed_on, time(10), tzinfo=SHANGHAI)
            moment = max(moment, opened)  # the day filed is data; the step keeps time order
            if moment < now:
                out.append((moment, n, filing, "filing", {}))
                n += 1
        for trip in self.p.trips:
            mine: list[tuple[datetime, str, dict[str, Any]]] = []
            if trip.attempt:
                mine.append((trip.t_draft, "attempt_draft", {}))
            else:
                loads = trip.takes("depart") and trip.t_depart < now and not trip.paper
                if trip.t_gen is not None and not loads:
                    mine.append((trip.t_gen + 30 * _MINUTE, "ledger_in", {}))
                if trip.paper is not None:
                    entry, completion = trip.paper
                    deliver = trip.anchor("deliver")
                    mine.append((deliver, "ingest", {}))
                    mine.append((deliver + entry, "backfill", {}))
                    if completion is not None:
                        mine.append((deliver + completion, "complete", {}))
                        mine.append((trip.anchor("dispose"), "dispose", {}))
                else:
                    mine.append((trip.t_draft, "draft", {}))
                    if trip.takes("submit"):
                        mine.append((trip.t_submit, "submit", {}))
                        mine.append((trip.t_submit + 2 * _MINUTE, "route", {}))
                    if trip.takes("depart"):
                        if trip.refused is not None:
                            mine.append((trip.t_depart - 40 * _MINUTE, "refused_depart", {}))
                        mine.append((trip.t_depart, "depart", {}))
                    if trip.relay_carrier and trip.takes("deliver"):
                        mine.append((trip.t_relay - _RELAY_OFFER, "offer_relay", {}))
                        mine.append((trip.t_relay - _MINUTE, "wrong_relay", {}))
                        mine.append((trip.t_relay, "accept_relay", {}))
                    for step in ("deliver", "confirm", "dispose"):
                        if trip.takes(step):
                            mine.append((trip.anchor(step), step, {}))
                for anchor, offset, action, payload in trip.extra:
                    mine.append((trip.anchor(anchor) + offset, action, payload))
            mine.sort(key=lambda s: s[0])
            taken = []
            for moment, action, payload in mine:
                if moment >= now:
                    break
                taken.append((moment, action, payload))
            departed = any(a == "depart" for _, a, _ in taken)
            delivered = any(a == "deliver" for _, a, _ in taken)
            if departed and not delivered and not trip.no_track and trip.track_of is None:
                taken.append((now - _MINUTE, "ingest", {}))
            for moment, action, payload in taken:
                out.append((moment, n, trip, action, payload))
                n += 1
        out.sort(key=lambda s: (s[0], s[1]))
        return out

    def play(self) -> None:
        for moment, _n, subject, action, payload in self.steps():
            self.clock.advance_to(moment)
            if isinstance(subject, _Batch):
                self.do_batch(subject)
            elif isinstance(subject, _Filing):
                self.do_filing(subject)
            else:
                getattr(self, f"do_{action}")(subject, **payload)

    # -- ledger --

    def record(self, entries: Sequence[LedgerEntry]) -> None:
        result = services.record_ledger(self.db, self.actor, entries, self.clock, is_synthetic=True)
        self.ledger_rows += result.inserted
        for e in entries:
            if e.stage is LedgerStage.GENERATE and self.p.start <= e.occurred_at < self.p.now:
                self.generated[self.p.site(e.unit_uscc).adcode] += e.quantity_t

    def do_batch(self, batch: _Batch) -> None:
        g, s = f"G{batch.batch}", f"S{batch.batch}"
        unit, code, q = batch.unit.uscc, batch.waste.code, batch.quantity_t
        self.record(
            [
                LedgerEntry(unit, LedgerStage.GENERATE, g, code, q, batch.at),
                LedgerEntry(
                    unit, LedgerStage.STORE_IN, s, code, q, batch.at + 20 * _MINUTE,
                    parent_batch_no=g, container_type=batch.waste.packaging, staff=_STAFF,
                ),
            ]
        )  # fmt: skip
        if batch.case:
            self.cases[batch.case].append(f"batch {unit} {s}")

    def do_filing(self, filing: _Filing) -> None:
        services.file_report(
            self.db, self.actor, filing.unit, filing.kind, filing.period, filing.filed_on,
            self.clock,
        )  # fmt: skip
        self.filed += 1
        if filing.case:
            self.cases[filing.case].append(
                f"report {filing.unit} {filing.kind} {filing.period} filed "
                f"{filing.filed_on.isoformat()}"
            )

    def do_ledger_in(self, trip: _Trip) -> None:
        self.record(self.ledger_in(trip))

    def ledger_in(self, trip: _Trip) -> list[LedgerEntry]:
        """Generation and store-in of the trip's batches (booked when the batch is made, or
        with the loading for trips that are loaded: the ledger is often entered in arrears)."""
        assert trip.t_gen is not None
        unit = trip.consignor.uscc
        entries: list[LedgerEntry] = []
        stamp = _local_day(trip.t_gen).strftime("%Y%m%d")
        for i, line in enumerate(trip.lines, start=1):
            g = f"G{stamp}-{trip.key}-{i}"
            line.batch = f"S{stamp}-{trip.key}-{i}"
            code, q = line.waste.code, line.shipped_t
            entries.append(
                LedgerEntry(unit, LedgerStage.GENERATE, g, code, q, trip.t_gen,
                            package_count=line.count)
            )  # fmt: skip
            entries.append(
                LedgerEntry(
                    unit, LedgerStage.STORE_IN, line.batch, code, q, trip.t_gen + 20 * _MINUTE,
                    parent_batch_no=g, container_type=line.waste.packaging,
                    package_count=line.count, staff=_STAFF,
                )
            )  # fmt: skip
        return entries

    def ledger_out(self, trip: _Trip, *, with_batches: bool = False) -> None:
        """At loading: store-out from the store-in batch, hand-over with the manifest number
        (and, ``with_batches``, the generation and store-in booked in arrears)."""
        assert trip.number is not None
        unit = trip.consignor.uscc
        entries = self.ledger_in(trip) if with_batches else []
        for i, line in enumerate(trip.lines, start=1):
            o = f"O{trip.number}-{i}"
            code, q = line.waste.code, line.shipped_t
            entries.append(
                LedgerEntry(
                    unit, LedgerStage.STORE_OUT, o, code, q, trip.t_depart,
                    parent_batch_no=line.batch, package_count=line.count, staff=_STAFF,
                )
            )  # fmt: skip
            entries.append(
                LedgerEntry(
                    unit, LedgerStage.HAND_OVER, f"H{trip.number}-{i}", code,
                    q - trip.hand_over_short_t, trip.t_depart, parent_batch_no=o,
                    package_count=line.count, staff=_STAFF, manifest_no=trip.number,
                )
            )  # fmt: skip
        self.record(entries)

    # -- manifests --

    def act(self, trip: _Trip, action: str, on_behalf_of: str, **args: Any) -> Any:
        view = services.act(
            self.db, self.actor, trip.ref, action, args, on_behalf_of=on_behalf_of,
            clock=self.clock,
        )  # fmt: skip
        trip.state = view.manifest.state.value
        return view

    def draft_input(self, trip: _Trip) -> DraftInput:
        return DraftInput(
            receiver_uscc=trip.receiver.uscc,
            carrier_uscc=trip.carrier,
            lines=tuple(
                LineInput(
                    code=line.waste.code,
                    name=line.waste.name,
                    form=line.waste.form,
                    packaging=line.waste.packaging,
                    package_count=line.count,
                    planned_t=line.shipped_t,
                    hazardous_components=line.waste.components,
                    dangerous_goods_class=line.waste.dangerous_goods_class,
                    un_number=line.waste.un_number,
                )
                for line in trip.lines
            ),
            emergency_measures=_MEASURES,
        )

    def note_cases(self, trip: _Trip) -> None:
        for rule in trip.cases:
            self.cases[rule].append(trip.number or trip.ref)

    def do_draft(self, trip: _Trip) -> None:
        view = services.create_draft(
            self.db, self.actor, self.draft_input(trip), consignor_role=trip.role,
            on_behalf_of=trip.consignor.uscc, clock=self.clock, is_synthetic=True,
        )  # fmt: skip
        trip.ref = f"#{view.id}"
        trip.state = view.manifest.state.value
        self.manifests += 1
        if trip.until == "draft" and not any(a == "attempt_submit" for _, _, a, _ in trip.extra):
            self.note_cases(trip)

    def blocked_as(self, rule: str, what: str, error: TransferBlockedError) -> None:
        if error.rule != rule:
            raise error
        self.blocked[rule] += 1
        self.cases[rule].append(f"refused: {what}")

    def do_attempt_draft(self, trip: _Trip) -> None:
        code = trip.lines[0].waste.code
        what = f"{trip.consignor.uscc} → {trip.receiver.uscc} {code} {trip.lines[0].shipped_t} t"
        try:
            services.create_draft(
                self.db, self.actor, self.draft_input(trip), consignor_role=trip.role,
                on_behalf_of=trip.consignor.uscc, clock=self.clock, is_synthetic=True,
            )  # fmt: skip
        except TransferBlockedError as error:
            self.blocked_as(trip.attempt, what, error)
            return
        raise RuntimeError(f"demo draft {trip.key} should have been refused ({trip.attempt})")

    def do_submit(self, trip: _Trip) -> None:
        shipped = {i: line.shipped_t for i, line in enumerate(trip.lines, start=1)}
        view = self.act(trip, "submit", trip.consignor.uscc, shipped_t=shipped)
        trip.number = view.manifest.number
        trip.ref = trip.number or trip.ref
        if trip.until != "draft":
            self.note_cases(trip)

    def do_attempt_submit(self, trip: _Trip, rule: str) -> None:
        what = f"{trip.ref} {trip.lines[0].waste.code} {trip.lines[0].shipped_t} t"
        try:
            self.act(trip, "submit", trip.consignor.uscc)
        except TransferBlockedError as error:
            self.blocked_as(rule, what, error)
            self.cases[rule].append(trip.ref)
            return
        raise RuntimeError(f"demo submission {trip.key} should have been refused ({rule})")

    def do_cancel(self, trip: _Trip, reason: str) -> None:
        self.act(trip, "cancel", trip.consignor.uscc, reason=reason)
        trip.cancelled = True

    def do_route(self, trip: _Trip) -> None:
        services.set_route(
            self.db, self.actor, trip.ref,
            lon=[p[0] for p in trip.route], lat=[p[1] for p in trip.route],
            eta_minutes=trip.eta_minutes, clock=self.clock,
        )  # fmt: skip

    def leg(self, trip: _Trip, vehicle: _VehicleSpec) -> LegInput:
        return LegInput(
            vehicle_plate=vehicle.plate,
            crew=vehicle.crew,
            start_place=f"{trip.consignor.name}危废仓库",
            labels_match=True,
        )

    def do_refused_depart(self, trip: _Trip) -> None:
        assert trip.refused is not None
        what = f"{trip.number} vehicle {trip.refused.plate}"
        try:
            self.act(trip, "depart", trip.carrier, leg=self.leg(trip, trip.refused))
        except TransferBlockedError as error:
            self.blocked_as("W09", what, error)
            return
        raise RuntimeError(f"demo departure {trip.key} should have been refused (W09)")

    def do_depart(self, trip: _Trip) -> None:
        assert trip.vehicle is not None
        self.act(trip, "depart", trip.carrier, leg=self.leg(trip, trip.vehicle))
        self.ledger_out(trip, with_batches=True)

    def relay_place(self, trip: _Trip) -> str:
        return f"{trip.receiver.name}外停车场（联运交接点）"

    def do_offer_relay(self, trip: _Trip) -> None:
        """T5: the first carrier offers the relay to the next carrier by name."""
        self.act(trip, "offer_relay", trip.carrier, to_carrier_uscc=trip.relay_carrier,
                 place=self.relay_place(trip))  # fmt: skip

    def do_wrong_relay(self, trip: _Trip) -> None:
        """A carrier not named tries to take the load over: refused, kept in the audit log."""
        stranger = next(c for c in sorted(set(self.p.data.carriers.values()))
                        if c not in (trip.carrier, trip.relay_carrier))  # fmt: skip
        assert trip.relay_vehicle is not None
        try:
            self.act(trip, "accept_relay", stranger, leg=self.relay_leg(trip))
        except (PermissionDeniedError, NotFoundError):
            self.cases["T5"].append(f"refused: {stranger} took {trip.number} not offered to it")
            return
        raise RuntimeError(f"demo relay {trip.key} should have been refused (not named)")

    def relay_leg(self, trip: _Trip) -> LegInput:
        assert trip.relay_vehicle is not None
        return LegInput(
            vehicle_plate=trip.relay_vehicle.plate,
            crew=trip.relay_vehicle.crew,
            start_place=self.relay_place(trip),
            labels_match=True,
        )

    def do_accept_relay(self, trip: _Trip) -> None:
        """T5: the named carrier checks the waste and takes it over with its own vehicle."""
        self.act(trip, "accept_relay", trip.relay_carrier, leg=self.relay_leg(trip))
        self.cases["T5"].append(trip.number or trip.ref)

    def ingest(self, trip: _Trip) -> None:
        if trip.no_track or trip.track_of is not None:
            return
        fixes = _fixes(trip, self.clock.now())
        result = services.ingest_fixes(self.db, self.actor, fixes, self.clock)
        self.fixes += result.inserted

    def do_ingest(self, trip: _Trip) -> None:
        self.ingest(trip)

    def do_deliver(self, trip: _Trip) -> None:
        self.ingest(trip)
        self.act(trip, "deliver", trip.deliverer, end_place=trip.receiver.name)

    def do_confirm(self, trip: _Trip) -> None:
        receipts = []
        for i, line in enumerate(trip.lines, start=1):
            kept = line.kept_t
            receipts.append(
                LineReceipt(
                    line_no=i,
                    received_t=line.received_t,
                    decision=line.decision,
                    method_code=line.method if kept > 0 else "",
                    accepted_t=line.accepted_t if line.decision is LineDecision.PARTIAL else None,
                    received_count=line.received_count,
                    note=line.note,
                    found_form=line.found_form,
                )
            )
        self.act(trip, "confirm_receipt", trip.receiver.uscc, receipts=tuple(receipts))

    def do_dispose(self, trip: _Trip) -> None:
        accepted_on = _local_day(trip.anchor("confirm"))
        last = _local_day(self.clock.now())
        disposals = []
        for i, line in enumerate(trip.lines, start=1):
            if line.kept_t <= 0:
                continue
            day = accepted_on + timedelta(days=min(trip.disposed_day, (last - accepted_on).days))
            disposals.append(
                LineDisposal(
                    line_no=i,
                    disposed_t=line.kept_t,
                    disposed_on=day,
                    output_ledger_ref=f"CZ-{trip.number}-{i}（合成）",
                )
            )
        self.act(trip, "report_disposal", trip.receiver.uscc, disposals=tuple(disposals))
        trip.disposed = True

    def do_return(self, trip: _Trip) -> None:
        view = services.act(
            self.db, self.actor, trip.ref, "make_return_manifest",
            {"carrier_uscc": trip.carrier}, on_behalf_of=trip.receiver.uscc, clock=self.clock,
        )  # fmt: skip
        self.manifests += 1
        self.returns.append(view.manifest.state.value)
        self.cases["T10"].append(f"#{view.id} (return of {trip.number})")

    def do_correct_start(self, trip: _Trip, by: str, reason: str) -> None:
        uscc = trip.consignor.uscc if by == "consignor" else trip.receiver.uscc
        self.act(trip, "start_correction", uscc, reason=reason)
        self.cases["T11"].append(f"{trip.number} ({by})")

    def do_correct_finish(self, trip: _Trip, components: str) -> None:
        changes = CorrectionInput(
            lines=(LineCorrection(line_no=1, hazardous_components=components),)
        )
        self.act(trip, "finish_correction", trip.consignor.uscc, changes=changes)

    # -- paper manifests --

    def paper_number(self, year: int) -> str:
        prefix = f"{year}{services.PREFECTURE_CODE}"
        with self.db.reading() as session:
            last = session.scalar(
                select(func.max(ManifestRow.number)).where(ManifestRow.number.like(f"{prefix}%"))
            )
        serial = int(last[-6:]) + 1 if last else 1
        return f"{prefix}{serial:06d}"

    def paper_manifest(self, trip: _Trip, number: str) -> Manifest:
        assert trip.vehicle is not None
        deliver, accepted = trip.anchor("deliver"), trip.anchor("confirm")
        clerk = "纸质联单（合成）"
        lines = []
        for i, line in enumerate(trip.lines, start=1):
            record = catalogue.waste_code(line.waste.code)
            lines.append(
                ManifestLine(
                    line_no=i, code=record.code, name=line.waste.name, category=record.category,
                    hazard=record.hazard, form=line.waste.form, packaging=line.waste.packaging,
                    package_count=line.count, planned_t=line.shipped_t,
                    hazardous_components=line.waste.components,
                    dangerous_goods_class=line.waste.dangerous_goods_class,
                    un_number=line.waste.un_number, shipped_t=line.shipped_t,
                    catalogue_edition=record.edition, received_t=line.received_t,
                    accepted_t=line.kept_t, decision=line.decision, method_code=line.method,
                )
            )  # fmt: skip
        leg = TransportLeg(
            order=1, carrier_uscc=trip.carrier, vehicle_plate=trip.vehicle.plate,
            operating_certificate_no=trip.vehicle.certificate, crew=trip.vehicle.crew,
            start_place=f"{trip.consignor.name}危废仓库", started_at=trip.t_depart,
            end_place=trip.receiver.name, ended_at=deliver, gps_device_id=trip.vehicle.device,
        )  # fmt: skip
        signatures = (
            Signature(Section.CONSIGNOR, trip.role, trip.consignor.uscc, clerk, trip.t_submit,
                      SignatureMethod.PAPER),
            Signature(Section.TRANSPORT, PartyRole.CARRIER, trip.carrier, clerk, trip.t_depart,
                      SignatureMethod.PAPER, 1),
            Signature(Section.RECEIPT, PartyRole.RECEIVER, trip.receiver.uscc, clerk, accepted,
                      SignatureMethod.PAPER),
        )  # fmt: skip
        year = _local_day(trip.t_draft).year
        return Manifest(
            number=number, version=1, state=ManifestState.DELIVERED,
            waste_kind=WasteKind.HAZARDOUS, consignor_uscc=trip.consignor.uscc,
            consignor_role=trip.role, receiver_uscc=trip.receiver.uscc,
            carrier_uscc=trip.carrier, lines=tuple(lines), created_at=deliver,
            catalogue_edition=catalogue.CATALOGUE_EDITION,
            plan_filing_no=self.filing.get((trip.consignor.uscc, year), ""),
            shipper_uscc=trip.consignor.uscc,
            emergency_measures=_MEASURES,
            legs=(leg,), signatures=signatures, submitted_at=trip.t_submit,
            departed_at=trip.t_depart, delivered_at=deliver, accepted_at=accepted,
        )  # fmt: skip

    def do_backfill(self, trip: _Trip) -> None:
        number = self.paper_number(_local_day(trip.t_submit).year)
        view = services.backfill_paper(
            self.db, self.actor, self.paper_manifest(trip, number),
            scan_ref=f"scan/paper-{number}-synthetic.pdf", on_behalf_of=trip.consignor.uscc,
            clock=self.clock, is_synthetic=True,
        )  # fmt: skip
        trip.number = trip.ref = number
        trip.state = view.manifest.state.value
        self.manifests += 1
        self.ledger_out(trip)
        self.note_cases(trip)
        self.cases["T12"].append(number)

    def do_complete(self, trip: _Trip) -> None:
        self.act(trip, "complete_backfill", trip.consignor.uscc)

    # -- summary --

    def counties(self) -> dict[str, CountyFigures]:
        transferred: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        in_city: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        disposed: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        for trip in self.p.trips:
            county = trip.consignor.adcode
            if trip.number and not trip.cancelled:
                shipped = sum((line.shipped_t for line in trip.lines), _ZERO)
                transferred[county] += shipped
                if trip.receiver.adcode.startswith(CITY_PREFIX):
                    in_city[county] += shipped
            if trip.disposed:
                disposed[county] += sum((line.kept_t for line in trip.lines), _ZERO)
        return {
            c: CountyFigures(c, self.generated[c], disposed[c], transferred[c], in_city[c])
            for c in COUNTIES
        }

    def evaluate(self) -> None:
        """Every warning rule at ``now`` (the time-driven ones too: what the schedule would
        find), then the live warnings per rule."""
        services.evaluate_all(self.db, self.p.now)
        live: dict[str, int] = defaultdict(int)
        for w in services.list_warnings(self.db, self.actor, limit=100_000):
            if w.cleared_at is None:
                live[w.rule] += 1
        self.warnings = dict(live)

    def summary(self) -> WasteDemoSummary:
        states: dict[str, int] = defaultdict(int)
        for trip in self.p.trips:
            if trip.state:
                states[trip.state] += 1
        for state in self.returns:
            states[state] += 1
        return WasteDemoSummary(
            loaded=True,
            period_start=self.p.start,
            period_end=self.p.now,
            facilities=self.counts["facilities"],
            licences=self.counts["licences"],
            vehicles=self.counts["vehicles"],
            crew=self.counts["crew"],
            plans=self.counts["plans"],
            approvals=self.counts["approvals"],
            manifests=self.manifests,
            states=dict(sorted(states.items())),
            fixes=self.fixes,
            ledger_rows=self.ledger_rows,
            reports=self.filed,
            blocked=dict(sorted(self.blocked.items())),
            warnings=dict(sorted(self.warnings.items())),
            cases={k: tuple(v) for k, v in sorted(self.cases.items())},
            counties=self.counties(),
        )


# ---- entry point --------------------------------------------------------------------------------


def _year_before(now: datetime) -> datetime:
    local = now.astimezone(SHANGHAI)
    try:
        return local.replace(year=local.year - 1)
    except ValueError:  # 29 February
        return local.replace(year=local.year - 1, day=28)


def _demo_consignors(data: _Data) -> list[str]:
    return sorted(data.producers)


def already_loaded(db: Database) -> bool:
    """True when a synthetic manifest of a demo consignor exists (the demo is there)."""
    consignors = _demo_consignors(_read_data())
    with db.reading() as session:
        found = session.scalar(
            select(ManifestRow.id)
            .where(ManifestRow.is_synthetic.is_(True), ManifestRow.consignor_uscc.in_(consignors))
            .limit(1)
        )
    return found is not None


def load_waste_demo(
    db: Database, actor: Actor, *, now: datetime, scale: float = 1.0
) -> WasteDemoSummary:
    """Load the synthetic hazardous-waste year ending at ``now`` (an aware instant) through the
    services, as ``actor`` (an administrator acting on behalf of each party). ``scale`` (0–4]
    multiplies the number of regular shipments; the cases stay. A second call changes nothing
    and returns ``WasteDemoSummary(loaded=False)``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not 0 < scale <= 4:
        raise ValueError("scale must be in (0, 4]")
    if already_loaded(db):
        return WasteDemoSummary(loaded=False)
    data = _read_data()
    start = _year_before(now)
    planner = _Planner(data, _whole(now), start, scale)
    planner.build()
    clock = DemoClock(_whole(now) - timedelta(days=400))
    player = _Player(db, actor, planner, clock)
    player.registry()
    player.play()
    player.evaluate()
    return player.summary()
