"""Commands: ``ecociv waste check-warnings`` (for cron) and ``ecociv waste indicators``."""

from __future__ import annotations

from datetime import datetime

import typer

from ecociv.kernel import utc_now
from ecociv.waste import services

app = typer.Typer(help="危险废物全过程监管 · hazardous-waste supervision", no_args_is_help=True)


def _instant(at: str | None) -> datetime:
    if not at:
        return utc_now()
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        print(f"error: --at: “{at}” is not an ISO 8601 time")
        raise typer.Exit(2) from None
    if moment.tzinfo is None:
        print("error: --at needs a time zone, e.g. 2026-03-02T12:00:00+08:00")
        raise typer.Exit(2)
    return moment


@app.command("check-warnings")
def check_warnings(
    ctx: typer.Context,
    at: str | None = typer.Option(None, help="evaluate as of this ISO 8601 instant"),
) -> None:
    """Run the warning rules W01–W21 over every open manifest and every registered unit (the
    rules that fire as time passes: receipt not confirmed, storage overdue, manifest not
    closed…). Run it from cron, e.g. every 10 minutes; safe to run twice."""
    summary = services.evaluate_all(ctx.obj.db, _instant(at))
    print(
        f"manifests {summary.manifests}, units {summary.units}: raised {summary.raised}, "
        f"updated {summary.updated}, cleared {summary.cleared}"
    )


@app.command("indicators")
def indicators(
    ctx: typer.Context,
    year: int = typer.Option(..., help="calendar year"),
) -> None:
    """Print I1–I12 per county and for the city (recomputed from the stored records)."""
    table = services.indicator_table(ctx.obj.db, ctx.obj.actor, year, utc_now())
    for area in table.areas:
        print(f"{area.area} {area.name_zh}")
        for key, value in area.values.items():
            shown = "–" if value.value is None else f"{value.value:.2f}"
            print(
                f"  {key:4} {shown:>8} {value.unit:4} "
                f"({value.numerator} / {value.denominator}) {value.formula}"
            )
    if table.synthetic:
        print("(synthetic demo data)")
