"""User accounts and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
