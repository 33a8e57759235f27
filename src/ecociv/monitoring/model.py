"""Monitoring sites and readings: water sections, drinking-water sources, air stations and soil
sampling points, and the values measured at them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class SiteKind(StrEnum):
    WATER_SECTION = "water_section"  # 地表水监测断面
    DRINKING_WATER_SOURCE = "drinking_water_source"  # 饮用水水源地
    AIR_STATION = "air_station"  # 环境空气质量监测站
    SOIL_POINT = "soil_point"  # 土壤监测点位


SITE_KIND_NAMES = {
    SiteKind.WATER_SECTION: ("地表水断面", "Water section"),
    SiteKind.DRINKING_WATER_SOURCE: ("饮用水水源地", "Drinking-water source"),
    SiteKind.AIR_STATION: ("空气监测站", "Air station"),
    SiteKind.SOIL_POINT: ("土壤点位", "Soil sampling point"),
}


class ControlLevel(StrEnum):
    """Who controls a section (断面级别)."""

    NATIONAL = "national"  # 国控
    PROVINCIAL = "provincial"  # 省控
    MUNICIPAL = "municipal"  # 市控
    BOUNDARY = "boundary"  # 交接断面（跨行政区）


class WaterBody(StrEnum):
    """Where a section lies: GB 3838-2002 Table 1 sets total phosphorus apart for lakes and
    reservoirs (湖、库)."""

    RIVER = "river"  # 河流
    LAKE = "lake"  # 湖泊
    RESERVOIR = "reservoir"  # 水库


WATER_BODY_NAMES = {
    WaterBody.RIVER: ("河流", "River"),
    WaterBody.LAKE: ("湖泊", "Lake"),
    WaterBody.RESERVOIR: ("水库", "Reservoir"),
}


class LandUse(StrEnum):
    """Farmland use of a soil point: GB 15618-2018 Table 1 sets paddy values apart."""

    PADDY = "paddy"  # 水田
    OTHER = "other"  # 其他（旱地）
    ORCHARD = "orchard"  # 果园
    PADDY_DRY_ROTATION = "paddy_dry_rotation"  # 水旱轮作


LAND_USE_NAMES = {
    LandUse.PADDY: ("水田", "Paddy"),
    LandUse.OTHER: ("旱地", "Other farmland"),
    LandUse.ORCHARD: ("果园", "Orchard"),
    LandUse.PADDY_DRY_ROTATION: ("水旱轮作", "Paddy-dry rotation"),
}


#: The Chinese names used in spreadsheets, mapped to the stored value (and back for display).
CONTROL_LEVEL_NAMES = {
    ControlLevel.NATIONAL: ("国控", "National"),
    ControlLevel.PROVINCIAL: ("省控", "Provincial"),
    ControlLevel.MUNICIPAL: ("市控", "Municipal"),
    ControlLevel.BOUNDARY: ("交接断面", "Boundary section"),
}


@dataclass(frozen=True, slots=True)
class SiteDraft:
    """The fields of a site as entered (a CSV row, an API body), before validation."""

    code: str
    name: str
    kind: str
    county_code: str
    river: str = ""
    control_level: str = ""
    target_class: str = ""
    river_chief: str = ""
    water_body: str = ""
    land_use: str = ""
    longitude: float | None = None
    latitude: float | None = None
    datum: str = "GCJ-02"
    is_synthetic: bool = False


@dataclass(frozen=True, slots=True)
class Site:
    """A validated monitoring site; location in GCJ-02."""

    code: str
    name: str
    kind: SiteKind
    county_code: str
    river: str
    control_level: ControlLevel | None
    target_class: int | None  # GB 3838-2002 class 1–5, water sections only
    river_chief: str
    water_body: WaterBody | None  # water sections and drinking-water sources
    land_use: LandUse | None  # soil points
    longitude: float | None
    latitude: float | None
    is_synthetic: bool


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """A stored site with its county's name."""

    code: str
    name: str
    kind: SiteKind
    county_code: str
    county_name_zh: str
    river: str
    control_level: ControlLevel | None
    target_class: int | None
    river_chief: str
    water_body: WaterBody | None
    land_use: LandUse | None
    longitude: float | None
    latitude: float | None
    is_synthetic: bool

    @property
    def water_body_value(self) -> str:
        """The water body as the standards engine takes it (a river unless stated)."""
        return self.water_body.value if self.water_body else WaterBody.RIVER.value


@dataclass(frozen=True, slots=True)
class Reading:
    """One validated measurement; ``observed_at`` is timezone-aware UTC."""

    row_number: int
    site_code: str
    parameter: str
    observed_at: datetime
    value: float
    flag: str


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that failed validation, with the first reason found."""

    row_number: int
    field: str
    message: str
    raw: str


@dataclass(frozen=True, slots=True)
class ReadingCheck:
    """The outcome of checking a file's rows: the good readings and the rejects."""

    readings: list[Reading]
    rejects: list[RejectedRow]


@dataclass(frozen=True, slots=True)
class DailyMean:
    site_code: str
    parameter: str
    day_on: date  # local day in Asia/Shanghai
    mean: float  # mean of the hourly means of that day
    hours: int
    coverage: float  # hours / 24


@dataclass(frozen=True, slots=True)
class MonthlyMean:
    site_code: str
    parameter: str
    year: int
    month: int
    mean: float  # mean of the daily means of that month
    days: int
    coverage: float  # days / days in the month


@dataclass(frozen=True, slots=True)
class AnnualMean:
    site_code: str
    parameter: str
    year: int
    mean: float  # mean of the daily means of that year
    days: int
    coverage: float  # days / days in the year
