"""Commands: ecociv audit verify."""

from __future__ import annotations

import typer

from ecociv.audit import services

app = typer.Typer(help="审计日志 · the audit log", no_args_is_help=True)


@app.command()
def verify(ctx: typer.Context) -> None:
    """Check the hash chain; exit 1 naming the first broken row."""
    result = services.verify_chain(ctx.obj.db)
    if result.first_break is None:
        print(f"OK: audit chain intact ({result.checked} entries)")
        return
    brk = result.first_break
    print(
        f"BROKEN: audit_log row seq={brk.seq}: {brk.reason} "
        f"({result.checked} entries read up to it)"
    )
    raise typer.Exit(1)
