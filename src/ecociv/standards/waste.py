"""National Hazardous Waste Catalogue (国家危险废物名录, 2021 edition) and the utilisation /
disposal method codes.

The tables are package data (``data/waste/*.csv``, copied unchanged from the project's shared
waste data; provenance and caveats in ``data/waste/README.md``). No code or count appears in
this module.

What is implemented, and where it comes from:

* A waste code is 8 digits ``III-SSS-CC`` (名录 附表 说明): the GB/T 4754-2017 industry code
  (``900`` = not industry-specific), a sequence number and the category ``CC`` (the number of
  ``HWCC``). The 2021 edition lists 467 codes in 46 categories (HW01–HW40, HW45–HW50).
* ``900-000-CC`` is the code of a waste found hazardous by testing (GB 5085.1–7, HJ 298;
  名录 第六条). It is not a listed row, but is a valid code for every category.
* Hazard characteristics (名录 附表 note 1) are kept as printed: ``T,I`` means "has T, may have
  I", ``T/C/I/R`` means "has one or more of them". :attr:`WasteCode.characteristics` splits the
  string without sorting it.
* The exemption list (附录 危险废物豁免管理清单): one row per exempt stage; a row applies to the
  codes it names, to a whole category (HW01, HW34, HW35), or to a waste described only in words.
* Method codes (HJ 1259-2022 §5.5 via HJ 1033-2019 Appendix F, not read): R utilisation, D
  disposal, C co-processing, Y medical disposal; G21–G29 are ``unconfirmed`` and flagged so.

Every record carries the catalogue edition: a manifest line stores the edition its code came
from (docs/modules/hazwaste.md §1.4), so the 2025 edition can be loaded beside this one later.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

from ecociv.kernel.errors import ValidationError

CATALOGUE: Final = "国家危险废物名录"
CATALOGUE_EDITION: Final = "2021"
#: 名录 第六条: the sequence part of the code given to a waste found hazardous by testing.
TESTED_SEQUENCE: Final = "000"
#: 名录 附表: ``900`` is the industry part of wastes not specific to one industry.
NON_SPECIFIC_INDUSTRY: Final = "900"

_CODE = re.compile(r"^(\d{3})-(\d{3})-(\d{2})$")
_CATEGORY = re.compile(r"^(?:HW)?(\d{1,2})$")
_DATA: Final = "data/waste"
#: The kinds ``disposal_methods.csv`` uses.
METHOD_KINDS: Final = frozenset({"utilisation", "disposal", "medical-disposal", "unconfirmed"})


class WasteCodeError(ValidationError):
    """A waste code, category or method code that is not in the catalogue; the message names it."""


@dataclass(frozen=True, slots=True)
class WasteCategory:
    """One HW category (废物类别) of the catalogue."""

    category: str  # HW08
    name_zh: str
    name_en: str  # working translation, not official
    code_count: int  # listed codes in this edition
    exemption_seq: tuple[int, ...]  # category-level exemption items
    note: str
    edition: str = CATALOGUE_EDITION


@dataclass(frozen=True, slots=True)
class WasteCode:
    """One waste code (废物代码) with its catalogue row; ``by_testing`` for ``900-000-XX``."""

    code: str  # 900-041-49
    category: str  # HW49
    industry_code: str  # 900
    industry_source_zh: str  # 行业来源, as printed
    description_zh: str  # 危险废物 (description), as printed
    hazard: str  # 危险特性, raw: "T,I" or "T/C/I/R"; "" when set by testing
    exemption_seq: tuple[int, ...]  # exemption items that name this code
    edition: str = CATALOGUE_EDITION
    by_testing: bool = False

    @property
    def characteristics(self) -> tuple[str, ...]:
        """The hazard letters in printed order (T, C, I, R, In)."""
        return tuple(part for part in re.split(r"[,/]", self.hazard) if part)


@dataclass(frozen=True, slots=True)
class Exemption:
    """One row of the exemption list: a waste, the stage exempted and its condition."""

    seq: int  # item number 1–32
    applies_to: str  # raw: codes joined by ";", a category, a label, or "-"
    waste_zh: str
    stage_zh: str  # 收集 / 运输 / 利用 / 处置 / 利用、处置 / 全部环节
    condition_zh: str
    exemption_zh: str
    edition: str = CATALOGUE_EDITION

    @property
    def codes(self) -> tuple[str, ...]:
        """The waste codes the row names (empty for category- or text-level rows)."""
        return tuple(p for p in self.applies_to.split(";") if _CODE.match(p))

    @property
    def category(self) -> str | None:
        """The category the row covers as a whole (HW01, HW34, HW35), else None."""
        return self.applies_to if re.fullmatch(r"HW\d{2}", self.applies_to) else None


@dataclass(frozen=True, slots=True)
class MethodCode:
    """A utilisation / disposal method code (利用处置方式) of management plans and manifests."""

    code: str  # R4, D10, C1, Y10, G21
    kind: str  # utilisation, disposal, medical-disposal, unconfirmed
    name_zh: str
    name_en: str
    basel_annex_iv: str  # matching Basel Annex IV code, or ""
    confidence: str  # two-implementations, one-implementation
    note: str

    @property
    def unconfirmed(self) -> bool:
        """True for codes seen in one implementation only (G21–G29): do not use until confirmed."""
        return self.kind == "unconfirmed" or self.confidence != "two-implementations"

    @property
    def medical_only(self) -> bool:
        """True for the Y codes, which apply to medical waste (HW01) only."""
        return self.kind == "medical-disposal"


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ecociv.standards").joinpath(f"{_DATA}/{name}")
    with text.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _seq(raw: str) -> tuple[int, ...]:
    return tuple(int(part) for part in raw.split(";") if part.strip())


@cache
def categories() -> Mapping[str, WasteCategory]:
    """The 46 categories of the 2021 edition, keyed by ``HWnn``, in catalogue order."""
    return {
        row["category"]: WasteCategory(
            category=row["category"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            code_count=int(row["codes_2021"]),
            exemption_seq=_seq(row["category_exemption_seq"]),
            note=row["note"],
        )
        for row in _rows("hw_categories.csv")
    }


@cache
def codes() -> Mapping[str, WasteCode]:
    """The 467 listed codes of the 2021 edition, keyed by code, in catalogue order."""
    return {
        row["code"]: WasteCode(
            code=row["code"],
            category=row["category"],
            industry_code=row["industry_code"],
            industry_source_zh=row["industry_source_zh"],
            description_zh=row["description_zh"],
            hazard=row["hazard"],
            exemption_seq=_seq(row["exemption_seq"]),
            edition=row["catalogue"],
        )
        for row in _rows("hw_codes.csv")
    }


@cache
def exemptions() -> tuple[Exemption, ...]:
    """The exemption list (附录 危险废物豁免管理清单), one row per exempt stage."""
    return tuple(
        Exemption(
            seq=int(row["seq"]),
            applies_to=row["applies_to"],
            waste_zh=row["waste_zh"],
            stage_zh=row["stage_zh"],
            condition_zh=row["condition_zh"],
            exemption_zh=row["exemption_zh"],
        )
        for row in _rows("hw_exemptions_2021.csv")
    )


@cache
def methods() -> Mapping[str, MethodCode]:
    """The method codes, keyed by code, ``unconfirmed`` rows included and marked."""
    return {
        row["code"]: MethodCode(
            code=row["code"],
            kind=row["kind"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            basel_annex_iv=row["basel_annex_iv"],
            confidence=row["confidence"],
            note=row["note"],
        )
        for row in _rows("disposal_methods.csv")
    }


def category(hw: str) -> WasteCategory:
    """A category by ``HW08``, ``hw08``, ``08`` or ``8``; WasteCodeError if the edition lacks it.

    Examples:
        >>> category("hw8").name_zh
        '废矿物油与含矿物油废物'
        >>> category("HW42")
        Traceback (most recent call last):
        ...
        ecociv.standards.waste.WasteCodeError: 危险废物类别 “HW42” 不在...
    """
    text = hw.strip().upper()
    match = _CATEGORY.match(text)
    key = f"HW{int(match.group(1)):02d}" if match else text
    found = categories().get(key)
    if found is None:
        raise WasteCodeError(
            f"危险废物类别 “{hw}” 不在{CATALOGUE}（{CATALOGUE_EDITION}年版）中，"
            f"应为 HW01–HW40、HW45–HW50 "
            f"(category {hw!r} is not in the {CATALOGUE_EDITION} catalogue)",
            field="category",
        )
    return found


def _normalise(code: str) -> str:
    text = code.strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:3]}-{text[3:6]}-{text[6:]}"
    return text


def validate_code(code: str) -> str:
    """Normalise a waste code (``90004149`` → ``900-041-49``) and check it is a listed code or a
    ``900-000-XX`` code of an existing category (名录 第六条); WasteCodeError names the code.

    Examples:
        >>> validate_code(" 90004149 ")
        '900-041-49'
        >>> validate_code("900-000-08")
        '900-000-08'
        >>> validate_code("900-041-48")
        Traceback (most recent call last):
        ...
        ecociv.standards.waste.WasteCodeError: 废物代码 “900-041-48” 不在...
    """
    text = _normalise(code)
    match = _CODE.match(text)
    if match is None:
        raise WasteCodeError(
            f"废物代码 “{code}” 格式应为 8 位数字 III-SSS-CC，如 900-041-49 "
            f"(waste code {code!r} must be 8 digits III-SSS-CC)",
            field="code",
        )
    industry, sequence, number = match.groups()
    if text in codes():
        return text
    if industry == NON_SPECIFIC_INDUSTRY and sequence == TESTED_SEQUENCE:
        if f"HW{number}" in categories():
            return text
        raise WasteCodeError(
            f"废物代码 “{code}”：经鉴别的危险废物代码 900-000-XX 中 XX 须为名录中的类别，"
            f"HW{number} 不存在 (category HW{number} of {code!r} does not exist)",
            field="code",
        )
    raise WasteCodeError(
        f"废物代码 “{code}” 不在{CATALOGUE}（{CATALOGUE_EDITION}年版）中；"
        f"经鉴别的危险废物用 900-000-XX（名录第六条） "
        f"(waste code {code!r} is not in the {CATALOGUE_EDITION} catalogue)",
        field="code",
    )


def is_valid_code(code: str) -> bool:
    """True for a listed code or a ``900-000-XX`` code of an existing category (名录 第六条).

    Examples:
        >>> is_valid_code("900-000-49"), is_valid_code("900-000-41"), is_valid_code("123")
        (True, False, False)
    """
    try:
        validate_code(code)
    except WasteCodeError:
        return False
    return True


def waste_code(code: str) -> WasteCode:
    """The catalogue record of a code. A ``900-000-XX`` code gets a record of its category with
    ``by_testing`` set and an empty hazard (it comes from the test report, 名录 第六条).

    Examples:
        >>> record = waste_code("900-052-31")
        >>> record.category, record.hazard, record.exemption_seq
        ('HW31', 'T,C', (18,))
        >>> waste_code("900-000-34").by_testing
        True
    """
    text = validate_code(code)
    listed = codes().get(text)
    if listed is not None:
        return listed
    number = text[-2:]
    return WasteCode(
        code=text,
        category=f"HW{number}",
        industry_code=NON_SPECIFIC_INDUSTRY,
        industry_source_zh="非特定行业",
        description_zh="经鉴别具有危险特性的废物（名录第六条）",
        hazard="",
        exemption_seq=(),
        by_testing=True,
    )


def category_of(code: str) -> str:
    """The ``HWnn`` category of a valid code: its last two digits (名录 附表 说明)."""
    return f"HW{validate_code(code)[-2:]}"


def exemptions_for(code: str) -> tuple[Exemption, ...]:
    """Exemption rows that apply to a code: rows naming it and rows covering its category.

    Rows described only in words (household waste, emergencies, item 32 点对点) are not matched
    by code; they are read from :func:`exemptions` by a person.
    """
    text = validate_code(code)
    hw = f"HW{text[-2:]}"
    return tuple(row for row in exemptions() if text in row.codes or row.category == hw)


def method(code: str) -> MethodCode:
    """A method code (``R4``, ``d10``); WasteCodeError names an unknown one.

    Examples:
        >>> method("d10").name_zh
        '焚烧'
        >>> method("G21").unconfirmed
        True
    """
    key = code.strip().upper()
    found = methods().get(key)
    if found is None:
        known = "、".join(methods())
        raise WasteCodeError(
            f"利用处置方式代码 “{code}” 未知，应为 {known} "
            f"(unknown utilisation/disposal method code {code!r})",
            field="method_code",
        )
    return found


def is_valid_method(code: str, *, allow_unconfirmed: bool = False) -> bool:
    """True for a known method code; ``unconfirmed`` codes only when allowed.

    Examples:
        >>> is_valid_method("C1"), is_valid_method("G21")
        (True, False)
        >>> is_valid_method("G21", allow_unconfirmed=True)
        True
    """
    try:
        found = method(code)
    except WasteCodeError:
        return False
    return allow_unconfirmed or not found.unconfirmed


__all__ = [
    "CATALOGUE",
    "CATALOGUE_EDITION",
    "METHOD_KINDS",
    "Exemption",
    "MethodCode",
    "WasteCategory",
    "WasteCode",
    "WasteCodeError",
    "categories",
    "category",
    "category_of",
    "codes",
    "exemptions",
    "exemptions_for",
    "is_valid_code",
    "is_valid_method",
    "method",
    "methods",
    "validate_code",
    "waste_code",
]
