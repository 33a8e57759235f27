"""Reference data and the enterprise register against a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.audit.tables import AuditRow
from ecociv.kernel import Actor, PermissionDeniedError, Role, ValidationError
from ecociv.kernel.uscc import check_char
from ecociv.orgs.tables import EnterpriseRow
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM, demo_enterprise

KECHENG_OFFICER = Actor(
    "kecheng", Role.COUNTY_OFFICER, user_id=3, county_code=KECHENG, request_id="t"
)


def audit_count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditRow)) or 0


def enterprise_count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(EnterpriseRow)) or 0


def code(n: int, county: str = KECHENG) -> str:
    body = f"91{county}MA{n:07d}"
    return body + check_char(body)


def test_reference_data_has_the_city_and_six_counties_with_areas(db: Database) -> None:
    units = orgs.list_org_units(db, SYSTEM)
    assert [u.code for u in units] == [
        "330800",
        "330802",
        "330803",
        "330822",
        "330824",
        "330825",
        "330881",
    ]
    counties = [u for u in units if u.level is orgs.OrgLevel.COUNTY]
    assert sum(u.area_km2 or 0 for u in counties) == pytest.approx(units[0].area_km2, rel=0.01)
    zones = {u.name_zh: u.function_zone for u in counties}
    assert zones["开化县"] is orgs.FunctionZone.NATIONAL_KEY_ECOLOGICAL_FUNCTION
    assert zones["常山县"] is orgs.FunctionZone.NATIONAL_KEY_ECOLOGICAL_FUNCTION
    assert zones["龙游县"] is orgs.FunctionZone.NATIONAL_AGRICULTURAL_PRODUCTION
    assert zones["柯城区"] is orgs.FunctionZone.PROVINCIAL_KEY_DEVELOPMENT


def test_loading_reference_data_twice_changes_nothing(db: Database) -> None:
    before = audit_count(db)
    assert orgs.load_reference_data(db, SYSTEM) == {"org_unit": 0, "department": 0}
    assert audit_count(db) == before


def test_boundaries_are_geojson_in_gcj02(db: Database) -> None:
    fc = orgs.boundaries_geojson(db, SYSTEM)
    assert fc["datum"] == "GCJ-02"
    assert {f["properties"]["name_zh"] for f in fc["features"]} >= {"柯城区", "江山市"}


def test_an_import_with_one_bad_row_writes_nothing_and_names_row_and_field(db: Database) -> None:
    before, audited = enterprise_count(db), audit_count(db)
    rows = [
        {"uscc": code(1), "name": "好企业一", "county_code": KECHENG},
        {
            "uscc": code(2)[:-1] + ("0" if code(2)[-1] != "0" else "1"),
            "name": "坏企业",
            "county_code": KECHENG,
        },
        {
            "uscc": code(3),
            "name": "好企业三",
            "county_code": KECHENG,
            "longitude": "abc",
            "latitude": "29",
        },
    ]
    with pytest.raises(ValidationError) as caught:
        orgs.import_enterprises(db, SYSTEM, rows)
    fields = [e["field"] for e in caught.value.errors]
    assert fields == ["row 3: uscc", "row 4: longitude"]
    assert enterprise_count(db) == before
    assert audit_count(db) == audited


def test_importing_the_same_file_twice_is_idempotent(db: Database) -> None:
    rows = [
        {"uscc": code(10), "name": "重复导入企业", "county_code": KECHENG, "tags": "key_polluter"}
    ]
    first = orgs.import_enterprises(db, SYSTEM, rows)
    second = orgs.import_enterprises(db, SYSTEM, rows)
    assert (first.created, second.created, second.unchanged) == (1, 0, 1)


def test_county_officer_cannot_import_into_another_county(db: Database) -> None:
    before = enterprise_count(db)
    rows = [{"uscc": code(20, JIANGSHAN), "name": "江山企业", "county_code": JIANGSHAN}]
    with pytest.raises(ValidationError, match="row 2: county_code"):
        orgs.import_enterprises(db, KECHENG_OFFICER, rows)
    assert enterprise_count(db) == before


def test_county_officer_cannot_edit_or_move_another_countys_enterprise(db: Database) -> None:
    theirs = demo_enterprise(JIANGSHAN)
    with pytest.raises(PermissionDeniedError):
        orgs.update_enterprise(db, KECHENG_OFFICER, theirs, {"name": "被改名"})
    ours = demo_enterprise(KECHENG, 1)
    with pytest.raises(PermissionDeniedError):
        orgs.update_enterprise(db, KECHENG_OFFICER, ours, {"county_code": JIANGSHAN})
    assert orgs.get_enterprise(db, SYSTEM, theirs).name != "被改名"
    assert orgs.get_enterprise(db, SYSTEM, ours).county_code == KECHENG


def test_an_update_is_audited_with_before_and_after(db: Database) -> None:
    ours = demo_enterprise(KECHENG, 1)
    old = orgs.get_enterprise(db, SYSTEM, ours).name
    orgs.update_enterprise(db, KECHENG_OFFICER, ours, {"name": "柯城改名后有限公司"})
    with db.reading() as s:
        row = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).one()
        entry = (row.action, row.entity_id, row.actor, row.request_id, row.before, row.after)
    action, entity_id, actor, request_id, before, after = entry
    assert (action, entity_id, actor, request_id) == ("enterprise.update", ours, "kecheng", "t")
    assert old in before and "柯城改名后有限公司" in after
    assert "county_code" not in after  # only the changed fields are kept


def test_a_duplicate_credit_code_is_a_conflict(db: Database) -> None:
    from ecociv.kernel import ConflictError

    with pytest.raises(ConflictError):
        orgs.create_enterprise(
            db,
            SYSTEM,
            orgs.EnterpriseDraft(uscc=demo_enterprise(KECHENG), name="重复", county_code=KECHENG),
        )
