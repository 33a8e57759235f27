"""Text longer than its column, or holding a NUL or another control character, is refused
naming the column on both backends before the database sees it (issue 11, item 14;
docs/inputs.md); nothing is written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ecociv.adapters.db import Database
from ecociv.kernel.errors import ValidationError
from ecociv.orgs.tables import EnterpriseRow
from tests.conftest import KECHENG, demo_enterprise
from tests.e2e.test_enterprise_api import bearer
from tests.integration.waste.conftest import GENERATOR


def stored_address(db: Database, uscc: str) -> str | None:
    with db.reading() as session:
        return session.scalar(select(EnterpriseRow.address).where(EnterpriseRow.uscc == uscc))


@pytest.mark.parametrize(("length", "refused"), [(299, False), (300, False), (301, True)])
def test_a_value_longer_than_its_column_is_refused_naming_the_column(
    db: Database, length: int, refused: bool
) -> None:
    uscc = demo_enterprise(KECHENG)
    before = stored_address(db, uscc)
    value = "路" * length
    if refused:
        with pytest.raises(ValidationError) as caught, db.transaction() as session:
            row = session.scalars(select(EnterpriseRow).where(EnterpriseRow.uscc == uscc)).one()
            row.address = value
        assert caught.value.field == "address" and "300" in caught.value.message
        assert stored_address(db, uscc) == before
    else:
        with db.transaction() as session:
            row = session.scalars(select(EnterpriseRow).where(EnterpriseRow.uscc == uscc)).one()
            row.address = value
        assert stored_address(db, uscc) == value


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x08", "\x1f", "\x7f"])
def test_a_nul_or_control_character_is_refused_naming_the_column(
    db: Database, character: str
) -> None:
    uscc = demo_enterprise(KECHENG)
    before = stored_address(db, uscc)
    with pytest.raises(ValidationError) as caught, db.transaction() as session:
        row = session.scalars(select(EnterpriseRow).where(EnterpriseRow.uscc == uscc)).one()
        row.address = f"衢州{character}市"
    assert caught.value.field == "address"
    assert stored_address(db, uscc) == before


def test_an_unchanged_long_value_of_another_column_does_not_block_a_write(db: Database) -> None:
    """Only new rows and changed attributes are checked: a write is never refused for a value
    it did not touch."""
    uscc = demo_enterprise(KECHENG)
    with db.transaction() as session:
        row = session.scalars(select(EnterpriseRow).where(EnterpriseRow.uscc == uscc)).one()
        row.address = "衢州市柯城区"
    assert stored_address(db, uscc) == "衢州市柯城区"


def test_tab_line_feed_and_carriage_return_are_kept(db: Database) -> None:
    uscc = demo_enterprise(KECHENG)
    with db.transaction() as session:
        row = session.scalars(select(EnterpriseRow).where(EnterpriseRow.uscc == uscc)).one()
        row.address = "衢州市\t柯城区\r\n荷花街道"
    assert stored_address(db, uscc) == "衢州市\t柯城区\r\n荷花街道"


@pytest.mark.parametrize(("length", "status"), [(200, 200), (201, 422)])
def test_an_api_field_without_its_own_bound_answers_422_naming_it(
    client: TestClient, db: Database, length: int, status: int
) -> None:
    """The facility form bounds no name length itself: the column (200) does, as a 422."""
    response = client.post(
        "/api/v1/waste/facilities",
        json={"uscc": GENERATOR, "name": "厂" * length},
        headers=bearer(db, "admin"),
    )
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["field"] == "name"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "柯城示例\u0001汽车"}, "name"),
        ({"address": "衢州\u0000市"}, "address"),
        ({"tags": ["key_polluter", "x\u001b"]}, "tags"),
    ],
)
def test_a_request_body_with_a_control_character_is_a_422_naming_the_field(
    client: TestClient, db: Database, body: dict[str, object], field: str
) -> None:
    uscc = demo_enterprise(KECHENG)
    before = stored_address(db, uscc)
    response = client.patch(f"/api/v1/enterprises/{uscc}", json=body, headers=bearer(db, "admin"))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"].endswith(field)
    assert stored_address(db, uscc) == before
