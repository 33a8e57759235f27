"""Environmental-quality figures for the indicator module, computed from stored readings.

Each figure names the indicator it informs, the area, the value and the basis it was computed
on, so the figure can be checked against a county's reported value:

- N2019-08 水环境质量: share of surface-water sections at class III or better, and share worse
  than V, over the sections with a class for the year (GB 3838-2002; 2011 method).
- N2019-27 集中式饮用水水源地水质优良比例: share of drinking-water sources at class III or
  better for the year.
- N2019-07 环境空气质量: good-day ratio and PM2.5 annual mean (HJ 633 / HJ 663), from the air
  services.
- QZ-005 耕地分类: farmland soil points per category (GB 15618-2018).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, Permission, ensure
from ecociv.monitoring.model import SiteKind
from ecociv.monitoring.rules import air as air_rules
from ecociv.monitoring.services import air, soil, water

CITY_NAME = "衢州市"


@dataclass(frozen=True, slots=True)
class QualityFigure:
    """One figure computed from monitoring data for an indicator, an area and a year."""

    indicator_code: str
    measure_zh: str
    measure_en: str
    area: str  # county name, or 衢州市 for the city
    year: int
    value: float | None
    unit: str
    basis: str  # how it was computed, with the standard
    count: int  # sites (or days) the figure rests on


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


#: The indicators the figures inform.
INFORMED_INDICATORS = ("N2019-07", "N2019-08", "N2019-27", "QZ-005")


def data_years(store: ReadingsStore, actor: Actor) -> list[int]:
    """The years that hold monitoring readings (Beijing time), ascending."""
    ensure(actor, Permission.MONITORING_READ)
    return store.years()


def _air(
    area: str, year: int, ratio: float | None, pm25: float | None, days: int
) -> list[QualityFigure]:
    basis = f"{days} 个有效日，HJ 633 日 AQI、GB 3095 数据有效性"
    return [
        QualityFigure(
            "N2019-07",
            "环境空气质量优良天数比例",
            "Share of good days",
            area,
            year,
            _percent(ratio),
            "%",
            basis,
            days,
        ),
        QualityFigure(
            "N2019-07",
            "PM2.5 年均浓度",
            "PM2.5 mean of the daily values",
            area,
            year,
            None if pm25 is None else round(pm25, 1),
            "µg/m³",
            basis,
            days,
        ),
    ]


def quality_figures(
    db: Database, store: ReadingsStore, actor: Actor, *, year: int
) -> list[QualityFigure]:
    """Water, drinking-water and soil figures per county and for the city for ``year``."""
    ensure(actor, Permission.MONITORING_READ)
    figures: list[QualityFigure] = []
    first, last = date(year, 1, 1), date(year, 12, 31)
    for rank in air.county_ranking(db, store, actor, start_on=first, end_on=last):
        figures.extend(
            _air(
                rank.county_name_zh, year, rank.good_day_ratio, rank.pm25_mean, rank.determined_days
            )
        )
    city = air.area_days(db, store, actor, county_code=None, start_on=first, end_on=last)
    period = air_rules.summarise(city)
    figures.extend(
        _air(CITY_NAME, year, period.good_day_ratio, period.pm25_mean, period.determined_days)
    )
    sections = water.water_summary(
        db, store, actor, period=str(year), kind=SiteKind.WATER_SECTION.value
    )
    for group in sections:
        basis = f"{group.judged} 个有类别的断面，GB 3838-2002 及 2011 年评价办法"
        figures.append(
            QualityFigure(
                "N2019-08",
                "水质达到或优于Ⅲ类比例",
                "Share of sections at class III or better",
                group.key,
                year,
                _percent(group.good_share),
                "%",
                basis,
                group.judged,
            )
        )
        figures.append(
            QualityFigure(
                "N2019-08",
                "劣Ⅴ类水体比例",
                "Share of sections worse than class V",
                group.key,
                year,
                _percent(group.worse_than_v_share),
                "%",
                basis,
                group.judged,
            )
        )
    sources = water.water_summary(
        db, store, actor, period=str(year), kind=SiteKind.DRINKING_WATER_SOURCE.value
    )
    for group in sources:
        figures.append(
            QualityFigure(
                "N2019-27",
                "集中式饮用水水源地水质优良比例",
                "Share of drinking-water sources at class III or better",
                group.key,
                year,
                _percent(group.good_share),
                "%",
                f"{group.judged} 个有类别的水源地，GB 3838-2002",
                group.judged,
            )
        )
    for summary in soil.soil_summary(db, store, actor):
        for label, count in summary.counts.items():
            figures.append(
                QualityFigure(
                    "QZ-005",
                    f"耕地土壤点位：{label}",
                    f"Farmland soil points: {label}",
                    summary.key,
                    year,
                    float(count),
                    "个",
                    f"{summary.judged} 个可评价点位（最近一次采样），GB 15618-2018",
                    summary.judged,
                )
            )
    return figures
