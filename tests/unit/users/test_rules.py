"""Account rules: lock-out after repeated failures, password policy, scope by role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecociv.kernel import Role, ValidationError
from ecociv.users.rules import (
    PLATFORM_WORDS,
    address_is_limited,
    after_failed_login,
    is_locked,
    needs_touch,
    password_strength,
    session_hash,
    session_is_live,
    token_hash,
    truncated,
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
    [
        ("Tq8#vLm2x", False),  # 9 characters
        ("Tq8#vLm2xZ", True),  # 10
        ("Tq8#vLm2xZk", True),  # 11
        ("1234567890", False),  # digits only
        ("Tq8#vLm2xZ" + "k" * 118, True),  # 128 characters
        ("Tq8#vLm2xZ" + "k" * 119, False),  # 129
    ],
)
def test_passwords_need_10_to_128_characters_and_not_only_digits(password: str, ok: bool) -> None:
    if ok:
        validate_password(password, "someone")
    else:
        with pytest.raises(ValidationError):
            validate_password(password, "someone")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaa", "重复"),  # named in issue 11
        ("password12", "常见密码"),  # named in issue 11
        ("123456789a", "常见密码"),
        ("qwertyuiop", "常见密码"),
        ("1qaz2wsx3edc", "常见密码"),
        ("woaini1314", "常见密码"),
        ("abcdefghij", "连续"),
        ("kecheng2026", "用户名"),  # the username
        ("Kecheng@2026", "用户名"),
        ("Quzhou2026", "平台名称"),  # the platform's own words
        ("ecociv12345", "平台名称"),
    ],
)
def test_guessable_passwords_are_refused_with_the_reason(password: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why) as refused:
        validate_password(password, "kecheng", "柯城区用户")
    assert refused.value.field == "password"
    assert "too easy to guess" in refused.value.message


@pytest.mark.parametrize(
    ("password", "score", "ok"),
    [
        ("woaini1314", 2, False),  # just below the required score
        ("Kecheng@2026", 2, False),
        ("river-lemon", 3, True),  # at it
        ("lemon-table-7", 4, True),  # above it
        ("Lanke-Qiantang-58", 4, True),  # the demo accounts' password
    ],
)
def test_a_password_needs_an_estimated_strength_of_3_of_4(
    password: str, score: int, ok: bool
) -> None:
    assert password_strength(password, ["kecheng", *PLATFORM_WORDS])[0] == score
    if ok:
        validate_password(password, "kecheng")
    else:
        with pytest.raises(ValidationError):
            validate_password(password, "kecheng")


@pytest.mark.parametrize(
    "password",
    [
        "ecociv-quzhou-1",  # the platform's words around a separator score 4 on their own
        "quzhou-ecociv-1",
        "Quzhou-demo-2026",  # an earlier demo password, and one character off it
        "Quzhou-demo-2027",
        "Kecheng@2026!",  # the username and a year
        "Admin-Password-1",
    ],
)
def test_known_words_taken_out_leave_a_guessable_rest(password: str) -> None:
    assert password_strength(password, ["kecheng", *PLATFORM_WORDS])[0] >= 3
    with pytest.raises(ValidationError, match="too easy to guess"):
        validate_password(password, "kecheng")


def test_known_words_beside_a_strong_rest_are_accepted() -> None:
    validate_password("Kecheng-tulip-harbor-93", "kecheng")


def test_the_display_name_counts_as_a_guessable_word() -> None:
    validate_password("liuyifei-2026", "someone")
    with pytest.raises(ValidationError, match="姓名"):
        validate_password("liuyifei-2026", "someone", "liuyifei")


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


@pytest.mark.parametrize(("failures", "limited"), [(19, False), (20, True), (21, True)])
def test_the_20th_failure_from_one_address_within_the_window_blocks_it(
    failures: int, limited: bool
) -> None:
    assert address_is_limited(failures, 20) is limited


IDLE = timedelta(minutes=60)
LIFETIME = timedelta(hours=8)


@pytest.mark.parametrize(
    ("unused_for", "live"),
    [
        (IDLE - timedelta(seconds=1), True),
        (IDLE, False),
        (IDLE + timedelta(seconds=1), False),
    ],
)
def test_a_session_unused_for_the_idle_timeout_ends(unused_for: timedelta, live: bool) -> None:
    assert (
        session_is_live(
            revoked_at=None,
            last_seen_at=NOW,
            expires_at=NOW + LIFETIME,
            now=NOW + unused_for,
            idle=IDLE,
        )
        is live
    )


@pytest.mark.parametrize(
    ("age", "live"),
    [
        (LIFETIME - timedelta(seconds=1), True),
        (LIFETIME, False),
        (LIFETIME + timedelta(seconds=1), False),
    ],
)
def test_a_session_ends_at_its_absolute_lifetime_even_when_in_use(
    age: timedelta, live: bool
) -> None:
    now = NOW + age
    assert (
        session_is_live(
            revoked_at=None,
            last_seen_at=now - timedelta(seconds=5),
            expires_at=NOW + LIFETIME,
            now=now,
            idle=IDLE,
        )
        is live
    )


def test_a_revoked_session_has_ended() -> None:
    assert not session_is_live(
        revoked_at=NOW, last_seen_at=NOW, expires_at=NOW + LIFETIME, now=NOW, idle=IDLE
    )


@pytest.mark.parametrize(
    ("since", "touch"),
    [(timedelta(seconds=59), False), (timedelta(seconds=60), True), (timedelta(seconds=61), True)],
)
def test_last_seen_is_written_at_most_once_a_minute(since: timedelta, touch: bool) -> None:
    assert needs_touch(NOW, NOW + since, timedelta(minutes=1)) is touch


def test_only_a_hash_of_the_session_id_is_stored() -> None:
    assert len(session_hash("abc")) == 64 and session_hash("abc") != session_hash("abd")
    assert "abc" not in session_hash("abc")


def test_client_supplied_text_is_truncated_and_stripped_of_control_characters() -> None:
    assert truncated("x" * 50, 40) == "x" * 40
    assert truncated("adm\nin\x00", 40) == "admin"
    assert truncated(None, 10) == ""
