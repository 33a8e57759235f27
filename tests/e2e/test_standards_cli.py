"""`ecociv standards …` classifies a CSV as the functions do, names bad rows and streams."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from ecociv.cli import app
from ecociv.standards import air, soil, water

runner = CliRunner()


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_water_class_of_a_thousand_rows_matches_the_function(tmp_path: Path) -> None:
    rng = random.Random(3838)
    rows = [
        [
            f"S{i}",
            round(rng.uniform(0, 3), 3),
            round(rng.uniform(0, 0.5), 3),
            round(rng.uniform(1, 9), 2),
            rng.choice(["river", "lake"]),
        ]
        for i in range(1000)
    ]
    rows[10][1] = "n/a"
    rows[500][3] = "-2"
    path = write(tmp_path / "water.csv", ["site", "氨氮", "tp", "do", "water_body"], rows)
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["standards", "water-class", str(path), "--out", str(out), "--chunk", "128"]
    )
    assert result.exit_code == 1  # bad rows were found
    assert "row 12: nh3n" in result.output and "row 502: do" in result.output
    written = read(out.read_text(encoding="utf-8"))
    assert len(written) == 1000
    good = [i for i in range(1000) if i not in (10, 500)]
    expected = water.water_class(
        {
            "nh3n": np.array([float(rows[i][1]) for i in good]),
            "tp": np.array([float(rows[i][2]) for i in good]),
            "do": np.array([float(rows[i][3]) for i in good]),
        },
        water_body=np.array([rows[i][4] for i in good]),
    ).labels.tolist()
    assert [written[i]["class"] for i in good] == expected
    assert written[10]["class"] == "" and "不是数字" in written[10]["error"]


def test_aqi_follows_the_edition_of_each_rows_date(tmp_path: Path) -> None:
    start = date(2026, 2, 20)
    rows = [
        [(start + timedelta(days=i)).isoformat(), 40 + i, 60, 120, 150, 10, 30, 0.8]
        for i in range(20)
    ]
    path = write(
        tmp_path / "air.csv",
        ["date", "pm25_24h", "pm10_24h", "o3_8h", "o3_1h", "so2_24h", "no2_24h", "co_24h"],
        rows,
    )
    result = runner.invoke(app, ["standards", "aqi", str(path)])
    assert result.exit_code == 0, result.output
    written = read(result.stdout)
    for row, source in zip(written, rows, strict=True):
        day = date.fromisoformat(str(source[0]))
        report = air.daily_aqi(
            {
                "pm25_24h": source[1],
                "pm10_24h": 60,
                "o3_8h": 120,
                "o3_1h": 150,
                "so2_24h": 10,
                "no2_24h": 30,
                "co_24h": 0.8,
            },
            day,
        )
        assert row["aqi"] == str(int(report.aqi[0]))
        assert row["edition"] == report.standard
        assert row["primary_pollutant"] == ";".join(report.primary_pollutants(0))
    assert {r["edition"] for r in written} == {"HJ 633-2012", "HJ 633-2026"}


def test_soil_class_by_ph_and_land_use(tmp_path: Path) -> None:
    path = write(
        tmp_path / "soil.csv",
        ["cd", "ph", "land_use"],
        [[0.35, 5.2, "paddy"], [0.35, 6.8, "paddy"], [0.35, "", "paddy"]],
    )
    result = runner.invoke(app, ["standards", "soil-class", str(path)])
    assert result.exit_code == 0, result.output
    expected = soil.farmland_class({"cd": [0.35, 0.35]}, [5.2, 6.8], land_use="paddy")
    assert [r["class"] for r in read(result.stdout)] == [*expected.labels.tolist(), ""]


def test_a_file_without_any_parameter_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", ["site", "remark"], [["A", "ok"]])
    result = runner.invoke(app, ["standards", "water-class", str(path)])
    assert result.exit_code == 2 and "no column names a parameter" in result.output
