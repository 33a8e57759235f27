"""Shared fixtures: a migrated, demo-loaded template database per backend, cloned per test.

Integration and end-to-end tests run on SQLite and, when ECOCIV_TEST_DATABASE_URL points at
one, on PostgreSQL too (each test database is a fresh copy of the template).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from ecociv import demo, indicators, orgs
from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.config import Environment, Settings
from ecociv.kernel import Actor, Role
from ecociv.web.app import create_app

PG_URL = os.environ.get("ECOCIV_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
SYSTEM = Actor(username="test-setup", role=Role.ADMIN, request_id="test-setup")
DEMO_PASSWORD = demo.DEMO_PASSWORD
TEST_SECRET = "test-secret-key-" + "x" * 32
#: Signs the audit entries of the demo template and those tests write (a fresh install's
#: chain is keyed from its first entry).
TEST_AUDIT_KEY = "test-audit-key-" + "y" * 32


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pg_admin_url() -> str:
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


def pg_url_for(name: str) -> str:
    return re.sub(r"/[^/]*$", f"/{name}", PG_URL)


def pg_execute(statement: str) -> None:
    engine = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def pg_create_empty() -> tuple[str, str]:
    name = f"ecociv_t_{uuid.uuid4().hex[:12]}"
    pg_execute(f'CREATE DATABASE "{name}"')
    return name, pg_url_for(name)


def pg_drop(name: str) -> None:
    pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_template(url: str) -> None:
    migrate.upgrade(url)
    db = Database(url, audit_key=TEST_AUDIT_KEY)
    orgs.load_reference_data(db, SYSTEM)
    indicators.load_catalogues(db, SYSTEM)
    demo.load_demo(db, SYSTEM)
    db.dispose()


@dataclass
class Template:
    backend: str
    url: str
    name: str  # file path (sqlite) or database name (postgresql)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Template]]:
    made: dict[str, Template] = {}
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    load_template(f"sqlite:///{path}")
    made["sqlite"] = Template("sqlite", f"sqlite:///{path}", str(path))
    if PG_URL:
        name = f"ecociv_tpl_{_worker()}_{uuid.uuid4().hex[:6]}"
        pg_drop(name)
        pg_execute(f'CREATE DATABASE "{name}"')
        load_template(pg_url_for(name))
        made["postgresql"] = Template("postgresql", pg_url_for(name), name)
    yield made
    if PG_URL:
        pg_drop(made["postgresql"].name)


@pytest.fixture(params=BACKENDS)
def db(
    request: pytest.FixtureRequest, templates: dict[str, Template], tmp_path: Path
) -> Iterator[Database]:
    """A fresh copy of the demo database on each backend."""
    template = templates[request.param]
    if template.backend == "sqlite":
        target = tmp_path / "ecociv.db"
        shutil.copyfile(template.name, target)
        database = Database(f"sqlite:///{target}", audit_key=TEST_AUDIT_KEY)
        yield database
        database.dispose()
    else:
        name = f"ecociv_t_{uuid.uuid4().hex[:12]}"
        pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"')
        database = Database(pg_url_for(name), audit_key=TEST_AUDIT_KEY)
        yield database
        database.dispose()
        pg_drop(name)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        env=Environment.TEST,
        var_dir=tmp_path / "var",
        secret_key=TEST_SECRET,
        audit_key=TEST_AUDIT_KEY,
        database_url="sqlite://",
    )


@pytest.fixture
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, db=db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient, page: str = "/login") -> str:
    """The session's CSRF token, read from a form as a browser would."""
    response = client.get(page)
    found = _CSRF.search(response.text)
    assert found, f"no CSRF field on {page}"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the login form; return the new session's CSRF token."""
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client, "/account/password")


#: The demo account that plays each role in tests (the county officer is 柯城区's).
ROLE_USERS = {
    Role.ADMIN: "admin",
    Role.CITY_OFFICE: "cityoffice",
    Role.COUNTY_OFFICER: "kecheng",
    Role.DEPARTMENT_OFFICER: "eco_bureau",
    Role.ENTERPRISE_USER: "enterprise",
    Role.INSPECTOR: "inspector",
}
KECHENG, JIANGSHAN = "330802", "330881"


def demo_enterprise(county_code: str, index: int = 0) -> str:
    """The credit code of a synthetic demo enterprise in a county."""
    rows = [r for r in orgs.demo_enterprise_rows() if r["county_code"] == county_code]
    return rows[index]["uscc"]


@pytest.fixture(scope="session")
def demo_readings_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A readings store holding the synthetic demo year, built once per worker."""
    path = tmp_path_factory.mktemp("readings") / "readings.duckdb"
    loaded = demo.load_demo_readings(ReadingsStore(path), SYSTEM)
    assert loaded is not None and loaded.inserted > 0
    return path


@pytest.fixture
def demo_readings(settings: Settings, demo_readings_template: Path) -> ReadingsStore:
    """A copy of the demo readings where the web app looks for its store
    (``settings.var_dir / "readings.duckdb"``)."""
    target = settings.var_dir / "readings.duckdb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_readings_template, target)
    wal = demo_readings_template.with_name(demo_readings_template.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return ReadingsStore(target)
