"""Migration 0013 (the audit key column and the insert-order trigger) on an upgraded
database: unkeyed entries written before it stay verifiable once the operator accepted them
in a signed checkpoint (docs/operations.md, section 8), keyed ones follow, and it is undone
only while no entry is keyed, leaving the log append-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.audit import BreakKind, record, verify_chain, write_checkpoint
from ecociv.kernel import Actor, ConflictError, Role
from tests.conftest import BACKENDS, TEST_AUDIT_KEY, pg_create_empty, pg_drop

ACTOR = Actor("test-setup", Role.ADMIN, request_id="migration-test")


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgraded.db'}"
        return
    name, made = pg_create_empty()
    yield made
    pg_drop(name)


def append(db: Database, n: int) -> None:
    for i in range(n):
        with db.transaction() as session:
            record(session, ACTOR, "enterprise.update", "enterprise", i, {"a": 0}, {"a": i})


def test_an_upgraded_log_verifies_once_accepted_and_a_keyed_log_is_not_downgraded(
    url: str, tmp_path: Path
) -> None:
    migrate.upgrade(url)
    keyless = Database(url)
    append(keyless, 3)  # as a database before the key: unkeyed entries
    keyless.dispose()
    migrate.downgrade(url, "0013-1")
    migrate.upgrade(url)
    db = Database(url, audit_key=TEST_AUDIT_KEY)
    path = tmp_path / "checkpoints.jsonl"
    try:
        append(db, 2)
        # the unkeyed entries stand once the operator accepted them in a signed checkpoint
        found = verify_chain(db, checkpoints_path=path).first_break
        assert found is not None and (found.seq, found.kind) == (1, BreakKind.UNKEYED)
        with pytest.raises(ConflictError, match="--accept-unkeyed"):
            write_checkpoint(db, path)
        assert not path.exists()
        mark = write_checkpoint(db, path, accept_unkeyed=True).checkpoint
        assert (mark.seq, mark.unkeyed_through, len(mark.anchors)) == (5, 3, 3)
        result = verify_chain(db, checkpoints_path=path)
        assert result.first_break is None and (result.checked, result.keyed) == (5, 2)
        append(db, 1)
        assert write_checkpoint(db, path).checkpoint.unkeyed_through == 3  # no flag needed now
        with pytest.raises(RuntimeError, match="3 audit entries are keyed"):
            migrate.downgrade(url, "0013-1")
        assert verify_chain(db, checkpoints_path=path).first_break is None
    finally:
        db.dispose()


def test_after_undoing_0013_the_log_still_refuses_update_and_delete(url: str) -> None:
    migrate.upgrade(url)
    keyless = Database(url)
    append(keyless, 2)
    keyless.dispose()
    migrate.downgrade(url, "0013-1")
    db = Database(url)
    try:
        for statement in (
            "UPDATE audit_log SET actor = 'x' WHERE seq = 1",
            "DELETE FROM audit_log WHERE seq = 1",
        ):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        db.dispose()
