"""Pages: sign in and out, change password, manage users and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.adapters.http import Id, check_csrf, flash, get_db, redirect, render, require
from ecociv.kernel import ROLE_NAMES, Actor, Permission, Role, ValidationError
from ecociv.kernel.errors import AuthenticationError, EcocivError
from ecociv.users import services

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, next: str = "/", actor: Actor = Depends(require(Permission.DASHBOARD_VIEW))
) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "users/login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.DASHBOARD_VIEW)),
) -> Response:
    """Check the password; on success start a fresh session (new id, new CSRF token)."""
    await check_csrf(request)
    max_failures, lockout_minutes = request.app.state.login_policy
    try:
        account = services.authenticate(
            db,
            username,
            password,
            max_failures=max_failures,
            lockout=timedelta(minutes=lockout_minutes),
        )
    except AuthenticationError as exc:
        return render(
            request,
            "users/login.html",
            {"next": _safe_next(next), "error": exc.message, "username": username},
            401,
        )
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update(
        {"uid": account.id, "epoch": account.session_epoch, "csrf": secrets.token_urlsafe(32)}
    )
    if lang:
        request.session["lang"] = lang
    return redirect(_safe_next(next))


@router.post("/logout")
def logout(request: Request, actor: Actor = Depends(require(Permission.ACCOUNT_SELF))) -> Response:
    """End the session."""
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return redirect("/login")


@router.get("/account/password", response_class=HTMLResponse)
def password_form(
    request: Request, actor: Actor = Depends(require(Permission.ACCOUNT_SELF))
) -> HTMLResponse:
    """The change-password form."""
    return render(request, "users/password.html", {"error": None})


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    old_password: str = Form(""),
    new_password: str = Form(""),
    repeat_password: str = Form(""),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ACCOUNT_SELF)),
) -> Response:
    """Change one's own password; other sessions are signed out, this one continues."""
    try:
        if new_password != repeat_password:
            raise ValidationError(
                "两次输入的新密码不一致 (new passwords differ)", field="repeat_password"
            )
        account = services.change_password(db, actor, old_password, new_password)
    except ValidationError as exc:
        return render(request, "users/password.html", {"error": exc.message}, 422)
    request.session["epoch"] = account.session_epoch
    flash(request, "密码已修改 · password changed")
    return redirect("/")


# ---- administration -------------------------------------------------------------------


def _users_context(db: Database, actor: Actor) -> dict[str, object]:
    return {
        "accounts": services.list_users(db, actor),
        "roles": [r for r in Role if r is not Role.PUBLIC],
        "role_names": ROLE_NAMES,
        "counties": [u for u in orgs.list_org_units(db, actor) if u.level is orgs.OrgLevel.COUNTY],
        "departments": orgs.list_departments(db, actor),
    }


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.USER_MANAGE)),
) -> HTMLResponse:
    """Accounts, and the form to create one."""
    return render(
        request, "users/users.html", {**_users_context(db, actor), "error": None, "values": {}}
    )


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    username: str = Form(""),
    display_name: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    county_code: str = Form(""),
    department_code: str = Form(""),
    enterprise_uscc: str = Form(""),
    is_head: bool = Form(False),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.USER_MANAGE)),
) -> Response:
    """Create an account from the form."""
    values = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "county_code": county_code,
        "department_code": department_code,
        "enterprise_uscc": enterprise_uscc,
    }
    try:
        try:
            chosen = Role(role)
        except ValueError:
            raise ValidationError(f"未知角色 {role} (unknown role)", field="role") from None
        services.create_user(
            db,
            actor,
            username=username,
            password=password,
            role=chosen,
            display_name=display_name,
            county_code=county_code or None,
            department_code=department_code or None,
            enterprise_uscc=enterprise_uscc or None,
            is_head=is_head,
        )
    except EcocivError as exc:
        return render(
            request,
            "users/users.html",
            {**_users_context(db, actor), "error": exc.message, "values": values},
            422,
        )
    flash(request, f"已创建用户 {username} · account created")
    return redirect("/admin/users")


@router.post("/admin/users/{username}/active")
def set_active(
    request: Request,
    username: str,
    active: bool = Form(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.USER_MANAGE)),
) -> Response:
    """Enable or disable an account."""
    services.set_active(db, actor, username, active)
    flash(request, f"{username}: {'已启用 · enabled' if active else '已停用 · disabled'}")
    return redirect("/admin/users")


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.TOKEN_MANAGE)),
) -> HTMLResponse:
    """API tokens, and the form to issue one."""
    return render(
        request,
        "users/tokens.html",
        {
            "tokens": services.list_tokens(db, actor),
            "accounts": services.list_users(db, actor),
            "issued": None,
            "error": None,
        },
    )


@router.post("/admin/tokens", response_class=HTMLResponse)
def issue_token(
    request: Request,
    username: str = Form(""),
    name: str = Form(""),
    expires_days: str = Form(""),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.TOKEN_MANAGE)),
) -> Response:
    """Issue a token and show its secret this once."""
    issued, error = None, None
    try:
        days = int(expires_days) if expires_days.strip() else None
    except ValueError:
        days, error = None, "有效期应为整数天 (expiry must be whole days)"
    if error is None:
        try:
            issued = services.create_token(
                db, actor, username=username, name=name, expires_days=days
            )
        except EcocivError as exc:
            error = exc.message
    return render(
        request,
        "users/tokens.html",
        {
            "tokens": services.list_tokens(db, actor),
            "accounts": services.list_users(db, actor),
            "issued": issued,
            "error": error,
        },
        201 if issued else 422,
    )


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    token_id: Id,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.TOKEN_MANAGE)),
) -> Response:
    """Revoke a token."""
    services.revoke_token(db, actor, token_id)
    flash(request, f"令牌 {token_id} 已吊销 · token revoked")
    return redirect("/admin/tokens")
