"""The audit log is append-only, and any direct edit is caught by `ecociv audit verify`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from ecociv.adapters.db import Database
from ecociv.audit import verify_chain
from ecociv.audit.tables import AuditRow
from ecociv.cli import app as cli
from tests.conftest import TEST_AUDIT_KEY, TEST_SECRET

runner = CliRunner()


def run_verify(db: Database) -> tuple[int, str]:
    env = {
        "ECOCIV_DATABASE_URL": db.url,
        "ECOCIV_SECRET_KEY": TEST_SECRET,
        "ECOCIV_AUDIT_KEY": TEST_AUDIT_KEY,
    }
    result = runner.invoke(cli, ["audit", "verify"], env=env)
    return result.exit_code, result.output


def count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditRow)) or 0


def disable_guard(db: Database, conn) -> None:  # type: ignore[no-untyped-def]
    """What someone with direct database access would do first."""
    if db.dialect == "postgresql":
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_demo_database_chain_is_keyed_from_its_first_entry_and_verifies(db: Database) -> None:
    code, output = run_verify(db)
    assert code == 0, output
    assert f"intact ({count(db)} entries)" in output
    assert f"keyed (HMAC) {count(db)}, unkeyed 0" in output


def test_the_database_refuses_update_and_delete(db: Database) -> None:
    for statement in (
        "UPDATE audit_log SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert verify_chain(db).first_break is None


@pytest.mark.parametrize("column", ["actor", "after", "occurred_at", "entity_id"])
def test_editing_any_row_directly_is_found_and_named(db: Database, column: str) -> None:
    target = count(db) // 2
    values = {
        "actor": "'mallory'",
        "after": '\'{"name":"篡改"}\'',
        "occurred_at": "occurred_at",  # rewritten below per dialect
        "entity_id": "'other'",
    }
    with db.engine.begin() as conn:
        disable_guard(db, conn)
        if column == "occurred_at":
            shift = (
                "occurred_at + interval '1 second'"
                if db.dialect == "postgresql"
                else "datetime(occurred_at, '+1 second')"
            )
            conn.execute(text(f"UPDATE audit_log SET occurred_at = {shift} WHERE seq = {target}"))
        else:
            conn.execute(
                text(f"UPDATE audit_log SET {column} = {values[column]} WHERE seq = {target}")
            )
    code, output = run_verify(db)
    assert code == 1
    assert f"row seq={target}" in output


def test_deleting_a_row_is_found_at_the_next_row(db: Database) -> None:
    with db.engine.begin() as conn:
        disable_guard(db, conn)
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    code, output = run_verify(db)
    assert code == 1
    assert "row seq=4" in output


def test_a_fresh_install_is_keyed_from_its_first_entry_and_checkpoints_without_accepting(
    tmp_path: Path,
) -> None:
    env = {"ECOCIV_VAR_DIR": str(tmp_path / "var"), "ECOCIV_ENV": "development"}
    made = runner.invoke(cli, ["init"], env=env)
    assert made.exit_code == 0, made.output
    verified = runner.invoke(cli, ["audit", "verify"], env=env)
    assert verified.exit_code == 0, verified.output
    assert ", unkeyed 0;" in verified.output and "keyed (HMAC) 0," not in verified.output
    signed = runner.invoke(cli, ["audit", "checkpoint"], env=env)
    assert signed.exit_code == 0 and "unkeyed entries" not in signed.output, signed.output
