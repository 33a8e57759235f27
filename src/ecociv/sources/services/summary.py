"""Read-side summaries: the county compliance rates and the VOCs / catering programme (which
key VOCs enterprises and restaurants are connected) that feeds plan targets QZ-019 and
QZ-025."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ecociv import monitoring, orgs
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, NotFoundError
from ecociv.kernel.clock import SHANGHAI
from ecociv.sources.model import (
    PARAMETER_NAMES,
    AveragingPeriod,
    HourlyPoint,
    LimitBasis,
    OutletKind,
)
from ecociv.sources.rules import (
    Compliance,
    LivePoint,
    RawReading,
    compliance,
    hourly_points,
    live_points,
)
from ecociv.sources.services.registry import (
    _READER,
    county_names,
    limits_in,
    outlet_conditions,
    read_scope,
)
from ecociv.sources.tables import DeviceActivityRow, DeviceRow, OutletRow

#: A device that reported within this long counts as connected (联网).
CONNECTED_WITHIN = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class CountyCompliance:
    """Valid hours within the hourly permit limits, per county and outlet kind."""

    county_code: str
    county_name_zh: str
    kind: OutletKind
    outlets: int
    valid_hours: int
    within_hours: int

    @property
    def rate(self) -> float | None:
        return self.within_hours / self.valid_hours if self.valid_hours else None


def _judged(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    *,
    start: datetime,
    end: datetime,
    enterprise_uscc: str | None = None,
) -> list[tuple[OutletRow, Compliance]]:
    """Each outlet the actor may see (of one enterprise, if given) with its hours within the
    hourly permit limits in [start, end), from one read of the readings store."""
    scope = read_scope(actor)
    stmt = select(OutletRow).where(*outlet_conditions(scope)).order_by(OutletRow.code)
    if enterprise_uscc is not None:
        stmt = stmt.where(OutletRow.enterprise_uscc == enterprise_uscc)
    with db.reading() as session:
        outlets = session.scalars(stmt).all()
        limits = {o.code: limits_in(session, o.id) for o in outlets}
    by_outlet: dict[str, list[RawReading]] = defaultdict(list)
    if outlets:
        for site, parameter, observed_at, value, flag, _ in store.readings(
            [o.code for o in outlets], start=start, end=end
        ):
            by_outlet[site].append(RawReading(parameter, observed_at, value, flag))
    return [
        (o, compliance(hourly_points(by_outlet.get(o.code, [])), limits[o.code])) for o in outlets
    ]


def outlet_compliance(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    enterprise_uscc: str,
    *,
    start: datetime,
    end: datetime,
) -> dict[str, Compliance]:
    """Per outlet of an enterprise (within the actor's scope), its valid hours and hours
    within the hourly permit limits in [start, end)."""
    return {
        o.code: judged
        for o, judged in _judged(
            db, store, actor, start=start, end=end, enterprise_uscc=enterprise_uscc
        )
    }


def compliance_summary(
    db: Database, store: ReadingsStore, actor: Actor, *, start: datetime, end: datetime
) -> list[CountyCompliance]:
    """Per county and outlet kind, the share of valid hours in [start, end) within the
    hourly permit limits (达标率 = 达标有效小时数 / 有效小时数), over the outlets the actor
    may see."""
    with db.reading() as session:
        names = county_names(session)
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for outlet, judged in _judged(db, store, actor, start=start, end=end):
        bucket = totals[(outlet.county_code, outlet.kind)]
        bucket[0] += 1
        bucket[1] += judged.valid_hours
        bucket[2] += judged.within_hours
    return [
        CountyCompliance(county, names.get(county, county), OutletKind(kind), n, valid, within)
        for (county, kind), (n, valid, within) in sorted(totals.items())
    ]


@dataclass(frozen=True, slots=True)
class ProgrammeEntry:
    """A key VOCs enterprise or a restaurant outlet, and whether it is connected."""

    enterprise_uscc: str
    enterprise_name: str
    county_code: str
    county_name_zh: str
    outlet_codes: tuple[str, ...]
    connected: bool
    last_frame_at: datetime | None


@dataclass(frozen=True, slots=True)
class Programme:
    """The VOCs / catering online-monitoring programme."""

    vocs: list[ProgrammeEntry]
    catering: list[ProgrammeEntry]

    @property
    def vocs_connected(self) -> int:
        return sum(e.connected for e in self.vocs)

    @property
    def catering_connected(self) -> int:
        return sum(e.connected for e in self.catering)


def vocs_catering_programme(db: Database, actor: Actor, now: datetime) -> Programme:
    """Key VOCs enterprises (orgs tag ``vocs_key``) and restaurants (outlets of kind
    catering fume), each connected when one of its outlets has an active device that sent a
    frame in the last 24 hours before ``now``; within the actor's scope."""
    scope = read_scope(actor)
    with db.reading() as session:
        outlets = session.scalars(select(OutletRow).where(*outlet_conditions(scope))).all()
        names = county_names(session)
        last_by_outlet: dict[int, datetime] = {}
        found = session.execute(
            select(DeviceRow.outlet_id, DeviceActivityRow.last_frame_at)
            .join(DeviceActivityRow, DeviceActivityRow.mn == DeviceRow.mn)
            .where(DeviceRow.active)
        ).all()
    for outlet_id, last in found:
        if last is not None and (
            outlet_id not in last_by_outlet or last > last_by_outlet[outlet_id]
        ):
            last_by_outlet[outlet_id] = last
    by_firm: dict[str, list[OutletRow]] = defaultdict(list)
    for o in outlets:
        by_firm[o.enterprise_uscc].append(o)

    def entry(uscc: str, name: str, county: str, rows: list[OutletRow]) -> ProgrammeEntry:
        lasts = [last_by_outlet[o.id] for o in rows if o.id in last_by_outlet]
        last = max(lasts) if lasts else None
        return ProgrammeEntry(
            enterprise_uscc=uscc,
            enterprise_name=name,
            county_code=county,
            county_name_zh=names.get(county, county),
            outlet_codes=tuple(sorted(o.code for o in rows)),
            connected=last is not None and now - last <= CONNECTED_WITHIN,
            last_frame_at=last,
        )

    firms = orgs.list_enterprises(db, _READER, tag="vocs_key", page_size=500).items
    vocs = [
        entry(f.uscc, f.name, f.county_code, by_firm.get(f.uscc, []))
        for f in firms
        if scope.allows(f.county_code, f.id)
    ]
    restaurants = [o for o in outlets if o.kind == OutletKind.CATERING_FUME.value]
    firm_names = {f.uscc: f.name for f in orgs.list_enterprises(db, _READER, page_size=500).items}
    catering = [
        entry(o.enterprise_uscc, firm_names.get(o.enterprise_uscc, o.enterprise_uscc),
              o.county_code, [o])
        for o in sorted(restaurants, key=lambda o: (o.county_code, o.code))
    ]  # fmt: skip
    return Programme(vocs, catering)


def _outlet_readings(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    outlet_code: str,
    *,
    start: datetime,
    end: datetime,
) -> list[RawReading]:
    """An outlet's stored readings in [start, end) (not found outside the actor's scope)."""
    scope = read_scope(actor)
    with db.reading() as session:
        row = session.scalar(
            select(OutletRow).where(*outlet_conditions(scope), OutletRow.code == outlet_code)
        )
    if row is None:
        raise NotFoundError(f"没有编码为 {outlet_code} 的排放口 (no such outlet)", field="code")
    return [
        RawReading(parameter, observed_at, value, flag)
        for _s, parameter, observed_at, value, flag, _l in store.readings(
            outlet_code, start=start, end=end
        )
    ]


def outlet_hourly(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    outlet_code: str,
    *,
    start: datetime,
    end: datetime,
) -> dict[str, list[HourlyPoint]]:
    """An outlet's hourly points per parameter code in [start, end), for its page's charts
    (not found when outside the actor's scope)."""
    raw = _outlet_readings(db, store, actor, outlet_code, start=start, end=end)
    by_code: dict[str, list[HourlyPoint]] = defaultdict(list)
    for point in hourly_points(raw):
        by_code[point.code].append(point)
    return dict(sorted(by_code.items()))


def outlet_live(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    outlet_code: str,
    *,
    start: datetime,
    end: datetime,
) -> dict[str, list[LivePoint]]:
    """An outlet's real-time (or minute) values per parameter code in [start, end), for the
    live chart of its page (not found when outside the actor's scope)."""
    return live_points(_outlet_readings(db, store, actor, outlet_code, start=start, end=end))


@dataclass(frozen=True, slots=True)
class LiveSeries:
    """A parameter's live values at an outlet with the hourly permit limit as the reference
    line (a real-time value over it is a signal, not an exceedance: the permit judges hourly
    means). ``points`` hold the converted value where the limit is on the converted basis."""

    code: str
    name: tuple[str, str]
    unit: str
    limit: float | None
    converted: bool
    points: list[tuple[datetime, float, str]]


def outlet_live_series(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    outlet_code: str,
    *,
    start: datetime,
    end: datetime,
) -> list[LiveSeries]:
    """The live chart of an outlet: per parameter its real-time values in [start, end)."""
    live = outlet_live(db, store, actor, outlet_code, start=start, end=end)
    with db.reading() as session:
        outlet_id = session.scalar(select(OutletRow.id).where(OutletRow.code == outlet_code))
        limits = limits_in(session, outlet_id) if outlet_id is not None else []
    hourly = {lim.parameter_code: lim for lim in limits if lim.period is AveragingPeriod.HOUR}
    series: list[LiveSeries] = []
    for code, points in live.items():
        limit = hourly.get(code)
        converted = limit is not None and limit.basis is LimitBasis.CONVERTED
        series.append(
            LiveSeries(
                code=code,
                name=PARAMETER_NAMES.get(code, (code, code)),
                unit=limit.unit if limit else "",
                limit=limit.limit_value if limit else None,
                converted=converted,
                points=[
                    (
                        p.observed_at,
                        p.converted if converted and p.converted is not None else p.value,
                        p.flag,
                    )
                    for p in points
                ],
            )
        )
    return series


#: The plan targets the programme figures inform (二(三)2).
PROGRAMME_INDICATORS = ("QZ-019", "QZ-025")


def programme_figures(db: Database, actor: Actor, now: datetime) -> list[monitoring.QualityFigure]:
    """The VOCs / catering programme as figures for the indicator pages, per county and for
    the city: QZ-019, the share of key VOCs enterprises with online monitoring connected
    (reported within the last 24 hours); QZ-025, restaurants with automatic monitoring
    connected, out of those registered."""
    programme = vocs_catering_programme(db, actor, now)
    year = now.astimezone(SHANGHAI).year
    areas = sorted({e.county_name_zh for e in [*programme.vocs, *programme.catering]})
    figures: list[monitoring.QualityFigure] = []
    for area in [*areas, "衢州市"]:
        vocs = [e for e in programme.vocs if area in ("衢州市", e.county_name_zh)]
        food = [e for e in programme.catering if area in ("衢州市", e.county_name_zh)]
        linked = sum(e.connected for e in vocs)
        figures.append(
            monitoring.QualityFigure(
                "QZ-019",
                "VOCs 重点企业在线监控联网率",
                "Key VOCs enterprises connected",
                area,
                year,
                round(linked / len(vocs) * 100, 1) if vocs else None,
                "%",
                f"{linked}/{len(vocs)} 家重点企业 24 小时内有在线数据",
                len(vocs),
            )
        )
        figures.append(
            monitoring.QualityFigure(
                "QZ-025",
                "已联网的餐饮油烟自动监测点",
                "Restaurants with automatic monitoring connected",
                area,
                year,
                float(sum(e.connected for e in food)),
                "个",
                f"已登记 {len(food)} 个餐饮油烟排放口，24 小时内有数据的计为联网",
                len(food),
            )
        )
    return figures
