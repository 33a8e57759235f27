"""Commands: ecociv enterprise import FILE.csv."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from ecociv.kernel import ValidationError
from ecociv.orgs import services

app = typer.Typer(help="企业名录 · the enterprise register", no_args_is_help=True)


@app.command("import")
def import_csv(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
) -> None:
    """Import enterprises from a UTF-8 CSV with the columns uscc, name, county_code, address,
    industry_code, longitude, latitude, datum, tags (';'-separated). All or nothing."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("uscc", "name", "county_code") if c not in (reader.fieldnames or [])]
        if missing:
            print(f"error: {path}: missing column(s) {', '.join(missing)}")
            raise typer.Exit(2)
        rows = list(reader)
    try:
        result = services.import_enterprises(ctx.obj.db, ctx.obj.actor, rows)
    except ValidationError as exc:
        for error in exc.errors:
            print(f"error: {path}: {error['field']}: {error['message']}")
        print("nothing was imported")
        raise typer.Exit(1) from None
    print(f"imported {result.created}, already registered {result.unchanged}")
