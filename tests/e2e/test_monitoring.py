"""Monitoring sites through the API and the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ecociv import users
from ecociv.adapters.db import Database
from ecociv.cli import app as cli_app
from tests.conftest import SYSTEM
from tests.integration.monitoring.test_sites import site_rows

runner = CliRunner()


def bearer(db: Database, username: str) -> dict[str, str]:
    issued = users.create_token(db, SYSTEM, username=username, name=f"test {username}")
    return {"Authorization": f"Bearer {issued.secret}"}


def as_csv(rows: list[dict[str, str]]) -> bytes:
    names = list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_a_county_officer_cannot_import_sites(client: TestClient, db: Database) -> None:
    data = as_csv(site_rows(db))
    response = client.post(
        "/api/v1/monitoring/sites/import",
        headers=bearer(db, "kecheng"),
        files={"file": ("sites.csv", data, "text/csv")},
    )
    assert response.status_code == 403
    listed = client.get("/api/v1/monitoring/sites").json()
    assert not [s for s in listed if s["code"].startswith("QZ-")]  # only the demo sites


def test_the_city_office_imports_sites_and_the_public_reads_them(
    client: TestClient, db: Database
) -> None:
    data = as_csv(site_rows(db))
    headers = bearer(db, "cityoffice")
    files = {"file": ("sites.csv", data, "text/csv")}
    response = client.post("/api/v1/monitoring/sites/import", headers=headers, files=files)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    again = client.post("/api/v1/monitoring/sites/import", headers=headers, files=files)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    public = client.get("/api/v1/monitoring/sites", params={"kind": "water_section"})
    assert [s["code"] for s in public.json() if s["code"].startswith("QZ-")] == ["QZ-W-01"]
    site = client.get("/api/v1/monitoring/sites/QZ-W-01").json()
    assert site["control_level"] == "national" and site["target_class"] == 2
    assert client.get("/api/v1/monitoring/sites/NOPE").status_code == 404


def test_a_bad_upload_names_its_row_and_field(client: TestClient, db: Database) -> None:
    rows = site_rows(db)
    rows[0]["target_class"] = "7"
    response = client.post(
        "/api/v1/monitoring/sites/import",
        headers=bearer(db, "admin"),
        files={"file": ("sites.csv", as_csv(rows), "text/csv")},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "row 2: target_class"


def test_cli_imports_sites_then_readings_idempotently(tmp_path: Path, db: Database) -> None:
    env = {"ECOCIV_VAR_DIR": str(tmp_path / "var"), "ECOCIV_ENV": "development"}
    assert runner.invoke(cli_app, ["init"], env=env).exit_code == 0
    sites = tmp_path / "sites.csv"
    sites.write_bytes(as_csv(site_rows(db)))
    first = runner.invoke(cli_app, ["monitoring", "import-sites", str(sites)], env=env)
    assert first.exit_code == 0, first.output
    assert "imported 2, updated 0, unchanged 0" in first.output
    readings = tmp_path / "readings.csv"
    lines = ["site_code,parameter,observed_at,value,flag"]
    lines += [f"QZ-W-01,nh3n,2024-05-01T{h:02d}:00:00+08:00,0.{h + 1}," for h in range(4)]
    lines.append("QZ-W-01,nh3n,2024-05-01T05:00:00+08:00,bad,")
    readings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = runner.invoke(cli_app, ["monitoring", "import-readings", str(readings)], env=env)
    assert refused.exit_code == 1
    assert "row 6: value" in refused.output and "nothing was loaded" in refused.output
    partial = runner.invoke(
        cli_app, ["monitoring", "import-readings", str(readings), "--accept-partial"], env=env
    )
    assert partial.exit_code == 0, partial.output
    assert "inserted 4, replaced 0, unchanged 0, rejected 1" in partial.output
    again = runner.invoke(
        cli_app, ["monitoring", "import-readings", str(readings), "--accept-partial"], env=env
    )
    assert "inserted 0, replaced 0, unchanged 4, rejected 1" in again.output
    assert (tmp_path / "var" / "readings.duckdb").exists()
