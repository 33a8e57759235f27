"""GB 32100-2015: the 统一社会信用代码 is 18 characters from a 31-character set, with a
MOD 31 check character (§4, §5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecociv.kernel.uscc import CHARSET, UsccError, check_char, validate_uscc

#: A code as published on the national enterprise credit information system; its check
#: character was not computed by this code base.
PUBLISHED = "9144030071526726XG"


def test_accepts_a_published_code() -> None:
    assert validate_uscc(PUBLISHED) == PUBLISHED


def test_normalises_case_and_whitespace() -> None:
    assert validate_uscc(f"  {PUBLISHED.lower()} ") == PUBLISHED


@pytest.mark.parametrize("length", [0, 17, 19])
def test_rejects_wrong_length_and_says_so(length: int) -> None:
    raw = (PUBLISHED * 2)[:length]
    with pytest.raises(UsccError, match=f"18 位，实际为 {length} 位"):
        validate_uscc(raw)


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "*", "中"])
def test_rejects_characters_outside_the_code_set_naming_the_position(bad: str) -> None:
    raw = PUBLISHED[:10] + bad + PUBLISHED[11:]
    with pytest.raises(UsccError, match="第 11 位字符") as caught:
        validate_uscc(raw)
    assert caught.value.field == "uscc"


def test_rejects_a_non_numeric_division_code() -> None:
    body = "91A30800MA28F1234"
    with pytest.raises(UsccError, match="行政区划码"):
        validate_uscc(body + check_char(body))


def test_rejects_a_wrong_check_character_naming_the_expected_one() -> None:
    wrong = PUBLISHED[:17] + "H"
    with pytest.raises(UsccError, match="第 18 位应为 “G”，实际为 “H”"):
        validate_uscc(wrong)


@given(st.text(alphabet=CHARSET, min_size=17, max_size=17))
def test_every_body_with_its_check_character_is_valid(body: str) -> None:
    body = body[:2] + "330802" + body[8:]
    assert validate_uscc(body + check_char(body)) == body + check_char(body)


@given(st.text(alphabet=CHARSET[:10], min_size=15, max_size=15), st.sampled_from(CHARSET))
def test_any_other_check_character_is_rejected(tail: str, other: str) -> None:
    body = "91" + tail
    if other == check_char(body):
        other = CHARSET[(CHARSET.index(other) + 1) % len(CHARSET)]
    with pytest.raises(UsccError, match="校验码错误"):
        validate_uscc(body + other)
