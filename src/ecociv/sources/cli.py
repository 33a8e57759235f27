"""Commands: ecociv sources import FILE (the registry), check-warnings (for cron)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from ecociv.kernel import ValidationError, utc_now
from ecociv.sources import excel, services

app = typer.Typer(help="污染源在线监控 · pollution-source online monitoring", no_args_is_help=True)


@app.command("import")
def import_registry(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
) -> None:
    """Import outlets, devices and permit limits from a UTF-8 CSV or .xlsx with the columns
    outlet_code, outlet_name, kind (废水/废气/VOCs/餐饮油烟), enterprise_uscc, longitude,
    latitude, mn, password, edition (2005/2017), crc_policy (strict/tolerant),
    online_timeout_minutes, active, parameter_code, period (hour/day), limit_value, unit,
    basis (实测/折算), permit_text — or their Chinese names. All or nothing; safe to repeat."""
    try:
        rows = excel.read_registry(
            path.read_bytes(), services.REGISTRY_COLUMNS, services.REQUIRED_REGISTRY_COLUMNS
        )
        result = services.import_registry(ctx.obj.db, ctx.obj.actor, rows)
    except ValidationError as exc:
        for error in exc.errors:
            print(f"error: {path}: {error['field']}: {error['message']}")
        print("nothing was imported")
        raise typer.Exit(1) from None
    print(
        f"outlets: {result.outlets_created} created, {result.outlets_updated} updated; "
        f"devices: {result.devices_created} created, {result.devices_updated} updated; "
        f"limits: {result.limits_created} created, {result.limits_updated} updated; "
        f"unchanged {result.unchanged}"
    )


@app.command("check-warnings")
def check_warnings(
    ctx: typer.Context,
    at: str | None = typer.Option(None, help="evaluate as of this ISO 8601 instant"),
    webhook: str | None = typer.Option(
        None, help="POST each new warning as JSON here (default ECOCIV_WARNING_WEBHOOK_URL)"
    ),
) -> None:
    """Run the warning rules on every active device (offline, missing data and the others):
    run it from cron, e.g. every 10 minutes. Safe to run twice."""
    now = utc_now()
    if at:
        try:
            now = datetime.fromisoformat(at)
        except ValueError:
            print(f"error: --at: “{at}” is not an ISO 8601 time")
            raise typer.Exit(2) from None
        if now.tzinfo is None:
            print("error: --at needs a time zone, e.g. 2026-03-02T12:00:00+08:00")
            raise typer.Exit(2)
    url = webhook if webhook is not None else ctx.obj.webhook_url()
    notify = services.WebhookNotifier(url) if url else None
    summary = services.evaluate_all(ctx.obj.db, ctx.obj.readings, now, notify=notify)
    print(
        f"devices {summary.devices}: raised {summary.raised}, updated {summary.updated}, "
        f"cleared {summary.cleared}"
    )
    for mn, reason in summary.failed.items():
        print(f"error: device {mn}: {reason}")
    if summary.failed:
        raise typer.Exit(1)
