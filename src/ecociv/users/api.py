"""JSON API: /api/v1/me, /users, /tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from ecociv.adapters.db import Database
from ecociv.adapters.http import Id, get_db, require
from ecociv.kernel import Actor, Permission
from ecociv.users import services
from ecociv.users.schemas import TokenCreate, TokenIssuedOut, TokenOut, UserCreate, UserOut

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me")
def me(actor: Actor = Depends(require(Permission.ACCOUNT_SELF))) -> dict[str, Any]:
    """Who the caller is, with role and scope."""
    return {
        "username": actor.username,
        "role": actor.role.value,
        "county_code": actor.county_code,
        "department_code": actor.department_code,
        "enterprise_id": actor.enterprise_id,
        "is_head": actor.is_head,
        "via_token": actor.via_token,
    }


@router.get("/users", response_model=list[UserOut])
def list_users(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.USER_MANAGE))
) -> Any:
    """All accounts."""
    return services.list_users(db, actor)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(
    body: UserCreate,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.USER_MANAGE)),
) -> Any:
    """Create an account."""
    return services.create_user(db, actor, **body.model_dump())


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.TOKEN_MANAGE))
) -> Any:
    """All API tokens (never their secrets)."""
    return services.list_tokens(db, actor)


@router.post("/tokens", response_model=TokenIssuedOut, status_code=201)
def create_token(
    body: TokenCreate,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.TOKEN_MANAGE)),
) -> Any:
    """Issue a token; its secret is in this response only."""
    issued = services.create_token(db, actor, **body.model_dump())
    return {"token": issued.info, "secret": issued.secret}


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: Id,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.TOKEN_MANAGE)),
) -> Response:
    """Revoke a token at once."""
    services.revoke_token(db, actor, token_id)
    return Response(status_code=204)
