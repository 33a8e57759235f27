"""Ambient air: AQI (HJ 633) and annual attainment (GB 3095 / HJ 663), both editions.

Two editions are in force one after the other, chosen by the **date of the data**
(:func:`edition_for`):

* ``"2012"`` — HJ 633-2012 (AQI), GB 3095-2012 with its 2018 amendment (limits) and
  HJ 663-2013 (assessment), for data dated up to 2026-02-28;
* ``"2026"`` — HJ 633-2026, GB 3095-2026 and HJ 663-2026, for data dated from 2026-03-01
  (the three documents were issued together and took effect that day; docs/modules/standards.md §0).

Every number of the standards is read from the tables in ``data/`` (``hj633_*``, ``gb3095_*``,
``hj663_annual_assessment.csv``; provenance in ``data/README_air.md``). The few values the
tables do not hold (effective dates, daily indicator sets, rounding digits, data-validity
minimums) are the named constants below, each with its clause.

Exact arithmetic. Concentrations are taken at a resolution of 10⁻⁶ of their unit (µg/m3,
CO mg/m3) — far finer than any analyser reports — and turned into int64 so that the
interpolation ``IAQI_Lo + (IAQI_Hi − IAQI_Lo)(C − BP_Lo)/(BP_Hi − BP_Lo)`` and its ceiling
("全部进位取整数", HJ 633-2012 §6.2; "全部向上进位取整数", HJ 633-2026 §4.2.6) are done in
integers: CO 2.2 mg/m3 gives IAQI 55, where binary floats give 55.000000000000004 → 56.
Annual statistics are computed as fractions from the same integers.

Platform choices where the standards are silent (documented, tested):

* **Above the last breakpoint** of a series whose rule is "outside table", the IAQI is capped
  at the table's highest IAQI (500) and flagged in ``DailyAqi.over_range``; a value that is
  off the scale must never make a day look cleaner. The rules the tables do give are applied:
  2012 SO2 1-h > 800 → IAQI of the 24-h mean, O3 8-h > 800 → IAQI of the 1-h value
  (HJ 633-2012 Table 1 notes 2, 3); 2026 SO2 1-h > 800 → 200, O3 8-h > 800 → 300
  (HJ 633-2026 Table 3 footnotes b, c). When the 2012 substitute value is missing the IAQI is
  missing (NaN).
* **Missing values (NaN).** 2026: a missing pollutant is left out, and the AQI is published
  only when it is > 100, otherwise it is NaN (HJ 633-2026 §5.3). 2012 says nothing: the AQI is
  the maximum of the IAQIs present and the row is flagged incomplete. Either way a day counts
  toward the good-day ratio only when its AQI is *determined*: all indicators present, or the
  AQI already above 100.
* The split year 2026 (docs/modules/standards.md §7.5) is not decided here: an annual assessment
  whose days straddle 2026-03-01 needs the edition passed explicitly. Each day's AQI is always
  judged by that day's own edition.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from ecociv.kernel.errors import ValidationError

EDITION_2012 = "2012"
EDITION_2026 = "2026"
EDITIONS = (EDITION_2012, EDITION_2026)

#: The one place the switch lives: GB 3095-2026, HJ 633-2026 and HJ 663-2026 took effect on
#: 2026-03-01 and repealed GB 3095-2012, HJ 633-2012 and HJ 663-2013 (docs/modules/standards.md §0;
#: shared data/standards/README.md: HJ 633-2012 "in force until 2026-02-28", HJ 633-2026
#: "in force from 2026-03-01").
EDITION_2026_EFFECTIVE_ON = date(2026, 3, 1)

#: GB 3095-2026: transition limits 2026-03-01 … 2030-12-31, final limits from 2031-01-01
#: (docs/modules/standards.md §0).
GB3095_2026_FINAL_LIMITS_FROM = date(2031, 1, 1)

#: The documents that make up each edition.
STANDARDS: dict[str, dict[str, str]] = {
    EDITION_2012: {"aqi": "HJ 633-2012", "limits": "GB 3095-2012", "assessment": "HJ 663-2013"},
    EDITION_2026: {"aqi": "HJ 633-2026", "limits": "GB 3095-2026", "assessment": "HJ 663-2026"},
}

#: Daily report (日报) indicator set: HJ 633-2012 §5.1 (SO2, NO2, PM10, PM2.5, CO 24-h means,
#: O3 daily maximum 1-h and daily maximum 8-h); HJ 633-2026 daily report (the same without
#: O3 1-h). Notes §3 algorithm (b) step 2. In daily data ``o3_1h`` is the daily maximum 1-h
#: average and ``o3_8h`` the daily maximum 8-h average (MDA8).
DAILY_INDICATORS: dict[str, tuple[str, ...]] = {
    EDITION_2012: ("so2_24h", "no2_24h", "pm10_24h", "pm25_24h", "co_24h", "o3_1h", "o3_8h"),
    EDITION_2026: ("so2_24h", "no2_24h", "pm10_24h", "pm25_24h", "co_24h", "o3_8h"),
}

#: Decimals kept, by unit, when concentrations are rounded (GB/T 8170, round half to even)
#: before the IAQI is computed — HJ 633-2026 §4.2.2 (integer µg/m3, CO to 0.1 mg/m3) — and for
#: annual statistics under both editions (docs/modules/standards.md §3 algorithm (c), "Rounding of
#: statistics").
DECIMALS_BY_UNIT: dict[str, int] = {"µg/m3": 0, "mg/m3": 1}

#: Data validity for annual statistics, GB 3095-2012 Table 4 = GB 3095-2026 Table 4
#: (docs/modules/standards.md §3 algorithm (c)): at least 324 daily values a year and 27 in each
#: month, 25 in February.
ANNUAL_MIN_DAILY_VALUES = 324
MONTH_MIN_DAILY_VALUES = 27
FEBRUARY_MIN_DAILY_VALUES = 25

#: Concentrations are read at this resolution of their unit (see the module docstring).
_SCALE = 10**6
#: Largest magnitude that survives scaling exactly in float64 (2**53 / _SCALE).
_MAX_SCALABLE = 9.0e9

_DATA = "ecociv.standards"

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


# ----------------------------------------------------------------------------------------------
# Editions
# ----------------------------------------------------------------------------------------------


def edition_for(day: date) -> str:
    """The edition that judges data of ``day``.

    Examples:
        >>> edition_for(date(2026, 2, 28))
        '2012'
        >>> edition_for(date(2026, 3, 1))
        '2026'
    """
    return EDITION_2026 if day >= EDITION_2026_EFFECTIVE_ON else EDITION_2012


def editions_for(days: Any) -> npt.NDArray[np.str_]:
    """The edition of each day of an array of dates (``datetime64[D]`` or ``date`` objects).

    Examples:
        >>> editions_for(np.array(["2026-02-28", "2026-03-01"], dtype="datetime64[D]")).tolist()
        ['2012', '2026']
    """
    as_days = _as_days(days)
    switch = np.datetime64(EDITION_2026_EFFECTIVE_ON, "D")
    return np.where(as_days >= switch, EDITION_2026, EDITION_2012)


def _check_edition(edition: str) -> str:
    if edition not in EDITIONS:
        raise ValidationError(
            f"未知的标准版本 “{edition}” (unknown air standards edition; expected 2012 or 2026)",
            field="edition",
        )
    return edition


def _as_days(days: Any) -> npt.NDArray[np.datetime64]:
    if isinstance(days, date):
        days = [days]
    try:
        return np.atleast_1d(np.asarray(days, dtype="datetime64[D]"))
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"日期无法识别 (dates not understood: {exc})", field="on") from exc


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files(_DATA).joinpath(f"data/{name}")
    return list(csv.DictReader(io.StringIO(text.read_text(encoding="utf-8"), newline="")))


@dataclass(frozen=True, slots=True, eq=False)
class Breakpoints:
    """One row of HJ 633 Table 1 (2012) / Table 3 (2026): a parameter's breakpoints."""

    edition: str
    code: str
    pollutant: str
    pollutant_zh: str
    averaging_zh: str
    unit: str
    concentrations: tuple[Fraction, ...]
    iaqis: tuple[int, ...]
    #: ``"outside"`` (table silent), ``"fixed"`` (IAQI = above_iaqi) or ``"substitute"``.
    above_rule: str
    above_iaqi: int | None
    substitute: str | None
    scaled: IntArray = field(repr=False)

    @property
    def top(self) -> Fraction:
        """The last breakpoint concentration."""
        return self.concentrations[-1]


_FIXED = re.compile(r"IAQI\s*=\s*(\d+)")
_SUBSTITUTE = re.compile(r"IAQI from the (\d+)-hour average")
_ABOVE = re.compile(r"^>\s*([\d.]+)\s*:")


@cache
def breakpoint_table(edition: str) -> dict[str, Breakpoints]:
    """HJ 633 breakpoints of ``edition`` keyed by parameter code (``hj633_<edition>_iaqi.csv``).

    Examples:
        >>> bp = breakpoint_table("2026")["pm25_24h"]
        >>> [str(c) for c in bp.concentrations[:3]], bp.iaqis[:3]
        (['0', '35', '60'], (0, 50, 100))
    """
    _check_edition(edition)
    rows = _read(f"hj633_{edition}_iaqi.csv")
    iaqi_columns = [
        (name, int(name.removeprefix("iaqi_"))) for name in rows[0] if name.startswith("iaqi_")
    ]
    table: dict[str, Breakpoints] = {}
    for row in rows:
        pairs = [(Fraction(row[name]), level) for name, level in iaqi_columns if row[name].strip()]
        concentrations = tuple(c for c, _ in pairs)
        rule = row["above_last_breakpoint_rule"]
        above = _ABOVE.match(rule)
        if above is None or Fraction(above.group(1)) != concentrations[-1]:
            raise RuntimeError(
                f"{row['code']}: rule {rule!r} does not start at the last breakpoint"
            )
        fixed, substitute = _FIXED.search(rule), _SUBSTITUTE.search(rule)
        if fixed:
            kind, above_iaqi, sub = "fixed", int(fixed.group(1)), None
        elif substitute:
            kind, above_iaqi, sub = (
                "substitute",
                None,
                f"{row['pollutant_code']}_{substitute.group(1)}h",
            )
        elif "outside table" in rule:
            kind, above_iaqi, sub = "outside", None, None
        else:
            raise RuntimeError(f"{row['code']}: unrecognised rule {rule!r}")
        table[row["code"]] = Breakpoints(
            edition=edition,
            code=row["code"],
            pollutant=row["pollutant_code"],
            pollutant_zh=row["pollutant_zh"],
            averaging_zh=row["averaging_zh"],
            unit=row["unit"],
            concentrations=concentrations,
            iaqis=tuple(level for _, level in pairs),
            above_rule=kind,
            above_iaqi=above_iaqi,
            substitute=sub,
            scaled=np.array([int(c * _SCALE) for c in concentrations], dtype=np.int64),
        )
    return table


def iaqi_cap(edition: str) -> int:
    """The highest IAQI of the edition's table; IAQIs above the last breakpoint are capped here.

    Examples:
        >>> iaqi_cap("2012")
        500
    """
    return max(max(bp.iaqis) for bp in breakpoint_table(edition).values())


@dataclass(frozen=True, slots=True)
class AqiCategory:
    """One row of HJ 633-2012 Table 2 / HJ 633-2026 Table 1 with the Appendix A colour."""

    edition: str
    level: int
    level_zh: str
    aqi_min: int
    aqi_max: int | None
    category_zh: str
    category_en: str
    color_zh: str
    color_en: str
    rgb: tuple[int, int, int]
    hex: str
    cmyk: tuple[int, int, int, int]
    health_effect_zh: str
    advice_zh: str


@cache
def categories(edition: str) -> tuple[AqiCategory, ...]:
    """The AQI levels of ``edition`` in order (``hj633_<edition>_aqi_categories.csv``).

    Examples:
        >>> [c.category_zh for c in categories("2026")][:3]
        ['优', '良', '轻度污染']
    """
    _check_edition(edition)
    return tuple(
        AqiCategory(
            edition=edition,
            level=int(row["level"]),
            level_zh=row["level_zh"],
            aqi_min=int(row["aqi_min"]),
            aqi_max=int(row["aqi_max"]) if row["aqi_max"].strip() else None,
            category_zh=row["category_zh"],
            category_en=row["category_en"],
            color_zh=row["color_zh"],
            color_en=row["color_en"],
            rgb=(int(row["rgb_r"]), int(row["rgb_g"]), int(row["rgb_b"])),
            hex=row["hex"],
            cmyk=(int(row["cmyk_c"]), int(row["cmyk_m"]), int(row["cmyk_y"]), int(row["cmyk_k"])),
            health_effect_zh=row["health_effect_zh"],
            advice_zh=row["advice_zh"],
        )
        for row in _read(f"hj633_{edition}_aqi_categories.csv")
    )


def _level_max(edition: str, category_en: str) -> int:
    for category in categories(edition):
        if category.category_en == category_en and category.aqi_max is not None:
            return category.aqi_max
    raise RuntimeError(f"no bounded {category_en!r} level in the {edition} categories")


def excellent_max(edition: str) -> int:
    """Top of level 1 (优): a primary pollutant is named only when the AQI is above it
    (HJ 633-2012 §4.4; HJ 633-2026 likewise).

    Examples:
        >>> excellent_max("2012")
        50
    """
    return _level_max(edition, "excellent")


def good_max(edition: str) -> int:
    """Top of level 2 (良): a good day (优良天) has AQI at most this.

    Examples:
        >>> good_max("2026")
        100
    """
    return _level_max(edition, "good")


@dataclass(frozen=True, slots=True)
class SensitiveGroup:
    """HJ 633-2026 Table 2: who is sensitive to a pollutant once its IAQI exceeds ``above``."""

    pollutant: str
    pollutant_zh: str
    groups_zh: str
    above: int


@cache
def sensitive_groups_table() -> dict[str, SensitiveGroup]:
    """HJ 633-2026 Table 2 keyed by pollutant code (``hj633_2026_sensitive_groups.csv``).

    Examples:
        >>> sensitive_groups_table()["co"].groups_zh
        '患有心血管系统疾病的人'
    """
    table = {}
    for row in _read("hj633_2026_sensitive_groups.csv"):
        above = re.fullmatch(r"IAQI\s*>\s*(\d+)", row["applies_when"].strip())
        if above is None:
            raise RuntimeError(f"unrecognised condition {row['applies_when']!r}")
        table[row["pollutant_code"]] = SensitiveGroup(
            row["pollutant_code"], row["pollutant_zh"], row["sensitive_groups_zh"], int(above[1])
        )
    return table


@cache
def limits_table(edition: str) -> tuple[dict[str, str], ...]:
    """GB 3095 Tables 1 and 2 of ``edition`` as rows (``gb3095_<edition>_limits.csv``).

    Examples:
        >>> [r["grade_2"] for r in limits_table("2012") if r["pollutant_code"] == "pm25"]
        ['35', '75']
    """
    _check_edition(edition)
    return tuple(_read(f"gb3095_{edition}_limits.csv"))


@cache
def annual_statistics_table() -> tuple[dict[str, str], ...]:
    """HJ 663 annual statistics per pollutant with their limits (``hj663_annual_assessment.csv``).

    Examples:
        >>> [(r["pollutant_code"], r["statistic_code"]) for r in annual_statistics_table()][-1]
        ('o3', 'p90_mda8')
    """
    return tuple(_read("hj663_annual_assessment.csv"))


def limits_column(edition: str, day: date, grade: int = 2) -> str:
    """The column of ``hj663_annual_assessment.csv`` holding the limits that apply on ``day``.

    Quzhou's urban area is a grade-2 (二类区) area.

    Examples:
        >>> limits_column("2012", date(2025, 12, 31))
        'gb3095_2012_grade_2'
        >>> limits_column("2026", date(2031, 1, 1))
        'gb3095_2026_final_grade_2'
    """
    _check_edition(edition)
    if grade not in (1, 2):
        raise ValidationError(
            f"功能区类别应为 1 或 2 (grade must be 1 or 2, got {grade})", field="grade"
        )
    if edition == EDITION_2012:
        return f"gb3095_2012_grade_{grade}"
    phase = "final" if day >= GB3095_2026_FINAL_LIMITS_FROM else "transition"
    return f"gb3095_2026_{phase}_grade_{grade}"


# ----------------------------------------------------------------------------------------------
# Parameter names
# ----------------------------------------------------------------------------------------------


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\s_\-·.]", "", text)


@cache
def _aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    short_zh = {code: group.pollutant_zh for code, group in sensitive_groups_table().items()}
    for edition in EDITIONS:
        for code, bp in breakpoint_table(edition).items():
            names = {code, bp.pollutant_zh + bp.averaging_zh}
            if bp.pollutant in short_zh:
                names.add(short_zh[bp.pollutant] + bp.averaging_zh)
            aliases.update((_normalise(name), code) for name in names)
        for row in limits_table(edition):
            code = {"24h": f"{row['pollutant_code']}_24h", "1h": f"{row['pollutant_code']}_1h"}.get(
                row["averaging_code"], "o3_8h" if row["averaging_code"] == "mda8" else ""
            )
            if code in breakpoint_table(edition):
                aliases[_normalise(row["pollutant_zh"] + row["averaging_zh"])] = code
                if row["pollutant_code"] in short_zh:
                    aliases[_normalise(short_zh[row["pollutant_code"]] + row["averaging_zh"])] = (
                        code
                    )
    return aliases


def parameter_code(name: str) -> str:
    """The parameter code for a column name: a code of the tables (``pm25_24h``) or the Chinese
    name the tables give (``细颗粒物24小时平均``, ``二氧化硫日平均``, ``臭氧日最大8小时平均``).

    Examples:
        >>> parameter_code("PM25_24H"), parameter_code("一氧化碳 24小时平均")
        ('pm25_24h', 'co_24h')
        >>> parameter_code("PM2.5")
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 未知的空气参数列 “PM2.5” ...
    """
    code = _aliases().get(_normalise(name))
    if code is None:
        known = ", ".join(sorted(set(_aliases().values())))
        raise ValidationError(
            f"未知的空气参数列 “{name}” "
            f"(unknown air parameter column {name!r}; known codes: {known})",
            field=name,
        )
    return code


def _columns(readings: Mapping[str, Any]) -> tuple[dict[str, FloatArray], int]:
    resolved: dict[str, FloatArray] = {}
    for name, values in readings.items():
        code = parameter_code(name)
        if code in resolved:
            raise ValidationError(
                f"参数 {code} 出现了两列 (two columns for {code}: {name!r})", field=name
            )
        try:
            resolved[code] = np.atleast_1d(np.asarray(values, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"列 “{name}” 含非数值 (column {name!r}: {exc})", field=name
            ) from exc
    if not resolved:
        return {}, 0
    try:
        shaped = np.broadcast_arrays(*resolved.values())
    except ValueError as exc:
        raise ValidationError(
            f"各列长度不一致 (columns differ in length: {exc})", field="readings"
        ) from exc
    if shaped[0].ndim != 1:
        raise ValidationError(
            "每列应为一维数组 (each column must be one-dimensional)", field="readings"
        )
    return {code: np.array(column) for code, column in zip(resolved, shaped, strict=True)}, len(
        shaped[0]
    )


def _check_not_negative(code: str, values: FloatArray) -> None:
    negative = np.flatnonzero(values < 0)
    if negative.size:
        raise ValidationError(
            f"参数 {code} 第 {negative[0] + 1} 个值为负数 {values[negative[0]]} "
            f"(negative concentration in column {code}, row {negative[0] + 1})",
            field=code,
        )


# ----------------------------------------------------------------------------------------------
# IAQI
# ----------------------------------------------------------------------------------------------


def _scaled(values: FloatArray, usable: BoolArray) -> IntArray:
    """Values at 10⁻⁶ of their unit as int64 where ``usable`` (elsewhere 0)."""
    safe = np.where(usable, values, 0.0)
    return np.rint(safe * _SCALE).astype(np.int64)


def _round_half_even(scaled: IntArray, decimals: int) -> IntArray:
    """GB/T 8170 rounding (四舍六入五成双) of scaled integers to ``decimals`` places."""
    unit = _SCALE // 10**decimals
    quotient, remainder = np.divmod(scaled, unit)
    up = (2 * remainder > unit) | ((2 * remainder == unit) & (quotient % 2 == 1))
    return (quotient + up.astype(np.int64)) * unit


def _interpolate(bp: Breakpoints, scaled: IntArray) -> IntArray:
    """Ceiling of the HJ 633 §4.2 formula for scaled values in [0, top] (exact integers)."""
    index = np.clip(np.searchsorted(bp.scaled, scaled, side="left"), 1, len(bp.scaled) - 1)
    levels = np.array(bp.iaqis, dtype=np.int64)
    low, high = bp.scaled[index - 1], bp.scaled[index]
    numerator = (levels[index] - levels[index - 1]) * (scaled - low)
    return levels[index - 1] - (-numerator // (high - low))


def _iaqi_detail(
    bp: Breakpoints, values: FloatArray, substitute: FloatArray | None
) -> tuple[FloatArray, BoolArray]:
    """(IAQI with NaN for missing, over-range mask) of one parameter."""
    _check_not_negative(bp.code, values)
    present = ~np.isnan(values)
    usable = present & (values <= _MAX_SCALABLE)
    scaled = _scaled(values, usable)
    if bp.edition == EDITION_2026:
        scaled = _round_half_even(scaled, DECIMALS_BY_UNIT[bp.unit])
    over = present & (~usable | (scaled > bp.scaled[-1]))
    within = present & ~over
    result = np.full(values.shape, np.nan)
    result[within] = _interpolate(bp, scaled[within])
    if over.any():
        if bp.above_rule == "fixed":
            assert bp.above_iaqi is not None
            result[over] = bp.above_iaqi
        elif bp.above_rule == "substitute":
            assert bp.substitute is not None
            if substitute is not None:
                other = breakpoint_table(bp.edition)[bp.substitute]
                result[over] = _iaqi_detail(other, substitute, None)[0][over]
        else:
            result[over] = iaqi_cap(bp.edition)
    return result, over


def iaqi(parameter: str, concentration: Any, *, edition: str, substitute: Any = None) -> FloatArray:
    """Individual AQI of one parameter, rounded up exactly (HJ 633 §4.2, §6.2 / §4.2.6).

    ``concentration`` is in the table's unit (CO mg/m3, others µg/m3); NaN is missing and gives
    NaN. ``substitute`` is the series the 2012 rules fall back to above the last breakpoint
    (``so2_24h`` for ``so2_1h``, ``o3_1h`` for ``o3_8h``); without it that IAQI is NaN.

    Examples:
        >>> iaqi("co_24h", [1.2, 2.2], edition="2012").tolist()
        [30.0, 55.0]
        >>> iaqi("pm25_24h", [35, 80, np.nan], edition="2026").tolist()
        [50.0, 119.0, nan]
        >>> iaqi("o3_8h", 850, edition="2012", substitute=900).tolist()
        [350.0]
    """
    bp = breakpoint_table(_check_edition(edition)).get(parameter_code(parameter))
    if bp is None:  # pragma: no cover - both tables hold the same codes
        raise ValidationError(f"{parameter} 不在 {edition} 版表中", field=parameter)
    values = np.atleast_1d(np.asarray(concentration, dtype=np.float64))
    other = None if substitute is None else np.atleast_1d(np.asarray(substitute, dtype=np.float64))
    if other is not None:
        values, other = np.broadcast_arrays(values, other)
    return _iaqi_detail(bp, np.array(values), None if other is None else np.array(other))[0]


# ----------------------------------------------------------------------------------------------
# Daily AQI
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DailyAqi:
    """The daily AQI report of n rows (stations or days) under one edition.

    ``iaqi`` is (n, k) over ``indicators``; NaN is missing. ``aqi`` is NaN where it is not
    published. ``level`` is 0 where the AQI is NaN.
    """

    edition: str
    standard: str
    indicators: tuple[str, ...]
    iaqi: FloatArray
    aqi: FloatArray
    level: npt.NDArray[np.int64]
    complete: BoolArray
    over_range: BoolArray

    @property
    def primary(self) -> BoolArray:
        """(n, k): the indicators whose IAQI equals the AQI, when the AQI is above 50."""
        aqi = np.where(np.isnan(self.aqi), -1.0, self.aqi)[:, None]
        return (aqi > excellent_max(self.edition)) & (self.iaqi == aqi)

    @property
    def exceeding(self) -> BoolArray:
        """(n, k): IAQI above 100 — 超标污染物 (HJ 633-2012); in 2026 the trigger of the
        sensitive-groups advice (Table 2)."""
        iaqi = np.where(np.isnan(self.iaqi), -1.0, self.iaqi)
        return iaqi > good_max(self.edition)

    @property
    def determined(self) -> BoolArray:
        """Rows whose AQI is known for the good-day count: complete, or already above 100."""
        aqi = np.where(np.isnan(self.aqi), -1.0, self.aqi)
        return self.complete | (aqi > good_max(self.edition))

    @property
    def good(self) -> BoolArray:
        """Determined rows with AQI ≤ 100 (优良天)."""
        aqi = np.where(np.isnan(self.aqi), np.inf, self.aqi)
        return self.determined & (aqi <= good_max(self.edition))

    def primary_pollutants(self, row: int) -> tuple[str, ...]:
        """Indicator codes of the primary pollutant(s) of ``row``; ties are all listed."""
        return tuple(
            code for code, flag in zip(self.indicators, self.primary[row], strict=True) if flag
        )

    def category(self, row: int) -> AqiCategory | None:
        """Level, category, colour and advice of ``row`` (None when the AQI is NaN)."""
        level = int(self.level[row])
        return categories(self.edition)[level - 1] if level else None

    def sensitive_groups(self, row: int) -> tuple[SensitiveGroup, ...]:
        """HJ 633-2026 Table 2 groups for each pollutant of ``row`` with IAQI above its
        threshold; empty under 2012, which has no such table."""
        if self.edition != EDITION_2026:
            return ()
        table = sensitive_groups_table()
        found: dict[str, SensitiveGroup] = {}
        for code, value in zip(self.indicators, self.iaqi[row], strict=True):
            group = table[breakpoint_table(self.edition)[code].pollutant]
            if not np.isnan(value) and value > group.above:
                found.setdefault(group.pollutant, group)
        return tuple(found.values())


def _daily_aqi(columns: Mapping[str, FloatArray], n: int, edition: str) -> DailyAqi:
    table = breakpoint_table(edition)
    indicators = DAILY_INDICATORS[edition]
    missing = np.full(n, np.nan)
    values = np.full((n, len(indicators)), np.nan)
    over = np.zeros((n, len(indicators)), dtype=bool)
    for j, code in enumerate(indicators):
        bp = table[code]
        substitute = columns.get(bp.substitute) if bp.substitute else None
        values[:, j], over[:, j] = _iaqi_detail(bp, columns.get(code, missing), substitute)
    present = ~np.isnan(values)
    complete = present.all(axis=1)
    highest = np.where(present, values, -1.0).max(axis=1, initial=-1.0)
    aqi = np.where(highest >= 0, highest, np.nan)
    if edition == EDITION_2026:  # §5.3: with a pollutant missing, publish only AQI > 100
        aqi = np.where(complete | (highest > good_max(edition)), aqi, np.nan)
    maxima = np.array([c.aqi_max for c in categories(edition)[:-1]], dtype=np.float64)
    known = ~np.isnan(aqi)
    level = np.where(known, np.searchsorted(maxima, np.where(known, aqi, 0.0), side="left") + 1, 0)
    return DailyAqi(
        edition=edition,
        standard=STANDARDS[edition]["aqi"],
        indicators=indicators,
        iaqi=values,
        aqi=aqi,
        level=level.astype(np.int64),
        complete=complete,
        over_range=over,
    )


def daily_aqi(readings: Mapping[str, Any], on: Any) -> DailyAqi:
    """Daily AQI (日报) of rows of daily values, judged by the edition of ``on``.

    ``readings`` maps parameter codes or table names to arrays (or scalars) of daily values:
    24-h means, ``o3_1h`` = daily max 1-h, ``o3_8h`` = daily max 8-h. An absent column is
    missing. ``on`` is the date of the data, or one date per row; rows must not straddle
    2026-03-01 (split them with :func:`editions_for`).

    Examples:
        >>> day = {"so2_24h": 10, "no2_24h": 30, "pm10_24h": 60, "pm25_24h": 40,
        ...        "co_24h": 0.8, "o3_1h": 150, "o3_8h": 120}
        >>> old, new = daily_aqi(day, date(2026, 2, 28)), daily_aqi(day, date(2026, 3, 1))
        >>> old.standard, old.aqi.tolist(), old.primary_pollutants(0), old.category(0).category_zh
        ('HJ 633-2012', [67.0], ('o3_8h',), '良')
        >>> new.standard, new.iaqi[0].tolist()
        ('HJ 633-2026', [10.0, 38.0, 58.0, 60.0, 20.0, 67.0])
    """
    editions = np.unique(editions_for(on))
    if editions.size != 1:
        raise ValidationError(
            "数据跨越 2026-03-01 标准切换日，请按版本拆分 "
            "(rows straddle the 2026-03-01 switch of editions; split them with editions_for)",
            field="on",
        )
    columns, n = _columns(readings)
    days = _as_days(on)
    if days.size != 1 and n not in (0, days.size):
        raise ValidationError("日期个数与数据行数不一致 (one date per row expected)", field="on")
    return _daily_aqi(columns, max(n, 1 if days.size == 1 else days.size), str(editions[0]))


# ----------------------------------------------------------------------------------------------
# Annual assessment
# ----------------------------------------------------------------------------------------------


def _exact_percentile(ordered: list[Fraction], p: Fraction) -> Fraction:
    """HJ 663 Appendix A: k = 1 + (n − 1)p/100, s = ⌊k⌋, m = X_s + (X_{s+1} − X_s)(k − s)."""
    n = len(ordered)
    k = 1 + (n - 1) * p / 100
    s = int(k)  # k ≥ 1, so int() is the floor
    if s >= n:
        return ordered[n - 1]
    return ordered[s - 1] + (ordered[s] - ordered[s - 1]) * (k - s)


def _valid_fractions(values: Any, field_name: str) -> list[Fraction]:
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    _check_not_negative(field_name, array)
    array = array[~np.isnan(array)]
    if np.any(array > _MAX_SCALABLE):
        raise ValidationError(f"{field_name} 含不可信的值 (implausible value)", field=field_name)
    scaled = np.sort(_scaled(array, np.ones(array.shape, dtype=bool)))
    return [Fraction(int(v), _SCALE) for v in scaled]


def percentile(values: Any, p: float) -> float:
    """The p-th percentile of the valid (non-NaN) values by HJ 663 Appendix A, exactly.

    Examples:
        >>> percentile([50, 60, 70, 80, 90, 100, 110, 120, 130, 170], 90)
        134.0
        >>> percentile(range(1, 366), 95), percentile(range(1, 366), 98)
        (346.8, 357.72)
    """
    ordered = _valid_fractions(values, "values")
    if not ordered:
        raise ValidationError("没有有效值，无法计算百分位数 (no valid values)", field="values")
    if not 0 <= p <= 100:
        raise ValidationError(f"百分位 p 应在 0–100 之间 (p = {p})", field="p")
    return float(_exact_percentile(ordered, Fraction(str(p))))


def _rounded(value: Fraction, unit: str) -> Fraction:
    decimals = DECIMALS_BY_UNIT[unit]
    return Fraction(round(value * 10**decimals), 10**decimals)  # Fraction rounds half to even


@dataclass(frozen=True, slots=True)
class AnnualStatistic:
    """One HJ 663 statistic of one pollutant for a year, with the limit it is judged against."""

    pollutant: str
    statistic: str
    statistic_zh: str
    unit: str
    value: float | None
    """Rounded as reported (integer µg/m3, CO 0.1 mg/m3); None when the data are not valid."""
    exact: float | None
    limit: float
    valid_days: int
    valid: bool
    attains: bool | None


@dataclass(frozen=True, slots=True)
class AnnualAssessment:
    """Annual attainment of one site or city, with the edition and limits that judged it."""

    year: int
    edition: str
    limits_standard: str
    assessment_standard: str
    limits_column: str
    statistics: tuple[AnnualStatistic, ...]
    pollutant_attains: dict[str, bool | None]
    attains: bool | None
    good_days: int
    determined_days: int
    good_day_ratio: float | None
    aqi_standards: tuple[str, ...]


def _data_valid(days: npt.NDArray[np.datetime64], present: BoolArray) -> bool:
    if int(present.sum()) < ANNUAL_MIN_DAILY_VALUES:
        return False
    months = days[present].astype("datetime64[M]").astype(np.int64) % 12  # 0 = January
    counts = np.bincount(months, minlength=12)
    minimums = np.full(12, MONTH_MIN_DAILY_VALUES)
    minimums[1] = FEBRUARY_MIN_DAILY_VALUES
    return bool(np.all(counts >= minimums))


def _combine(flags: Iterable[bool | None]) -> bool | None:
    values = list(flags)
    if any(flag is False for flag in values):
        return False
    return None if any(flag is None for flag in values) else True


def annual_assessment(
    daily: Mapping[str, Any], days: Any, *, edition: str | None = None, grade: int = 2
) -> AnnualAssessment:
    """Annual statistics, attainment and good-day ratio of one calendar year of daily values.

    ``daily`` holds one value per day in ``days`` for ``so2_24h``, ``no2_24h``, ``pm10_24h``,
    ``pm25_24h``, ``co_24h``, ``o3_8h`` (MDA8) and, for days judged under 2012, ``o3_1h``
    (daily max 1-h). The statistics are those of ``hj663_annual_assessment.csv`` with the
    percentile of HJ 663 Appendix A; each needs the data validity of GB 3095 Table 4. A
    pollutant attains when all its statistics, rounded, are ≤ the limit of the edition (and,
    for 2026, of the transition or final phase); the year attains when all six do (None when
    some cannot be judged and none fails). ``edition`` defaults to the edition of the days and
    must be given for a year that straddles 2026-03-01.

    Examples:
        >>> days = np.arange("2025-01-01", "2026-01-01", dtype="datetime64[D]")
        >>> pm25 = np.where(np.arange(days.size) % 10 == 0, 80.0, 30.0)
        >>> result = annual_assessment({"pm25_24h": pm25}, days)
        >>> [(s.statistic, s.value, s.limit, s.attains) for s in result.statistics[6:8]]
        [('annual_mean', 35.0, 35.0, True), ('p95_daily', 80.0, 75.0, False)]
        >>> result.pollutant_attains["pm25"], result.attains
        (False, False)
    """
    columns, n = _columns(daily)
    day_array = _as_days(days)
    if n not in (0, day_array.size) or len(set(day_array.tolist())) != day_array.size:
        raise ValidationError(
            "每天应恰有一行数据 (one row per distinct day expected)", field="days"
        )
    n = day_array.size
    years = np.unique(day_array.astype("datetime64[Y]").astype(np.int64) + 1970)
    if years.size != 1:
        raise ValidationError(f"数据应属于同一年 (days span years {years.tolist()})", field="days")
    year = int(years[0])
    editions = editions_for(day_array)
    if edition is None:
        found = np.unique(editions)
        if found.size != 1:
            raise ValidationError(
                "该年跨越 2026-03-01 标准切换日，须指定评价版本 (the year straddles the 2026-03-01 "
                "switch; pass edition='2012' or '2026' — an open policy question, "
                "docs/modules/standards.md §7.5)",
                field="edition",
            )
        edition = str(found[0])
    _check_edition(edition)
    column = limits_column(edition, date(year, 12, 31), grade)
    missing = np.full(n, np.nan)

    statistics = []
    for row in annual_statistics_table():
        code = (
            "o3_8h" if row["compare_with_averaging"] == "mda8" else f"{row['pollutant_code']}_24h"
        )
        values = columns.get(code, missing)
        present = ~np.isnan(values)
        ordered = _valid_fractions(values, code)
        valid = _data_valid(day_array, present)
        limit = Fraction(row[column])
        exact: Fraction | None = None
        if valid:
            if row["percentile"].strip():
                exact = _exact_percentile(ordered, Fraction(row["percentile"]))
            else:
                exact = sum(ordered, Fraction(0)) / len(ordered)
        value = None if exact is None else _rounded(exact, row["unit"])
        statistics.append(
            AnnualStatistic(
                pollutant=row["pollutant_code"],
                statistic=row["statistic_code"],
                statistic_zh=row["statistic_zh"],
                unit=row["unit"],
                value=None if value is None else float(value),
                exact=None if exact is None else float(exact),
                limit=float(limit),
                valid_days=len(ordered),
                valid=valid,
                attains=None if value is None else value <= limit,
            )
        )
    pollutants = dict.fromkeys(s.pollutant for s in statistics)
    pollutant_attains = {
        p: _combine(s.attains for s in statistics if s.pollutant == p) for p in pollutants
    }

    good = determined = 0
    aqi_standards = []
    for day_edition in EDITIONS:
        rows = editions == day_edition
        if not rows.any():
            continue
        report = _daily_aqi({c: v[rows] for c, v in columns.items()}, int(rows.sum()), day_edition)
        good += int(report.good.sum())
        determined += int(report.determined.sum())
        aqi_standards.append(report.standard)
    return AnnualAssessment(
        year=year,
        edition=edition,
        limits_standard=STANDARDS[edition]["limits"],
        assessment_standard=STANDARDS[edition]["assessment"],
        limits_column=column,
        statistics=tuple(statistics),
        pollutant_attains=pollutant_attains,
        attains=_combine(pollutant_attains.values()),
        good_days=good,
        determined_days=determined,
        good_day_ratio=good / determined if determined else None,
        aqi_standards=tuple(aqi_standards),
    )
