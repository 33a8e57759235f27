"""Pure rules for farmland soil: a sampling point's category by GB 15618-2018 and the counts of
a county (the plan's 耕地分类: 优先保护 / 安全利用 / 严格管控, 二(一)3).

- **Point category** (GB 15618-2018 §5–§7): below the screening value of every item →
  优先保护 (priority protection); above a screening value but at or below the intervention
  value → 安全利用 (safe use); above an intervention value → 严格管控 (strict control). Items
  without an intervention value (Cu, Ni, Zn) above screening call for more monitoring and do
  not change the category (:func:`ecociv.standards.soil.farmland_class`).
- **Measured values**: the latest sample of each item at the point, with the soil pH of that
  sample (the screening values depend on pH and, for Cd, Hg, As, Pb and Cr, on paddy or not).
- **County counts**: points per category over the points that could be judged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ecociv.kernel.errors import ValidationError
from ecociv.standards import soil as gb15618

#: The category labels in their order (1, 2, 3), as GB 15618-2018 §7 names them.
CATEGORIES = ("优先保护", "安全利用", "严格管控")


@dataclass(frozen=True, slots=True)
class SoilVerdict:
    """A soil point's farmland category and the items above their screening value."""

    site_code: str
    category: int  # 1 优先保护, 2 安全利用, 3 严格管控, 0 not judged
    label: str
    ph: float | None
    values: Mapping[str, float]
    above_screening: tuple[tuple[str, float, float], ...]  # (item, value, screening value)
    above_intervention: tuple[tuple[str, float, float], ...]  # (item, value, intervention)
    monitoring_needed: bool
    reason: str  # why a point is not judged


@dataclass(frozen=True, slots=True)
class SoilCountySummary:
    key: str
    points: int
    judged: int
    counts: Mapping[str, int]  # label → points


def point_verdict(site_code: str, values: Mapping[str, float], land_use: str) -> SoilVerdict:
    """The category of one point from its item contents (mg/kg) and ``ph``.

    Examples:
        >>> point_verdict("P1", {"cd": 0.35, "ph": 5.2}, "paddy").label
        '安全利用'
        >>> point_verdict("P2", {"pb": 1200.0, "ph": 8.0}, "other").label
        '严格管控'
        >>> point_verdict("P3", {"cd": 0.2}, "paddy").reason
        '缺少土壤 pH (no soil pH)'
    """
    items = {key[2] for key in gb15618.farmland_items()}
    usable = {
        code: float(v)
        for code, v in values.items()
        if code in items and v is not None and not math.isnan(float(v))
    }
    ph = values.get("ph")

    def unjudged(reason: str) -> SoilVerdict:
        return SoilVerdict(site_code, 0, "", ph, usable, (), (), False, reason)

    if ph is None or math.isnan(float(ph)):
        return unjudged("缺少土壤 pH (no soil pH)")
    if not usable:
        return unjudged("没有 GB 15618 项目的测定值 (no GB 15618 item measured)")
    try:
        result = gb15618.farmland_class(
            {code: [v] for code, v in usable.items()}, [float(ph)], land_use=land_use
        )
    except ValidationError as exc:
        return unjudged(exc.message)
    above_s, above_i = [], []
    for code, value in sorted(usable.items()):
        level = int(result.item_levels[code][0])
        if level >= gb15618.ABOVE_SCREENING:
            above_s.append((code, value, float(result.screening[code][0])))
        if level == gb15618.ABOVE_INTERVENTION:
            above_i.append((code, value, float(result.intervention[code][0])))
    category = int(result.category[0])
    return SoilVerdict(
        site_code=site_code,
        category=category,
        label=str(result.labels[0]),
        ph=float(ph),
        values=usable,
        above_screening=tuple(above_s),
        above_intervention=tuple(above_i),
        monitoring_needed=bool(result.monitoring_needed[0]),
        reason="",
    )


def summarise(key: str, verdicts: Sequence[SoilVerdict]) -> SoilCountySummary:
    """Points per category.

    Examples:
        >>> a = point_verdict("A", {"cd": 0.1, "ph": 6.0}, "paddy")
        >>> b = point_verdict("B", {"cd": 0.1}, "paddy")
        >>> s = summarise("柯城区", [a, b])
        >>> s.points, s.judged, dict(s.counts)
        (2, 1, {'优先保护': 1, '安全利用': 0, '严格管控': 0})
    """
    counts = dict.fromkeys(CATEGORIES, 0)
    for verdict in verdicts:
        if verdict.category:
            counts[verdict.label] += 1
    return SoilCountySummary(key, len(verdicts), sum(1 for v in verdicts if v.category), counts)
