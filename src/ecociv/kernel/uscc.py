"""统一社会信用代码 (unified social credit identifier), GB 32100-2015.

The code has 18 characters (GB 32100-2015 §4): registration authority (1), organisation
category (1), administrative division code (6, GB/T 2260), organisation code (9, GB 11714)
and a check character (1). Characters come from the 31-character set of §4.2 (digits and
upper-case letters without I, O, Z, S, V). The check character is computed as in §5 (the
ISO 7064 MOD 31-3 style used by the standard): weights W_i = 3^(i-1) mod 31, and
C_18 = 31 - (Σ C_i·W_i mod 31), where 31 maps back to 0.
"""

from __future__ import annotations

from ecociv.kernel.errors import ValidationError

#: GB 32100-2015 §4.2, Table 3: the code set, in value order 0..30.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CHARSET)}
#: GB 32100-2015 §5: weight of positions 1..17.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


class UsccError(ValidationError):
    """A 统一社会信用代码 that breaks GB 32100-2015; the message says which way."""


def check_char(first17: str) -> str:
    """The check character for the first 17 characters (GB 32100-2015 §5).

    Examples:
        >>> check_char("91330800MA28F1234")
        'P'
    """
    if len(first17) != LENGTH - 1:
        raise UsccError(f"需要 17 位本体代码，实际 {len(first17)} 位", field="uscc")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Normalise and validate a 统一社会信用代码; return it upper-cased.

    Raises UsccError naming the problem: wrong length, a bad character (with its position),
    a non-numeric administrative division part, or a wrong check character (with the
    expected one).

    Examples:
        >>> validate_uscc(" 91330800ma28f1234p ")
        '91330800MA28F1234P'
    """
    code = raw.strip().upper()
    if len(code) != LENGTH:
        raise UsccError(
            f"统一社会信用代码应为 18 位，实际为 {len(code)} 位 "
            f"(USCC must have 18 characters, got {len(code)})",
            field="uscc",
        )
    for position, char in enumerate(code, start=1):
        if char not in _VALUE:
            raise UsccError(
                f"第 {position} 位字符 “{char}” 不在 GB 32100-2015 代码字符集内 "
                f"(character {char!r} at position {position} is not allowed; I, O, Z, S, V "
                "and lower-case letters other than a-h/j-n/p-r/t-u/w-y are invalid)",
                field="uscc",
            )
    if not code[2:8].isdigit():
        raise UsccError(
            "第 3–8 位应为 6 位数字的行政区划码 "
            f"(positions 3-8 must be a numeric administrative division code, got {code[2:8]!r})",
            field="uscc",
        )
    expected = check_char(code[:17])
    if code[17] != expected:
        raise UsccError(
            f"校验码错误：第 18 位应为 “{expected}”，实际为 “{code[17]}” "
            f"(check character should be {expected!r}, got {code[17]!r})",
            field="uscc",
        )
    return code
