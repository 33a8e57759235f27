"""Commands: ecociv monitoring import-sites FILE, import-readings FILE (CSV or .xlsx)."""

from __future__ import annotations

from pathlib import Path

import typer

from ecociv.kernel import ValidationError
from ecociv.monitoring import excel, services

app = typer.Typer(help="监测点位与监测数据 · monitoring sites and readings", no_args_is_help=True)


def _read(path: Path, wanted: tuple[str, ...], required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        return excel.read_table(path.read_bytes(), wanted, required)
    except ValidationError as exc:
        print(f"error: {path}: {exc.message}")
        raise typer.Exit(2) from None


@app.command("import-sites")
def import_sites(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
) -> None:
    """Import sites from a UTF-8 CSV or an .xlsx workbook with the columns code, name, kind,
    county_code, river,
    control_level (国控/省控/市控/交接断面), target_class (1-5 or I-V, water sections only),
    river_chief, water_body (河流/湖泊/水库), land_use (soil points: 水田/旱地/果园/水旱轮作),
    longitude, latitude, datum, or their Chinese names. All or nothing; safe to run twice."""
    rows = _read(path, services.SITE_COLUMNS, services.REQUIRED_SITE_COLUMNS)
    try:
        result = services.import_sites(ctx.obj.db, ctx.obj.actor, rows)
    except ValidationError as exc:
        for error in exc.errors:
            print(f"error: {path}: {error['field']}: {error['message']}")
        print("nothing was imported")
        raise typer.Exit(1) from None
    print(f"imported {result.created}, updated {result.updated}, unchanged {result.unchanged}")


@app.command("import-readings")
def import_readings(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    accept_partial: bool = typer.Option(
        False, "--accept-partial", help="load the good rows even if some rows are bad"
    ),
) -> None:
    """Load readings from a UTF-8 CSV or an .xlsx workbook with the columns site_code,
    parameter, observed_at (ISO 8601; without a zone it is Beijing time), value, flag. A file
    with a bad row loads nothing unless --accept-partial; rejected rows are recorded either
    way. Safe to run twice."""
    rows = _read(path, services.READING_COLUMNS, services.REQUIRED_READING_COLUMNS)
    loaded = services.import_readings(
        ctx.obj.db,
        ctx.obj.readings,
        ctx.obj.actor,
        rows,
        source=path.name,
        accept_partial=accept_partial,
    )
    for reject in loaded.rejects:
        print(f"error: {path}: row {reject.row_number}: {reject.field}: {reject.message}")
    result = loaded.result
    if not result.applied:
        print(f"load {result.load_id}: {result.rejected} bad row(s); nothing was loaded")
        raise typer.Exit(1)
    print(
        f"load {result.load_id}: inserted {result.inserted}, replaced {result.replaced}, "
        f"unchanged {result.unchanged}, rejected {result.rejected}"
    )
