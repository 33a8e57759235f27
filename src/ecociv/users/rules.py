"""Pure account rules: scope by role, password policy, lock-out, token format."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from ecociv.kernel import Role, ValidationError

TOKEN_PREFIX = "ecv_"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,39}$")
MIN_PASSWORD_LENGTH = 10


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


def validate_password(password: str, username: str = "") -> None:
    """At least 10 characters, not only digits, not the username.

    Examples:
        >>> validate_password("short")
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 密码至少 10 位 ...
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"密码至少 {MIN_PASSWORD_LENGTH} 位 (password must have at least "
            f"{MIN_PASSWORD_LENGTH} characters)",
            field="password",
        )
    if password.isdigit():
        raise ValidationError("密码不能全为数字 (password cannot be digits only)", field="password")
    if username and password.lower() == username.lower():
        raise ValidationError("密码不能与用户名相同 (password equals username)", field="password")


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
