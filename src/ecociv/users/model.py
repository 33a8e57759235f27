"""User accounts, their sessions and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ecociv.kernel import Role


@dataclass(frozen=True, slots=True)
class UserAccount:
    """A person or machine client that signs in; scope fields depend on the role."""

    id: int
    username: str
    display_name: str
    role: Role
    county_code: str | None
    department_code: str | None
    enterprise_id: int | None
    is_active: bool
    failed_logins: int
    locked_until: datetime | None
    session_epoch: int
    is_head: bool = False


@dataclass(frozen=True, slots=True)
class ApiTokenInfo:
    """A token as listed (never its secret)."""

    id: int
    name: str
    prefix: str
    username: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    info: ApiTokenInfo
    secret: str


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """The sign-in limits and session lifetimes (from settings, passed in by the caller)."""

    max_failures: int
    lockout: timedelta
    address_max_failures: int
    address_window: timedelta
    session_lifetime: timedelta
    session_idle: timedelta


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A successful sign-in: the account and the new session's secret id (for the cookie;
    the database keeps only its hash)."""

    account: UserAccount
    session_secret: str


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A live browser session as listed to its owner or an administrator."""

    id: int
    username: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    client_address: str
    user_agent: str
    is_current: bool
