"""Surface-water quality class: GB 3838-2002 Table 1 and the 2011 assessment method.

The limits are package data (``data/gb3838_2002_basic.csv``, ``data/gb3838_class_status.csv``,
copied unchanged from the project's shared standards tables; provenance in
``data/README_water_soil.md``), each keyed by standard, edition and item code. No limit
appears in this module.

What is implemented, and where it comes from:

* Class of one item (GB 3838-2002 §4 and Table 1; 《地表水环境质量评价办法（试行）》,
  环办〔2011〕22号, single-factor method): a ``max`` item takes the best class whose limit it
  does not exceed (C ≤ limit, so a value on a shared limit gets the better class); dissolved
  oxygen is "not less than" (C ≥ limit); pH inside the 6–9 range puts no constraint (class I),
  outside it meets no class (劣V, the implementation convention of docs/modules/standards.md
  §2); no class qualifying is 劣V. Total phosphorus takes the lake/reservoir column at lake and
  reservoir points.
* Class of a sample or section: the worst class over the 21 routine items of the 2011 method
  (``in_routine_assessment_2011 == yes``). Water temperature, total nitrogen and fecal
  coliform are reference items: graded separately where the table has limits (TN at lakes and
  reservoirs only, "河流总氮除外"), never folded into the class.
* Period class (week, month, quarter, year): the arithmetic mean of each item over the valid
  samples, then classified (2011 method) — not the worst sample.
* Over-limit multiple (超标倍数, GB 3838-2002 §5.1 and the 2011 method): (C − L) / L where
  C > L, against the limit of a target class; not computed for water temperature, pH or DO.

Conventions chosen here where the sources are silent or unverified (docs/modules/standards.md §7.2):

* Missing readings are ``NaN`` and are ignored item by item; a sample with no assessable item
  has class 0 (``NO_CLASS``, "no class").
* A reading below the detection limit is passed through :func:`substitute_non_detects`, which
  by default puts it at its detection limit (an upper bound, so never a better class than the
  data allow); the programme may choose another fraction (for example one half) once the
  2011 text is read. Nothing is substituted silently.
* Readings must be in the table units (mg/L; fecal coliform per litre). Telemetry reports some
  metals in µg/L (HJ 212): convert with :func:`to_table_units` or
  :func:`ug_per_l_to_mg_per_l`; nothing is guessed from the magnitude.
* Limits are parsed as decimals and compared as the nearest binary floats, which orders decimal
  readings exactly. Derived values (means, unit conversions) are first rounded to 12
  significant digits so that float noise (0.1 + 0.2 + 0.3 over 3 = 0.20000000000000004) does not
  move a value over a limit it sits on.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ecociv.kernel.errors import ValidationError

STANDARD: Final = "GB 3838"
EDITION: Final = "2002"

#: Class code of a sample with no assessable item (all readings missing).
NO_CLASS: Final = 0

#: Significant digits kept when derived values (means, conversions) are compared with limits.
SIGNIFICANT_DIGITS: Final = 12

_LAKE_BODIES: Final = frozenset({"lake", "reservoir", "湖泊", "水库", "湖库"})
_RIVER_BODIES: Final = frozenset({"river", "河流"})
#: How Table 1 names an item it sets for lakes and reservoirs only (总氮（湖、库，以N计）).
_LAKE_ONLY_MARK: Final = "湖、库"

#: Unit spellings accepted by :func:`to_table_units`, as (table unit, factor to table unit).
_MASS_PER_L: Final = "mg/L"
_COUNT_PER_L: Final = "count/L (个/L)"
_UNIT_FACTORS: Final[Mapping[str, tuple[str, Decimal]]] = {
    "mg/l": (_MASS_PER_L, Decimal(1)),
    "ug/l": (_MASS_PER_L, Decimal(1) / Decimal(1000)),
    "µg/l": (_MASS_PER_L, Decimal(1) / Decimal(1000)),
    "μg/l": (_MASS_PER_L, Decimal(1) / Decimal(1000)),
    "ng/l": (_MASS_PER_L, Decimal(1) / Decimal(1_000_000)),
    "g/l": (_MASS_PER_L, Decimal(1000)),
    "个/l": (_COUNT_PER_L, Decimal(1)),
    "count/l": (_COUNT_PER_L, Decimal(1)),
    "mpn/l": (_COUNT_PER_L, Decimal(1)),
    "cfu/l": (_COUNT_PER_L, Decimal(1)),
    "个/100ml": (_COUNT_PER_L, Decimal(10)),
    "mpn/100ml": (_COUNT_PER_L, Decimal(10)),
    "cfu/100ml": (_COUNT_PER_L, Decimal(10)),
}


@dataclass(frozen=True, slots=True)
class WaterItem:
    """One row of GB 3838-2002 Table 1 as held in ``gb3838_2002_basic.csv``.

    ``limits`` and ``lake_limits`` are the class I…V limits (``None`` where the standard has
    none); ``direction`` is ``max``, ``min`` (DO), ``range`` (pH) or ``special`` (temperature).
    """

    standard: str
    edition: str
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    range_min: Decimal | None
    range_max: Decimal | None
    limits: tuple[Decimal | None, ...]
    lake_limits: tuple[Decimal | None, ...]
    routine: bool
    lake_only: bool
    hj212_code: str
    note: str

    def limits_at(self, *, lake: bool) -> tuple[Decimal | None, ...]:
        """The class I…V limits at a lake/reservoir point (lake column if any) or a river.

        An item the standard lists for lakes and reservoirs only (TN, "湖、库") has no limits
        at a river (GB 3838-2002 Table 1, items 8 and 9).

        Examples:
            >>> tp = water_items()[("GB 3838", "2002", "tp")]
            >>> str(tp.limits_at(lake=True)[2]), str(tp.limits_at(lake=False)[2])
            ('0.05', '0.2')
        """
        if lake and any(limit is not None for limit in self.lake_limits):
            return self.lake_limits
        if not lake and self.lake_only:
            return tuple(None for _ in self.limits)
        return self.limits


@dataclass(frozen=True, slots=True)
class ClassStatus:
    """One row of ``gb3838_class_status.csv``: class, rank, 水质状况, colour, water functions."""

    label: str
    rank: int
    status_zh: str
    status_en: str
    color_zh: str
    color_en: str
    functions_zh: str
    functions_en: str


@dataclass(frozen=True)
class WaterResult:
    """Classes of a batch of samples (every array has the samples' broadcast shape).

    ``water_class`` holds 1…6 (I…V, 劣V) or 0 for no class; ``item_classes`` the class of each
    item given (routine and reference items alike, 0 where missing); ``deciding`` marks, per
    routine item, the samples whose class that item sets.
    """

    water_class: NDArray[np.int8]
    item_classes: Mapping[str, NDArray[np.int8]]
    deciding: Mapping[str, NDArray[np.bool_]]

    @property
    def labels(self) -> NDArray[np.str_]:
        """Class labels (``"I"`` … ``"劣V"``, ``""`` for no class)."""
        return class_labels(self.water_class)

    @property
    def deciding_items(self) -> NDArray[np.object_]:
        """Per sample, the tuple of item codes that set its class (empty for no class)."""
        out = np.empty(self.water_class.shape, dtype=object)
        for index in np.ndindex(self.water_class.shape):
            out[index] = tuple(code for code, mask in self.deciding.items() if mask[index])
        return out


# ---------------------------------------------------------------------------------------------
# tables


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


def _read_csv(name: str) -> list[dict[str, str]]:
    source = resources.files("ecociv.standards").joinpath(f"data/{name}")
    with source.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def class_statuses() -> dict[int, ClassStatus]:
    """Class rank → status and colour (``gb3838_class_status.csv``; GB 3838-2002 §3 for the
    functions, 2011 assessment method for 水质状况).

    Examples:
        >>> class_statuses()[3].status_zh
        '良好'
    """
    return {
        int(row["class_rank"]): ClassStatus(
            row["class"],
            int(row["class_rank"]),
            row["status_zh"],
            row["status_en"],
            row["color_zh"],
            row["color_en"],
            row["functions_zh"],
            row["functions_en"],
        )
        for row in _read_csv("gb3838_class_status.csv")
    }


def _graded_labels() -> list[str]:
    """I…V: the class labels that have limit columns in Table 1."""
    return [s.label for s in sorted(class_statuses().values(), key=lambda s: s.rank)][:-1]


def _worst_rank() -> int:
    """The rank of 劣V (no class of Table 1 met)."""
    return max(class_statuses())


@cache
def water_items() -> dict[tuple[str, str, str], WaterItem]:
    """GB 3838-2002 Table 1, keyed by (standard, edition, item code).

    Examples:
        >>> item = water_items()[("GB 3838", "2002", "nh3n")]
        >>> item.name_zh, str(item.limits[2])
        ('氨氮（NH3-N）', '1.0')
    """
    labels = _graded_labels()
    items = {}
    for row in _read_csv("gb3838_2002_basic.csv"):
        item = WaterItem(
            standard=STANDARD,
            edition=EDITION,
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            unit=row["unit"],
            direction=row["direction"],
            range_min=_decimal(row["range_min"]),
            range_max=_decimal(row["range_max"]),
            limits=tuple(_decimal(row[f"class_{label}"]) for label in labels),
            lake_limits=tuple(_decimal(row[f"lake_class_{label}"]) for label in labels),
            routine=row["in_routine_assessment_2011"] == "yes",
            lake_only=_LAKE_ONLY_MARK in row["name_zh"],
            hj212_code=row["hj212_code"],
            note=row["note"],
        )
        items[(item.standard, item.edition, item.code)] = item
    return items


def _items() -> dict[str, WaterItem]:
    return {code: item for (_, _, code), item in water_items().items()}


@cache
def _aliases() -> dict[str, str]:
    """Code, HJ 212 code, Chinese name and the Chinese name without its bracket → code."""
    aliases: dict[str, str] = {}
    base_names: dict[str, list[str]] = {}
    for code, item in _items().items():
        aliases[code] = code
        aliases[item.hj212_code.lower()] = code
        aliases[item.name_zh] = code
        base_names.setdefault(item.name_zh.split("（")[0], []).append(code)
    for base, codes in base_names.items():
        if len(codes) == 1:
            aliases.setdefault(base, codes[0])
    return aliases


def item_code(name_or_code: str) -> str:
    """The GB 3838-2002 item code for a code, a Chinese name of Table 1 or an HJ 212 code.

    Examples:
        >>> item_code("氨氮"), item_code("总磷（以P计）"), item_code("NH3N"), item_code("w01009")
        ('nh3n', 'tp', 'nh3n', 'do')
        >>> item_code("叶绿素a")
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 未知的地表水监测项目 “叶绿素a”...
    """
    key = name_or_code.strip()
    code = _aliases().get(key) or _aliases().get(key.lower())
    if code is None:
        raise ValidationError(
            f"未知的地表水监测项目 “{name_or_code}”，GB 3838-2002 表1 中没有此项 "
            f"(unknown surface-water item {name_or_code!r})",
            field=name_or_code,
        )
    return code


def class_labels(classes: ArrayLike) -> NDArray[np.str_]:
    """Labels for class codes: 1…6 → ``"I"`` … ``"劣V"``, 0 → ``""`` (no class); the classes
    of GB 3838-2002 §4 plus 劣V of the 2011 method, as listed in ``gb3838_class_status.csv``.

    Examples:
        >>> class_labels([1, 3, 6, 0]).tolist()
        ['I', 'III', '劣V', '']
    """
    table = [""] + [class_statuses()[rank].label for rank in sorted(class_statuses())]
    codes = np.asarray(classes, dtype=np.int64)
    if codes.size and (codes.min() < NO_CLASS or codes.max() > _worst_rank()):
        raise ValidationError(f"水质类别代码超出范围 (class codes out of range): {classes!r}")
    return np.asarray(table)[codes]


def class_status(water_class: int | str) -> ClassStatus:
    """Status word, colour and water functions of a class (``gb3838_class_status.csv``).

    Accepts the rank (1…6) or the label (``"III"``, ``"劣V"``).

    Examples:
        >>> class_status("劣V").status_zh, class_status(2).color_en
        ('重度污染', 'blue')
    """
    return class_statuses()[_rank(water_class, allow_worst=True)]


def _rank(water_class: int | str | np.integer, *, allow_worst: bool) -> int:
    by_label = {status.label: rank for rank, status in class_statuses().items()}
    if isinstance(water_class, str):
        rank = by_label.get(water_class.strip().upper())
    else:
        rank = int(water_class)
    top = _worst_rank() if allow_worst else _worst_rank() - 1
    if rank is None or not 1 <= rank <= top:
        raise ValidationError(
            f"水质类别 “{water_class}” 无效 (not a GB 3838-2002 class"
            f"{'' if allow_worst else ' with limits'})",
            field="water_class",
        )
    return rank


# ---------------------------------------------------------------------------------------------
# arrays


def round_significant(values: ArrayLike, digits: int = SIGNIFICANT_DIGITS) -> NDArray[np.float64]:
    """Round to ``digits`` significant digits (NaN, ±inf and 0 pass through).

    Used on derived values before they are compared with limits, so that float noise does not
    move a value that sits on a limit.

    Examples:
        >>> float(round_significant((0.1 + 0.2 + 0.3) / 3))
        0.2
    """
    out = np.array(values, dtype=np.float64, copy=True)
    finite = np.isfinite(out) & (out != 0)
    if finite.any():
        chosen = out[finite]
        exponent = np.floor(np.log10(np.abs(chosen)))
        with np.errstate(over="ignore", invalid="ignore"):
            # values beyond about 1e±290 have no decimal reading behind them: left as they are
            scale = np.power(10.0, digits - 1 - exponent)
            scaled = chosen * scale
        ok = np.isfinite(scale) & np.isfinite(scaled) & (scale > 0)
        chosen[ok] = np.round(scaled[ok]) / scale[ok]
        out[finite] = chosen
    return out


def _lake_mask(water_body: ArrayLike | str) -> NDArray[np.bool_]:
    bodies = np.asarray(water_body, dtype=str)
    for body in np.unique(bodies):
        if str(body) not in _LAKE_BODIES | _RIVER_BODIES:
            raise ValidationError(
                f"水体类型 “{body}” 无效，应为 river / lake / reservoir（河流、湖泊、水库） "
                f"(unknown water body)",
                field="water_body",
            )
    return np.isin(bodies, list(_LAKE_BODIES))


def _readings(values: Mapping[str, ArrayLike]) -> dict[str, NDArray[np.float64]]:
    """Normalise keys to item codes and values to float arrays, rejecting impossible input."""
    out: dict[str, NDArray[np.float64]] = {}
    for name, raw in values.items():
        code = item_code(name)
        if code in out:
            raise ValidationError(
                f"监测项目 {code} 重复给出（“{name}”） (item given twice)", field=name
            )
        try:
            array = round_significant(np.asarray(raw, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"监测项目 {code} 的数值不是数字 (readings of {code} are not numbers)", field=name
            ) from exc
        item = _items()[code]
        if item.direction in {"max", "min"} and np.any(array < 0):
            first = np.argwhere(array < 0)[0].tolist()
            raise ValidationError(
                f"监测项目 {code} 第 {first} 个样品浓度为负 "
                f"(negative reading of {code} at {first})",
                field=name,
            )
        out[code] = array
    return out


def _limit_array(limits: tuple[Decimal | None, ...]) -> NDArray[np.float64]:
    return np.array([np.nan if limit is None else float(limit) for limit in limits])


def _grade(
    item: WaterItem, readings: NDArray[np.float64], lake: NDArray[np.bool_]
) -> NDArray[np.int8]:
    """Class of one item, per sample: 1…6, or 0 where the reading is missing or ungraded."""
    readings, lake = np.broadcast_arrays(readings, lake)
    out = np.full(readings.shape, NO_CLASS, dtype=np.int8)
    valid = ~np.isnan(readings)
    worst = _worst_rank()
    if item.direction == "range":
        assert item.range_min is not None and item.range_max is not None
        inside = (readings >= float(item.range_min)) & (readings <= float(item.range_max))
        out[valid] = np.where(inside, 1, worst)[valid]
        return out
    if item.direction not in {"max", "min"}:
        return out
    for at_lake in (False, True):
        limits = _limit_array(item.limits_at(lake=at_lake))
        where = valid & (lake == at_lake)
        if np.isnan(limits).all() or not where.any():
            continue
        if item.direction == "max":
            # the best class k with C <= limit_k: the number of limits strictly below C, plus 1
            worse = np.searchsorted(limits, readings[where], side="left")
        else:
            # DO, "not less than": the number of limits strictly above C, plus 1
            worse = np.searchsorted(-limits, -readings[where], side="left")
        out[where] = worse + 1
    return out


# ---------------------------------------------------------------------------------------------
# public calculations


def water_class(
    values: Mapping[str, ArrayLike], *, water_body: ArrayLike | str = "river"
) -> WaterResult:
    """Class of each sample by the single-factor method (GB 3838-2002 §4, Table 1; 2011 method).

    ``values`` maps item codes (or Chinese names, or HJ 212 codes) to readings in the table
    units, one array element per sample; ``NaN`` is a missing reading. The class is the worst
    over the 21 routine items of the 2011 method; temperature, TN and fecal coliform are graded
    in ``item_classes`` only. ``water_body`` (``river``, ``lake``, ``reservoir``, scalar or per
    sample) selects the lake/reservoir phosphorus limits. A sample with no routine reading has
    class 0 (no class).

    Examples:
        >>> nan = float("nan")
        >>> r = water_class({"nh3n": [0.42, 2.35, nan], "tp": [0.12, 0.05, nan]})
        >>> r.labels.tolist(), r.deciding_items.tolist()
        (['III', '劣V', ''], [('tp',), ('nh3n',), ()])
        >>> water_class({"tp": 0.12}, water_body="lake").labels.tolist()
        'V'
        >>> water_class({"do": 4.99, "ph": 6.0}).labels.tolist()
        'IV'
    """
    readings = _readings(values)
    lake = _lake_mask(water_body)
    shape = np.broadcast_shapes(lake.shape, *(array.shape for array in readings.values()))
    items = _items()
    item_classes = {
        code: np.broadcast_to(_grade(items[code], array, lake), shape).copy()
        for code, array in readings.items()
        if items[code].direction != "special"
    }
    routine = {code: grade for code, grade in item_classes.items() if items[code].routine}
    overall = np.full(shape, NO_CLASS, dtype=np.int8)
    for grade in routine.values():
        overall = np.maximum(overall, grade)
    deciding = {code: (grade == overall) & (overall != NO_CLASS) for code, grade in routine.items()}
    return WaterResult(overall, item_classes, deciding)


def exceedances(
    values: Mapping[str, ArrayLike],
    target_class: ArrayLike | int | str,
    *,
    water_body: ArrayLike | str = "river",
) -> dict[str, NDArray[np.float64]]:
    """Over-limit multiples (超标倍数) against the limits of ``target_class`` (GB 3838-2002 §5.1;
    2011 method: (C − L) / L where C > L; not computed for temperature, pH or DO).

    ``target_class`` is I…V as a label or rank, scalar or per sample: class III when ranking
    main pollutants, the water-function target when reporting compliance. The result has one
    array per item given that has limits: 0 where the reading is within the limit, ``NaN``
    where it is missing or the item has no limit for that water body (TN at a river).

    Examples:
        >>> m = exceedances({"nh3n": [2.35, 0.5], "do": [3.0, 3.0]}, "III")
        >>> [round(x, 6) for x in m["nh3n"].tolist()], "do" in m
        ([1.35, 0.0], False)
        >>> round(float(exceedances({"tp": 0.12}, 3, water_body="lake")["tp"]), 6)
        1.4
    """
    readings = _readings(values)
    lake = _lake_mask(water_body)
    targets = np.asarray(target_class)
    ranks = np.vectorize(lambda c: _rank(c, allow_worst=False), otypes=[np.int64])(targets)
    items = _items()
    out: dict[str, NDArray[np.float64]] = {}
    for code, array in readings.items():
        item = items[code]
        if item.direction != "max":
            continue
        river_limits = _limit_array(item.limits_at(lake=False))
        lake_limits = _limit_array(item.limits_at(lake=True))
        limit = np.where(lake, lake_limits[ranks - 1], river_limits[ranks - 1])
        array, limit = np.broadcast_arrays(array, limit)
        multiple = np.full(array.shape, np.nan)
        known = ~np.isnan(array) & ~np.isnan(limit)
        over = known & (array > limit)
        multiple[known] = 0.0
        multiple[over] = (array[over] - limit[over]) / limit[over]
        out[code] = multiple
    return out


def period_means(
    samples: Mapping[str, ArrayLike], *, axis: int = -1
) -> dict[str, NDArray[np.float64]]:
    """Arithmetic mean of each item over the valid (non-NaN) samples along ``axis`` (2011
    method: a period's class is the class of the item means). All-missing gives ``NaN``.

    Means are rounded to 12 significant digits (see the module notes). The sample-count rules
    of the method (a quarter needs two samples, a year normally twelve) are left to the caller.

    Examples:
        >>> period_means({"nh3n": [0.8, 1.2, 1.3], "do": [float("nan")] * 3})
        {'nh3n': array(1.1), 'do': array(nan)}
    """
    out: dict[str, NDArray[np.float64]] = {}
    for code, raw in _readings(samples).items():
        valid = ~np.isnan(raw)
        count = valid.sum(axis=axis)
        total = np.where(valid, raw, 0.0).sum(axis=axis)
        mean = np.divide(total, count, out=np.full(np.shape(total), np.nan), where=count > 0)
        out[code] = round_significant(mean)
    return out


def period_class(
    samples: Mapping[str, ArrayLike], *, water_body: ArrayLike | str = "river", axis: int = -1
) -> WaterResult:
    """Class of a section over a period: the class of the item means (2011 method), not the
    worst sample. ``axis`` of each array runs over the samples of the period.

    Examples:
        >>> period_class({"nh3n": [0.8, 1.2, 1.3]}).labels.tolist()
        'IV'
    """
    return water_class(period_means(samples, axis=axis), water_body=water_body)


def substitute_non_detects(
    values: Mapping[str, ArrayLike],
    detection_limits: Mapping[str, ArrayLike],
    *,
    fraction: float = 1.0,
) -> dict[str, NDArray[np.float64]]:
    """Put below-detection readings at ``fraction`` × their detection limit.

    A finite entry in ``detection_limits[item]`` marks that sample as "not detected" (its value
    in ``values`` is ignored, and may be NaN). The default, the detection limit itself, is an
    upper bound on the true value. The 2011 method's own rule (often quoted as half the limit)
    has not been read (docs/modules/standards.md §7.2); a programme that adopts it passes
    ``fraction=0.5``.

    Examples:
        >>> nan = float("nan")
        >>> substitute_non_detects({"hg": [nan, 0.00003]}, {"hg": [0.00004, nan]})["hg"].tolist()
        [4e-05, 3e-05]
    """
    if not 0 <= fraction <= 1:
        raise ValidationError(
            f"检出限折算系数应在 0–1 之间，实际为 {fraction} (fraction must be in [0, 1])",
            field="fraction",
        )
    out = _readings(values)
    for name, raw in detection_limits.items():
        code = item_code(name)
        limit = np.asarray(raw, dtype=np.float64)
        base = out.get(code, np.full(limit.shape, np.nan))
        base, limit = np.broadcast_arrays(base, limit)
        out[code] = round_significant(np.where(np.isnan(limit), base, limit * fraction))
    return out


def ug_per_l_to_mg_per_l(values: ArrayLike) -> NDArray[np.float64]:
    """µg/L (HJ 212 telemetry for Hg, Cd, Cr6+, Pb, Se) → mg/L (GB 3838-2002 Table 1 units).

    Examples:
        >>> float(ug_per_l_to_mg_per_l(0.05))
        5e-05
    """
    return to_table_units({"hg": values}, {"hg": "µg/L"})["hg"]


def to_table_units(
    values: Mapping[str, ArrayLike], units: Mapping[str, str]
) -> dict[str, NDArray[np.float64]]:
    """Convert readings to the units of GB 3838-2002 Table 1 (mg/L; fecal coliform per litre).

    ``units`` gives the unit of each item in ``values`` (items without an entry are taken to be
    in table units already). Accepted: mg/L, µg/L (ug/L), ng/L, g/L for concentrations;
    个/L, MPN/L, CFU/L and per 100 mL for fecal coliform. Any other unit, or a unit of the wrong
    kind for the item, is rejected naming the item.

    Examples:
        >>> units = {"cd": "µg/L", "fcoli": "MPN/100mL"}
        >>> out = to_table_units({"cd": [2.0], "fcoli": [150.0]}, units)
        >>> out["cd"].tolist(), out["fcoli"].tolist()
        ([0.002], [1500.0])
    """
    readings = _readings(values)
    given = {item_code(name): unit for name, unit in units.items()}
    out: dict[str, NDArray[np.float64]] = {}
    for code, array in readings.items():
        unit = given.get(code)
        table_unit = _items()[code].unit
        if unit is None or unit.strip() == table_unit:
            out[code] = array
            continue
        key = unit.strip().lower().replace(" ", "")
        conversion = _UNIT_FACTORS.get(key)
        if conversion is None or conversion[0] != table_unit:
            raise ValidationError(
                f"监测项目 {code} 的单位 “{unit}” 无法换算为标准单位 {table_unit} "
                f"(cannot convert {unit!r} to {table_unit!r})",
                field=code,
            )
        factor = conversion[1]
        # divide by an exact integer rather than multiply by an inexact 0.001
        converted = array * float(factor) if factor >= 1 else array / float(1 / factor)
        out[code] = round_significant(converted)
    return out
