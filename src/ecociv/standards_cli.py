"""Commands for analysts: classify a CSV by a national standard.

``ecociv standards water-class FILE.csv``, ``aqi FILE.csv`` and ``soil-class FILE.csv`` read a
CSV whose columns are named by the code of the standard tables (``nh3n``, ``tp``, ``pm25_24h``…)
or by their Chinese names, and write every input row with verdict columns added. The file is
streamed in chunks (memory does not grow with the file); each chunk is classified with the
vectorised functions of ``ecociv.standards``. Bad cells are reported on stderr by row number and
column, and the row is written with an ``error`` column instead of a verdict.
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import typer

from ecociv.adapters.tables import csv_row
from ecociv.kernel import ValidationError
from ecociv.standards import air, soil, water

app = typer.Typer(
    help="按国家标准评价 CSV 数据 · classify CSV data by national standards", no_args_is_help=True
)

#: Non-measurement columns the commands read by name.
WATER_BODY, DATE, PH, LAND_USE = "water_body", "date", "ph", "land_use"


@dataclass
class Batch:
    """Rows of one chunk: their numbers, raw cells, and parsed measurements (NaN = missing)."""

    numbers: list[int]
    rows: list[list[str]]
    values: dict[str, list[float]]
    errors: dict[int, str]


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle


def _columns(
    header: Sequence[str], lookup: Callable[[str], str], extra: Sequence[str]
) -> dict[int, str]:
    """Map column positions to item codes; other columns pass through unchanged."""
    found: dict[int, str] = {}
    for position, name in enumerate(header):
        if name.strip().lower() in extra:
            continue
        try:
            found[position] = lookup(name.strip())
        except ValidationError:
            continue
    return found


def _batches(reader: Iterator[list[str]], items: dict[int, str], chunk: int) -> Iterator[Batch]:
    batch = Batch([], [], {code: [] for code in items.values()}, {})
    for number, row in enumerate(reader, start=2):
        batch.numbers.append(number)
        batch.rows.append(row)
        for position, code in items.items():
            cell = row[position].strip() if position < len(row) else ""
            value = math.nan
            if cell:
                try:
                    value = float(cell)
                except ValueError:
                    batch.errors.setdefault(number, f"{code}: “{cell}” 不是数字 (not a number)")
                else:
                    if value < 0 or not math.isfinite(value):
                        batch.errors.setdefault(
                            number, f"{code}: {cell} 无效 (negative or not finite)"
                        )
                        value = math.nan
            batch.values[code].append(value)
        if len(batch.rows) >= chunk:
            yield batch
            batch = Batch([], [], {code: [] for code in items.values()}, {})
    if batch.rows:
        yield batch


def _cell(row: list[str], header: Sequence[str], name: str) -> str:
    lowered = [h.strip().lower() for h in header]
    if name in lowered and lowered.index(name) < len(row):
        return row[lowered.index(name)].strip()
    return ""


def _run(
    path: Path,
    out: Path | None,
    chunk: int,
    lookup: Callable[[str], str],
    extra: Sequence[str],
    verdict_columns: Sequence[str],
    judge: Callable[[Batch, Sequence[str]], list[list[str]]],
) -> None:
    bad = 0
    total = 0
    with path.open(encoding="utf-8-sig", newline="") as source, _output(out) as target:
        reader = csv.reader(source)
        try:
            header = next(reader)
        except StopIteration:
            typer.echo(f"error: {path}: empty file", err=True)
            raise typer.Exit(2) from None
        items = _columns(header, lookup, extra)
        if not items:
            typer.echo(
                f"error: {path}: no column names a parameter of the standard "
                f"(header: {', '.join(header)})",
                err=True,
            )
            raise typer.Exit(2)
        writer = csv.writer(target)
        writer.writerow(csv_row([*header, *verdict_columns, "error"]))
        for batch in _batches(reader, items, chunk):
            verdicts = judge(batch, header)
            for number, row, verdict in zip(batch.numbers, batch.rows, verdicts, strict=True):
                error = batch.errors.get(number, "")
                if error:
                    bad += 1
                    typer.echo(f"row {number}: {error}", err=True)
                    verdict = [""] * len(verdict_columns)
                writer.writerow(csv_row([*row, *verdict, error]))
                total += 1
    typer.echo(f"{total} rows, {bad} bad", err=True)
    if bad:
        raise typer.Exit(1)


def _arrays(batch: Batch) -> dict[str, np.ndarray[Any, Any]]:
    return {code: np.asarray(values, dtype=np.float64) for code, values in batch.values.items()}


@app.command("water-class")
def water_class_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    out: Path | None = typer.Option(None, "--out", help="write here instead of stdout"),
    chunk: int = typer.Option(100_000, min=1, help="rows classified at a time"),
) -> None:
    """GB 3838-2002 class of each sample; a water_body column (river/lake/reservoir) selects the
    lake and reservoir phosphorus limits."""

    def judge(batch: Batch, header: Sequence[str]) -> list[list[str]]:
        bodies = [_cell(row, header, WATER_BODY) or "river" for row in batch.rows]
        try:
            result = water.water_class(_arrays(batch), water_body=np.asarray(bodies))
        except ValidationError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        labels = result.labels.tolist()
        deciding = result.deciding_items.tolist()
        rows = []
        for code, label, items in zip(result.water_class.tolist(), labels, deciding, strict=True):
            status = water.class_status(int(code)).status_zh if code else ""
            rows.append([label, status, ";".join(items)])
        return rows

    _run(
        path,
        out,
        chunk,
        water.item_code,
        (WATER_BODY, DATE, "site", "section"),
        ("class", "status", "deciding_items"),
        judge,
    )


@app.command("aqi")
def aqi_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    out: Path | None = typer.Option(None, "--out", help="write here instead of stdout"),
    on: str | None = typer.Option(
        None, "--date", help="date of every row (YYYY-MM-DD) when the file has no date column"
    ),
    chunk: int = typer.Option(100_000, min=1, help="rows classified at a time"),
) -> None:
    """Daily AQI of each row of daily values, by the HJ 633 edition of the row's date."""
    default_day = date.fromisoformat(on) if on else None

    def judge(batch: Batch, header: Sequence[str]) -> list[list[str]]:
        days: list[date] = []
        for number, row in zip(batch.numbers, batch.rows, strict=True):
            text = _cell(row, header, DATE)
            try:
                days.append(date.fromisoformat(text[:10]) if text else _need(default_day))
            except ValueError:
                batch.errors.setdefault(number, f"date: “{text}” 不是日期 (not YYYY-MM-DD)")
                days.append(default_day or date(2026, 1, 1))
        editions = air.editions_for(np.asarray(days, dtype="datetime64[D]"))
        arrays = _arrays(batch)
        out_rows: list[list[str]] = [[""] * 5 for _ in batch.rows]
        for edition in sorted(set(editions.tolist())):
            index = np.flatnonzero(editions == edition)
            first = days[int(index[0])]
            report = air.daily_aqi({c: a[index] for c, a in arrays.items()}, first)
            for row_in_group, row_index in enumerate(index.tolist()):
                value = report.aqi[row_in_group]
                category = report.category(row_in_group)
                out_rows[row_index] = [
                    "" if math.isnan(value) else str(int(value)),
                    ";".join(report.primary_pollutants(row_in_group)),
                    category.category_zh if category else "",
                    str(category.level) if category else "",
                    report.standard,
                ]
        return out_rows

    _run(
        path,
        out,
        chunk,
        air.parameter_code,
        (DATE, "site", "station"),
        ("aqi", "primary_pollutant", "category", "level", "edition"),
        judge,
    )


def _need(day: date | None) -> date:
    if day is None:
        raise ValueError("no date")
    return day


@app.command("soil-class")
def soil_class_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    out: Path | None = typer.Option(None, "--out", help="write here instead of stdout"),
    land_use: str = typer.Option(
        "other",
        help="land use when the file has no land_use column: "
        "paddy, other, orchard, paddy_dry_rotation",
    ),
    chunk: int = typer.Option(100_000, min=1, help="rows classified at a time"),
) -> None:
    """GB 15618-2018 farmland category of each sample (needs a ph column)."""

    def judge(batch: Batch, header: Sequence[str]) -> list[list[str]]:
        ph: list[float] = []
        uses: list[str] = []
        for number, row in zip(batch.numbers, batch.rows, strict=True):
            text = _cell(row, header, PH)
            try:
                ph.append(float(text) if text else math.nan)
            except ValueError:
                batch.errors.setdefault(number, f"ph: “{text}” 不是数字 (not a number)")
                ph.append(math.nan)
            uses.append(_cell(row, header, LAND_USE) or land_use)
        try:
            result = soil.farmland_class(_arrays(batch), np.asarray(ph), land_use=np.asarray(uses))
        except ValidationError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        return [
            [label, "yes" if flag else ""]
            for label, flag in zip(
                result.labels.tolist(), result.monitoring_needed.tolist(), strict=True
            )
        ]

    _run(
        path,
        out,
        chunk,
        soil.item_code,
        (PH, LAND_USE, DATE, "site", "point"),
        ("class", "monitoring_needed"),
        judge,
    )
