"""The base of every request body the platform accepts (docs/inputs.md, "Request bodies").

Text holding a control character (other than tab, line feed and carriage return) cannot be
written into the Excel and Word files the platform produces, and PostgreSQL cannot store a NUL;
a number that is not finite means nothing in any field. Both are refused when the body is
parsed, naming the field, so that nothing downstream ever meets them.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

#: C0 controls and DEL, except tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character_in(value: Any) -> str | None:
    """The first control character in a text, or in the texts of a list or mapping, if any.

    >>> control_character_in(["衢州", {"k": "a\\x01b"}])
    '\\x01'
    >>> control_character_in("line one\\r\\n\\tline two") is None
    True
    """
    if isinstance(value, str):
        found = CONTROL_CHARACTERS.search(value)
        return found.group(0) if found else None
    if isinstance(value, dict):
        items: Any = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    else:
        return None
    for item in items:
        found_in = control_character_in(item)
        if found_in is not None:
            return found_in
    return None


class Input(BaseModel):
    """A request body: no control characters in any text, no infinite or NaN number."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text_and_finite_numbers(cls, value: Any) -> Any:
        character = control_character_in(value)
        if character is not None:
            raise ValueError(
                f"不能含控制字符 U+{ord(character):04X} "
                f"(must not contain the control character U+{ord(character):04X})"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("必须是有限的数 (must be a finite number)")
        return value
