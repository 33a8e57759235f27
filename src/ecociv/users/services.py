"""Use cases for accounts: sign-in with lock-out, server-side sessions, passwords, API tokens,
the request actor."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ecociv import audit, orgs
from ecociv.adapters.db import Database
from ecociv.kernel import (
    PUBLIC_ACTOR,
    Actor,
    Clock,
    ConflictError,
    NotFoundError,
    Permission,
    Role,
    SystemClock,
    ValidationError,
    can,
    ensure,
)
from ecociv.kernel.errors import AuthenticationError
from ecociv.users.model import (
    ApiTokenInfo,
    IssuedToken,
    LoginPolicy,
    SessionInfo,
    SignedIn,
    UserAccount,
)
from ecociv.users.rules import (
    ADDRESS_KEEP,
    TOKEN_PREFIX,
    TYPED_USERNAME_KEEP,
    USER_AGENT_KEEP,
    address_is_limited,
    after_failed_login,
    is_locked,
    needs_touch,
    session_hash,
    session_is_live,
    token_hash,
    token_prefix,
    truncated,
    validate_password,
    validate_scope,
    validate_username,
)
from ecociv.users.tables import ApiTokenRow, LoginFailureRow, UserRow, UserSessionRow

_HASHER = PasswordHasher()  # Argon2id with the library's RFC 9106 low-memory defaults
#: verified against when the user does not exist, so timing does not reveal which usernames exist
_DUMMY_HASH = _HASHER.hash("ecociv-no-such-user")
#: a used token's last_used_at is refreshed at most this often
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
#: a session's last_seen_at is refreshed at most this often
_SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
#: ended sessions are deleted this long after they expired (at their owner's next sign-in)
_SESSION_KEEP = timedelta(days=30)
#: one answer for an unknown user, a wrong password, a locked account and an address over its
#: limit, so the answer does not tell whether an account exists
BAD_CREDENTIALS = (
    "用户名或密码错误，或尝试次数过多已暂时锁定，请稍后再试 "
    "(wrong username or password, or locked for a while after too many attempts)"
)


def _to_account(row: UserRow) -> UserAccount:
    return UserAccount(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        county_code=row.county_code,
        department_code=row.department_code,
        enterprise_id=row.enterprise_id,
        is_active=row.is_active,
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        session_epoch=row.session_epoch,
        is_head=row.is_head,
    )


def _snapshot(row: UserRow) -> dict[str, object]:
    return {
        "username": row.username,
        "display_name": row.display_name,
        "role": row.role,
        "county_code": row.county_code,
        "department_code": row.department_code,
        "enterprise_id": row.enterprise_id,
        "is_active": row.is_active,
        "session_epoch": row.session_epoch,
        "is_head": row.is_head,
    }


def actor_of(account: UserAccount, *, via_token: bool = False) -> Actor:
    """The actor a signed-in account acts as."""
    return Actor(
        username=account.username,
        role=account.role,
        user_id=account.id,
        county_code=account.county_code,
        department_code=account.department_code,
        enterprise_id=account.enterprise_id,
        via_token=via_token,
        is_head=account.is_head,
    )


def _user(session: Session, username: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
    if row is None:
        raise NotFoundError(f"没有用户 {username} (no such user)", field="username")
    return row


def create_user(
    db: Database,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    county_code: str | None = None,
    department_code: str | None = None,
    enterprise_uscc: str | None = None,
    is_head: bool = False,
    clock: Clock | None = None,
) -> UserAccount:
    """Create an account (admins only). ``is_head`` marks the head of a county or
    department, who approves its reports."""
    ensure(actor, Permission.USER_MANAGE)
    clock = clock or SystemClock()
    name = validate_username(username)
    validate_password(password, name, display_name)
    password_hash = _HASHER.hash(password)  # before the write transaction: Argon2 is slow
    with db.transaction() as session:
        enterprise_id = (
            orgs.enterprise_id_for(session, enterprise_uscc) if enterprise_uscc else None
        )
        validate_scope(role, county_code or None, department_code or None, enterprise_id)
        if is_head and role not in (Role.COUNTY_OFFICER, Role.DEPARTMENT_OFFICER):
            raise ValidationError(
                "只有县级或部门用户可以是单位负责人 (only county or department "
                "officers can be heads)",
                field="is_head",
            )
        if county_code and not orgs.is_county(session, county_code):
            raise ValidationError(f"未知的县（市、区）代码 {county_code}", field="county_code")
        if department_code and not orgs.is_department(session, department_code):
            raise ValidationError(f"未知的部门代码 {department_code}", field="department_code")
        if session.scalar(select(UserRow.id).where(UserRow.username == name)) is not None:
            raise ConflictError(f"用户名 {name} 已存在 (username taken)", field="username")
        row = UserRow(
            username=name,
            display_name=display_name.strip() or name,
            role=role.value,
            county_code=county_code or None,
            department_code=department_code or None,
            enterprise_id=enterprise_id,
            password_hash=password_hash,
            is_head=is_head,
            is_active=True,
            failed_logins=0,
            session_epoch=0,
            created_at=clock.now(),
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, "user.create", "user", name, None, _snapshot(row), clock=clock)
        return _to_account(row)


def list_users(db: Database, actor: Actor) -> list[UserAccount]:
    """All accounts (admins only)."""
    ensure(actor, Permission.USER_MANAGE)
    with db.reading() as session:
        return [_to_account(r) for r in session.scalars(select(UserRow).order_by(UserRow.id))]


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    max_failures: int,
    lockout: timedelta,
    clock: Clock | None = None,
) -> UserAccount:
    """Check a password without starting a session (the per-address limit is not applied:
    there is no client address). See :func:`sign_in`."""
    policy = LoginPolicy(
        max_failures=max_failures,
        lockout=lockout,
        address_max_failures=0,
        address_window=timedelta(0),
        session_lifetime=timedelta(0),
        session_idle=timedelta(0),
    )
    clock = clock or SystemClock()
    checked = _verify(db, username, password, policy, "", clock)
    if checked is None:
        raise AuthenticationError(BAD_CREDENTIALS)
    with db.transaction() as session:
        outcome = _record_outcome(session, PUBLIC_ACTOR, username, policy, "", clock, *checked)
    if isinstance(outcome, str):
        raise AuthenticationError(outcome)
    return outcome


def sign_in(
    db: Database,
    actor: Actor,
    username: str,
    password: str,
    *,
    policy: LoginPolicy,
    client_address: str,
    user_agent: str = "",
    clock: Clock | None = None,
) -> SignedIn:
    """Check a password and start a server-side session.

    Unknown user, wrong password, locked account and an address over its limit all get the
    same message (:data:`BAD_CREDENTIALS`) and, apart from the address limit, the same work:
    one Argon2 verification, against a dummy hash when the user does not exist. Every
    outcome is in the audit log (``user.login``, ``user.login_failed`` with the reason and
    client address, ``user.locked``, ``login.address_limited``), except attempts refused
    while the address is over its limit, so a flood does not grow the database.
    ``actor`` is the (anonymous) caller, for the request id of the audit entries.
    """
    clock = clock or SystemClock()
    address = truncated(client_address, ADDRESS_KEEP)
    checked = _verify(db, username, password, policy, address, clock)
    if checked is None:  # the address is over its limit: refused without hashing or writing
        raise AuthenticationError(BAD_CREDENTIALS)
    signed: SignedIn | None = None
    with db.transaction() as session:
        outcome = _record_outcome(session, actor, username, policy, address, clock, *checked)
        if not isinstance(outcome, str):
            signed = _start_session(session, actor, outcome, policy, address, user_agent, clock)
    if signed is None:
        raise AuthenticationError(str(outcome))
    return signed


def _start_session(
    session: Session,
    actor: Actor,
    account: UserAccount,
    policy: LoginPolicy,
    address: str,
    user_agent: str,
    clock: Clock,
) -> SignedIn:
    now = clock.now()
    secret = secrets.token_urlsafe(32)
    # sessions that ended long ago are of no more use to their owner
    session.execute(
        delete(UserSessionRow).where(
            UserSessionRow.user_id == account.id,
            UserSessionRow.expires_at < now - _SESSION_KEEP,
        )
    )
    row = UserSessionRow(
        session_hash=session_hash(secret),
        user_id=account.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.session_lifetime,
        client_address=address,
        user_agent=truncated(user_agent, USER_AGENT_KEEP),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _as(actor_of(account), actor),
        "user.login",
        "user",
        account.username,
        None,
        {"session": row.id, "client": address, "user_agent": row.user_agent},
        clock=clock,
    )
    return SignedIn(account, secret)


def _as(account_actor: Actor, request_actor: Actor) -> Actor:
    """The signed-in account as the actor of an entry, with the request's id."""
    return account_actor.with_request(request_actor.request_id or "")


def _verify(
    db: Database,
    username: str,
    password: str,
    policy: LoginPolicy,
    address: str,
    clock: Clock,
) -> tuple[str | None, bool, str | None] | None:
    """The stored hash of ``username`` (None: no such user), whether ``password`` matches it
    and, if it matches a hash made with older parameters, a new hash; or None when the
    address is over its limit. Argon2 runs here, outside any write
    transaction, so that slow hashing never holds the database's write lock."""
    now = clock.now()
    with db.reading() as session:
        if policy.address_max_failures > 0 and address:
            recent = session.scalar(
                select(func.count())
                .select_from(LoginFailureRow)
                .where(
                    LoginFailureRow.client_address == address,
                    LoginFailureRow.occurred_at > now - policy.address_window,
                )
            )
            if address_is_limited(recent or 0, policy.address_max_failures):
                return None
        stored = session.scalar(
            select(UserRow.password_hash).where(UserRow.username == username.strip().lower())
        )
    # the same Argon2 work whether or not the account exists, and whether or not it is locked
    matches = _password_matches(stored or _DUMMY_HASH, password)
    rehashed = (
        _HASHER.hash(password)
        if stored and matches and _HASHER.check_needs_rehash(stored)
        else None
    )
    return stored, matches, rehashed


def _record_outcome(
    session: Session,
    actor: Actor,
    username: str,
    policy: LoginPolicy,
    address: str,
    clock: Clock,
    verified_hash: str | None,
    matches: bool,
    rehashed: str | None,
) -> UserAccount | str:
    """The account, or the message of a refusal (whose failure is counted and audited in
    ``session``: the caller commits it although the sign-in is refused)."""
    now = clock.now()
    limited = policy.address_max_failures > 0 and bool(address)
    typed = truncated(username, TYPED_USERNAME_KEEP)
    row = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
    if row is not None and row.password_hash != verified_hash:
        matches = False  # the password changed while this one was being checked
    reason, message = "", BAD_CREDENTIALS
    if row is None:
        reason = "unknown_user"
    elif is_locked(row.locked_until, now):
        reason = "locked"
    elif not matches:
        reason = "wrong_password"
        count, locked_until = after_failed_login(
            row.failed_logins, now, policy.max_failures, policy.lockout
        )
        row.failed_logins, row.locked_until = count, locked_until
        if locked_until is not None:
            audit.record(
                session,
                _as(actor_of(_to_account(row)), actor),
                "user.locked",
                "user",
                row.username,
                None,
                {"locked_until": locked_until.isoformat(), "client": address},
                clock=clock,
            )
    elif not row.is_active:
        reason, message = "disabled", "账户已停用 (account disabled)"
    if not reason:
        assert row is not None
        row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
        if rehashed is not None:
            row.password_hash = rehashed
        return _to_account(row)
    audit.record(
        session,
        actor,
        "user.login_failed",
        "user",
        typed or "-",
        None,
        {"reason": reason, "client": address},
        clock=clock,
    )
    if limited:
        session.execute(
            delete(LoginFailureRow).where(
                LoginFailureRow.occurred_at <= now - policy.address_window
            )
        )
        session.add(LoginFailureRow(client_address=address, occurred_at=now))
        session.flush()
        recent = session.scalar(
            select(func.count())
            .select_from(LoginFailureRow)
            .where(
                LoginFailureRow.client_address == address,
                LoginFailureRow.occurred_at > now - policy.address_window,
            )
        )
        if recent == policy.address_max_failures:  # once, as the address reaches its limit
            audit.record(
                session,
                actor,
                "login.address_limited",
                "client_address",
                address,
                None,
                {
                    "failures": recent,
                    "window_minutes": int(policy.address_window.total_seconds() // 60),
                },
                clock=clock,
            )
    return message


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


# ---- server-side sessions ----------------------------------------------------------------


def account_for_session(
    db: Database, secret: str, *, idle: timedelta, clock: Clock | None = None
) -> UserAccount | None:
    """The account behind a session cookie's id, if the session is live (not revoked, not
    idle for ``idle``, within its lifetime) and the account active. One indexed read; the
    session's last-seen time is written at most once a minute."""
    if not secret or len(secret) > 100:
        return None
    now = (clock or SystemClock()).now()
    with db.reading() as session:
        found = session.execute(
            select(UserSessionRow, UserRow)
            .join(UserRow, UserRow.id == UserSessionRow.user_id)
            .where(UserSessionRow.session_hash == session_hash(secret))
        ).first()
        if found is None:
            return None
        row, user = found
        live = session_is_live(
            revoked_at=row.revoked_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            now=now,
            idle=idle,
        )
        if not live or not user.is_active:
            return None
        account = _to_account(user)
        stale = needs_touch(row.last_seen_at, now, _SESSION_TOUCH_INTERVAL)
        row_id = row.id
    if stale:
        with db.transaction() as session:
            session.execute(
                update(UserSessionRow)
                .where(UserSessionRow.id == row_id, UserSessionRow.revoked_at.is_(None))
                .values(last_seen_at=now)
            )
    return account


def _end_sessions(
    session: Session, user_id: int, now: datetime, reason: str, keep_hash: str | None = None
) -> list[int]:
    """Revoke every unrevoked, unexpired session of a user (but ``keep_hash``'s)."""
    query = select(UserSessionRow).where(
        UserSessionRow.user_id == user_id,
        UserSessionRow.revoked_at.is_(None),
        UserSessionRow.expires_at > now,
    )
    if keep_hash is not None:
        query = query.where(UserSessionRow.session_hash != keep_hash)
    ended = []
    for row in session.scalars(query.order_by(UserSessionRow.id)):
        row.revoked_at, row.revoked_reason = now, reason
        ended.append(row.id)
    return ended


def sign_out(
    db: Database, actor: Actor, session_secret: str | None, clock: Clock | None = None
) -> None:
    """End the caller's own session on the server: a copy of its cookie stops working."""
    ensure(actor, Permission.ACCOUNT_SELF)
    if not session_secret:
        return
    clock = clock or SystemClock()
    now = clock.now()
    with db.transaction() as session:
        row = session.scalar(
            select(UserSessionRow).where(
                UserSessionRow.session_hash == session_hash(session_secret),
                UserSessionRow.user_id == actor.user_id,
            )
        )
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at, row.revoked_reason = now, "logout"
        audit.record(
            session,
            actor,
            "user.logout",
            "user",
            actor.username,
            None,
            {"session": row.id},
            clock=clock,
        )


def _to_session(row: UserSessionRow, username: str, current_hash: str) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        username=username,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        client_address=row.client_address,
        user_agent=row.user_agent,
        is_current=row.session_hash == current_hash,
    )


def list_sessions(
    db: Database,
    actor: Actor,
    *,
    idle: timedelta | None,
    username: str | None = None,
    current_session: str | None = None,
    clock: Clock | None = None,
) -> list[SessionInfo]:
    """The live sessions of the caller, or (administrators) of ``username`` or of everyone
    (``"*"``), newest first; the caller's own session is marked. ``idle=None`` also lists
    sessions that have ended by idling (the caller does not know the idle timeout)."""
    if username is None:
        ensure(actor, Permission.ACCOUNT_SELF)
    else:
        ensure(actor, Permission.USER_MANAGE)
    now = (clock or SystemClock()).now()
    current_hash = session_hash(current_session) if current_session else ""
    with db.reading() as session:
        query = (
            select(UserSessionRow, UserRow.username)
            .join(UserRow, UserRow.id == UserSessionRow.user_id)
            .where(UserSessionRow.revoked_at.is_(None), UserSessionRow.expires_at > now)
            .order_by(UserSessionRow.id.desc())
        )
        if idle is not None:
            query = query.where(UserSessionRow.last_seen_at > now - idle)
        if username is None:
            query = query.where(UserSessionRow.user_id == actor.user_id)
        elif username != "*":
            query = query.where(UserRow.username == username.strip().lower())
        return [_to_session(row, name, current_hash) for row, name in session.execute(query)]


def revoke_session(db: Database, actor: Actor, session_id: int, clock: Clock | None = None) -> None:
    """End one session: one's own (any signed-in user) or anyone's (administrators). Another
    user's session is "not found" to a non-administrator."""
    ensure(actor, Permission.ACCOUNT_SELF)
    clock = clock or SystemClock()
    now = clock.now()
    with db.transaction() as session:
        row = session.get(UserSessionRow, session_id)
        mine = row is not None and row.user_id == actor.user_id
        if row is None or not (mine or can(actor, Permission.USER_MANAGE)):
            raise NotFoundError(f"没有编号为 {session_id} 的会话 (no such session)")
        if row.revoked_at is not None:
            return
        row.revoked_at, row.revoked_reason = now, "user" if mine else "admin"
        audit.record(
            session,
            actor,
            "session.revoke",
            "user_session",
            row.id,
            {"revoked": False},
            {"revoked": True, "reason": row.revoked_reason},
            clock=clock,
        )


def revoke_user_sessions(
    db: Database, actor: Actor, username: str, clock: Clock | None = None
) -> int:
    """An administrator ends every session of an account; returns how many were live."""
    ensure(actor, Permission.USER_MANAGE)
    clock = clock or SystemClock()
    with db.transaction() as session:
        row = _user(session, username)
        ended = _end_sessions(session, row.id, clock.now(), "admin")
        _record_ended(session, actor, row.username, ended, "admin", clock)
        return len(ended)


def _record_ended(
    session: Session, actor: Actor, username: str, ended: list[int], reason: str, clock: Clock
) -> None:
    if ended:
        audit.record(
            session,
            actor,
            "session.revoke_all",
            "user",
            username,
            None,
            {"sessions": ended, "reason": reason},
            clock=clock,
        )


def change_password(
    db: Database,
    actor: Actor,
    old_password: str,
    new_password: str,
    clock: Clock | None = None,
    *,
    current_session: str | None = None,
) -> UserAccount:
    """A user changes their own password; every other session of theirs is ended
    (``current_session``, the caller's own, continues)."""
    ensure(actor, Permission.ACCOUNT_SELF)
    clock = clock or SystemClock()
    # Argon2 runs outside the write transaction, which then checks nothing changed meanwhile
    with db.reading() as session:
        found = session.get(UserRow, actor.user_id)
        if found is None:
            raise NotFoundError("账户不存在 (no such account)")
        old_hash, username, display_name = found.password_hash, found.username, found.display_name
    if not _password_matches(old_hash, old_password):
        raise ValidationError("原密码错误 (current password is wrong)", field="old_password")
    _validate_new_password(new_password, username, display_name)
    if new_password == old_password:
        raise ValidationError(
            "新密码不能与原密码相同 (new password equals the old one)", field="new_password"
        )
    new_hash = _HASHER.hash(new_password)
    with db.transaction() as session:
        row = session.get(UserRow, actor.user_id)
        if row is None or row.password_hash != old_hash:
            raise ConflictError("密码刚被修改过，请重试 (the password has just changed: retry)")
        row.password_hash = new_hash
        row.session_epoch += 1
        keep = session_hash(current_session) if current_session else None
        ended = _end_sessions(session, row.id, clock.now(), "password_change", keep)
        audit.record(
            session,
            actor,
            "user.password_change",
            "user",
            row.username,
            {"session_epoch": row.session_epoch - 1},
            {"session_epoch": row.session_epoch, "sessions_ended": ended},
            clock=clock,
        )
        return _to_account(row)


def _validate_new_password(password: str, username: str, display_name: str) -> None:
    try:
        validate_password(password, username, display_name)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="new_password") from None


def set_password(
    db: Database, actor: Actor, username: str, new_password: str, clock: Clock | None = None
) -> UserAccount:
    """An admin sets a password (and unlocks the account); it is signed out everywhere."""
    ensure(actor, Permission.USER_MANAGE)
    clock = clock or SystemClock()
    with db.reading() as session:
        found = _user(session, username)
        validate_password(new_password, found.username, found.display_name)
    new_hash = _HASHER.hash(new_password)  # outside the write transaction: Argon2 is slow
    with db.transaction() as session:
        row = _user(session, username)
        row.password_hash = new_hash
        row.session_epoch += 1
        row.failed_logins, row.locked_until = 0, None
        ended = _end_sessions(session, row.id, clock.now(), "password_set")
        audit.record(
            session,
            actor,
            "user.password_set",
            "user",
            row.username,
            {"session_epoch": row.session_epoch - 1},
            {"session_epoch": row.session_epoch, "sessions_ended": ended},
            clock=clock,
        )
        return _to_account(row)


def set_active(
    db: Database, actor: Actor, username: str, active: bool, clock: Clock | None = None
) -> UserAccount:
    """Disable (or re-enable) an account; disabling ends all its sessions."""
    ensure(actor, Permission.USER_MANAGE)
    clock = clock or SystemClock()
    with db.transaction() as session:
        row = _user(session, username)
        if actor.user_id == row.id and not active:
            raise ValidationError("不能停用自己的账户 (cannot disable yourself)", field="username")
        before = _snapshot(row)
        row.is_active = active
        if not active:
            row.session_epoch += 1
        audit.record(
            session,
            actor,
            "user.enable" if active else "user.disable",
            "user",
            row.username,
            before,
            _snapshot(row),
            clock=clock,
        )
        if not active:
            ended = _end_sessions(session, row.id, clock.now(), "disable")
            _record_ended(session, actor, row.username, ended, "disable", clock)
        return _to_account(row)


# ---- API tokens -------------------------------------------------------------------------


def _to_token(row: ApiTokenRow, username: str) -> ApiTokenInfo:
    return ApiTokenInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        username=username,
        created_at=row.created_at,
        created_by=row.created_by,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
    )


def create_token(
    db: Database,
    actor: Actor,
    *,
    username: str,
    name: str,
    expires_days: int | None = None,
    clock: Clock | None = None,
) -> IssuedToken:
    """Issue a token acting as ``username`` (with that account's role and scope). The secret
    is returned once; only its hash is kept."""
    ensure(actor, Permission.TOKEN_MANAGE)
    clock = clock or SystemClock()
    label = name.strip()
    if not 1 <= len(label) <= 100:
        raise ValidationError(
            "令牌名称应为 1–100 个字符 (token name 1-100 characters)", field="name"
        )
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise ValidationError("有效期应为 1–3650 天 (expiry 1-3650 days)", field="expires_days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with db.transaction() as session:
        user = _user(session, username)
        if not user.is_active:
            raise ValidationError("账户已停用，不能签发令牌 (account disabled)", field="username")
        row = ApiTokenRow(
            user_id=user.id,
            name=label,
            prefix=token_prefix(secret),
            token_hash=token_hash(secret),
            created_at=now,
            created_by=actor.username,
            expires_at=now + timedelta(days=expires_days) if expires_days else None,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "token.create",
            "api_token",
            row.id,
            None,
            {
                "user": user.username,
                "name": label,
                "prefix": row.prefix,
                "expires_at": row.expires_at.isoformat() if row.expires_at else None,
            },
            clock=clock,
        )
        return IssuedToken(_to_token(row, user.username), secret)


def revoke_token(db: Database, actor: Actor, token_id: int, clock: Clock | None = None) -> None:
    """Revoke a token at once; revoking twice is harmless."""
    ensure(actor, Permission.TOKEN_MANAGE)
    clock = clock or SystemClock()
    with db.transaction() as session:
        row = session.get(ApiTokenRow, token_id)
        if row is None:
            raise NotFoundError(f"没有编号为 {token_id} 的令牌 (no such token)")
        if row.revoked_at is None:
            row.revoked_at = clock.now()
            audit.record(
                session,
                actor,
                "token.revoke",
                "api_token",
                row.id,
                {"revoked": False},
                {"revoked": True},
                clock=clock,
            )


def list_tokens(db: Database, actor: Actor) -> list[ApiTokenInfo]:
    """Every token, newest first."""
    ensure(actor, Permission.TOKEN_MANAGE)
    with db.reading() as session:
        rows = session.execute(
            select(ApiTokenRow, UserRow.username)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .order_by(ApiTokenRow.id.desc())
        )
        return [_to_token(token, username) for token, username in rows]


def account_for_token(db: Database, secret: str, clock: Clock | None = None) -> UserAccount | None:
    """The account a bearer token acts as, if the token is known, unrevoked and unexpired."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = (clock or SystemClock()).now()
    digest = token_hash(secret)
    with db.reading() as session:
        found = session.execute(
            select(ApiTokenRow, UserRow)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .where(ApiTokenRow.token_hash == digest)
        ).first()
        if found is None:
            return None
        token, user = found
        usable = (
            token.revoked_at is None
            and (token.expires_at is None or now < token.expires_at)
            and user.is_active
        )
        if not usable:
            return None
        account = _to_account(user)
        stale = token.last_used_at is None or now - token.last_used_at > _TOKEN_TOUCH_INTERVAL
        token_id = token.id
    if stale:
        with db.transaction() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is not None:
                row.last_used_at = now
    return account


def has_open_sessions(db: Database, clock: Clock | None = None) -> bool:
    """Whether any session is still open (not revoked, not expired): what a restore must not
    cut off by replacing the key that signs session cookies (docs/operations.md, section 6).
    False when the database has no session table yet."""
    now = (clock or SystemClock()).now()
    try:
        with db.reading() as session:
            found = session.scalar(
                select(UserSessionRow.id)
                .where(UserSessionRow.revoked_at.is_(None), UserSessionRow.expires_at > now)
                .limit(1)
            )
    except DBAPIError:
        return False
    return found is not None
