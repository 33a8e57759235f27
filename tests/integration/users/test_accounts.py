"""Sign-in with lock-out, passwords and API tokens against a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ecociv import users
from ecociv.adapters.db import Database
from ecociv.kernel import PUBLIC_ACTOR, Role, ValidationError
from ecociv.kernel.errors import AuthenticationError
from ecociv.users.tables import ApiTokenRow, UserRow
from tests.conftest import DEMO_PASSWORD, SYSTEM

POLICY = {"max_failures": 5, "lockout": timedelta(minutes=15)}
IDLE = timedelta(minutes=60)
SIGN_IN = {
    "policy": users.LoginPolicy(
        max_failures=5,
        lockout=timedelta(minutes=15),
        address_max_failures=20,
        address_window=timedelta(minutes=15),
        session_lifetime=timedelta(hours=8),
        session_idle=IDLE,
    ),
    "client_address": "192.0.2.10",
}


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def test_right_password_signs_in(db: Database) -> None:
    account = users.authenticate(db, "kecheng", DEMO_PASSWORD, **POLICY)
    assert (account.role, account.county_code) == (Role.COUNTY_OFFICER, "330802")


def test_five_failures_lock_even_the_right_password_until_the_lock_ends(db: Database) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    for _ in range(5):
        with pytest.raises(AuthenticationError, match="用户名或密码错误"):
            users.authenticate(db, "kecheng", "wrong-password", clock=clock, **POLICY)
    with pytest.raises(AuthenticationError, match="锁定"):
        users.authenticate(db, "kecheng", DEMO_PASSWORD, clock=clock, **POLICY)
    clock.current += timedelta(minutes=15)
    assert users.authenticate(db, "kecheng", DEMO_PASSWORD, clock=clock, **POLICY).username == (
        "kecheng"
    )


def test_four_failures_then_success_resets_the_count(db: Database) -> None:
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            users.authenticate(db, "kecheng", "wrong-password", **POLICY)
    users.authenticate(db, "kecheng", DEMO_PASSWORD, **POLICY)
    with db.reading() as s:
        assert s.scalar(select(UserRow.failed_logins).where(UserRow.username == "kecheng")) == 0


def test_unknown_user_and_disabled_user_cannot_sign_in(db: Database) -> None:
    with pytest.raises(AuthenticationError):
        users.authenticate(db, "nobody", DEMO_PASSWORD, **POLICY)
    users.set_active(db, SYSTEM, "inspector", False)
    with pytest.raises(AuthenticationError, match="停用"):
        users.authenticate(db, "inspector", DEMO_PASSWORD, **POLICY)


def test_passwords_are_stored_as_argon2id_hashes(db: Database) -> None:
    with db.reading() as s:
        stored = s.scalar(select(UserRow.password_hash).where(UserRow.username == "admin"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert DEMO_PASSWORD not in stored


def test_a_token_acts_with_its_accounts_scope_until_revoked(db: Database) -> None:
    issued = users.create_token(db, SYSTEM, username="kecheng", name="HJ 212 gateway")
    account = users.account_for_token(db, issued.secret)
    assert account is not None and account.county_code == "330802"
    with db.reading() as s:
        stored = s.scalars(select(ApiTokenRow)).all()
    assert all(issued.secret not in (t.token_hash + t.prefix) for t in stored)
    users.revoke_token(db, SYSTEM, issued.info.id)
    assert users.account_for_token(db, issued.secret) is None


def test_an_expired_token_is_refused(db: Database) -> None:
    start = FixedClock(datetime(2026, 6, 1, tzinfo=UTC))
    issued = users.create_token(
        db, SYSTEM, username="inspector", name="x", expires_days=1, clock=start
    )
    assert users.account_for_token(db, issued.secret, clock=start) is not None
    start.current += timedelta(days=1)
    assert users.account_for_token(db, issued.secret, clock=start) is None


def test_changing_the_password_keeps_the_current_session_and_ends_the_others(
    db: Database,
) -> None:
    first = users.sign_in(db, PUBLIC_ACTOR, "kecheng", DEMO_PASSWORD, **SIGN_IN)
    second = users.sign_in(db, PUBLIC_ACTOR, "kecheng", DEMO_PASSWORD, **SIGN_IN)
    actor = users.actor_of(first.account)
    users.change_password(
        db, actor, DEMO_PASSWORD, "a-new-secret-2026", current_session=first.session_secret
    )
    assert users.account_for_session(db, first.session_secret, idle=IDLE) is not None
    assert users.account_for_session(db, second.session_secret, idle=IDLE) is None


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "password12"])
def test_weak_passwords_are_refused_on_create_change_and_reset(db: Database, weak: str) -> None:
    with pytest.raises(ValidationError, match="too easy to guess"):
        users.create_user(db, SYSTEM, username="newcomer", password=weak, role=Role.INSPECTOR)
    account = users.authenticate(db, "kecheng", DEMO_PASSWORD, **POLICY)
    with pytest.raises(ValidationError, match="too easy to guess") as refused:
        users.change_password(db, users.actor_of(account), DEMO_PASSWORD, weak)
    assert refused.value.field == "new_password"
    with pytest.raises(ValidationError, match="too easy to guess"):
        users.set_password(db, SYSTEM, "kecheng", weak)
    # nothing was written: the old password still works and no account was made
    assert users.authenticate(db, "kecheng", DEMO_PASSWORD, **POLICY).username == "kecheng"
    assert "newcomer" not in {a.username for a in users.list_users(db, SYSTEM)}


def test_a_strong_password_is_accepted(db: Database) -> None:
    made = users.create_user(
        db, SYSTEM, username="newcomer", password="lemon-table-7", role=Role.INSPECTOR
    )
    assert users.authenticate(db, made.username, "lemon-table-7", **POLICY).id == made.id
