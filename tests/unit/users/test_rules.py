"""Account rules: lock-out after repeated failures, password policy, scope by role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecociv.kernel import Role, ValidationError
from ecociv.users.rules import (
    after_failed_login,
    is_locked,
    token_hash,
    validate_password,
    validate_scope,
    validate_username,
)

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LOCK = timedelta(minutes=15)


@pytest.mark.parametrize(("failures_before", "locked"), [(3, False), (4, True)])
def test_the_fifth_consecutive_failure_locks_the_account(
    failures_before: int, locked: bool
) -> None:
    count, until = after_failed_login(failures_before, NOW, 5, LOCK)
    assert (until is not None) is locked
    assert count == (0 if locked else failures_before + 1)


@pytest.mark.parametrize(
    ("now", "locked"),
    [(NOW + LOCK - timedelta(seconds=1), True), (NOW + LOCK, False)],
)
def test_a_lock_lasts_exactly_the_lockout_period(now: datetime, locked: bool) -> None:
    assert is_locked(NOW + LOCK, now) is locked
    assert not is_locked(None, now)


@pytest.mark.parametrize(
    ("password", "ok"),
    [("123456789a", True), ("12345678a", False), ("1234567890", False), ("kecheng-01", True)],
)
def test_passwords_need_ten_characters_and_not_only_digits(password: str, ok: bool) -> None:
    if ok:
        validate_password(password, "someone")
    else:
        with pytest.raises(ValidationError):
            validate_password(password, "someone")


def test_password_may_not_equal_the_username() -> None:
    with pytest.raises(ValidationError, match="用户名"):
        validate_password("kecheng-officer", "Kecheng-Officer")


@pytest.mark.parametrize("name", ["a", "Has Space", "x" * 41, "中文名"])
def test_rejects_bad_usernames(name: str) -> None:
    with pytest.raises(ValidationError):
        validate_username(name)


def test_each_scoped_role_needs_exactly_its_scope() -> None:
    validate_scope(Role.COUNTY_OFFICER, "330802", None, None)
    validate_scope(Role.DEPARTMENT_OFFICER, None, "water", None)
    validate_scope(Role.ENTERPRISE_USER, None, None, 4)
    validate_scope(Role.INSPECTOR, None, None, None)
    with pytest.raises(ValidationError, match="county"):
        validate_scope(Role.COUNTY_OFFICER, None, None, None)
    with pytest.raises(ValidationError):
        validate_scope(Role.INSPECTOR, "330802", None, None)
    with pytest.raises(ValidationError):
        validate_scope(Role.COUNTY_OFFICER, "330802", "water", None)
    with pytest.raises(ValidationError):
        validate_scope(Role.PUBLIC, None, None, None)


def test_token_hash_is_sha256_hex_and_differs_per_token() -> None:
    assert len(token_hash("ecv_a")) == 64
    assert token_hash("ecv_a") != token_hash("ecv_b")
