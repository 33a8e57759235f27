"""API models of accounts and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ecociv.kernel import Role
from ecociv.kernel.inputs import Input


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    county_code: str | None
    department_code: str | None
    enterprise_id: int | None
    is_active: bool
    is_head: bool


class UserCreate(Input):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str
    role: Role
    display_name: str = ""
    county_code: str | None = None
    department_code: str | None = None
    enterprise_uscc: str | None = None
    is_head: bool = False


class TokenCreate(Input):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(description="the account whose role and scope the token carries")
    name: str = Field(description="what the token is for, e.g. 'HJ 212 gateway 柯城'")
    expires_days: int | None = Field(None, ge=1, le=3650)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    username: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None


class TokenIssuedOut(BaseModel):
    token: TokenOut
    secret: str = Field(description="shown once; send as 'Authorization: Bearer <secret>'")
