"""The Quzhou demo: synthetic enterprises, monitoring sites and readings, and one account per
role (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ecociv import orgs, users
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.demo_indicators import load_indicator_demo, load_scoring_demo
from ecociv.demo_monitoring import (
    MEDIA,
    MonitoringDemoResult,
    load_monitoring_readings,
    load_monitoring_sites,
    loaded_demo_media,
)
from ecociv.kernel import Actor, NotFoundError, Role
from ecociv.sources.demo import load_sources_demo
from ecociv.waste.demo import WasteDemoSummary, load_waste_demo

#: Printed by `ecociv demo`; for the local demo only, never for a real installation.
DEMO_PASSWORD = "Lanke-Qiantang-58"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: Role
    display_name: str
    county_code: str | None = None
    department_code: str | None = None
    enterprise_uscc: str | None = None
    is_head: bool = False


def demo_logins() -> list[DemoLogin]:
    """One account per role; the enterprise user belongs to the first synthetic enterprise."""
    first_enterprise = orgs.demo_enterprise_rows()[0]["uscc"]
    return [
        DemoLogin("admin", Role.ADMIN, "系统管理员（演示）"),
        DemoLogin("cityoffice", Role.CITY_OFFICE, "市创建办（演示）"),
        DemoLogin("kecheng", Role.COUNTY_OFFICER, "柯城区联络员（演示）", county_code="330802"),
        DemoLogin(
            "kecheng_head",
            Role.COUNTY_OFFICER,
            "柯城区分管负责人（演示）",
            county_code="330802",
            is_head=True,
        ),
        DemoLogin("jiangshan", Role.COUNTY_OFFICER, "江山市联络员（演示）", county_code="330881"),
        DemoLogin(
            "eco_bureau",
            Role.DEPARTMENT_OFFICER,
            "市生态环境局（演示）",
            department_code="ecology_environment",
        ),
        DemoLogin(
            "eco_head",
            Role.DEPARTMENT_OFFICER,
            "市生态环境局负责人（演示）",
            department_code="ecology_environment",
            is_head=True,
        ),
        DemoLogin(
            "enterprise",
            Role.ENTERPRISE_USER,
            "企业填报员（演示）",
            enterprise_uscc=first_enterprise,
        ),
        DemoLogin("inspector", Role.INSPECTOR, "督查人员（演示）"),
    ]


def load_demo(db: Database, actor: Actor) -> dict[str, int]:
    """Load the synthetic enterprises and monitoring sites and create the demo accounts that do
    not exist yet."""
    result = orgs.import_enterprises(db, actor, orgs.demo_enterprise_rows(), synthetic=True)
    existing = {a.username for a in users.list_users(db, actor)}
    created = 0
    for login in demo_logins():
        if login.username in existing:
            continue
        try:
            users.create_user(
                db,
                actor,
                username=login.username,
                password=DEMO_PASSWORD,
                role=login.role,
                display_name=login.display_name,
                county_code=login.county_code,
                department_code=login.department_code,
                enterprise_uscc=login.enterprise_uscc,
                is_head=login.is_head,
            )
        except NotFoundError:
            continue
        created += 1
    reports = load_indicator_demo(db, actor)
    load_scoring_demo(db, actor)
    sites = load_monitoring_sites(db, actor)
    return {
        "enterprises": result.created,
        "users": created,
        "reports": reports,
        "monitoring_sites": sites,
    }


def load_demo_sources(db: Database, actor: Actor) -> dict[str, int]:
    """The synthetic pollution-source registry (restaurants, outlets, devices, permit limits);
    idempotent. Kept apart from :func:`load_demo`, which the test template database uses, so
    tests of the registry start from an empty one."""
    return load_sources_demo(db, actor)


def load_demo_waste(db: Database, actor: Actor, now: datetime) -> WasteDemoSummary:
    """The synthetic hazardous-waste year ending at ``now`` (parties, licences, vehicles,
    plans, manifests walked by their parties, tracks, ledger, filings, warnings); a second run
    changes nothing. Kept apart from :func:`load_demo` like the pollution sources."""
    return load_waste_demo(db, actor, now=now)


def load_demo_readings(store: ReadingsStore, actor: Actor) -> MonitoringDemoResult | None:
    """Load the synthetic year of monitoring readings into the store, unless a synthetic demo
    load already put them there (then nothing is loaded and None is returned). A medium whose
    demo load is missing (say, an earlier run stopped half-way) is loaded on its own."""
    loaded = loaded_demo_media(store)
    missing = [medium for medium in MEDIA if medium not in loaded]
    if not missing:
        return None
    return load_monitoring_readings(store, actor.username, media=missing)
