"""Server-side sessions, the per-address sign-in limit and sign-ins in the audit log, against
a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ecociv import audit, users
from ecociv.adapters.db import Database
from ecociv.audit.tables import AuditRow
from ecociv.kernel import PUBLIC_ACTOR, Actor, NotFoundError, PermissionDeniedError, Role
from ecociv.kernel.errors import AuthenticationError
from ecociv.users.model import SignedIn
from ecociv.users.services import BAD_CREDENTIALS
from ecociv.users.tables import LoginFailureRow, UserSessionRow
from tests.conftest import DEMO_PASSWORD, SYSTEM

IDLE = timedelta(minutes=60)
LIFETIME = timedelta(hours=8)
ADDRESS = "192.0.2.10"
OTHER_ADDRESS = "198.51.100.7"


def policy(address_max_failures: int = 20) -> users.LoginPolicy:
    return users.LoginPolicy(
        max_failures=5,
        lockout=timedelta(minutes=15),
        address_max_failures=address_max_failures,
        address_window=timedelta(minutes=15),
        session_lifetime=LIFETIME,
        session_idle=IDLE,
    )


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def sign_in(
    db: Database,
    username: str = "kecheng",
    password: str = DEMO_PASSWORD,
    *,
    address: str = ADDRESS,
    clock: FixedClock | None = None,
    limit: int = 20,
) -> SignedIn:
    return users.sign_in(
        db,
        PUBLIC_ACTOR.with_request("req-test-0001"),
        username,
        password,
        policy=policy(limit),
        client_address=address,
        user_agent="Mozilla/5.0 (test)",
        clock=clock,
    )


def entries(db: Database, action: str) -> list[AuditRow]:
    with db.reading() as s:
        return list(s.scalars(select(AuditRow).where(AuditRow.action == action)))


def live(db: Database, secret: str, clock: FixedClock | None = None) -> bool:
    return users.account_for_session(db, secret, idle=IDLE, clock=clock) is not None


# ---- sessions ---------------------------------------------------------------------------


def test_a_session_id_is_stored_only_as_its_hash(db: Database) -> None:
    signed = sign_in(db)
    with db.reading() as s:
        rows = s.scalars(select(UserSessionRow)).all()
    assert len(rows) == 1
    row = rows[0]
    assert signed.session_secret not in row.session_hash
    assert (row.client_address, row.user_agent) == (ADDRESS, "Mozilla/5.0 (test)")
    assert row.expires_at - row.created_at == LIFETIME
    assert live(db, signed.session_secret)
    assert not live(db, signed.session_secret + "x")


def test_sign_out_revokes_the_session_on_the_server(db: Database) -> None:
    signed = sign_in(db)
    other = sign_in(db)
    users.sign_out(db, users.actor_of(signed.account), signed.session_secret)
    assert not live(db, signed.session_secret)
    assert live(db, other.session_secret)  # only the session that signed out ends


def test_an_admin_password_reset_ends_every_session(db: Database) -> None:
    first, second = sign_in(db), sign_in(db)
    users.set_password(db, SYSTEM, "kecheng", "lemon-table-7")
    assert not live(db, first.session_secret)
    assert not live(db, second.session_secret)


def test_disabling_an_account_ends_every_session_and_enabling_does_not_revive_them(
    db: Database,
) -> None:
    first, second = sign_in(db), sign_in(db)
    users.set_active(db, SYSTEM, "kecheng", False)
    users.set_active(db, SYSTEM, "kecheng", True)
    assert not live(db, first.session_secret)
    assert not live(db, second.session_secret)
    ended = entries(db, "session.revoke_all")
    assert json.loads(ended[-1].after)["reason"] == "disable"
    assert len(json.loads(ended[-1].after)["sessions"]) == 2


@pytest.mark.parametrize(
    ("unused_for", "works"),
    [
        (IDLE - timedelta(seconds=1), True),
        (IDLE, False),
        (IDLE + timedelta(minutes=1), False),
    ],
)
def test_a_session_unused_for_the_idle_timeout_stops_working(
    db: Database, unused_for: timedelta, works: bool
) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    signed = sign_in(db, clock=clock)
    clock.current += unused_for
    assert live(db, signed.session_secret, clock) is works


def test_a_session_in_use_ends_at_its_absolute_lifetime(db: Database) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    signed = sign_in(db, clock=clock)
    while clock.current < datetime(2026, 6, 1, 8, 0, tzinfo=UTC) + LIFETIME - IDLE / 2:
        clock.current += IDLE / 2
        assert live(db, signed.session_secret, clock)  # used every half hour: kept alive
    clock.current = datetime(2026, 6, 1, 8, 0, tzinfo=UTC) + LIFETIME
    assert not live(db, signed.session_secret, clock)


def test_last_seen_is_written_at_most_once_a_minute(db: Database) -> None:
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    clock = FixedClock(start)
    signed = sign_in(db, clock=clock)

    def last_seen() -> datetime:
        with db.reading() as s:
            seen = s.scalar(select(UserSessionRow.last_seen_at))
        assert seen is not None
        return seen

    clock.current = start + timedelta(seconds=59)
    assert live(db, signed.session_secret, clock)
    assert last_seen() == start
    clock.current = start + timedelta(seconds=60)
    assert live(db, signed.session_secret, clock)
    assert last_seen() == start + timedelta(seconds=60)


def test_a_user_lists_and_ends_their_own_sessions_but_not_anothers(db: Database) -> None:
    mine, other = sign_in(db), sign_in(db)
    theirs = sign_in(db, "inspector")
    actor = users.actor_of(mine.account)
    listed = users.list_sessions(db, actor, idle=IDLE, current_session=mine.session_secret)
    assert len(listed) == 2 and {s.username for s in listed} == {"kecheng"}
    assert [s.is_current for s in listed].count(True) == 1
    other_id = next(s.id for s in listed if not s.is_current)
    users.revoke_session(db, actor, other_id)
    assert not live(db, other.session_secret) and live(db, mine.session_secret)
    theirs_id = users.list_sessions(db, SYSTEM, idle=IDLE, username="inspector")[0].id
    with pytest.raises(NotFoundError):
        users.revoke_session(db, actor, theirs_id)
    assert live(db, theirs.session_secret)
    assert json.loads(entries(db, "session.revoke")[-1].after) == {
        "revoked": True,
        "reason": "user",
    }


def test_an_admin_ends_all_of_a_users_sessions(db: Database) -> None:
    first, second = sign_in(db, "inspector"), sign_in(db, "inspector")
    mine = sign_in(db)
    assert users.revoke_user_sessions(db, SYSTEM, "inspector") == 2
    assert not live(db, first.session_secret) and not live(db, second.session_secret)
    assert live(db, mine.session_secret)
    assert users.revoke_user_sessions(db, SYSTEM, "inspector") == 0


def test_a_non_admin_cannot_list_or_end_another_accounts_sessions(db: Database) -> None:
    actor = Actor(username="kecheng", role=Role.COUNTY_OFFICER, user_id=1, county_code="330802")
    with pytest.raises(PermissionDeniedError):
        users.list_sessions(db, actor, idle=IDLE, username="inspector")
    with pytest.raises(PermissionDeniedError):
        users.revoke_user_sessions(db, actor, "inspector")


# ---- the per-address limit and one answer for every refusal ------------------------------


def test_the_address_limit_counts_failures_across_different_usernames(db: Database) -> None:
    for name in ("nobody", "kecheng", "inspector"):  # 3 failures: at the limit of 3
        with pytest.raises(AuthenticationError):
            sign_in(db, name, "wrong-password", limit=3)
    with pytest.raises(AuthenticationError) as refused:
        sign_in(db, "admin", DEMO_PASSWORD, limit=3)  # the right password, from that address
    assert refused.value.message == BAD_CREDENTIALS
    # another address is not affected, and no account was locked
    assert sign_in(db, "admin", DEMO_PASSWORD, address=OTHER_ADDRESS, limit=3).account
    limited = entries(db, "login.address_limited")
    assert [(e.entity_id, json.loads(e.after)["failures"]) for e in limited] == [(ADDRESS, 3)]


def test_one_failure_below_the_address_limit_still_signs_in(db: Database) -> None:
    for name in ("nobody", "inspector"):  # 2 failures: one below the limit of 3
        with pytest.raises(AuthenticationError):
            sign_in(db, name, "wrong-password", limit=3)
    assert sign_in(db, "admin", DEMO_PASSWORD, limit=3).account.username == "admin"


def test_the_address_limit_ends_when_the_failures_leave_the_window(db: Database) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    for name in ("nobody", "someone", "inspector"):
        with pytest.raises(AuthenticationError):
            sign_in(db, name, "wrong-password", limit=3, clock=clock)
    clock.current += timedelta(minutes=15) - timedelta(seconds=1)
    with pytest.raises(AuthenticationError):
        sign_in(db, "admin", DEMO_PASSWORD, limit=3, clock=clock)
    clock.current += timedelta(seconds=1)
    assert sign_in(db, "admin", DEMO_PASSWORD, limit=3, clock=clock).account
    with pytest.raises(AuthenticationError):
        sign_in(db, "nobody", "wrong-password", address=OTHER_ADDRESS, limit=3, clock=clock)
    with db.reading() as s:  # failures that left the window are deleted as new ones come in
        kept = s.scalars(select(LoginFailureRow.client_address)).all()
    assert kept == [OTHER_ADDRESS]


def test_unknown_user_wrong_password_and_locked_account_get_one_answer(db: Database) -> None:
    messages = set()
    for name in ("nobody", "kecheng"):
        with pytest.raises(AuthenticationError) as refused:
            sign_in(db, name, "wrong-password")
        messages.add(refused.value.message)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            sign_in(db, "inspector", "wrong-password")
    with pytest.raises(AuthenticationError) as refused:
        sign_in(db, "inspector", DEMO_PASSWORD)  # locked now
    messages.add(refused.value.message)
    assert messages == {BAD_CREDENTIALS}


# ---- the audit log ----------------------------------------------------------------------


def test_sign_in_sign_out_and_failures_are_in_the_audit_log(db: Database) -> None:
    signed = sign_in(db)
    users.sign_out(
        db, users.actor_of(signed.account).with_request("req-out"), signed.session_secret
    )
    with pytest.raises(AuthenticationError):
        sign_in(db, "No Such\nUser" + "x" * 80, "wrong-password")
    with pytest.raises(AuthenticationError):
        sign_in(db, "kecheng", "wrong-password")

    (login,) = entries(db, "user.login")
    assert (login.actor, login.entity_id, login.request_id) == (
        "kecheng",
        "kecheng",
        "req-test-0001",
    )
    assert json.loads(login.after)["client"] == ADDRESS
    (logout,) = entries(db, "user.logout")
    assert (logout.actor, logout.request_id) == ("kecheng", "req-out")
    failed = entries(db, "user.login_failed")
    assert [(e.actor, e.entity_id, json.loads(e.after)) for e in failed] == [
        ("public", "No SuchUser" + "x" * 29, {"reason": "unknown_user", "client": ADDRESS}),
        ("public", "kecheng", {"reason": "wrong_password", "client": ADDRESS}),
    ]
    assert audit.verify_chain(db).first_break is None


def test_a_lockout_is_in_the_audit_log(db: Database) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            sign_in(db, "inspector", "wrong-password")
    with pytest.raises(AuthenticationError):
        sign_in(db, "inspector", DEMO_PASSWORD)
    (locked,) = entries(db, "user.locked")
    assert locked.entity_id == "inspector"
    reasons = [json.loads(e.after)["reason"] for e in entries(db, "user.login_failed")]
    assert reasons == ["wrong_password"] * 5 + ["locked"]


def test_every_refusal_costs_one_argon2_verification_like_a_real_check(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer takes the same time whether or not the account exists or is locked: the
    same one verification, against a dummy hash for an unknown user (no timing in tests)."""
    from ecociv.users import services

    verified: list[str] = []
    real = services._password_matches

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    for _ in range(5):  # lock inspector
        with pytest.raises(AuthenticationError):
            sign_in(db, "inspector", "wrong-password")
    monkeypatch.setattr(services, "_password_matches", counting)
    for name, password in [
        ("nobody", "wrong-password"),
        ("kecheng", "wrong-password"),
        ("inspector", DEMO_PASSWORD),
    ]:
        verified.clear()
        with pytest.raises(AuthenticationError):
            sign_in(db, name, password)
        assert len(verified) == 1
        assert verified[0].startswith("$argon2id$")
