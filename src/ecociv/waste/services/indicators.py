"""Assessment (能考核): indicators I1–I12 of docs/modules/hazwaste.md §7 per county and for the
city, for a year, recomputed from the stored manifests, ledger, filings, warnings and tracks each
time (nothing is cached, so a figure can always be traced to its inputs), and the figures they give
the plan's targets QZ-029–QZ-033 on the indicator pages.

Reading scope: the figures are aggregates of a county or the city; a county officer gets its
county and the city, an enterprise user none (its own records are on the manifest pages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecociv import monitoring, orgs
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Permission, PermissionDeniedError, Role, ensure
from ecociv.kernel.clock import SHANGHAI
from ecociv.waste.repository import ledger_of, licence_of, manifest_of
from ecociv.waste.rules import indicators as ind
from ecociv.waste.rules import tracks as geo
from ecociv.waste.rules.warnings import ManifestFacts
from ecociv.waste.services.registry import facilities
from ecociv.waste.services.warnings import unit_facts
from ecociv.waste.tables import (
    LedgerRow,
    LicenceRow,
    ManifestRow,
    TrackPointRow,
    WasteWarningRow,
)

#: The plan targets these indicators inform (二(三)4).
WASTE_INDICATORS = tuple(ind.PLAN_TARGETS)


@dataclass(frozen=True, slots=True)
class AreaIndicators:
    """The twelve indicators of one area (a county adcode, or 330800 for the city)."""

    area: str
    name_zh: str
    values: Mapping[str, ind.IndicatorValue]


@dataclass(frozen=True, slots=True)
class IndicatorTable:
    year: int
    areas: list[AreaIndicators]
    synthetic: bool


def _areas(db: Database, actor: Actor) -> list[tuple[str, str]]:
    ensure(actor, Permission.WASTE_READ)
    if actor.role is Role.ENTERPRISE_USER:
        raise PermissionDeniedError("考核指标面向政府部门 (indicators are for government roles)")
    counties = [
        (u.code, u.name_zh)
        for u in orgs.list_org_units(db, actor)
        if u.level.value == "county"
        and (actor.role is not Role.COUNTY_OFFICER or u.code == actor.county_code)
    ]
    return [*counties, (orgs.CITY_CODE, "衢州市")]


def _transfers(session: Session, rows: list[ManifestRow]) -> list[ind.TransferRecord]:
    return [
        ind.TransferRecord.of(
            ManifestFacts(
                manifest=manifest_of(row.body),
                consignor_adcode=row.consignor_adcode,
                receiver_adcode=row.receiver_adcode,
                route_km=(row.route or {}).get("distance_km"),
            )
        )
        for row in rows
    ]


def _coverages(session: Session, rows: list[ManifestRow], now: datetime) -> list[ind.TrackCoverage]:
    out: list[ind.TrackCoverage] = []
    for row in rows:
        m = manifest_of(row.body)
        if m.departed_at is None or not m.legs:
            continue
        end = m.delivered_at or now
        plates = sorted({leg.vehicle_plate for leg in m.legs})
        fixes = list(
            session.scalars(
                select(TrackPointRow)
                .where(
                    TrackPointRow.vehicle_plate.in_(plates),
                    TrackPointRow.observed_at >= m.departed_at,
                    TrackPointRow.observed_at <= end,
                )
                .order_by(TrackPointRow.observed_at)
            )
        )
        coverage = geo.tracking_coverage(
            geo.utc_instants([f.observed_at for f in fixes]),
            geo.utc_instant(m.departed_at),
            geo.utc_instant(end),
        )
        out.append(
            ind.TrackCoverage.of(m.number or "", row.consignor_adcode, m.departed_at, coverage)
        )
    return out


def indicator_table(db: Database, actor: Actor, year: int, now: datetime) -> IndicatorTable:
    """I1–I12 per county (those the actor may see) and for the city, for a calendar year."""
    areas = _areas(db, actor)
    period = ind.Period.year(year)
    start = datetime(year, 1, 1, tzinfo=SHANGHAI) - timedelta(days=400)
    end = datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    as_of = min(now, end)
    with db.reading() as session:
        sites = facilities(session)
        unit_adcodes = {u: f.adcode for u, f in sites.items()}
        rows = list(
            session.scalars(
                select(ManifestRow).where(
                    ManifestRow.state.not_in(("draft",)), ManifestRow.created_at < end
                )
            )
        )
        transfers = _transfers(session, rows)
        coverages = _coverages(
            session, [r for r in rows if r.departed_at and r.departed_at >= start], as_of
        )
        ledger = [
            ledger_of(r)
            for r in session.scalars(
                select(LedgerRow).where(LedgerRow.occurred_at >= start, LedgerRow.occurred_at < end)
            )
        ]
        licences = [licence_of(r) for r in session.scalars(select(LicenceRow))]
        units = [unit_facts(session, u, as_of) for u in sorted(sites) if sites[u].kind == "unit"]
        alerts = [
            ind.AlertRecord(
                rule=w.rule,
                unit_uscc=w.unit_uscc,
                adcode=w.county_code,
                opened_at=w.first_seen_at,
                closed_at=_closed_at(w),
                state=w.state,
            )
            for w in session.scalars(select(WasteWarningRow))
        ]
        synthetic = any(r.is_synthetic for r in rows) or any(f.is_synthetic for f in sites.values())
    result: list[AreaIndicators] = []
    for area, name in areas:
        values = {
            "I1": ind.harmless_rate(
                area, period, ledger=ledger, unit_adcodes=unit_adcodes, transfers=transfers
            ),
            "I2": ind.on_time_receipt_rate(area, period, transfers, as_of.date()),
            "I3": ind.closed_loop_rate(area, period, transfers),
            "I4": ind.in_city_share(area, period, transfers),
            "I5": ind.in_county_share(
                area, period, ledger=ledger, unit_adcodes=unit_adcodes, transfers=transfers
            ),
            "I6": ind.electronic_share(area, period, transfers),
            "I7": ind.on_time_reporting_rate(area, period, units, unit_adcodes, as_of.date()),
            "I8": ind.overdue_storage(area, period, units, unit_adcodes),
            "I9": ind.alert_handling(area, period, alerts, transfers, as_of),
            "I10": ind.capacity_match(
                area,
                period,
                licences=licences,
                holder_adcodes=unit_adcodes,
                ledger=ledger,
                unit_adcodes=unit_adcodes,
            ),  # fmt: skip
            "I11": ind.transfer_distance(area, period, transfers),
            "I12": ind.tracking_coverage(area, period, coverages),
        }
        result.append(AreaIndicators(area, name, values))
    return IndicatorTable(year, result, synthetic)


def _closed_at(w: WasteWarningRow) -> datetime | None:
    """When a person closed the warning (resolved or false positive), from its history."""
    if w.state not in ("resolved", "false_positive"):
        return None
    for event in reversed(w.history or []):
        if event.get("event") in ("resolve", "false_positive"):
            return datetime.fromisoformat(event["at"])
    return w.last_seen_at


def indicator_figures(
    db: Database, actor: Actor, year: int, now: datetime
) -> list[monitoring.QualityFigure]:
    """The figures the indicator pages of QZ-029–QZ-033 show beside reported values."""
    table = indicator_table(db, actor, year, now)
    figures: list[monitoring.QualityFigure] = []
    for code, target in ind.PLAN_TARGETS.items():
        for area in table.areas:
            for indicator in target.indicators:
                value = area.values[indicator.value]
                zh, en = ind.INDICATOR_NAMES[indicator]
                figures.append(
                    monitoring.QualityFigure(
                        code,
                        f"{indicator.value} {zh}",
                        f"{indicator.value} {en}",
                        area.name_zh,
                        year,
                        round(value.value, 1) if value.value is not None else None,
                        value.unit,
                        f"{_num(value.numerator)} / {_num(value.denominator)}（{value.formula}）",
                        _count(value.denominator),
                    )
                )
    return figures


def _num(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _count(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0
