"""GB/T 4754-2017 national economic industry classification: code shape and section ranges.

A code is a section letter (门类, Table 1) optionally followed by the division (大类, two
digits), group (中类, three) or class (小类, four). The two leading digits must fall within
the section's division range (GB/T 4754-2017 §4 and Table 1).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ecociv.kernel.errors import ValidationError

_CODE = re.compile(r"^([A-T])(\d{2,4})?$")


class IndustryCodeError(ValidationError):
    """An industry code that is not a GB/T 4754-2017 code."""


@dataclass(frozen=True, slots=True)
class Section:
    letter: str
    division_from: int
    division_to: int
    name_zh: str
    name_en: str


@cache
def sections() -> dict[str, Section]:
    """The 20 sections of GB/T 4754-2017, keyed by letter."""
    text = resources.files("ecociv.standards").joinpath("data/gbt4754_2017_sections.csv")
    with text.open(encoding="utf-8") as handle:
        return {
            row["section"]: Section(
                row["section"],
                int(row["division_from"]),
                int(row["division_to"]),
                row["name_zh"],
                row["name_en"],
            )
            for row in csv.DictReader(handle)
        }


def validate_industry_code(raw: str) -> str:
    """Normalise and check a GB/T 4754-2017 code such as ``C2614``.

    Examples:
        >>> validate_industry_code("c2614")
        'C2614'
        >>> validate_industry_code("C0614")
        Traceback (most recent call last):
        ...
        ecociv.standards.industry.IndustryCodeError: 行业代码 C0614 的大类 06 不属于门类 C...
    """
    code = raw.strip().upper()
    match = _CODE.match(code)
    if not match:
        raise IndustryCodeError(
            f"行业代码 “{raw}” 格式应为门类字母加 2–4 位数字，如 C2614 "
            "(GB/T 4754-2017 code: section letter A-T plus 2-4 digits)",
            field="industry_code",
        )
    letter, digits = match.group(1), match.group(2)
    section = sections()[letter]
    if digits:
        division = int(digits[:2])
        if not section.division_from <= division <= section.division_to:
            raise IndustryCodeError(
                f"行业代码 {code} 的大类 {digits[:2]} 不属于门类 {letter}（{section.name_zh}，"
                f"大类 {section.division_from:02d}–{section.division_to:02d}）"
                f"(division {digits[:2]} is not in section {letter})",
                field="industry_code",
            )
    return code


def industry_section(code: str) -> Section:
    """The section a valid code belongs to."""
    return sections()[validate_industry_code(code)[0]]
