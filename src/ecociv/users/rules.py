"""Pure account rules: scope by role, password policy, lock-out, sessions, token format.

The password policy, the per-address sign-in limit and the server-side session lifetimes are
described in README.md ("Sign-in with lock-out" and the settings table).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from zxcvbn import zxcvbn

from ecociv.kernel import Role, ValidationError

TOKEN_PREFIX = "ecv_"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,39}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
#: zxcvbn's score (0-4) a new password must reach: 3 means "safely unguessable" (about
#: 10^8 guesses or more), per the estimator's own scale.
MIN_PASSWORD_SCORE = 3
#: words every guesser of this platform would try first
PLATFORM_WORDS = ("quzhou", "ecociv")
#: words of any service's default or example passwords, tried as early as the platform's own
SERVICE_WORDS = ("demo", "test", "admin", "password", "welcome", "system")
#: zxcvbn only looks at this many characters (and refuses longer input)
_ESTIMATOR_MAX_LENGTH = 72
#: zxcvbn keeps the user inputs of a call in a module-level dictionary, so concurrent calls
#: (request threads) must take turns
_ESTIMATOR_LOCK = threading.Lock()
#: the first characters of a typed username, a user agent or an address that are kept
TYPED_USERNAME_KEEP = 40
USER_AGENT_KEEP = 200
ADDRESS_KEEP = 64


def validate_username(username: str) -> str:
    """Lower-case letters, digits, ``_ . -``; 2–40 characters.

    Examples:
        >>> validate_username("kecheng_officer")
        'kecheng_officer'
    """
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise ValidationError(
            "用户名应为 2–40 位小写字母、数字或 _ . - (username: 2-40 of a-z 0-9 _ . -)",
            field="username",
        )
    return name


def validate_password(password: str, username: str = "", display_name: str = "") -> None:
    """At least 10 and at most 128 characters, not only digits, not the username, and not
    guessable: the offline estimator zxcvbn (with the username, the display name and the
    platform's own words as known inputs) must score it at least 3 of 4, and so must what is
    left once those words and the words of default passwords (:data:`SERVICE_WORDS`) are taken
    out (``Quzhou-demo-2027`` and ``ecociv-quzhou-1`` are refused).

    Examples:
        >>> validate_password("short")
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 密码至少 10 位 ...
        >>> validate_password("password12")
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 密码太容易被猜到：这是常见密码...
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"密码至少 {MIN_PASSWORD_LENGTH} 位 (password must have at least "
            f"{MIN_PASSWORD_LENGTH} characters)",
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            f"密码最多 {MAX_PASSWORD_LENGTH} 位 (password must have at most "
            f"{MAX_PASSWORD_LENGTH} characters)",
            field="password",
        )
    if password.isdigit():
        raise ValidationError("密码不能全为数字 (password cannot be digits only)", field="password")
    if username and password.lower() == username.lower():
        raise ValidationError("密码不能与用户名相同 (password equals username)", field="password")
    known = [username, display_name, *PLATFORM_WORDS]
    score, weakness = password_strength(password, known)
    rest = without_known_words(password, [*known, *SERVICE_WORDS])
    if score >= MIN_PASSWORD_SCORE and rest != password.lower():
        # a known word with separators around it hides from the estimator: what is left
        # once the known words are taken out must be strong on its own
        score, weakness = password_strength(rest, [])[0], "user_input"
    if score < MIN_PASSWORD_SCORE:
        zh, en = WEAKNESS_TEXT[weakness]
        raise ValidationError(
            f"密码太容易被猜到：{zh}。请用几个不常见的词组合成更长的密码 "
            f"(password is too easy to guess: {en}; use a longer mix of uncommon words)",
            field="password",
        )


#: why a password is guessable, from the pattern zxcvbn found in its longest part
WEAKNESS_TEXT: dict[str, tuple[str, str]] = {
    "common_password": ("这是常见密码或与常见密码相似", "it is or resembles a common password"),
    "user_input": (
        "包含用户名、姓名或平台名称",
        "it contains the username, the name or the platform's name",
    ),
    "word": ("是常见单词或姓名", "it is a common word or name"),
    "repeat": ("包含重复的字符，如 aaa", 'it repeats characters, like "aaa"'),
    "sequence": ("包含连续的字符，如 abc 或 6543", 'it has a sequence like "abc" or "6543"'),
    "keyboard": ("是键盘上相邻的按键", "it is a keyboard pattern"),
    "date": ("包含年份或日期", "it contains a year or a date"),
    "short": ("太短或太简单", "it is too short or too simple"),
}


def without_known_words(password: str, words: Sequence[str]) -> str:
    """The password in lower case with every known word of 3 or more characters taken out
    (each replaced by one space), longest first.

    Examples:
        >>> without_known_words("Ecociv-Quzhou-1", ["quzhou", "ecociv"])
        ' - -1'
        >>> without_known_words("lemon-table-7", ["quzhou", "ecociv"])
        'lemon-table-7'
    """
    text = password.lower()
    for word in sorted({w.lower() for w in words if len(w) >= 3}, key=len, reverse=True):
        text = text.replace(word, " ")
    return text


def password_strength(password: str, user_inputs: Sequence[str]) -> tuple[int, str]:
    """zxcvbn's score (0-4) and, for a weak password, the key of :data:`WEAKNESS_TEXT` naming
    the pattern of its longest guessable part.

    Examples:
        >>> password_strength("aaaaaaaaaa", [])
        (0, 'repeat')
        >>> password_strength("kecheng2026", ["kecheng"])
        (1, 'user_input')
    """
    inputs = [w.lower() for w in user_inputs if w]
    with _ESTIMATOR_LOCK:
        result: dict[str, Any] = zxcvbn(password[:_ESTIMATOR_MAX_LENGTH], user_inputs=inputs)
    score = int(result["score"])
    sequence: list[dict[str, Any]] = result.get("sequence") or []
    if score >= MIN_PASSWORD_SCORE or not sequence:
        return score, "short"
    longest = max(sequence, key=lambda m: len(m["token"]))
    return score, _weakness(longest)


def _weakness(match: dict[str, Any]) -> str:
    pattern = match.get("pattern")
    if pattern == "dictionary":
        return {
            "passwords": "common_password",
            "user_inputs": "user_input",
        }.get(str(match.get("dictionary_name")), "word")
    return {
        "repeat": "repeat",
        "sequence": "sequence",
        "spatial": "keyboard",
        "date": "date",
        "regex": "date",  # zxcvbn's only regex is "recent year"
    }.get(str(pattern), "short")


def validate_scope(
    role: Role,
    county_code: str | None,
    department_code: str | None,
    enterprise_id: int | None,
) -> None:
    """Each scoped role has exactly its own scope field and no other.

    Examples:
        >>> validate_scope(Role.COUNTY_OFFICER, None, None, None)
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 县（市、区）用户必须指定所属县 ...
    """
    if role is Role.PUBLIC:
        raise ValidationError("公众不是可登录的角色 (public is not an account role)", field="role")
    wanted = {
        Role.COUNTY_OFFICER: (
            "county_code",
            "县（市、区）用户必须指定所属县 (county officer needs a county)",
        ),
        Role.DEPARTMENT_OFFICER: (
            "department_code",
            "部门用户必须指定所属部门 (department officer needs a department)",
        ),
        Role.ENTERPRISE_USER: (
            "enterprise_id",
            "企业用户必须指定所属企业 (enterprise user needs an enterprise)",
        ),
    }.get(role)
    given = {
        "county_code": county_code,
        "department_code": department_code,
        "enterprise_id": enterprise_id,
    }
    for field, value in given.items():
        if wanted and field == wanted[0]:
            if value in (None, ""):
                raise ValidationError(wanted[1], field=field)
        elif value not in (None, ""):
            raise ValidationError(
                f"角色 {role} 不能设置 {field} (role {role} takes no {field})", field=field
            )


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Whether an account is locked at ``now``."""
    return locked_until is not None and now < locked_until


def after_failed_login(
    failed_logins: int, now: datetime, max_failures: int, lockout: timedelta
) -> tuple[int, datetime | None]:
    """The failure count and lock after one more failed login: the ``max_failures``-th
    consecutive failure locks the account for ``lockout`` and resets the count.

    Examples:
        >>> from datetime import UTC
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> after_failed_login(3, t, 5, timedelta(minutes=15))
        (4, None)
        >>> after_failed_login(4, t, 5, timedelta(minutes=15))[1].isoformat()
        '2026-01-01T00:15:00+00:00'
    """
    count = failed_logins + 1
    if count >= max_failures:
        return 0, now + lockout
    return count, None


def token_hash(secret: str) -> str:
    """Tokens are random 256-bit values, so one SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def token_prefix(secret: str) -> str:
    """The visible start of a token, to recognise it in lists and logs."""
    return secret[: len(TOKEN_PREFIX) + 6]


# ---- sign-in limits and server-side sessions ----------------------------------------------


def address_is_limited(failures_in_window: int, max_failures: int) -> bool:
    """Whether a client address has used up its failed sign-ins for the window: the
    ``max_failures``-th failure within the window blocks further attempts until the oldest
    failure leaves it.

    Examples:
        >>> address_is_limited(19, 20), address_is_limited(20, 20)
        (False, True)
    """
    return failures_in_window >= max_failures


def session_is_live(
    *,
    revoked_at: datetime | None,
    last_seen_at: datetime,
    expires_at: datetime,
    now: datetime,
    idle: timedelta,
) -> bool:
    """A session works until it is revoked, until ``idle`` has passed since it was last seen,
    or until its absolute lifetime ends (``expires_at``), whichever comes first.

    Examples:
        >>> from datetime import UTC
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> session_is_live(revoked_at=None, last_seen_at=t, expires_at=t + timedelta(hours=8),
        ...                 now=t + timedelta(minutes=59), idle=timedelta(hours=1))
        True
        >>> session_is_live(revoked_at=None, last_seen_at=t, expires_at=t + timedelta(hours=8),
        ...                 now=t + timedelta(hours=1), idle=timedelta(hours=1))
        False
    """
    return revoked_at is None and now - last_seen_at < idle and now < expires_at


def needs_touch(last_seen_at: datetime, now: datetime, interval: timedelta) -> bool:
    """Whether ``last_seen_at`` is stale enough to be written again (at most once per
    ``interval``, so a busy session does not write on every request).

    Examples:
        >>> from datetime import UTC
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> needs_touch(t, t + timedelta(seconds=59), timedelta(minutes=1))
        False
        >>> needs_touch(t, t + timedelta(minutes=1), timedelta(minutes=1))
        True
    """
    return now - last_seen_at >= interval


def session_hash(secret: str) -> str:
    """Session ids are random 256-bit values: the database keeps only their SHA-256, so a
    copy of the table cannot be turned back into working cookies."""
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


def truncated(text: str | None, keep: int) -> str:
    """The first ``keep`` characters of a client-supplied text (printable ones only).

    Examples:
        >>> truncated("ab\\x00c" * 3, 5)
        'abcab'
    """
    cleaned = "".join(ch for ch in (text or "") if ch.isprintable())
    return cleaned[:keep]
