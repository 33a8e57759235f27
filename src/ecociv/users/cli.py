"""Commands: ecociv user … and ecociv token …."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ecociv.kernel import EcocivError, Role
from ecociv.kernel.clock import to_local
from ecociv.users import services

users_app = typer.Typer(help="账户 · accounts", no_args_is_help=True)
tokens_app = typer.Typer(help="API 令牌 · API tokens for machine clients", no_args_is_help=True)
console = Console()


def _fail(exc: EcocivError) -> None:
    print(f"error: {exc.field + ': ' if exc.field else ''}{exc.message}")
    raise typer.Exit(1)


@users_app.command("create")
def create(
    ctx: typer.Context,
    username: str,
    role: Role = typer.Option(..., help="admin, city_office, county_officer, …"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    display_name: str = "",
    county: str | None = typer.Option(None, help="county code, for county officers"),
    department: str | None = typer.Option(None, help="department code, for department officers"),
    enterprise: str | None = typer.Option(None, help="credit code, for enterprise users"),
    head: bool = typer.Option(False, "--head", help="head of the county or department"),
) -> None:
    """Create an account."""
    try:
        account = services.create_user(
            ctx.obj.db,
            ctx.obj.actor,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            county_code=county,
            department_code=department,
            enterprise_uscc=enterprise,
            is_head=head,
        )
    except EcocivError as exc:
        _fail(exc)
        return
    print(f"created {account.username} ({account.role})")


@users_app.command("list")
def list_accounts(ctx: typer.Context) -> None:
    """List accounts."""
    table = Table("id", "username", "role", "scope", "active")
    for a in services.list_users(ctx.obj.db, ctx.obj.actor):
        scope = a.county_code or a.department_code or (str(a.enterprise_id or "") or "")
        table.add_row(str(a.id), a.username, a.role.value, scope, "yes" if a.is_active else "no")
    console.print(table)


@users_app.command("set-password")
def set_password(
    ctx: typer.Context,
    username: str,
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Set a password (also unlocks the account and signs it out everywhere)."""
    try:
        services.set_password(ctx.obj.db, ctx.obj.actor, username, password)
    except EcocivError as exc:
        _fail(exc)
    print(f"password set for {username}")


@users_app.command("disable")
def disable(ctx: typer.Context, username: str) -> None:
    """Disable an account (its sessions and tokens stop working)."""
    try:
        services.set_active(ctx.obj.db, ctx.obj.actor, username, False)
    except EcocivError as exc:
        _fail(exc)
    print(f"disabled {username}")


@users_app.command("enable")
def enable(ctx: typer.Context, username: str) -> None:
    """Enable a disabled account."""
    try:
        services.set_active(ctx.obj.db, ctx.obj.actor, username, True)
    except EcocivError as exc:
        _fail(exc)
    print(f"enabled {username}")


@users_app.command("sessions")
def sessions(
    ctx: typer.Context, username: str = typer.Argument("*", help="all when omitted")
) -> None:
    """List sign-in sessions not ended and not expired (of one account, or of all); one unused
    for ECOCIV_SESSION_IDLE_MINUTES has ended too, whatever "last active" says."""
    try:
        found = services.list_sessions(ctx.obj.db, ctx.obj.actor, idle=None, username=username)
    except EcocivError as exc:
        _fail(exc)
        return
    table = Table("id", "user", "signed in", "last active", "expires", "address", "browser")
    for s in found:
        table.add_row(
            str(s.id),
            s.username,
            to_local(s.created_at).strftime("%Y-%m-%d %H:%M"),
            to_local(s.last_seen_at).strftime("%Y-%m-%d %H:%M"),
            to_local(s.expires_at).strftime("%Y-%m-%d %H:%M"),
            s.client_address,
            s.user_agent[:40],
        )
    console.print(table)


@users_app.command("end-sessions")
def end_sessions(ctx: typer.Context, username: str) -> None:
    """End every session of an account at once (it must sign in again)."""
    try:
        ended = services.revoke_user_sessions(ctx.obj.db, ctx.obj.actor, username)
    except EcocivError as exc:
        _fail(exc)
        return
    print(f"ended {ended} sessions of {username}")


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    user: str = typer.Option(..., help="the account whose role and scope the token carries"),
    name: str = typer.Option(..., help="what the token is for"),
    expires_days: int | None = typer.Option(None, help="days until it expires"),
) -> None:
    """Issue a token; the secret is printed once."""
    try:
        issued = services.create_token(
            ctx.obj.db, ctx.obj.actor, username=user, name=name, expires_days=expires_days
        )
    except EcocivError as exc:
        _fail(exc)
        return
    print(f"token {issued.info.id} for {issued.info.username}: {issued.secret}")
    print("store it now: it is not shown again")


@tokens_app.command("revoke")
def revoke(ctx: typer.Context, token_id: int) -> None:
    """Revoke a token."""
    try:
        services.revoke_token(ctx.obj.db, ctx.obj.actor, token_id)
    except EcocivError as exc:
        _fail(exc)
    print(f"revoked token {token_id}")


@tokens_app.command("list")
def list_tokens(ctx: typer.Context) -> None:
    """List tokens (never their secrets)."""
    table = Table("id", "name", "prefix", "user", "created", "revoked")
    for t in services.list_tokens(ctx.obj.db, ctx.obj.actor):
        table.add_row(
            str(t.id),
            t.name,
            t.prefix,
            t.username,
            to_local(t.created_at).strftime("%Y-%m-%d %H:%M"),
            "yes" if t.revoked_at else "",
        )
    console.print(table)
