"""The catalogue pages: confirmation states, confirming a row, uploading a framework version."""

from __future__ import annotations

import csv
import io
from importlib import resources

from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.conftest import sign_in


def plan_workbook(change: dict[str, str] | None = None) -> bytes:
    text = resources.files("ecociv.indicators").joinpath("data/quzhou_plan_targets.csv")
    rows = list(csv.DictReader(io.StringIO(text.read_text("utf-8"))))
    if change:
        rows[0] = {**rows[0], **change}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_catalogue_marks_unverified_national_rows(client: TestClient) -> None:
    sign_in(client, "cityoffice")
    html = client.get("/indicators?framework=national_demo_2019").text
    assert html.count('data-confirmation="unverified"') == 36
    assert html.count('data-confirmation="confirmed"') == 1
    assert "待核实" in html


def test_admin_confirms_a_row_citing_the_source(client: TestClient) -> None:
    csrf = sign_in(client, "admin")
    page = client.get("/indicators/N2019-07").text
    assert 'id="confirm-form"' in page and 'id="unverified-badge"' in page
    client.post(
        "/indicators/N2019-07/confirm",
        data={"csrf_token": csrf, "citation": "环生态〔2019〕76号 附件1 第7项"},
    )
    page = client.get("/indicators/N2019-07").text
    assert 'id="unverified-badge"' not in page and "附件1 第7项" in page


def test_admin_uploads_a_framework_version_and_a_bad_sheet_loads_nothing(
    client: TestClient,
) -> None:
    csrf = sign_in(client, "admin")
    bad = client.post(
        "/indicators/frameworks/quzhou_plan_2020/upload",
        data={"csrf_token": csrf},
        files={"file": ("plan.xlsx", plan_workbook({"direction": "sideways"}))},
    )
    assert bad.status_code == 200 and "row 2: direction" in bad.text
    versions = client.get("/api/v1/frameworks").json()
    assert [v["version"] for v in versions if v["code"] == "quzhou_plan_2020"] == [1]
    client.post(
        "/indicators/frameworks/quzhou_plan_2020/upload",
        data={"csrf_token": csrf},
        files={"file": ("plan.xlsx", plan_workbook())},
    )
    versions = client.get("/api/v1/frameworks").json()
    assert [v["version"] for v in versions if v["code"] == "quzhou_plan_2020"] == [2, 1]
