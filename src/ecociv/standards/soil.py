"""Soil risk screening: GB 15618-2018 (farmland) and GB 36600-2018 (construction land).

The values are package data (``data/gb15618_2018_soil.csv`` in long format,
``data/gb36600_2018_screening.csv``; copied unchanged from the project's shared standards
tables, provenance in ``data/README_water_soil.md``), each keyed by standard, edition and item
code. No value of either standard appears in this module.

Farmland (GB 15618-2018 §4–§7, docs/modules/standards.md §4 algorithm (d)):

* The screening value (Table 1, Table 2) depends on the pH band, ``(ph_gt, ph_le]`` so pH 5.5
  is in the first band and 6.5 in the second, and on the land use: ``paddy`` (水田) or
  ``other`` for Cd, Hg, As, Pb and Cr; ``orchard`` (果园) or ``other`` for Cu (a paddy field is
  "other" for Cu); one value for Ni, Zn and the Table 2 organics. A land use the table has no
  column for falls to ``other``; paddy–dry rotation (水旱轮作) takes the stricter of the paddy
  and other values.
* Cd, Hg, As, Pb and Cr (the items with a Table 3 intervention value): C ≤ screening → 优先保护;
  screening < C ≤ intervention → 安全利用; C > intervention → 严格管控. The sample takes the
  worst of its metals (§7.1–§7.3).
* Cu, Ni, Zn and the Table 2 items have no intervention value: exceeding screening asks for
  closer soil and crop monitoring (``monitoring_needed``) and does not set the class.
* This is the soil-only class "based on GB 15618"; the product-linked unit classification of
  环办土壤函〔2019〕53号 is not implemented (the guide has not been read,
  docs/modules/standards.md §4).

Construction land (GB 36600-2018 §4–§5, Table 1): C ≤ screening → negligible risk;
screening < C ≤ intervention → detailed investigation and risk assessment; C > intervention →
risk control or remediation. Class 1 land (residential, schools, hospitals, welfare, community
parks) or class 2 (industry, logistics, commerce, roads, utilities, other public land); land
whose planned use is unclear is assessed as class 1 (§5.3.1). Arsenic above screening but
within the local background value is not managed as contaminated (note to Table 1).

Missing readings are ``NaN`` and mean "not judged" for that item (level 0); a sample with no
judged deciding item has category 0. A pH of ``NaN`` leaves the pH-dependent items not judged.
Unknown item codes, negative readings and impossible pH are rejected with a ValidationError
naming the field.
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

FARMLAND: Final = ("GB 15618", "2018")
CONSTRUCTION: Final = ("GB 36600", "2018")

#: Per-item levels (both standards) and farmland categories share the codes 0…3.
NOT_JUDGED: Final = 0
BELOW_SCREENING: Final = 1
ABOVE_SCREENING: Final = 2
ABOVE_INTERVENTION: Final = 3

#: Farmland categories (GB 15618-2018 §7; 土壤污染防治法 第四十九条).
FARMLAND_LABELS: Final[Mapping[int, str]] = {
    NOT_JUDGED: "",
    BELOW_SCREENING: "优先保护",
    ABOVE_SCREENING: "安全利用",
    ABOVE_INTERVENTION: "严格管控",
}

#: Construction-land outcomes (GB 36600-2018 §5).
CONSTRUCTION_LABELS: Final[Mapping[int, str]] = {
    NOT_JUDGED: "",
    BELOW_SCREENING: "不超过筛选值",
    ABOVE_SCREENING: "超过筛选值",
    ABOVE_INTERVENTION: "超过管制值",
}

#: The physical pH scale, for rejecting impossible readings (not a value of either standard).
_PH_SCALE: Final = (0.0, 14.0)

_OTHER: Final = "other"
_ALL: Final = "all"
_ROTATION: Final = "paddy_dry_rotation"
_LAND_USES: Final[Mapping[str, str]] = {
    "paddy": "paddy",
    "水田": "paddy",
    "other": _OTHER,
    "其他": _OTHER,
    "dry_land": _OTHER,
    "旱地": _OTHER,
    "orchard": "orchard",
    "果园": "orchard",
    _ROTATION: _ROTATION,
    "水旱轮作": _ROTATION,
}

#: GB 36600-2018 land classes; an unclear planned use is assessed as class 1 (§5.3.1).
_LAND_CLASSES: Final[Mapping[str, str]] = {
    "1": "class1",
    "class1": "class1",
    "first": "class1",
    "第一类用地": "class1",
    "unclear": "class1",
    "不明确": "class1",
    "2": "class2",
    "class2": "class2",
    "second": "class2",
    "第二类用地": "class2",
}

#: Items whose exceedance within the local background is not managed (GB 36600 Table 1 note).
_BACKGROUND_ITEMS: Final = frozenset({"as"})


@dataclass(frozen=True, slots=True)
class Band:
    """One value of GB 15618-2018 for pH in ``(ph_gt, ph_le]`` (``None`` = open end)."""

    land_use: str
    ph_gt: Decimal | None
    ph_le: Decimal | None
    value: Decimal


@dataclass(frozen=True, slots=True)
class FarmlandItem:
    """One item of GB 15618-2018 with its screening (Tables 1–2) and intervention (Table 3)
    values."""

    standard: str
    edition: str
    code: str
    name_zh: str
    name_en: str
    unit: str
    screening: tuple[Band, ...]
    intervention: tuple[Band, ...]


@dataclass(frozen=True, slots=True)
class ConstructionItem:
    """One row of GB 36600-2018 Table 1."""

    standard: str
    edition: str
    code: str
    cas: str
    name_zh: str
    name_en: str
    group: str
    screening: Mapping[str, Decimal]
    intervention: Mapping[str, Decimal]
    unit: str


@dataclass(frozen=True)
class FarmlandResult:
    """Farmland categories of a batch of samples (arrays in the samples' broadcast shape).

    ``category`` is 1 优先保护, 2 安全利用, 3 严格管控 or 0 not judged; ``item_levels`` the
    level of each item given; ``screening``/``intervention`` the values applied (NaN where
    none); ``monitoring_needed`` marks samples where an item without an intervention value
    exceeds screening.
    """

    category: NDArray[np.int8]
    item_levels: Mapping[str, NDArray[np.int8]]
    screening: Mapping[str, NDArray[np.float64]]
    intervention: Mapping[str, NDArray[np.float64]]
    monitoring_needed: NDArray[np.bool_]

    @property
    def labels(self) -> NDArray[np.str_]:
        """``"优先保护"``, ``"安全利用"``, ``"严格管控"`` or ``""`` (not judged)."""
        return _labels(self.category, FARMLAND_LABELS)


@dataclass(frozen=True)
class ConstructionResult:
    """GB 36600-2018 outcome per sample: the worst item level (1…3, 0 not judged)."""

    level: NDArray[np.int8]
    item_levels: Mapping[str, NDArray[np.int8]]
    within_background: Mapping[str, NDArray[np.bool_]]

    @property
    def labels(self) -> NDArray[np.str_]:
        """``"不超过筛选值"``, ``"超过筛选值"``, ``"超过管制值"`` or ``""``."""
        return _labels(self.level, CONSTRUCTION_LABELS)


def _labels(codes: NDArray[np.int8], labels: Mapping[int, str]) -> NDArray[np.str_]:
    table = np.asarray([labels[k] for k in sorted(labels)])
    return table[codes]


# ---------------------------------------------------------------------------------------------
# tables


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


def _read_csv(name: str) -> list[dict[str, str]]:
    source = resources.files("ecociv.standards").joinpath(f"data/{name}")
    with source.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def farmland_items() -> dict[tuple[str, str, str], FarmlandItem]:
    """GB 15618-2018 Tables 1–3, keyed by (standard, edition, item code).

    Examples:
        >>> cd = farmland_items()[("GB 15618", "2018", "cd")]
        >>> [str(b.value) for b in cd.screening if b.land_use == "paddy"]
        ['0.3', '0.4', '0.6', '0.8']
    """
    rows: dict[str, list[dict[str, str]]] = {}
    for row in _read_csv("gb15618_2018_soil.csv"):
        rows.setdefault(row["code"], []).append(row)
    items = {}
    for code, group in rows.items():

        def bands(value_type: str, group: list[dict[str, str]] = group) -> tuple[Band, ...]:
            return tuple(
                Band(r["land_use"], _decimal(r["ph_gt"]), _decimal(r["ph_le"]), Decimal(r["value"]))
                for r in group
                if r["value_type"] == value_type
            )

        first = group[0]
        items[(*FARMLAND, code)] = FarmlandItem(
            *FARMLAND,
            code,
            first["name_zh"],
            first["name_en"],
            first["unit"],
            bands("screening"),
            bands("intervention"),
        )
    return items


@cache
def construction_items() -> dict[tuple[str, str, str], ConstructionItem]:
    """GB 36600-2018 Table 1 (45 basic items), keyed by (standard, edition, item code).

    Examples:
        >>> pb = construction_items()[("GB 36600", "2018", "pb")]
        >>> str(pb.screening["class1"]), str(pb.intervention["class2"])
        ('400', '2500')
    """
    classes = sorted(set(_LAND_CLASSES.values()))
    return {
        (*CONSTRUCTION, row["code"]): ConstructionItem(
            *CONSTRUCTION,
            row["code"],
            row["cas"],
            row["name_zh"],
            row["name_en"],
            row["group"],
            {c: Decimal(row[f"screening_{c}"]) for c in classes},
            {c: Decimal(row[f"intervention_{c}"]) for c in classes},
            row["unit"],
        )
        for row in _read_csv("gb36600_2018_screening.csv")
    }


@cache
def _aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    everything: list[FarmlandItem | ConstructionItem] = [
        *farmland_items().values(),
        *construction_items().values(),
    ]
    for item in everything:
        for alias in (item.code, item.name_zh):
            if aliases.setdefault(alias, item.code) != item.code:  # pragma: no cover - data check
                raise RuntimeError(f"soil tables give {alias!r} to two items")
    for item in construction_items().values():
        aliases.setdefault(item.cas, item.code)
    return aliases


def item_code(name_or_code: str) -> str:
    """The soil item code for a code, a Chinese name of either table or a CAS number.

    Examples:
        >>> item_code("镉"), item_code("CR6"), item_code("铬（六价）"), item_code("50-32-8")
        ('cd', 'cr6', 'cr6', 'bap')
        >>> item_code("钴")
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 未知的土壤污染物 “钴”...
    """
    key = name_or_code.strip()
    code = _aliases().get(key) or _aliases().get(key.lower())
    if code is None:
        raise ValidationError(
            f"未知的土壤污染物 “{name_or_code}”，GB 15618-2018 与 GB 36600-2018 基本项目中均无此项 "
            f"(unknown soil item {name_or_code!r})",
            field=name_or_code,
        )
    return code


# ---------------------------------------------------------------------------------------------
# arrays


def _readings(
    values: Mapping[str, ArrayLike], known: Mapping[str, object], standard: str
) -> dict[str, NDArray[np.float64]]:
    out: dict[str, NDArray[np.float64]] = {}
    for name, raw in values.items():
        code = item_code(name)
        if code not in known:
            raise ValidationError(
                f"{standard} 中没有污染物 {code}（“{name}”） (item {code} is not in {standard})",
                field=name,
            )
        if code in out:
            raise ValidationError(f"污染物 {code} 重复给出 (item given twice)", field=name)
        try:
            array = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"污染物 {code} 的数值不是数字 (readings of {code} are not numbers)", field=name
            ) from exc
        if np.any(array < 0):
            raise ValidationError(
                f"污染物 {code} 含量为负 (negative reading of {code})", field=name
            )
        out[code] = array
    return out


def _land_uses(land_use: ArrayLike | str) -> NDArray[np.str_]:
    given = np.asarray(land_use, dtype=str)
    for value in np.unique(given):
        if str(value) not in _LAND_USES:
            raise ValidationError(
                f"农用地类型 “{value}” 无效，应为 paddy / other / orchard / paddy_dry_rotation"
                f"（水田、其他、果园、水旱轮作） (unknown land use)",
                field="land_use",
            )
    mapped = [_LAND_USES[str(v)] for v in given.ravel()]
    return np.asarray(mapped, dtype=str).reshape(given.shape)


def _band_values(
    bands: tuple[Band, ...], table_use: str, ph: NDArray[np.float64]
) -> NDArray[np.float64]:
    out = np.full(ph.shape, np.nan)
    for band in bands:
        if band.land_use != table_use:
            continue
        # Table 2 has one value for every pH (no band); NaN pH falls in no Table 1 band
        inside = np.ones(ph.shape, dtype=bool)
        if band.ph_gt is not None:
            inside &= ph > float(band.ph_gt)
        if band.ph_le is not None:
            inside &= ph <= float(band.ph_le)
        out[inside] = float(band.value)
    return out


def _values_for(
    bands: tuple[Band, ...], uses: NDArray[np.str_], ph: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The value applying to each sample: its pH band and the table column of its land use."""
    columns = {band.land_use for band in bands}

    def column(use: str) -> str:
        if use in columns:
            return use
        return _OTHER if _OTHER in columns else _ALL

    out = np.full(ph.shape, np.nan)
    if not bands:
        return out
    for use in np.unique(uses):
        where = uses == use
        if use == _ROTATION:
            values = np.fmin(
                _band_values(bands, column("paddy"), ph), _band_values(bands, column(_OTHER), ph)
            )
        else:
            values = _band_values(bands, column(str(use)), ph)
        out[where] = values[where]
    return out


def _levels(
    readings: NDArray[np.float64],
    screening: NDArray[np.float64],
    intervention: NDArray[np.float64],
) -> NDArray[np.int8]:
    """Per sample: 0 not judged, 1 C ≤ screening, 2 above screening, 3 C > intervention."""
    out = np.full(readings.shape, NOT_JUDGED, dtype=np.int8)
    judged = ~np.isnan(readings) & ~np.isnan(screening)
    out[judged & (readings <= screening)] = BELOW_SCREENING
    out[judged & (readings > screening)] = ABOVE_SCREENING
    out[judged & ~np.isnan(intervention) & (readings > intervention)] = ABOVE_INTERVENTION
    return out


# ---------------------------------------------------------------------------------------------
# public calculations


def farmland_class(
    values: Mapping[str, ArrayLike], ph: ArrayLike, *, land_use: ArrayLike | str
) -> FarmlandResult:
    """Soil-only farmland category per sample (GB 15618-2018 §5–§7, Tables 1–3).

    ``values`` maps item codes (or Chinese names) to total contents in mg/kg, one element per
    sample; ``ph`` is the sample's measured pH; ``land_use`` is ``paddy``, ``other``,
    ``orchard`` or ``paddy_dry_rotation`` (or 水田, 其他, 旱地, 果园, 水旱轮作), scalar or per
    sample. Items of GB 36600 only (e.g. ``cr6``) are rejected.

    Examples:
        >>> r = farmland_class({"cd": [0.35, 0.35]}, [5.2, 6.8], land_use="paddy")
        >>> r.labels.tolist()
        ['安全利用', '优先保护']
        >>> farmland_class({"pb": 1200}, 8.0, land_use="other").labels.tolist()
        '严格管控'
    """
    items = {code: item for (_, _, code), item in farmland_items().items()}
    readings = _readings(values, items, " ".join(FARMLAND))
    ph_array = np.asarray(ph, dtype=np.float64)
    low, high = _PH_SCALE
    if np.any((ph_array < low) | (ph_array > high)):
        raise ValidationError(f"土壤 pH 应在 {low:g}–{high:g} 之间 (impossible pH)", field="ph")
    uses = _land_uses(land_use)
    shape = np.broadcast_shapes(ph_array.shape, uses.shape, *(a.shape for a in readings.values()))
    ph_array = np.broadcast_to(ph_array, shape)
    uses = np.broadcast_to(uses, shape)
    item_levels, screening, intervention = {}, {}, {}
    category = np.full(shape, NOT_JUDGED, dtype=np.int8)
    monitoring = np.zeros(shape, dtype=bool)
    for code, array in readings.items():
        item = items[code]
        screening[code] = _values_for(item.screening, uses, ph_array)
        intervention[code] = _values_for(item.intervention, uses, ph_array)
        level = _levels(np.broadcast_to(array, shape), screening[code], intervention[code])
        item_levels[code] = level
        if item.intervention:
            category = np.maximum(category, level)
        else:
            monitoring |= level == ABOVE_SCREENING
    return FarmlandResult(category, item_levels, screening, intervention, monitoring)


def construction_land_check(
    values: Mapping[str, ArrayLike],
    *,
    land_class: ArrayLike | int | str,
    background: Mapping[str, ArrayLike] | None = None,
) -> ConstructionResult:
    """Screening of construction-land soil per sample (GB 36600-2018 §4–§5, Table 1).

    ``land_class`` is 1 or 2 (also ``"first"``/``"second"``, 第一类用地/第二类用地, or
    ``"unclear"``, assessed as class 1 per §5.3.1), scalar or per sample. ``background``
    optionally gives the local background value of arsenic: a reading above screening but not
    above it is reported at level 1 and flagged in ``within_background`` (note to Table 1).

    Examples:
        >>> r = construction_land_check({"pb": [300, 500, 900]}, land_class=1)
        >>> r.labels.tolist()
        ['不超过筛选值', '超过筛选值', '超过管制值']
        >>> construction_land_check({"pb": 900}, land_class="second").labels.tolist()
        '超过筛选值'
    """
    items = {code: item for (_, _, code), item in construction_items().items()}
    readings = _readings(values, items, " ".join(CONSTRUCTION))
    classes = np.asarray(land_class, dtype=str)
    for value in np.unique(classes):
        if str(value).strip().lower() not in _LAND_CLASSES:
            raise ValidationError(
                f"建设用地类别 “{value}” 无效，应为第一类用地或第二类用地 (land class 1 or 2)",
                field="land_class",
            )
    mapped = [_LAND_CLASSES[str(v).strip().lower()] for v in classes.ravel()]
    classes = np.asarray(mapped, dtype=str).reshape(classes.shape)
    backgrounds = _readings(background or {}, items, " ".join(CONSTRUCTION))
    for code in backgrounds:
        if code not in _BACKGROUND_ITEMS:
            raise ValidationError(
                f"GB 36600-2018 表1 仅对砷允许以背景值豁免，不适用于 {code} "
                f"(background exemption does not apply to {code})",
                field="background",
            )
    shape = np.broadcast_shapes(classes.shape, *(a.shape for a in readings.values()))
    classes = np.broadcast_to(classes, shape)
    overall = np.full(shape, NOT_JUDGED, dtype=np.int8)
    item_levels, within = {}, {}
    for code, array in readings.items():
        item = items[code]
        screening = np.full(shape, np.nan)
        intervention = np.full(shape, np.nan)
        for land, value in item.screening.items():
            screening[classes == land] = float(value)
            intervention[classes == land] = float(item.intervention[land])
        array = np.broadcast_to(array, shape)
        level = _levels(array, screening, intervention)
        if code in backgrounds:
            local = np.broadcast_to(backgrounds[code], shape)
            exempt = (level >= ABOVE_SCREENING) & (array <= local)
            level = np.where(exempt, BELOW_SCREENING, level).astype(np.int8)
            within[code] = exempt
        item_levels[code] = level
        overall = np.maximum(overall, level)
    return ConstructionResult(overall, item_levels, within)
