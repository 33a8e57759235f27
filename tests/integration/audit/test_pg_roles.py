"""On PostgreSQL the application connects as a role that does not own the audit log: with the
grants documented in docs/operations.md (section 8) it can append and read entries, and it
cannot UPDATE, DELETE, TRUNCATE, ALTER or disable the triggers of the audit log."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ecociv.adapters.db import AUDIT_KEY_INFO, Database
from ecociv.audit import record, verify_chain
from ecociv.audit.tables import AuditRow
from ecociv.kernel import Actor, Role
from tests.conftest import TEST_AUDIT_KEY

OPERATIONS = Path(__file__).resolve().parents[3] / "docs" / "operations.md"
MARKER = "-- grants for the application role"


def documented_grants() -> str:
    """The SQL block of docs/operations.md that starts with the marker line."""
    blocks = re.findall(r"```sql\n(.*?)```", OPERATIONS.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if b.startswith(MARKER)]
    assert len(found) == 1, "docs/operations.md must hold the grants block once"
    return found[0]


@pytest.fixture
def roles(db: Database) -> Iterator[tuple[Connection, str, str]]:
    """A temporary owner and application role in the test database, the owner owning the
    audit log and the documented grants applied; dropped afterwards."""
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL roles")
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"ecociv_t_owner_{suffix}", f"ecociv_t_app_{suffix}"
    database = db.engine.url.database
    admin = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    admin.execute(text(f"CREATE ROLE {owner} NOLOGIN"))
    admin.execute(text(f"CREATE ROLE {app} NOLOGIN"))
    try:
        admin.execute(text(f"ALTER TABLE audit_log OWNER TO {owner}"))
        grants = (
            documented_grants()
            .replace("DATABASE ecociv ", f'DATABASE "{database}" ')
            .replace("ecociv_app", app)
            .replace("ecociv_owner", owner)
        )
        for statement in grants.split(";"):
            lines = [x for x in statement.splitlines() if not x.strip().startswith("--")]
            if "".join(lines).strip():
                admin.execute(text("\n".join(lines)))
        yield admin, owner, app
    finally:
        admin.execute(text("RESET ROLE"))
        admin.execute(text(f"REASSIGN OWNED BY {owner} TO CURRENT_USER"))
        admin.execute(text(f"DROP OWNED BY {owner}, {app}"))
        admin.execute(text(f"DROP ROLE {owner}"))
        admin.execute(text(f"DROP ROLE {app}"))
        admin.close()


def as_role(db: Database, role: str) -> Connection:
    conn = db.engine.connect()
    conn.execute(text(f"SET ROLE {role}"))
    conn.commit()
    return conn


def test_the_grants_block_is_documented() -> None:
    grants = documented_grants()
    assert "GRANT SELECT, INSERT ON TABLE audit_log TO ecociv_app" in grants
    assert "REVOKE ALL ON TABLE audit_log FROM ecociv_app" in grants


def test_the_application_role_appends_and_reads_but_cannot_rewrite_the_audit_log(
    db: Database, roles: tuple[Connection, str, str]
) -> None:
    _, owner, app = roles
    conn = as_role(db, app)
    try:
        assert conn.scalar(text("SELECT current_user")) == app
        before = conn.scalar(select(func.count()).select_from(AuditRow)) or 0
        with Session(bind=conn, info={AUDIT_KEY_INFO: TEST_AUDIT_KEY}) as session:
            actor = Actor("kecheng", Role.COUNTY_OFFICER, request_id="pg-roles-test")
            entry = record(session, actor, "enterprise.update", "enterprise", "E1", None, {"a": 1})
            session.commit()
        conn.commit()  # the session joined the connection's transaction
        assert conn.scalar(select(func.count()).select_from(AuditRow)) == before + 1
        # the rest of the schema stays usable by the application
        conn.execute(text("UPDATE enterprise SET name = name WHERE false"))
        conn.rollback()
        for statement, refusal in (
            ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1", "permission denied"),
            ("DELETE FROM audit_log WHERE seq = 1", "permission denied"),
            ("TRUNCATE audit_log", "permission denied"),
            ("ALTER TABLE audit_log DISABLE TRIGGER USER", "must be owner"),
            ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change", "must be owner"),
            ("DROP TRIGGER audit_log_no_change ON audit_log", "must be owner"),
            ("ALTER TABLE audit_log OWNER TO " + app, "must be owner"),
            ("DROP TABLE audit_log", "must be owner"),
            ("CREATE TABLE forged (id int)", "permission denied"),
        ):
            with pytest.raises(DBAPIError, match=refusal):
                conn.execute(text(statement))
            conn.rollback()
    finally:
        conn.close()
    found = verify_chain(db).first_break
    assert found is None, found
    with db.reading() as session:
        assert session.scalar(select(AuditRow.actor).where(AuditRow.seq == entry.seq)) == "kecheng"


def test_the_owner_role_still_can_and_that_is_what_the_key_is_for(
    db: Database, roles: tuple[Connection, str, str]
) -> None:
    _, owner, _ = roles
    conn = as_role(db, owner)
    try:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
        conn.commit()
    finally:
        conn.close()
    found = verify_chain(db).first_break
    assert found is not None and found.seq == 2
