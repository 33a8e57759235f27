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
