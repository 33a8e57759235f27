"""Pages: sign in and out, change password and end sessions, manage users and API tokens."""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import timedelta
from functools import partial

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

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
    """Check the password; on success start a fresh server-side session (new id, new CSRF
    token). Argon2 runs in the thread pool so that sign-ins never hold up the event loop."""
    await check_csrf(request)
    try:
        signed = await run_in_threadpool(
            partial(
                services.sign_in,
                db,
                actor,
                username,
                password,
                policy=request.app.state.login_policy,
                client_address=request.client.host if request.client else "",
                user_agent=request.headers.get("user-agent", ""),
            )
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
    request.session.update({"sid": signed.session_secret, "csrf": secrets.token_urlsafe(32)})
    if lang:
        request.session["lang"] = lang
    return redirect(_safe_next(next))


@router.post("/logout")
def logout(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ACCOUNT_SELF)),
) -> Response:
    """End the session, on the server too: a copy of the cookie stops working."""
    services.sign_out(db, actor, request.session.get("sid"))
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return redirect("/login")


def _password_context(
    request: Request, db: Database, actor: Actor, error: str | None
) -> dict[str, object]:
    idle: timedelta = request.app.state.login_policy.session_idle
    return {
        "error": error,
        "idle_minutes": int(idle.total_seconds() // 60),
        "sessions": services.list_sessions(
            db, actor, idle=idle, current_session=request.session.get("sid")
        ),
    }


@router.get("/account/password", response_class=HTMLResponse)
def password_form(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ACCOUNT_SELF)),
) -> HTMLResponse:
    """The change-password form and the list of one's own sessions."""
    return render(request, "users/password.html", _password_context(request, db, actor, None))


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    old_password: str = Form(""),
    new_password: str = Form(""),
    repeat_password: str = Form(""),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ACCOUNT_SELF)),
) -> Response:
    """Change one's own password; other sessions are ended, this one continues."""
    try:
        if new_password != repeat_password:
            raise ValidationError(
                "两次输入的新密码不一致 (new passwords differ)", field="repeat_password"
            )
        services.change_password(
            db, actor, old_password, new_password, current_session=request.session.get("sid")
        )
    except ValidationError as exc:
        return render(
            request, "users/password.html", _password_context(request, db, actor, exc.message), 422
        )
    flash(request, "密码已修改 · password changed")
    return redirect("/")


@router.post("/account/sessions/{session_id}/revoke")
def revoke_session(
    request: Request,
    session_id: int = Path(ge=1, le=2**31 - 1),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ACCOUNT_SELF)),
) -> Response:
    """End one of one's own sessions (ending the current one signs out here)."""
    services.revoke_session(db, actor, session_id)
    flash(request, f"会话 {session_id} 已结束 · session ended")
    return redirect("/account/password")


# ---- administration -------------------------------------------------------------------


def _users_context(db: Database, actor: Actor, idle: timedelta) -> dict[str, object]:
    live = Counter(s.username for s in services.list_sessions(db, actor, idle=idle, username="*"))
    return {
        "accounts": services.list_users(db, actor),
        "live_sessions": live,
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
        request,
        "users/users.html",
        {
            **_users_context(db, actor, request.app.state.login_policy.session_idle),
            "error": None,
            "values": {},
        },
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
            {
                **_users_context(db, actor, request.app.state.login_policy.session_idle),
                "error": exc.message,
                "values": values,
            },
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


@router.post("/admin/users/{username}/sessions/revoke")
def revoke_user_sessions(
    request: Request,
    username: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.USER_MANAGE)),
) -> Response:
    """End every session of an account."""
    ended = services.revoke_user_sessions(db, actor, username)
    flash(request, f"{username}: 已结束 {ended} 个会话 · {ended} sessions ended")
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
