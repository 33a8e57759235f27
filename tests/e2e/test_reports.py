"""The reporting flow through the real pages and API, with the Excel template."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ecociv.adapters.db import Database
from ecociv.audit import AuditFilter, list_entries
from tests.conftest import KECHENG, SYSTEM, sign_in

YEAR = 2024


def open_report(client: TestClient, csrf: str) -> int:
    response = client.post(
        "/reports/open",
        data={
            "csrf_token": csrf,
            "form": "county",
            "org_unit_code": KECHENG,
            "department_code": "",
            "year": str(YEAR),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def filled_template(
    client: TestClient, report_id: int, bad: str | None = None
) -> tuple[bytes, dict[str, int]]:
    """Download the template and fill column F with last year's values (column E)."""
    response = client.get(f"/reports/{report_id}/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["填报表"]
    rows: dict[str, int] = {}
    for row in range(5, sheet.max_row + 1):
        code = sheet[f"A{row}"].value
        if code:
            rows[str(code)] = row
            sheet[f"F{row}"] = sheet[f"E{row}"].value
    if bad:
        sheet[f"F{rows[bad]}"] = "三百"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), rows


def test_excel_upload_with_one_bad_cell_saves_nothing_and_names_the_cell(
    client: TestClient,
) -> None:
    csrf = sign_in(client, "kecheng")
    report_id = open_report(client, csrf)
    data, rows = filled_template(client, report_id, bad="coal_10kt")
    response = client.post(
        f"/reports/{report_id}/upload",
        data={"csrf_token": csrf},
        files={"file": ("填报表.xlsx", data)},
    )
    assert response.status_code == 422
    assert f"sheet 填报表, row {rows['coal_10kt']}, column F" in response.text
    assert "三百" in response.text
    assert client.get(f"/api/v1/reports/{report_id}").json()["values"] == {}


def test_the_approval_flow_through_the_pages(
    client: TestClient,
    app,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    csrf = sign_in(client, "kecheng")
    report_id = open_report(client, csrf)
    data, _rows = filled_template(client, report_id)
    uploaded = client.post(
        f"/reports/{report_id}/upload",
        data={"csrf_token": csrf},
        files={"file": ("填报表.xlsx", data)},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    submitted = client.post(
        f"/reports/{report_id}", data={"csrf_token": csrf, "then": "submit"}, follow_redirects=False
    )
    assert submitted.status_code == 303
    assert client.get(f"/api/v1/reports/{report_id}").json()["state"] == "submitted"

    with TestClient(app) as other:
        other_csrf = sign_in(other, "jiangshan")
        assert other.get(f"/reports/{report_id}").status_code == 403
        assert (
            other.post(f"/reports/{report_id}", data={"csrf_token": other_csrf}).status_code == 403
        )
    with TestClient(app) as head:
        head_csrf = sign_in(head, "kecheng_head")
        assert 'id="approve"' in head.get(f"/reports/{report_id}").text
        head.post(
            f"/reports/{report_id}/action", data={"csrf_token": head_csrf, "action": "approve"}
        )
    with TestClient(app) as city:
        city_csrf = sign_in(city, "cityoffice")
        assert 'id="accept"' in city.get(f"/reports/{report_id}").text
        city.post(
            f"/reports/{report_id}/action", data={"csrf_token": city_csrf, "action": "accept"}
        )
    report = client.get(f"/api/v1/reports/{report_id}").json()
    assert report["state"] == "accepted"
    page = client.get(f"/reports/{report_id}").text
    assert 'id="report-form"' in page and 'name="v_coal_10kt"' not in page  # locked
    locked = client.put(
        f"/api/v1/reports/{report_id}/values",
        json={"values": {"coal_10kt": 1}},
        headers={"X-CSRF-Token": csrf},
    )
    assert locked.status_code == 409
    history = list_entries(db, SYSTEM, AuditFilter(entity_type="report", entity_id=str(report_id)))
    assert [e.action for e in reversed(history.entries)] == [
        "report.create",
        "report.save.excel",
        "report.submit",
        "report.approve",
        "report.accept",
    ]
    assert [e.actor for e in reversed(history.entries)][-3:] == [
        "kecheng",
        "kecheng_head",
        "cityoffice",
    ]


def test_the_form_page_shows_last_years_values_and_errors_by_field(client: TestClient) -> None:
    csrf = sign_in(client, "kecheng")
    report_id = open_report(client, csrf)
    page = client.get(f"/reports/{report_id}").text
    last = client.get(f"/api/v1/reports/{report_id}").json()["previous"]["coal_10kt"]
    assert f">{last}<" in page.replace(" ", "")
    response = client.post(
        f"/reports/{report_id}",
        data={
            "csrf_token": csrf,
            "v_coal_10kt": "-5",
            "v_hw_harmless_t": "9",
            "v_hw_generated_t": "3",
            "then": "save",
        },
    )
    assert response.status_code == 422
    assert re.search(r'data-field="coal_10kt"', response.text)
    assert re.search(r'data-field="hw_harmless_t"', response.text)


def test_evidence_is_attached_and_downloaded_by_those_who_may_see_it(
    client: TestClient, app
) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(client, "kecheng")
    report_id = open_report(client, csrf)
    response = client.post(
        f"/api/v1/reports/{report_id}/evidence",
        headers={"X-CSRF-Token": csrf},
        data={"element": "lake_chief_state"},
        files={"file": ("湖长制文件.pdf", b"%PDF-1.4 test", "application/pdf")},
    )
    assert response.status_code == 201
    evidence_id = response.json()["id"]
    download = client.get(f"/api/v1/evidence/{evidence_id}")
    assert download.content == b"%PDF-1.4 test"
    with TestClient(app) as other:
        sign_in(other, "jiangshan")
        assert other.get(f"/api/v1/evidence/{evidence_id}").status_code == 403


def test_work_queues_show_each_role_its_next_step(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "cityoffice")
    page = client.get("/reports?year=2023").text
    accept_queue = page.split('data-queue="accept"')[1].split("</section>")[0]
    assert "开化县" in accept_queue  # the demo's approved 2023 report waits for the city office
    with TestClient(app) as head:
        sign_in(head, "kecheng_head")
        assert 'data-queue="approve"' in head.get("/reports?year=2023").text


def test_an_admin_makes_a_county_head_through_the_users_page(client: TestClient) -> None:
    csrf = sign_in(client, "admin")
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "jiangshan_head",
            "display_name": "江山负责人",
            "role": "county_officer",
            "password": "jiangshan-head-1",
            "county_code": "330881",
            "is_head": "true",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    accounts = {a["username"]: a for a in client.get("/api/v1/users").json()}
    assert accounts["jiangshan_head"]["is_head"] is True
    assert accounts["jiangshan"]["is_head"] is False
