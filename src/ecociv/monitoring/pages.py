"""Public pages of environmental quality: the water map (sections coloured by class, a section's
twelve months), farmland soil categories and air quality (AQI calendar, daily table, annual
attainment, county ranking).

Every page is public information (``MONITORING_READ`` is granted to everyone, the anonymous
public included), works without JavaScript (filters are GET forms, the detail is its own page)
and hands its chart and map data to the scripts in ``<script type="application/json">`` blocks
(CSP ``script-src 'self'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.adapters.http import YearOrDefault, get_db, get_readings, render, require, script_json
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, Permission, SystemClock
from ecociv.kernel.clock import to_local
from ecociv.monitoring import services
from ecociv.monitoring.model import (
    CONTROL_LEVEL_NAMES,
    LAND_USE_NAMES,
    SITE_KIND_NAMES,
    WATER_BODY_NAMES,
    SiteRecord,
    WaterBody,
)
from ecociv.monitoring.rules.soil import CATEGORIES
from ecociv.monitoring.rules.water import NO_CLASS_COLOUR, SectionVerdict, class_colour
from ecociv.monitoring.services import air, soil, water
from ecociv.standards import air as hj633
from ecociv.standards import water as gb3838

router = APIRouter(include_in_schema=False)

#: An item measured at water sites only, and one at air stations only: their annual means tell
#: which years have data.
WATER_MARKER_ITEM = "nh3n"
AIR_MARKER_ITEM = "pm25"
#: The items drawn against the target-class limit on a section's trend chart.
TREND_ITEMS = ("nh3n", "tp", "codmn", "do")
WORST_CLASS = 6
#: Farmland categories 1–3 (GB 15618-2018 §7) on the soil page: label and colour.
SOIL_COLOURS = ("#3cb44b", "#f5a623", "#e02020")
CATEGORY_NAMES = {
    "优先保护": ("优先保护", "Priority protection"),
    "安全利用": ("安全利用", "Safe use"),
    "严格管控": ("严格管控", "Strict control"),
}
LAKE_BODIES = (WaterBody.LAKE, WaterBody.RESERVOIR)

#: Display names of the air pollutants and daily indicators (chemical notation, both languages).
POLLUTANT_NAMES = {
    "so2": "SO₂",
    "no2": "NO₂",
    "pm10": "PM10",
    "pm25": "PM2.5",
    "co": "CO",
    "o3": "O₃",
    "so2_24h": "SO₂",
    "no2_24h": "NO₂",
    "pm10_24h": "PM10",
    "pm25_24h": "PM2.5",
    "co_24h": "CO",
    "o3_1h": "O₃-1h",
    "o3_8h": "O₃-8h",
}
#: English names of the HJ 663 annual statistics (the Chinese name comes with the statistic).
STATISTIC_EN = {
    "annual_mean": "annual mean",
    "p98_daily": "98th percentile of daily means",
    "p95_daily": "95th percentile of daily means",
    "p90_mda8": "90th percentile of daily maximum 8-h means",
}
NO_AQI_COLOUR = "#d0d5dd"


def _this_year() -> int:
    return to_local(SystemClock().now()).year


def _years_with(store: ReadingsStore, actor: Actor, item: str) -> list[int]:
    """The years with data of ``item`` (newest first); this year when there is none."""
    years = {m.year for m in services.annual_means(store, actor, parameter=item)}
    return sorted(years, reverse=True) or [_this_year()]


def _names() -> dict[str, dict[str, tuple[str, str]]]:
    """Chinese and English names of stored enum values, by kind of value."""
    return {
        "kind": {k.value: v for k, v in SITE_KIND_NAMES.items()},
        "control": {k.value: v for k, v in CONTROL_LEVEL_NAMES.items()},
        "water_body": {k.value: v for k, v in WATER_BODY_NAMES.items()},
        "land_use": {k.value: v for k, v in LAND_USE_NAMES.items()},
    }


def _counties(db: Database, actor: Actor) -> list[orgs.OrgUnit]:
    return [u for u in orgs.list_org_units(db, actor) if u.level is orgs.OrgLevel.COUNTY]


def _class_label(water_class: int | None) -> str:
    """ "I" … "劣V" for a class code, "" for none."""
    if not water_class:
        return ""
    return gb3838.class_status(water_class).label


def _item_names() -> dict[str, tuple[str, str]]:
    """Chinese and English names of the GB 3838-2002 items, by item code."""
    return {key[2]: (i.name_zh, i.name_en) for key, i in gb3838.water_items().items()}


def _percent(share: float | None) -> str:
    """A share as a percentage with one decimal, "–" without one."""
    return "–" if share is None else f"{share:.1%}"


def _legend() -> list[dict[str, str]]:
    """Class labels and colours, I to 劣V, then "no data"."""
    return [
        {
            "label": _class_label(n),
            "colour": class_colour(n),
            "status_zh": s.status_zh,
            "status_en": s.status_en,
        }
        for n in range(1, WORST_CLASS + 1)
        for s in [gb3838.class_status(n)]
    ]


def _site_point(site: SiteRecord, verdict: SectionVerdict, year: int) -> dict[str, Any]:
    return {
        "code": site.code,
        "name": site.name,
        "kind": site.kind.value,
        "lat": site.latitude,
        "lon": site.longitude,
        "river": site.river,
        "county": site.county_name_zh,
        "label": verdict.label,
        "colour": verdict.colour,
        "target": _class_label(site.target_class),
        "attains": verdict.attains,
        "synthetic": site.is_synthetic,
        "url": f"/water/sections/{site.code}?year={year}",
    }


def _periods(years: Sequence[int]) -> list[tuple[int, list[str]]]:
    """Each year with its twelve months, as period strings (``2025``, ``2025-01`` …)."""
    return [(y, [str(y)] + [f"{y}-{m:02d}" for m in range(1, 13)]) for y in years]


# ---- water --------------------------------------------------------------------------------


@router.get("/water", response_class=HTMLResponse)
def water_map(
    request: Request,
    period: str = "",
    river: str = "",
    county: str = "",
    kind: str = "",
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> HTMLResponse:
    """The water environment map: every section and source coloured by its class for the
    period, a table of them, and the county and river shares."""
    years = _years_with(store, actor, WATER_MARKER_ITEM)
    period = period or str(years[0])
    results = water.section_verdicts(
        db,
        store,
        actor,
        period=period,
        kind=kind or None,
        river=river or None,
        county_code=county or None,
    )
    year = int(period[:4])
    every_site = water.water_sites(db, actor)
    return render(
        request,
        "monitoring/water.html",
        {
            "period": period,
            "year": year,
            "periods": _periods(years),
            "river": river,
            "county": county,
            "kind": kind,
            "rivers": sorted({s.river for s in every_site if s.river}),
            "counties": _counties(db, actor),
            "kinds": [k.value for k in water.WATER_KINDS],
            "results": results,
            "class_label": _class_label,
            "names": _names(),
            "legend": _legend(),
            "no_class_colour": NO_CLASS_COLOUR,
            "synthetic": any(r.site.is_synthetic for r in results),
            "by_county": water.water_summary(db, store, actor, period=period, by="county"),
            "by_river": water.water_summary(db, store, actor, period=period, by="river"),
            "item_names": _item_names(),
            "pct": _percent,
            "points_json": script_json([_site_point(r.site, r.verdict, year) for r in results]),
        },
    )


def _limits(site: SiteRecord) -> dict[str, float]:
    """The target-class limit of each trend item at this site (GB 3838-2002 Table 1)."""
    if not site.target_class:
        return {}
    items = gb3838.water_items()
    found: dict[str, float] = {}
    for code in TREND_ITEMS:
        limit = items[(gb3838.STANDARD, gb3838.EDITION, code)].limits_at(
            lake=site.water_body in LAKE_BODIES
        )[site.target_class - 1]
        if limit is not None:
            found[code] = float(limit)
    return found


def _trend_chart(trend: water.SectionTrend) -> dict[str, Any]:
    items = {c: gb3838.water_items()[(gb3838.STANDARD, gb3838.EDITION, c)] for c in TREND_ITEMS}
    return {
        "months": [v.period for v in trend.months],
        "classes": [v.water_class or None for v in trend.months],
        "colours": [v.colour for v in trend.months],
        "labels": [v.label for v in trend.months],
        "class_labels": [_class_label(n) for n in range(1, WORST_CLASS + 1)],
        "target": trend.site.target_class,
        "items": [
            {
                "code": code,
                "name_zh": items[code].name_zh,
                "name_en": items[code].name_en,
                "unit": items[code].unit,
                "values": [v.means.get(code) for v in trend.months],
            }
            for code in TREND_ITEMS
        ],
        "limits": _limits(trend.site),
    }


@router.get("/water/sections/{code}", response_class=HTMLResponse)
def water_section(
    request: Request,
    code: str,
    year: YearOrDefault = 0,
    partial: int = 0,
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> HTMLResponse:
    """One section: who is responsible for it, its class and exceedances for the year, and its
    twelve months. ``partial=1`` gives the detail alone, for the map's side panel."""
    year = year or _years_with(store, actor, WATER_MARKER_ITEM)[0]
    trend = water.section_trend(db, store, actor, code, year=year)
    return render(
        request,
        "monitoring/_section_detail.html" if partial else "monitoring/section.html",
        {
            "trend": trend,
            "site": trend.site,
            "year": year,
            "class_label": _class_label,
            "names": _names(),
            "trend_items": TREND_ITEMS,
            "limits": _limits(trend.site),
            "trend_item_info": {
                c: gb3838.water_items()[(gb3838.STANDARD, gb3838.EDITION, c)] for c in TREND_ITEMS
            },
            "pct": _percent,
            "item_names": _item_names(),
            "partial": bool(partial),
            "chart_json": script_json(_trend_chart(trend)),
        },
    )


# ---- soil ---------------------------------------------------------------------------------


def _soil_chart(summary: Sequence[soil.SoilCountySummary]) -> dict[str, Any]:
    counties = summary[:-1]  # the city is last
    return {
        "counties": [s.key for s in counties],
        "categories": list(CATEGORIES),
        "names": [CATEGORY_NAMES[c] for c in CATEGORIES],
        "colours": list(SOIL_COLOURS),
        "counts": {c: [s.counts.get(c, 0) for s in counties] for c in CATEGORIES},
    }


@router.get("/soil", response_class=HTMLResponse)
def soil_page(
    request: Request,
    county: str = "",
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> HTMLResponse:
    """Farmland soil points with their category and the items above screening, and the
    counts per county."""
    results = soil.soil_verdicts(db, store, actor, county_code=county or None)
    summary = soil.soil_summary(db, store, actor)
    return render(
        request,
        "monitoring/soil.html",
        {
            "results": results,
            "summary": summary,
            "county": county,
            "counties": _counties(db, actor),
            "categories": CATEGORIES,
            "category_colours": dict(zip(CATEGORIES, SOIL_COLOURS, strict=True)),
            "category_names": CATEGORY_NAMES,
            "names": _names(),
            "synthetic": any(r.site.is_synthetic for r in results),
            "chart_json": script_json(_soil_chart(summary)),
        },
    )


# ---- air ----------------------------------------------------------------------------------


def _aqi_legend(days: Sequence[air.AirDay]) -> list[dict[str, Any]]:
    """The AQI categories (HJ 633) of the editions that judged ``days``, by level."""
    editions = sorted({d.edition for d in days}) or [hj633.EDITION_2012]
    seen: dict[int, dict[str, Any]] = {}
    for edition in editions:
        for c in hj633.categories(edition):
            seen.setdefault(
                c.level,
                {
                    "level": c.level,
                    "colour": c.hex,
                    "zh": c.category_zh,
                    "en": c.category_en,
                    "min": c.aqi_min,
                    "max": c.aqi_max,
                },
            )
    return [seen[level] for level in sorted(seen)]


def _calendar(year: int, days: Sequence[air.AirDay]) -> dict[str, Any]:
    return {
        "year": year,
        "days": [
            [d.day_on.isoformat(), d.level, d.aqi, d.category_zh, d.category_en, d.standard]
            for d in days
        ],
        "no_aqi_colour": NO_AQI_COLOUR,
    }


@router.get("/air", response_class=HTMLResponse)
def air_page(
    request: Request,
    county: str = "",
    year: YearOrDefault = 0,
    month: int = Query(0, ge=0, le=12),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> HTMLResponse:
    """Air quality of the city or a county for a year: the AQI calendar, a month's daily AQI,
    the HJ 663 annual attainment and the ranking of the counties."""
    years = _years_with(store, actor, AIR_MARKER_ITEM)
    year = year or years[0]
    end_on = date(year, 12, 31)
    overview = air.air_overview(
        db,
        store,
        actor,
        year=year,
        county_code=county or None,
        # judged by the edition in force at the end of the year (2026: the new edition)
        edition=hj633.edition_for(end_on),
    )
    days = overview.days
    with_aqi = [d.day_on.month for d in days if d.aqi is not None]
    month = month if 1 <= month <= 12 else (max(with_aqi) if with_aqi else 1)
    legend = _aqi_legend(days)
    return render(
        request,
        "monitoring/air.html",
        {
            "county": county,
            "counties": _counties(db, actor),
            "year": year,
            "years": years,
            "month": month,
            "month_days": [d for d in days if d.day_on.month == month],
            "annual": overview.annual,
            "ranking": overview.ranking,
            "legend": legend,
            "pollutant_names": POLLUTANT_NAMES,
            "statistic_en": STATISTIC_EN,
            "no_aqi_colour": NO_AQI_COLOUR,
            "pct": _percent,
            "synthetic": any(d.synthetic for d in days),
            "calendar_json": script_json(_calendar(year, days)),
            "legend_json": script_json(legend),
        },
    )
