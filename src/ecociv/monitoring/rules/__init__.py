"""Pure rules for monitoring: site validation, reading validation, and the Python reference of
the aggregation the readings store computes in SQL.

Aggregation definitions (the store's SQL implements exactly these; a test compares them):

- Time is bucketed in **Asia/Shanghai local time** (UTC+8; China has kept no daylight saving
  time since 1991), so a "day" is 00:00–24:00 Beijing time, as monitoring bulletins count it.
- **Hourly mean**: the mean of the values observed in one local clock hour (normally one).
- **Daily mean**: the mean of the hourly means of the local day; *coverage* = hours with a
  value / 24.
- **Monthly mean**: the mean of the daily means of the month; *coverage* = days with a value /
  days in the month.
- **Annual mean**: the mean of the daily means of the year (as GB 3095-2012 defines a 年平均,
  not the mean of monthly means); *coverage* = days with a value / days in the year.
- Flags are stored but do not filter: every stored value counts. Validity thresholds (e.g. at
  least 20 hourly values for a daily PM2.5 value) belong to the standards engine.

Location checks reuse :func:`ecociv.orgs.rules.locate_in_county` (a pure module of the orgs
domain, imported directly like ``assessment.model`` imports ``indicators.model``), so a site and
an enterprise are placed in their county by the same code.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from statistics import fmean

from shapely.geometry.base import BaseGeometry

from ecociv.kernel.errors import ValidationError
from ecociv.monitoring.model import (
    CONTROL_LEVEL_NAMES,
    LAND_USE_NAMES,
    SITE_KIND_NAMES,
    WATER_BODY_NAMES,
    AnnualMean,
    ControlLevel,
    DailyMean,
    LandUse,
    MonthlyMean,
    Reading,
    ReadingCheck,
    RejectedRow,
    Site,
    SiteDraft,
    SiteKind,
    WaterBody,
)
from ecociv.orgs.rules import locate_in_county

#: Asia/Shanghai: a fixed UTC+8 offset (no DST since 1991), so SQL can use plain arithmetic.
LOCAL_OFFSET = timedelta(hours=8)
LOCAL_ZONE = timezone(LOCAL_OFFSET, "Asia/Shanghai")
HOURS_PER_DAY = 24

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5}


def parse_control_level(text: str) -> ControlLevel | None:
    """A control level from its Chinese name (国控/省控/市控/交接断面) or its stored value.

    Examples:
        >>> parse_control_level("省控")
        <ControlLevel.PROVINCIAL: 'provincial'>
        >>> parse_control_level("national")
        <ControlLevel.NATIONAL: 'national'>
        >>> parse_control_level("") is None
        True
    """
    text = text.strip()
    if not text:
        return None
    for level, (zh, _en) in CONTROL_LEVEL_NAMES.items():
        if text == zh:
            return level
    return ControlLevel(text)


def parse_water_body(text: str) -> WaterBody | None:
    """A water body from its Chinese name (河流/湖泊/水库) or stored value; empty → None.

    Examples:
        >>> parse_water_body("水库"), parse_water_body("lake"), parse_water_body("")
        (<WaterBody.RESERVOIR: 'reservoir'>, <WaterBody.LAKE: 'lake'>, None)
    """
    text = text.strip()
    if not text:
        return None
    for body, (zh, _en) in WATER_BODY_NAMES.items():
        if text == zh:
            return body
    return WaterBody(text.lower())


def parse_land_use(text: str) -> LandUse | None:
    """A farmland use from its Chinese name (水田/旱地/果园/水旱轮作) or stored value.

    Examples:
        >>> parse_land_use("水田"), parse_land_use("other"), parse_land_use("")
        (<LandUse.PADDY: 'paddy'>, <LandUse.OTHER: 'other'>, None)
    """
    text = text.strip()
    if not text:
        return None
    for use, (zh, _en) in LAND_USE_NAMES.items():
        if text == zh:
            return use
    return LandUse(text.lower())


def parse_target_class(text: str) -> int | None:
    """A GB 3838-2002 water-quality class 1–5 from ``3``, ``III`` or ``Ⅲ``; empty → None.

    Examples:
        >>> parse_target_class("III"), parse_target_class("2"), parse_target_class("Ⅴ")
        (3, 2, 5)
        >>> parse_target_class("6")
        Traceback (most recent call last):
        ...
        ValueError: 6
    """
    text = text.strip().upper()
    if not text:
        return None
    if text in _ROMAN:
        return _ROMAN[text]
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    raise ValueError(text)


def validate_site(draft: SiteDraft, county_shapes: Mapping[str, BaseGeometry]) -> Site:
    """Check every field of a site; raise ValidationError listing all errors.

    A water section needs its river and a target class (1–5); other kinds have no target
    class. The location, converted to GCJ-02, must lie in the chosen county.
    """
    errors: list[dict[str, str]] = []

    def fail(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    code = draft.code.strip()
    if not 1 <= len(code) <= 40 or any(ch.isspace() for ch in code):
        fail("code", "点位编码应为 1–40 个非空白字符 (code must be 1-40 non-blank characters)")
    name = draft.name.strip()
    if not 2 <= len(name) <= 200:
        fail("name", "点位名称应为 2–200 个字符 (name must be 2-200 characters)")
    kind: SiteKind | None = None
    by_name = {zh: k for k, (zh, _en) in SITE_KIND_NAMES.items()}
    try:
        kind = by_name.get(draft.kind.strip()) or SiteKind(draft.kind.strip())
    except ValueError:
        fail("kind", f"未知的点位类型 “{draft.kind}” (unknown kind)")
    if draft.county_code not in county_shapes:
        fail("county_code", f"未知的县（市、区）代码 “{draft.county_code}” (unknown county code)")
    level: ControlLevel | None = None
    try:
        level = parse_control_level(draft.control_level)
    except ValueError:
        fail(
            "control_level",
            f"断面级别应为 国控、省控、市控 或 交接断面，而非 “{draft.control_level}”",
        )
    target: int | None = None
    try:
        target = parse_target_class(draft.target_class)
    except ValueError:
        fail("target_class", f"目标水质类别应为 1–5（或 I–V），而非 “{draft.target_class}”")
    body: WaterBody | None = None
    try:
        body = parse_water_body(draft.water_body)
    except ValueError:
        fail("water_body", f"水体类型应为 河流、湖泊 或 水库，而非 “{draft.water_body}”")
    use: LandUse | None = None
    try:
        use = parse_land_use(draft.land_use)
    except ValueError:
        fail("land_use", f"用地类型应为 水田、旱地、果园 或 水旱轮作，而非 “{draft.land_use}”")
    watered = (SiteKind.WATER_SECTION, SiteKind.DRINKING_WATER_SOURCE)
    if body is not None and kind is not None and kind not in watered:
        fail(
            "water_body", "只有地表水断面和饮用水水源地有水体类型 (water sections and sources only)"
        )
    if kind is SiteKind.SOIL_POINT and use is None and not draft.land_use.strip():
        fail(
            "land_use",
            "土壤点位须填写用地类型（GB 15618-2018 表1）(a soil point needs its land use)",
        )
    if use is not None and kind is not None and kind is not SiteKind.SOIL_POINT:
        fail("land_use", "只有土壤点位有用地类型 (only soil points have a land use)")
    river = draft.river.strip()
    if kind is SiteKind.WATER_SECTION:
        if not river:
            fail("river", "地表水断面须填写所在河流 (a water section needs its river)")
        if target is None and not any(e["field"] == "target_class" for e in errors):
            fail("target_class", "地表水断面须填写目标水质类别 (a water section needs a target)")
    elif kind is not None and target is not None:
        fail("target_class", "只有地表水断面有目标水质类别 (only water sections have a target)")
    lon, lat, location_errors = locate_in_county(
        draft.longitude, draft.latitude, draft.datum, draft.county_code, county_shapes
    )
    errors.extend(location_errors)
    if errors or kind is None:
        raise ValidationError(errors[0]["message"], field=errors[0]["field"], errors=errors)
    return Site(
        code=code,
        name=name,
        kind=kind,
        county_code=draft.county_code,
        river=river,
        control_level=level,
        target_class=target,
        river_chief=draft.river_chief.strip(),
        water_body=body,
        land_use=use,
        longitude=lon,
        latitude=lat,
        is_synthetic=draft.is_synthetic,
    )


def csv_rows(data: bytes, required: Sequence[str]) -> list[dict[str, str]]:
    """The rows of an uploaded UTF-8 CSV file (a BOM is allowed) as dicts by column name;
    ValidationError if it is not UTF-8 or lacks a required column.

    Examples:
        >>> csv_rows("code,name\\nS1,一号\\n".encode(), ["code"])
        [{'code': 'S1', 'name': '一号'}]
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            "文件不是 UTF-8 编码的 CSV (file is not UTF-8 CSV)", field="file"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(f"缺少列 {', '.join(missing)} (missing column(s))", field="file")
    return list(reader)


# ---- readings ---------------------------------------------------------------------------


def parse_observed_at(text: str) -> datetime:
    """An ISO 8601 date and time as UTC; a time without a zone is Asia/Shanghai local time.

    Examples:
        >>> parse_observed_at("2024-01-01T08:00:00+08:00").isoformat()
        '2024-01-01T00:00:00+00:00'
        >>> parse_observed_at("2024-01-01 08:00").isoformat()
        '2024-01-01T00:00:00+00:00'
        >>> parse_observed_at("2024-01-01T00:00:00Z").isoformat()
        '2024-01-01T00:00:00+00:00'
    """
    text = text.strip()
    if len(text) <= 10:  # a bare date: a reading needs its time of day
        raise ValueError(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_ZONE)
    return moment.astimezone(UTC)


def check_readings(
    rows: Sequence[Mapping[str, str | None]],
    known_sites: Collection[str],
    *,
    first_row: int = 2,
) -> ReadingCheck:
    """Split rows (``site_code``, ``parameter``, ``observed_at``, ``value``, ``flag``) into valid
    readings and rejects, each reject naming its row (the header is row 1), field and reason.

    A row is rejected when its site is unknown, its parameter empty, its time not ISO 8601,
    its value not a finite number, or when it repeats the (site, parameter, time) of an
    earlier row of the same file.
    """
    readings: list[Reading] = []
    rejects: list[RejectedRow] = []
    seen: dict[tuple[str, str, datetime], int] = {}
    for number, row in enumerate(rows, start=first_row):
        raw = json.dumps(dict(row), ensure_ascii=False)

        def reject(field: str, message: str, number: int = number, raw: str = raw) -> None:
            rejects.append(RejectedRow(number, field, message, raw))

        site = (row.get("site_code") or "").strip()
        parameter = (row.get("parameter") or "").strip()
        time_text = (row.get("observed_at") or "").strip()
        value_text = (row.get("value") or "").strip()
        if site not in known_sites:
            reject("site_code", f"未知的监测点位 “{site}” (unknown site)")
            continue
        if not parameter:
            reject("parameter", "监测项目不能为空 (parameter is empty)")
            continue
        try:
            observed_at = parse_observed_at(time_text)
        except ValueError:
            reject(
                "observed_at",
                f"“{time_text}” 不是 ISO 8601 日期时间 (not an ISO 8601 date and time)",
            )
            continue
        try:
            value = float(value_text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            reject("value", f"“{value_text}” 不是有效数值 (not a finite number)")
            continue
        key = (site, parameter, observed_at)
        if key in seen:
            reject(
                "observed_at",
                f"与第 {seen[key]} 行的点位、项目和时间重复 (duplicate of row {seen[key]})",
            )
            continue
        seen[key] = number
        flag = (row.get("flag") or "").strip()
        readings.append(Reading(number, site, parameter, observed_at, value, flag))
    return ReadingCheck(readings, rejects)


# ---- aggregation: the Python reference of the store's SQL --------------------------------

Observation = tuple[str, str, datetime, float]  # site_code, parameter, observed_at (UTC), value


def local_hour(observed_at: datetime) -> datetime:
    """The Asia/Shanghai clock hour an instant falls in (naive local time)."""
    local = observed_at.astimezone(UTC).replace(tzinfo=None) + LOCAL_OFFSET
    return local.replace(minute=0, second=0, microsecond=0)


def days_in_year(year: int) -> int:
    """Examples:
    >>> days_in_year(2024), days_in_year(2023), days_in_year(1900), days_in_year(2000)
    (366, 365, 365, 366)
    """
    return 366 if calendar.isleap(year) else 365


def daily_means(observations: Iterable[Observation]) -> list[DailyMean]:
    """Daily means of hourly means with hourly coverage, per site and parameter."""
    hours: dict[tuple[str, str, datetime], list[float]] = defaultdict(list)
    for site, parameter, observed_at, value in observations:
        hours[(site, parameter, local_hour(observed_at))].append(value)
    days: dict[tuple[str, str, date], list[float]] = defaultdict(list)
    for (site, parameter, hour), values in hours.items():
        days[(site, parameter, hour.date())].append(fmean(values))
    return [
        DailyMean(site, parameter, day, fmean(means), len(means), len(means) / HOURS_PER_DAY)
        for (site, parameter, day), means in sorted(days.items())
    ]


def monthly_means(daily: Iterable[DailyMean]) -> list[MonthlyMean]:
    """Monthly means of daily means with daily coverage, per site and parameter."""
    months: dict[tuple[str, str, int, int], list[float]] = defaultdict(list)
    for d in daily:
        months[(d.site_code, d.parameter, d.day_on.year, d.day_on.month)].append(d.mean)
    return [
        MonthlyMean(
            site,
            parameter,
            year,
            month,
            fmean(means),
            len(means),
            len(means) / calendar.monthrange(year, month)[1],
        )
        for (site, parameter, year, month), means in sorted(months.items())
    ]


def annual_means(daily: Iterable[DailyMean]) -> list[AnnualMean]:
    """Annual means of daily means with daily coverage, per site and parameter."""
    years: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for d in daily:
        years[(d.site_code, d.parameter, d.day_on.year)].append(d.mean)
    return [
        AnnualMean(site, parameter, year, fmean(means), len(means), len(means) / days_in_year(year))
        for (site, parameter, year), means in sorted(years.items())
    ]
