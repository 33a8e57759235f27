"""Pure rules for surface-water assessment: a section's verdict over a period and the shares of
a river or county, by GB 3838-2002 and the 2011 assessment method (《地表水环境质量评价办法
（试行）》, 环办〔2011〕22号).

Definitions (each cited; the standards engine :mod:`ecociv.standards.water` holds the limits):

- **Section class over a period** (断面水质类别): the class of the period means of the items,
  not the worst sample (2011 method §三(一)2; :func:`ecociv.standards.water.water_class`). The
  period means are the monitoring store's monthly or annual means (mean of daily means; with
  one sample a day that is the mean of the samples).
- **Attainment** (达标): the section's class is as good as or better than its target class
  (the water-function target set for the section).
- **Items over the target** (超标项目): routine items (the 21 of the 2011 method; fecal
  coliform and total nitrogen are reference items) whose period mean exceeds the target class
  limit, with the over-limit multiple (C − L) / L (GB 3838-2002 §5.1; not for temperature,
  pH, DO).
- **Main pollutants** (主要污染指标): when a section is worse than class III, the items over
  the class III limit ranked by over-limit multiple, the first three (2011 method §三(一)3).
- **River / county** (河流、区域): share of sections with a class at III or better (优良, I–III)
  and share worse than V (劣V), over the sections that have a class (2011 method §三(二):
  rivers are judged by the share of their sections in each class). Attainment share is over
  the sections with a class and a target.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ecociv.standards import water as gb3838

#: Class III is the line between 优良 (I–III) and the rest (2011 method §三(二)).
GOOD_CLASS = 3
#: Class code of 劣V (worse than V).
WORSE_THAN_V = 6
#: Main pollutants listed for a section worse than class III (2011 method §三(一)3).
MAIN_POLLUTANTS = 3


@dataclass(frozen=True, slots=True)
class Exceedance:
    """An item whose period mean is over a class limit, and by how many times."""

    item: str
    name_zh: str
    value: float
    multiple: float


@dataclass(frozen=True, slots=True)
class SectionVerdict:
    """A section's verdict for one period (``2025`` or ``2025-07``)."""

    site_code: str
    period: str
    water_class: int  # 1–6 (I–V, 劣V); 0 when no routine item was measured
    label: str  # "I" … "劣V", "" for no class
    status_zh: str  # 优 / 良好 / 轻度污染 / 中度污染 / 重度污染
    colour: str  # CSS colour of the class
    target_class: int | None
    attains: bool | None  # None without a class or a target
    deciding_items: tuple[str, ...]
    over_target: tuple[Exceedance, ...]
    main_pollutants: tuple[Exceedance, ...]
    means: Mapping[str, float]
    samples: int  # days with a value in the period (most items)


@dataclass(frozen=True, slots=True)
class WaterGroupSummary:
    """Shares of a river's or a county's sections for one period."""

    key: str
    sections: int  # sections in the group
    judged: int  # sections with a class
    good: int  # class I–III
    worse_than_v: int
    with_target: int
    attaining: int
    good_share: float | None
    worse_than_v_share: float | None
    attainment_share: float | None
    class_counts: Mapping[str, int]


#: CSS colours of the colour names of ``gb3838_class_status.csv`` (I–II 蓝, III 绿, IV 黄,
#: V 橙, 劣V 红); "no class" is grey.
_CSS = {
    "blue": "#1e6fe0",
    "green": "#3cb44b",
    "yellow": "#f5c400",
    "orange": "#f58220",
    "red": "#e02020",
}
NO_CLASS_COLOUR = "#9e9e9e"


def class_colour(water_class: int) -> str:
    """The map colour of a class code (grey for no class).

    Examples:
        >>> class_colour(3), class_colour(6), class_colour(0)
        ('#3cb44b', '#e02020', '#9e9e9e')
    """
    if water_class == gb3838.NO_CLASS:
        return NO_CLASS_COLOUR
    status = gb3838.class_status(water_class)
    return _CSS.get(status.color_en.split()[0].lower(), NO_CLASS_COLOUR)


def _item_name(code: str) -> str:
    return gb3838.water_items()[(gb3838.STANDARD, gb3838.EDITION, code)].name_zh


def _routine(code: str) -> bool:
    return gb3838.water_items()[(gb3838.STANDARD, gb3838.EDITION, code)].routine


def _over(
    means: Mapping[str, float], against: int, water_body: str, *, only_over: bool = True
) -> list[Exceedance]:
    """Items over the limits of class ``against``: the routine items of the 2011 method only
    (temperature, total nitrogen and fecal coliform are reference items, not assessed)."""
    routine = {code: value for code, value in means.items() if _routine(code)}
    if not routine:
        return []
    multiples = gb3838.exceedances(
        {code: [value] for code, value in routine.items()}, against, water_body=water_body
    )
    found = [
        Exceedance(code, _item_name(code), means[code], float(array[0]))
        for code, array in multiples.items()
        if not math.isnan(float(array[0])) and (float(array[0]) > 0 or not only_over)
    ]
    return sorted(found, key=lambda e: (-e.multiple, e.item))


def section_verdict(
    site_code: str,
    period: str,
    means: Mapping[str, float],
    *,
    target_class: int | None,
    water_body: str = "river",
    samples: int = 0,
) -> SectionVerdict:
    """The verdict of one section over one period from its item means (table units, mg/L).

    Items the standard does not know are ignored (a section may report flow or conductivity).

    Examples:
        >>> v = section_verdict("S1", "2025-07", {"nh3n": 2.35, "tp": 0.12, "do": 6.1},
        ...                     target_class=3)
        >>> v.label, v.attains, [e.item for e in v.main_pollutants], v.deciding_items
        ('劣V', False, ['nh3n'], ('nh3n',))
        >>> round(v.over_target[0].multiple, 2)
        1.35
    """
    codes = {key[2] for key in gb3838.water_items()}
    usable = {
        code: float(value)
        for code, value in means.items()
        if code in codes and value is not None and not math.isnan(float(value))
    }
    result = gb3838.water_class({code: [v] for code, v in usable.items()}, water_body=water_body)
    water_class = int(result.water_class[0]) if usable else gb3838.NO_CLASS
    label = str(gb3838.class_labels([water_class])[0])
    deciding: tuple[str, ...] = tuple(result.deciding_items[0]) if usable else ()
    status = gb3838.class_status(water_class).status_zh if water_class else ""
    attains = None
    over_target: list[Exceedance] = []
    if water_class and target_class is not None:
        attains = water_class <= target_class
        over_target = _over(usable, target_class, water_body)
    main: list[Exceedance] = []
    if water_class > GOOD_CLASS:
        main = _over(usable, GOOD_CLASS, water_body)[:MAIN_POLLUTANTS]
    return SectionVerdict(
        site_code=site_code,
        period=period,
        water_class=water_class,
        label=label,
        status_zh=status,
        colour=class_colour(water_class),
        target_class=target_class,
        attains=attains,
        deciding_items=deciding,
        over_target=tuple(over_target),
        main_pollutants=tuple(main),
        means=usable,
        samples=samples,
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def summarise(key: str, verdicts: Sequence[SectionVerdict]) -> WaterGroupSummary:
    """Shares of a group of sections (a river, a county, the city) for one period.

    Examples:
        >>> a = section_verdict("A", "2025", {"nh3n": 0.4}, target_class=3)
        >>> b = section_verdict("B", "2025", {"nh3n": 2.5}, target_class=3)
        >>> c = section_verdict("C", "2025", {}, target_class=3)
        >>> s = summarise("衢江", [a, b, c])
        >>> s.judged, s.good_share, s.worse_than_v_share, s.attainment_share
        (2, 0.5, 0.5, 0.5)
    """
    judged = [v for v in verdicts if v.water_class]
    good = sum(1 for v in judged if v.water_class <= GOOD_CLASS)
    worse = sum(1 for v in judged if v.water_class == WORSE_THAN_V)
    targeted = [v for v in judged if v.attains is not None]
    attaining = sum(1 for v in targeted if v.attains)
    counts: dict[str, int] = {}
    for v in judged:
        counts[v.label] = counts.get(v.label, 0) + 1
    return WaterGroupSummary(
        key=key,
        sections=len(verdicts),
        judged=len(judged),
        good=good,
        worse_than_v=worse,
        with_target=len(targeted),
        attaining=attaining,
        good_share=_share(good, len(judged)),
        worse_than_v_share=_share(worse, len(judged)),
        attainment_share=_share(attaining, len(targeted)),
        class_counts=counts,
    )


def group_by(
    verdicts: Iterable[SectionVerdict], keys: Mapping[str, str]
) -> dict[str, list[SectionVerdict]]:
    """Verdicts grouped by the key of their site (``keys``: site code → river or county)."""
    groups: dict[str, list[SectionVerdict]] = {}
    for verdict in verdicts:
        groups.setdefault(keys.get(verdict.site_code, ""), []).append(verdict)
    return groups


def parse_period(text: str) -> tuple[int, int | None]:
    """A period ``YYYY`` (a year) or ``YYYY-MM`` (a month).

    Examples:
        >>> parse_period("2025"), parse_period("2025-07")
        ((2025, None), (2025, 7))
        >>> parse_period("2025-13")
        Traceback (most recent call last):
        ...
        ValueError: 2025-13
    """
    text = text.strip()
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) == 2 else None
    except ValueError:
        raise ValueError(text) from None
    if len(parts) > 2 or not 1990 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise ValueError(text)
    return year, month
