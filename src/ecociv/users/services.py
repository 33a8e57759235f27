"""Use cases for accounts: sign-in with lock-out, passwords, API tokens, the request actor."""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecociv import audit, orgs
from ecociv.adapters.db import Database
from ecociv.kernel import (
    Actor,
    Clock,
    ConflictError,
    NotFoundError,
    Permission,
    Role,
    SystemClock,
    ValidationError,
    ensure,
)
from ecociv.kernel.errors import AuthenticationError
from ecociv.users.model import ApiTokenInfo, IssuedToken, UserAccount
from ecociv.users.rules import (
    TOKEN_PREFIX,
    after_failed_login,
    is_locked,
    token_hash,
    token_prefix,
    validate_password,
    validate_scope,
    validate_username,
)
from ecociv.users.tables import ApiTokenRow, UserRow

_HASHER = PasswordHasher()  # Argon2id with the library's RFC 9106 low-memory defaults
#: verified against when the user does not exist, so timing does not reveal which usernames exist
_DUMMY_HASH = _HASHER.hash("ecociv-no-such-user")
#: a used token's last_used_at is refreshed at most this often
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
BAD_CREDENTIALS = "用户名或密码错误 (wrong username or password)"


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
    validate_password(password, name)
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
            password_hash=_HASHER.hash(password),
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
    """Check a password. Repeated failures lock the account; a locked or disabled account
    cannot sign in even with the right password."""
    clock = clock or SystemClock()
    now = clock.now()
    failure: str | None = None
    with db.transaction() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
        if row is None:
            _password_matches(_DUMMY_HASH, password)  # same work as for a real account
            failure = BAD_CREDENTIALS
        elif is_locked(row.locked_until, now):
            failure = (
                "登录失败次数过多，账户已锁定，请稍后再试 (account locked after repeated failures)"
            )
        elif not _password_matches(row.password_hash, password):
            # the failure is counted (and committed) although the sign-in is refused
            count, locked_until = after_failed_login(row.failed_logins, now, max_failures, lockout)
            row.failed_logins, row.locked_until = count, locked_until
            if locked_until is not None:
                audit.record(
                    session,
                    actor_of(_to_account(row)),
                    "user.locked",
                    "user",
                    row.username,
                    None,
                    {"locked_until": locked_until.isoformat()},
                    clock=clock,
                )
            failure = BAD_CREDENTIALS
        elif not row.is_active:
            failure = "账户已停用 (account disabled)"
        else:
            row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
            if _HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = _HASHER.hash(password)
            account = _to_account(row)
    if failure is not None:
        raise AuthenticationError(failure)
    return account


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def account_for_session(db: Database, user_id: int, epoch: int) -> UserAccount | None:
    """The account behind a session cookie, if it is still valid (active, same epoch)."""
    with db.reading() as session:
        row = session.get(UserRow, user_id)
        if row is None or not row.is_active or row.session_epoch != epoch:
            return None
        return _to_account(row)


def change_password(
    db: Database, actor: Actor, old_password: str, new_password: str, clock: Clock | None = None
) -> UserAccount:
    """A user changes their own password; every other session of theirs is signed out."""
    ensure(actor, Permission.ACCOUNT_SELF)
    with db.transaction() as session:
        row = session.get(UserRow, actor.user_id)
        if row is None:
            raise NotFoundError("账户不存在 (no such account)")
        if not _password_matches(row.password_hash, old_password):
            raise ValidationError("原密码错误 (current password is wrong)", field="old_password")
        validate_password(new_password, row.username)
        if new_password == old_password:
            raise ValidationError(
                "新密码不能与原密码相同 (new password equals the old one)", field="new_password"
            )
        row.password_hash = _HASHER.hash(new_password)
        row.session_epoch += 1
        audit.record(
            session,
            actor,
            "user.password_change",
            "user",
            row.username,
            {"session_epoch": row.session_epoch - 1},
            {"session_epoch": row.session_epoch},
            clock=clock,
        )
        return _to_account(row)


def set_password(
    db: Database, actor: Actor, username: str, new_password: str, clock: Clock | None = None
) -> UserAccount:
    """An admin sets a password (and unlocks the account)."""
    ensure(actor, Permission.USER_MANAGE)
    with db.transaction() as session:
        row = _user(session, username)
        validate_password(new_password, row.username)
        row.password_hash = _HASHER.hash(new_password)
        row.session_epoch += 1
        row.failed_logins, row.locked_until = 0, None
        audit.record(
            session,
            actor,
            "user.password_set",
            "user",
            row.username,
            {"session_epoch": row.session_epoch - 1},
            {"session_epoch": row.session_epoch},
            clock=clock,
        )
        return _to_account(row)


def set_active(
    db: Database, actor: Actor, username: str, active: bool, clock: Clock | None = None
) -> UserAccount:
    """Disable (or re-enable) an account; disabling signs it out everywhere."""
    ensure(actor, Permission.USER_MANAGE)
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
