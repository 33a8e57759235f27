"""The registry import: all or nothing, idempotent, audited; scope of reads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ecociv import audit
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, PermissionDeniedError, Role, ValidationError
from ecociv.orgs import enterprise_id_for
from ecociv.sources import services
from ecociv.sources.demo import demo_registry_rows, load_sources_demo
from ecociv.sources.tables import DeviceRow, OutletRow, PermitLimitRow
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM, demo_enterprise


def counts(db: Database) -> tuple[int, int, int]:
    with db.reading() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(t)) or 0
            for t in (OutletRow, DeviceRow, PermitLimitRow)
        )


def test_the_demo_registry_loads_once_and_a_second_run_changes_nothing(db: Database) -> None:
    first = load_sources_demo(db, SYSTEM)
    assert first["outlets"] == 16 and first["devices"] == 16 and first["restaurants"] == 3
    before = counts(db)
    again = load_sources_demo(db, SYSTEM)
    assert again == {"restaurants": 0, "outlets": 0, "devices": 0, "limits": 0}
    assert counts(db) == before
    result = services.import_registry(db, SYSTEM, demo_registry_rows(), synthetic=True)
    assert result.unchanged > 0 and result.outlets_updated == result.devices_updated == 0


def test_one_bad_row_imports_nothing_and_names_row_and_field(db: Database) -> None:
    rows = demo_registry_rows()
    rows[3] = {**rows[3], "limit_value": "lots"}
    rows[5] = {**rows[5], "enterprise_uscc": "91330802MA00000000"}
    with pytest.raises(ValidationError) as caught:
        services.import_registry(db, SYSTEM, rows)
    fields = {e["field"] for e in caught.value.errors}
    assert "row 5: limit_value" in fields
    assert any(f.startswith("row ") and f.endswith("enterprise_uscc") for f in fields)
    assert counts(db) == (0, 0, 0)


def test_rows_that_disagree_about_one_device_are_refused(db: Database) -> None:
    rows = demo_registry_rows()[:2]
    rows[1] = {**rows[1], "mn": rows[0]["mn"], "password": "other"}
    with pytest.raises(ValidationError) as caught:
        services.import_registry(db, SYSTEM, rows)
    assert caught.value.errors[0]["field"] == "row 3: mn"


def test_a_changed_limit_updates_and_is_audited_without_the_password_hash(db: Database) -> None:
    load_sources_demo(db, SYSTEM)
    rows = demo_registry_rows()
    rows[0] = {**rows[0], "limit_value": "80"}
    result = services.import_registry(db, SYSTEM, rows, synthetic=True)
    assert result.limits_updated == 1
    entries = audit.list_entries(
        db, SYSTEM, audit.AuditFilter(entity_type="source_device"), page_size=100
    ).entries
    assert entries and all(
        len(str((e.after or {}).get("password_sha256", ""))) < 64 for e in entries
    )


def test_only_the_city_manages_the_registry(db: Database) -> None:
    officer = Actor("kecheng", Role.COUNTY_OFFICER, county_code=KECHENG)
    with pytest.raises(PermissionDeniedError):
        services.import_registry(db, officer, demo_registry_rows())


def test_reads_keep_to_the_county_and_the_enterprise(db: Database) -> None:
    load_sources_demo(db, SYSTEM)
    everything = services.list_outlets(db, SYSTEM)
    officer = Actor("kecheng", Role.COUNTY_OFFICER, county_code=KECHENG)
    mine = services.list_outlets(db, officer)
    assert mine and {o.county_code for o in mine} == {KECHENG} and len(mine) < len(everything)
    jiangshan_outlet = next(o for o in everything if o.county_code == JIANGSHAN)
    with pytest.raises(Exception, match="no such outlet"):
        services.get_outlet(db, officer, jiangshan_outlet.code)
    uscc = demo_enterprise(KECHENG)
    with db.reading() as session:
        firm_id = enterprise_id_for(session, uscc)
    firm = Actor("enterprise", Role.ENTERPRISE_USER, enterprise_id=firm_id)
    assert {o.enterprise_uscc for o in services.list_outlets(db, firm)} == {uscc}
    public = Actor("public", Role.PUBLIC)
    with pytest.raises(PermissionDeniedError):
        services.list_outlets(db, public)
