"""Monitoring sites against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ecociv import monitoring, orgs
from ecociv.adapters.db import Database
from ecociv.audit.tables import AuditRow
from ecociv.kernel import Actor, NotFoundError, PermissionDeniedError, Role, ValidationError
from ecociv.monitoring.tables import MonitoringSiteRow
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM

KECHENG_OFFICER = Actor(
    "kecheng", Role.COUNTY_OFFICER, user_id=3, county_code=KECHENG, request_id="t"
)


def site_count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(MonitoringSiteRow)) or 0


def audit_count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditRow)) or 0


def own_codes(sites: list[monitoring.SiteRecord]) -> list[str]:
    """The codes of this file's sites (the template also holds the synthetic demo sites)."""
    return [s.code for s in sites if s.code.startswith("QZ-")]


def site_rows(db: Database) -> list[dict[str, str]]:
    kecheng = orgs.get_org_unit(db, SYSTEM, KECHENG)
    jiangshan = orgs.get_org_unit(db, SYSTEM, JIANGSHAN)
    return [
        {
            "code": "QZ-W-01",
            "name": "衢江樟树潭断面",
            "kind": "water_section",
            "county_code": KECHENG,
            "river": "衢江",
            "control_level": "国控",
            "target_class": "II",
            "river_chief": "某河长",
            "longitude": str(kecheng.label_lon),
            "latitude": str(kecheng.label_lat),
            "datum": "GCJ-02",
        },
        {
            "code": "QZ-A-01",
            "name": "江山市监测站",
            "kind": "air_station",
            "county_code": JIANGSHAN,
            "longitude": str(jiangshan.label_lon),
            "latitude": str(jiangshan.label_lat),
        },
    ]


def test_import_creates_sites_and_a_second_run_changes_nothing(db: Database) -> None:
    rows = site_rows(db)
    before = site_count(db)
    first = monitoring.import_sites(db, SYSTEM, rows)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    audits = audit_count(db)
    second = monitoring.import_sites(db, SYSTEM, rows)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert audit_count(db) == audits and site_count(db) == before + 2
    site = monitoring.get_site(db, SYSTEM, "QZ-W-01")
    assert site.control_level is monitoring.ControlLevel.NATIONAL and site.target_class == 2
    assert site.county_name_zh == "柯城区"


def test_a_changed_row_updates_its_site_by_code(db: Database) -> None:
    rows = site_rows(db)
    monitoring.import_sites(db, SYSTEM, rows)
    rows[0]["river_chief"] = "新河长"
    result = monitoring.import_sites(db, SYSTEM, rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert monitoring.get_site(db, SYSTEM, "QZ-W-01").river_chief == "新河长"


def test_one_bad_row_imports_nothing_and_names_its_row_and_field(db: Database) -> None:
    rows = site_rows(db)
    rows[1]["county_code"] = KECHENG  # the point lies in 江山市, not 柯城区
    before = site_count(db)
    with pytest.raises(ValidationError) as exc:
        monitoring.import_sites(db, SYSTEM, rows)
    assert [e["field"] for e in exc.value.errors] == ["row 3: longitude"]
    assert site_count(db) == before


def test_a_duplicate_code_in_the_file_is_named(db: Database) -> None:
    rows = site_rows(db)
    rows[1] = dict(rows[0])
    with pytest.raises(ValidationError) as exc:
        monitoring.import_sites(db, SYSTEM, rows)
    assert [e["field"] for e in exc.value.errors] == ["row 3: code"]


def test_a_county_officer_may_not_import_sites(db: Database) -> None:
    before = site_count(db)
    with pytest.raises(PermissionDeniedError):
        monitoring.import_sites(db, KECHENG_OFFICER, site_rows(db))
    assert site_count(db) == before


def test_sites_are_listed_by_kind_and_county(db: Database) -> None:
    monitoring.import_sites(db, SYSTEM, site_rows(db))
    assert own_codes(monitoring.list_sites(db, SYSTEM)) == ["QZ-A-01", "QZ-W-01"]
    assert own_codes(monitoring.list_sites(db, SYSTEM, kind="water_section")) == ["QZ-W-01"]
    assert own_codes(monitoring.list_sites(db, SYSTEM, county_code=JIANGSHAN)) == ["QZ-A-01"]
    with pytest.raises(NotFoundError):
        monitoring.get_site(db, SYSTEM, "NOPE")
