"""Input that used to answer 500 is a 4xx naming the field (issue 11, item 14); uploads are
bounded (item 7); authenticated answers are not cached and the API reference works offline
under the site's CSP (item 15). Rules in docs/inputs.md."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ecociv.adapters.db import Database
from ecociv.adapters.http import MAX_ID, MAX_PAGE
from ecociv.adapters.tables import MAX_CELL_CHARS
from ecociv.config import Settings
from ecociv.orgs.tables import EnterpriseRow
from ecociv.web.app import create_app
from tests.conftest import KECHENG, demo_enterprise, sign_in
from tests.e2e.test_enterprise_api import bearer

READINGS_IMPORT = "/api/v1/monitoring/readings/import"


def field_of(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body.get("field") or body["errors"][0]["field"])


# -- ids and page numbers: 1 … 2⁶³−1 and 1 … 1,000,000 ------------------------------------


@pytest.mark.parametrize(
    ("value", "status"),
    [(MAX_ID - 1, 404), (MAX_ID, 404), (MAX_ID + 1, 422), (2**63, 422), (2**64, 422)],
)
def test_a_path_id_is_at_most_two_to_the_31_minus_one_the_integer_column(
    client: TestClient, db: Database, value: int, status: int
) -> None:
    response = client.get(f"/api/v1/reports/{value}", headers=bearer(db, "admin"))
    assert response.status_code == status
    if status == 422:
        assert field_of(response) == "path.report_id"


@pytest.mark.parametrize("value", [0, -(2**63) - 1])
def test_a_path_id_is_at_least_one(client: TestClient, db: Database, value: int) -> None:
    response = client.get(f"/api/v1/sources/warnings/{value}", headers=bearer(db, "admin"))
    assert response.status_code == 422 and field_of(response) == "path.warning_id"


@pytest.mark.parametrize(
    ("page", "status"), [(MAX_PAGE - 1, 200), (MAX_PAGE, 200), (MAX_PAGE + 1, 422), (2**63, 422)]
)
def test_a_page_number_is_at_most_one_million(
    client: TestClient, db: Database, page: int, status: int
) -> None:
    response = client.get(f"/api/v1/enterprises?page={page}", headers=bearer(db, "admin"))
    assert response.status_code == status
    if status == 422:
        assert field_of(response) == "query.page"


def test_a_huge_year_on_a_page_is_a_422_not_a_500(client: TestClient) -> None:
    sign_in(client, "admin")
    for url in ("/air?year=18446744073709551616", "/reports?year=-18446744073709551616"):
        response = client.get(url)
        assert response.status_code == 422 and "year" in response.text, url


def test_a_nul_character_in_a_parameter_is_refused_naming_it(
    client: TestClient, db: Database
) -> None:
    response = client.get("/api/v1/monitoring/sites?kind=a%00b", headers=bearer(db, "admin"))
    assert response.status_code == 422 and field_of(response) == "query.kind"
    response = client.get("/api/v1/enterprises/a%00b", headers=bearer(db, "admin"))
    assert response.status_code == 422 and field_of(response) == "path.uscc"


def test_an_end_date_at_the_end_of_the_calendar_is_a_422(client: TestClient, db: Database) -> None:
    response = client.get(
        "/api/v1/monitoring/air/days?start=9999-12-01&end=9999-12-31", headers=bearer(db, "admin")
    )
    assert response.status_code == 422 and field_of(response) == "end_on"


# -- enterprise update: no null, lengths checked before the database ------------------------


@pytest.mark.parametrize("field", ["name", "county_code", "address", "industry_code", "tags"])
def test_null_on_an_enterprise_update_is_a_422_naming_the_field(
    client: TestClient, db: Database, field: str
) -> None:
    uscc = demo_enterprise(KECHENG)
    response = client.patch(
        f"/api/v1/enterprises/{uscc}", json={field: None}, headers=bearer(db, "admin")
    )
    assert response.status_code == 422 and field_of(response) == field


@pytest.mark.parametrize(("length", "status"), [(299, 200), (300, 200), (301, 422), (5000, 422)])
def test_an_address_is_at_most_300_characters_as_the_column(
    client: TestClient, db: Database, length: int, status: int
) -> None:
    uscc = demo_enterprise(KECHENG)
    response = client.patch(
        f"/api/v1/enterprises/{uscc}", json={"address": "路" * length}, headers=bearer(db, "admin")
    )
    assert response.status_code == status, response.text
    with db.reading() as session:
        stored = session.scalar(select(EnterpriseRow.address).where(EnterpriseRow.uscc == uscc))
    if status == 422:
        assert field_of(response) == "address" and stored != "路" * length
    else:
        assert stored == "路" * length


# -- uploads: not an .xlsx, long cells, the size limit --------------------------------------


def test_a_file_that_is_not_xlsx_where_xlsx_is_expected_is_a_422(
    client: TestClient, db: Database
) -> None:
    response = client.post(
        "/api/v1/frameworks/provincial_2021/versions",
        files={"file": ("catalogue.xlsx", b"code,name\n1,2\n")},
        headers=bearer(db, "admin"),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "file" and "not an Excel .xlsx file" in response.text
    broken = b"PK\x03\x04" + b"\x00" * 200  # looks like a zip package, is not one
    response = client.post(
        "/api/v1/frameworks/provincial_2021/versions",
        files={"file": ("catalogue.xlsx", broken)},
        headers=bearer(db, "admin"),
    )
    assert response.status_code == 422 and "not an Excel .xlsx file" in response.text


def readings_csv(cell: str) -> bytes:
    header = "site_code,parameter,observed_at,value,flag\n"
    return (
        header + f"QZ-W01,pH,2024-01-01 08:00,7,N\nQZ-W01,pH,2024-01-01 09:00,7,{cell}\n"
    ).encode()


@pytest.mark.parametrize("length", [MAX_CELL_CHARS + 1, 200_000, 5 * 1024 * 1024])
def test_a_csv_cell_over_the_cap_is_refused_naming_row_and_column(
    client: TestClient, db: Database, length: int
) -> None:
    response = client.post(
        READINGS_IMPORT,
        files={"file": ("r.csv", readings_csv("x" * length))},
        headers=bearer(db, "admin"),
    )
    assert response.status_code == 422, response.text[:300]
    assert field_of(response) == "row 3, column 5"


def test_a_csv_cell_at_the_cap_is_read(client: TestClient, db: Database) -> None:
    response = client.post(
        READINGS_IMPORT,
        files={"file": ("r.csv", readings_csv("x" * MAX_CELL_CHARS))},
        headers=bearer(db, "admin"),
    )
    assert response.status_code != 500
    assert "longer than" not in response.text


@pytest.fixture
def small_limit_client(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    limited = settings.model_copy(update={"max_upload_mb": 1})
    with TestClient(create_app(limited, db=db)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("size", "status"), [(1024 * 1024 - 4096, 422), (1024 * 1024 + 1, 413), (3 * 1024 * 1024, 413)]
)
def test_an_upload_over_the_limit_is_a_413(
    small_limit_client: TestClient, db: Database, size: int, status: int
) -> None:
    """A file of ``size`` bytes under a 1 MB limit: just under it is read (and refused for
    its content, one giant cell), over it is a 413 before the upload is parsed."""
    response = small_limit_client.post(
        READINGS_IMPORT, files={"file": ("r.csv", b"x" * size)}, headers=bearer(db, "admin")
    )
    assert response.status_code == status, response.text[:200]
    if status == 413:
        assert "larger than 1 MB" in response.json()["detail"]


def test_a_chunked_upload_is_counted_as_it_streams(
    small_limit_client: TestClient, db: Database
) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"y" * 65536  # 2.5 MB in all, no Content-Length

    response = small_limit_client.post(
        "/api/v1/monitoring/readings",
        content=chunks(),
        headers={**bearer(db, "admin"), "content-type": "application/json"},
    )
    assert response.status_code == 413


# -- caching, and the API reference ---------------------------------------------------------


def test_answers_to_a_signed_in_user_or_a_token_are_not_stored(
    client: TestClient, db: Database
) -> None:
    api = client.get("/api/v1/me", headers=bearer(db, "admin"))
    assert api.headers["cache-control"] == "no-store" and api.headers["pragma"] == "no-cache"
    sign_in(client, "kecheng")
    page = client.get("/reports")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"


def test_public_pages_and_static_files_keep_their_caching(app) -> None:  # type: ignore[no-untyped-def]
    anonymous = TestClient(app)
    static = anonymous.get("/static/css/app.css")
    assert static.status_code == 200 and "max-age=" in static.headers["cache-control"]
    health = anonymous.get("/healthz")
    assert "no-store" not in health.headers.get("cache-control", "")


def test_the_api_reference_loads_only_local_scripts_and_no_inline_script(app) -> None:  # type: ignore[no-untyped-def]
    anonymous = TestClient(app)
    page = anonymous.get("/api/v1/docs")
    assert page.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all(body.strip() == "" for _, body in scripts)
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts]  # type: ignore[union-attr]
    assert all(src.startswith("/static/") for src in sources)
    assert "cdn" not in page.text.lower()
    for path in [*sources, *re.findall(r'href="(/static/[^"]+)"', page.text)]:
        asset = anonymous.get(path)
        assert asset.status_code == 200 and len(asset.content) > 500, path
    assert "script-src 'self'" in page.headers["content-security-policy"]
