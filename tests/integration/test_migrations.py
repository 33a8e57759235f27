"""One linear Alembic history: upgrade from empty, no drift, downgrade one step, upgrade again,
on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from ecociv.adapters import migrate
from tests.conftest import BACKENDS, pg_create_empty, pg_drop


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name, url = pg_create_empty()
    yield url
    pg_drop(name)


def tables(url: str) -> set[str]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_history_is_linear() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


def current_revision(url: str) -> str | None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_upgrade_check_downgrade_upgrade(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    assert {"org_unit", "enterprise", "user_account", "api_token", "audit_log"} <= tables(empty_url)
    migrate.check(empty_url)  # raises if the models and the migrated schema differ
    at_head = tables(empty_url)
    script = ScriptDirectory.from_config(migrate.alembic_config(empty_url))
    head = script.get_revision(script.get_current_head())
    assert head is not None
    migrate.downgrade(empty_url, head.down_revision or "base")
    assert current_revision(empty_url) == head.down_revision
    migrate.upgrade(empty_url)
    migrate.check(empty_url)
    assert current_revision(empty_url) == head.revision
    assert tables(empty_url) == at_head
