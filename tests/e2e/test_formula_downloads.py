"""A formula typed into the platform comes back as text in every download (issue 11, item 13;
rule in docs/inputs.md, "Files the platform writes"): the report template, the year's data
export and the public CSV."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update

from ecociv.adapters.db import Database
from ecociv.orgs.tables import OrgUnitRow
from tests.conftest import KECHENG, sign_in
from tests.e2e.test_reports import open_report

ATTACK = "=cmd|' /C calc'!A0"


def test_a_report_comment_that_is_a_formula_comes_back_as_text_in_the_template(
    client: TestClient,
) -> None:
    csrf = sign_in(client, "kecheng")
    report_id = open_report(client, csrf)
    saved = client.put(
        f"/api/v1/reports/{report_id}/values",
        json={"values": {"coal_10kt": 12.5}, "comments": {"coal_10kt": ATTACK}},
        headers={"X-CSRF-Token": csrf},
    )
    assert saved.status_code == 200, saved.text
    response = client.get(f"/reports/{report_id}/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["填报表"]
    row = next(r for r in range(5, sheet.max_row + 1) if sheet[f"A{r}"].value == "coal_10kt")
    comment, value = sheet[f"G{row}"], sheet[f"F{row}"]
    assert (comment.data_type, comment.value) == ("s", ATTACK)
    assert (value.data_type, value.value) == ("n", 12.5)
    formulas = [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []


def test_a_unit_name_that_is_a_formula_is_text_in_the_data_export_and_the_public_csv(
    client: TestClient, db: Database
) -> None:
    with db.transaction() as session:
        session.execute(update(OrgUnitRow).where(OrgUnitRow.code == KECHENG).values(name_zh=ATTACK))
    sign_in(client, "inspector")
    export = client.get("/assessment/2023/data.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    cells = [c for sheet in book.worksheets for r in sheet.iter_rows() for c in r]
    named = [c for c in cells if c.value == ATTACK]
    assert named and all(c.data_type == "s" for c in named)
    assert not [c.coordinate for c in cells if c.data_type == "f"]

    public = client.get("/results/indicators/QZ-036.csv")
    assert public.status_code == 200
    rows = list(csv.reader(io.StringIO(public.content.decode("utf-8-sig"))))
    names = {r[0]: r[1] for r in rows[1:]}
    assert names[KECHENG] == "'" + ATTACK
