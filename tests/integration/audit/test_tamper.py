"""Tampering by someone who holds only the database is found by `ecociv audit verify`,
named by entry and kind (docs/operations.md, section 8), on SQLite and PostgreSQL.

The demo template's entries are keyed with the test key (as a fresh install's are); each test
appends keyed entries after them, then tampers as a database owner would.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from ecociv.adapters.db import Database
from ecociv.audit import AuditEntry, AuditKeyMissing, record, verify_chain
from ecociv.audit.rules import anchor_seqs, hash_of, key_id_of
from ecociv.audit.services import _to_entry
from ecociv.audit.tables import AuditRow
from ecociv.cli import app as cli
from ecociv.kernel import Actor, Role
from tests.conftest import TEST_AUDIT_KEY, TEST_SECRET

runner = CliRunner()
ACTOR = Actor("kecheng", Role.COUNTY_OFFICER, request_id="tamper-test-0001")
OTHER_KEY = "some-other-audit-key-" + "z" * 32
KEYED = 6


@pytest.fixture
def chained(db: Database) -> tuple[Database, int]:
    """The demo database with KEYED keyed entries appended; returns it and the first keyed
    entry's seq."""
    first = head(db) + 1
    for i in range(KEYED):
        with db.transaction() as session:
            record(session, ACTOR, "enterprise.update", "enterprise", f"E{i}", {"n": 0}, {"n": i})
    return db, first


@pytest.fixture
def cli_env(db: Database, tmp_path: Path) -> dict[str, str]:
    return {
        "ECOCIV_DATABASE_URL": db.url,
        "ECOCIV_VAR_DIR": str(tmp_path / "var"),
        "ECOCIV_SECRET_KEY": TEST_SECRET,
        "ECOCIV_AUDIT_KEY": TEST_AUDIT_KEY,
        "ECOCIV_AUDIT_CHECKPOINT_FILE": str(tmp_path / "outside" / "checkpoints.jsonl"),
    }


def run(env: dict[str, str], command: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["audit", command], env=env)
    return result.exit_code, result.output


def head(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.max(AuditRow.seq))) or 0


def entry(db: Database, seq: int) -> AuditEntry:
    with db.reading() as s:
        row = s.get(AuditRow, seq)
        assert row is not None
        return _to_entry(row)


def drop_guard(db: Database, conn: Any) -> None:
    """What the owner of the database would do first."""
    if db.dialect == "postgresql":
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        for name in ("no_update", "no_delete", "insert_in_order"):
            conn.execute(text(f"DROP TRIGGER audit_log_{name}"))


def tamper(db: Database, *statements: str, **params: Any) -> None:
    with db.engine.begin() as conn:
        drop_guard(db, conn)
        for statement in statements:
            conn.execute(text(statement), params)


def assert_broken(env: dict[str, str], seq: int, kind: str) -> str:
    code, output = run(env, "verify")
    assert code == 1, output
    assert f"BROKEN: audit_log row seq={seq} at " in output, output
    assert f"; {kind})" in output, output
    return output


def test_new_entries_are_keyed_and_the_chain_verifies(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, first = chained
    assert entry(db, 1).key_id == entry(db, first).key_id == key_id_of(TEST_AUDIT_KEY)
    assert entry(db, first).prev_hash == entry(db, first - 1).row_hash
    code, output = run(cli_env, "verify")
    assert code == 0, output
    assert f"intact ({head(db)} entries)" in output
    assert f"keyed (HMAC) {head(db)}, unkeyed 0" in output


def test_an_edited_row_is_named_edited(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, first = chained
    tamper(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = :s", s=first + 2)
    output = assert_broken(cli_env, first + 2, "edited")
    assert "HMAC" in output


def test_an_edit_rehashed_without_the_key_is_named_rehashed(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, first = chained
    target = first + 2
    forged = replace(entry(db, target), actor="mallory")
    plain = hash_of(replace(forged, key_id=""))  # the best a forger without the key can do
    tamper(
        db,
        "UPDATE audit_log SET actor = 'mallory', row_hash = :h WHERE seq = :s",
        "UPDATE audit_log SET prev_hash = :h WHERE seq = :n",
        h=plain,
        s=target,
        n=target + 1,
    )
    assert_broken(cli_env, target, "rehashed")


def test_a_deleted_middle_row_is_named_at_the_gap(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, first = chained
    tamper(db, "DELETE FROM audit_log WHERE seq = :s", s=first + 1)
    output = assert_broken(cli_env, first + 2, "missing")
    assert f"entries {first + 1} were deleted" in output


def test_a_replaced_row_is_named(chained: tuple[Database, int], cli_env: dict[str, str]) -> None:
    db, first = chained
    target = first + 3
    forged = replace(entry(db, target), after={"name": "篡改"}, key_id="")
    upsert = (
        "ON CONFLICT (seq) DO UPDATE SET after = excluded.after, row_hash = excluded.row_hash"
        if db.dialect == "postgresql"
        else ""
    )
    verb = "INSERT" if db.dialect == "postgresql" else "INSERT OR REPLACE"
    tamper(
        db,
        f"{verb} INTO audit_log (seq, occurred_at, actor, actor_role, action, entity_type, "
        "entity_id, before, after, request_id, prev_hash, row_hash, key_id) "
        "SELECT seq, occurred_at, actor, actor_role, action, entity_type, entity_id, before, "
        f'\'{{"name":"篡改"}}\', request_id, prev_hash, :h, key_id FROM audit_log '
        f"WHERE seq = :s {upsert}",
        h=hash_of(forged),
        s=target,
    )
    assert entry(db, target).after == {"name": "篡改"}
    assert_broken(cli_env, target, "rehashed")


def test_entries_signed_by_an_unknown_key_are_named_and_a_previous_key_verifies_them(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, _ = chained
    rotated = {**cli_env, "ECOCIV_AUDIT_KEY": OTHER_KEY}
    output = assert_broken(rotated, 1, "unknown_key")
    assert key_id_of(TEST_AUDIT_KEY) in output
    code, output = run({**rotated, "ECOCIV_AUDIT_PREVIOUS_KEYS": TEST_AUDIT_KEY}, "verify")
    assert code == 0, output


def test_a_truncated_tail_is_found_against_the_checkpoint(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, first = chained
    last = head(db)
    code, output = run(cli_env, "checkpoint")
    assert code == 0, output
    assert f"seq={last} hash={entry(db, last).row_hash} count={last}" in output
    path = Path(cli_env["ECOCIV_AUDIT_CHECKPOINT_FILE"])
    written = json.loads(path.read_text(encoding="utf-8"))
    assert (written["seq"], written["row_hash"]) == (last, entry(db, last).row_hash)
    code, output = run(cli_env, "verify")
    assert code == 0 and "1 checkpoints matched" in output, output

    tamper(db, "DELETE FROM audit_log WHERE seq > :s", s=last - 2)
    assert verify_chain(db).first_break is None  # without the checkpoint the cut is invisible
    output = assert_broken(cli_env, last - 1, "truncated")
    assert f"recorded head seq={last}" in output
    # a new checkpoint is refused, and the file keeps the evidence
    before = path.read_text(encoding="utf-8")
    code, output = run(cli_env, "checkpoint")
    assert code == 1 and "REFUSED" in output, output
    assert path.read_text(encoding="utf-8") == before


def test_an_altered_checkpoint_line_is_reported(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, _ = chained
    assert run(cli_env, "checkpoint")[0] == 0
    path = Path(cli_env["ECOCIV_AUDIT_CHECKPOINT_FILE"])
    line = path.read_text(encoding="utf-8")
    path.write_text(line.replace(f'"count":{head(db)}', f'"count":{head(db) - 1}'))
    code, output = run(cli_env, "verify")
    assert code == 1 and "bad_checkpoint" in output and "line 1" in output, output
    assert "BROKEN: audit_log checkpoints file" in output and "signature" in output


def test_checkpoints_append_and_are_posted_to_the_webhook(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, _ = chained
    with webhook() as (url, received):
        env = {**cli_env, "ECOCIV_AUDIT_CHECKPOINT_WEBHOOK_URL": url}
        assert run(env, "checkpoint")[0] == 0
        with db.transaction() as session:
            record(session, ACTOR, "enterprise.update", "enterprise", "E9", {"a": 1}, {"a": 2})
        code, output = run(env, "checkpoint")
        assert code == 0 and "posted" in output, output
    lines = Path(cli_env["ECOCIV_AUDIT_CHECKPOINT_FILE"]).read_text().splitlines()
    assert [json.loads(x)["seq"] for x in lines] == [head(db) - 1, head(db)]
    assert [r["audit_checkpoint"] for r in received] == [json.loads(x) for x in lines]
    code, output = run(cli_env, "verify")
    assert code == 0 and "2 checkpoints matched" in output, output


def test_a_failed_post_still_writes_the_checkpoint_and_exits_1(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    env = {**cli_env, "ECOCIV_AUDIT_CHECKPOINT_WEBHOOK_URL": "http://127.0.0.1:9/none"}
    code, output = run(env, "checkpoint")
    assert code == 1 and "posting the checkpoint failed" in output, output
    assert Path(cli_env["ECOCIV_AUDIT_CHECKPOINT_FILE"]).read_text().count("\n") == 1


def test_a_process_without_the_key_cannot_extend_a_keyed_chain(
    chained: tuple[Database, int],
) -> None:
    db, _ = chained
    keyless = Database(db.url)
    try:
        last = head(db)
        with pytest.raises(AuditKeyMissing), keyless.transaction() as session:
            record(session, ACTOR, "enterprise.update", "enterprise", "E1", {"a": 1}, {"a": 2})
        assert head(db) == last
    finally:
        keyless.dispose()


def rewrite_whole_chain_without_the_key(db: Database, changed_seq: int) -> None:
    """Every row re-hashed as plain SHA-256 with key_id '' and one actor changed: the best a
    forger holding only the database can do."""
    with db.reading() as s:
        rows = [_to_entry(r) for r in s.scalars(select(AuditRow).order_by(AuditRow.seq))]
    prev = "0" * 64
    updates = []
    for old in rows:
        forged = replace(old, prev_hash=prev, key_id="")
        if old.seq == changed_seq:
            forged = replace(forged, actor="mallory")
        forged = replace(forged, row_hash=hash_of(forged))
        updates.append({"s": old.seq, "a": forged.actor, "p": prev, "h": forged.row_hash})
        prev = forged.row_hash
    with db.engine.begin() as conn:
        drop_guard(db, conn)
        conn.execute(
            text(
                "UPDATE audit_log SET actor = :a, prev_hash = :p, row_hash = :h, key_id = '' "
                "WHERE seq = :s"
            ),
            updates,
        )


def test_a_chain_rewritten_without_the_key_is_unkeyed_at_seq_1_and_never_checkpointed(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, _ = chained
    rewrite_whole_chain_without_the_key(db, changed_seq=50)
    output = assert_broken(cli_env, 1, "unkeyed")
    assert "no signed checkpoint accepted" in output
    path = Path(cli_env["ECOCIV_AUDIT_CHECKPOINT_FILE"])
    code, output = run(cli_env, "checkpoint")
    assert code == 1 and "REFUSED" in output and "seq=1" in output, output
    assert "--accept-unkeyed" in output
    assert not path.exists()
    # the next app write appends a keyed entry; the forged part still does not verify
    with db.transaction() as session:
        record(session, ACTOR, "enterprise.update", "enterprise", "E7", {"n": 0}, {"n": 7})
    assert_broken(cli_env, 1, "unkeyed")
    assert run(cli_env, "checkpoint")[0] == 1 and not path.exists()


def test_a_rewrite_after_a_checkpoint_is_named_at_its_first_entry_not_at_the_head(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, _ = chained
    assert run(cli_env, "checkpoint")[0] == 0
    rewrite_whole_chain_without_the_key(db, changed_seq=50)
    output = assert_broken(cli_env, 1, "unkeyed")
    assert "signed checkpoint saw a keyed one" in output
    # accepting unkeyed entries cannot cover what a checkpoint saw keyed
    code, output = runner_checkpoint(cli_env, "--accept-unkeyed")
    assert code == 1 and "REFUSED" in output and "seq=1" in output, output


def runner_checkpoint(env: dict[str, str], *flags: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["audit", "checkpoint", *flags], env=env)
    return result.exit_code, result.output


def test_checkpoint_refuses_a_broken_chain_naming_the_first_bad_entry_and_writes_nothing(
    chained: tuple[Database, int], cli_env: dict[str, str]
) -> None:
    db, first = chained
    path = Path(cli_env["ECOCIV_AUDIT_CHECKPOINT_FILE"])
    assert run(cli_env, "checkpoint")[0] == 0
    before = path.read_text(encoding="utf-8")
    with db.transaction() as session:
        record(session, ACTOR, "enterprise.update", "enterprise", "E8", {"n": 0}, {"n": 8})
    tamper(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 100")
    assert_broken(cli_env, 100, "edited")
    code, output = run(cli_env, "checkpoint")
    assert code == 1 and "REFUSED" in output, output
    assert "seq=100" in output and "edited" in output
    assert path.read_text(encoding="utf-8") == before
    # a bad line in the file is refused as well
    path.write_text(before.replace('"count":', '"count":1'), encoding="utf-8")
    code, output = run(cli_env, "checkpoint")
    assert code == 1 and "REFUSED" in output and "checkpoints file" in output, output


def test_an_upgraded_chain_is_accepted_once_and_a_rewrite_of_it_is_placed_by_the_anchors(
    db: Database, cli_env: dict[str, str]
) -> None:
    keyless = Database(db.url)
    try:
        rewrite_whole_chain_without_the_key(db, changed_seq=0)  # as an upgraded database's
        last_unkeyed = head(db)
        with keyless.transaction() as session:  # written before the key existed
            record(session, ACTOR, "enterprise.update", "enterprise", "E0", {"n": 0}, {"n": 1})
    finally:
        keyless.dispose()
    last_unkeyed += 1
    with db.transaction() as session:
        record(session, ACTOR, "enterprise.update", "enterprise", "E1", {"n": 1}, {"n": 2})
    assert_broken(cli_env, 1, "unkeyed")
    assert run(cli_env, "checkpoint")[0] == 1
    code, output = runner_checkpoint(cli_env, "--accept-unkeyed")
    assert code == 0, output
    anchors = anchor_seqs(last_unkeyed)
    assert f"unkeyed entries 1–{last_unkeyed} accepted, with {len(anchors)} anchors" in output
    code, output = run(cli_env, "verify")
    assert code == 0 and f"unkeyed {last_unkeyed}" in output, output
    # rewrite from entry 100 on inside the unkeyed part, re-linking it to its end
    with db.reading() as s:
        rows = [
            _to_entry(r)
            for r in s.scalars(
                select(AuditRow).where(AuditRow.seq >= 100, AuditRow.seq <= last_unkeyed)
            )
        ]
    prev = entry(db, 99).row_hash
    updates = []
    for old in sorted(rows, key=lambda e: e.seq):
        forged = replace(old, prev_hash=prev, actor="mallory" if old.seq == 100 else old.actor)
        forged = replace(forged, row_hash=hash_of(forged))
        updates.append({"s": old.seq, "a": forged.actor, "p": prev, "h": forged.row_hash})
        prev = forged.row_hash
    with db.engine.begin() as conn:  # the guard was dropped by the first rewrite
        if db.dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(
            text("UPDATE audit_log SET actor = :a, prev_hash = :p, row_hash = :h WHERE seq = :s"),
            updates,
        )
    code, output = run(cli_env, "verify")
    assert code == 1 and "diverged" in output, output
    found = verify_chain(db, checkpoints_path=Path(cli_env["ECOCIV_AUDIT_CHECKPOINT_FILE"]))
    brk = found.first_break
    assert brk is not None and brk.kind == "diverged"
    end = min(s for s in anchors if s >= 100)
    assert brk.seq <= 100 <= end < brk.seq + 10  # the short range that holds entry 100
    assert f"seq {brk.seq}–{end} was rewritten" in brk.reason


# --- the database refuses REPLACE and out-of-order inserts -----------------------------------

_COPY = (
    "INTO audit_log (seq, occurred_at, actor, actor_role, action, entity_type, entity_id, "
    "before, after, request_id, prev_hash, row_hash, key_id) SELECT seq, occurred_at, "
    "'mallory', actor_role, action, entity_type, entity_id, before, after, request_id, "
    "prev_hash, row_hash, key_id FROM audit_log WHERE seq = 2"
)


def test_insert_or_replace_is_refused_on_sqlite_even_without_the_pragma(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite's REPLACE")
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(f"INSERT OR REPLACE {_COPY}"))
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(f"REPLACE {_COPY}"))
    # a client that does not set recursive_triggers (the sqlite3 shell, another program)
    raw = sqlite3.connect(db.engine.url.database or "")
    try:
        assert raw.execute("PRAGMA recursive_triggers").fetchone() == (0,)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute(f"INSERT OR REPLACE {_COPY}")
        raw.rollback()
    finally:
        raw.close()
    # with the guard on INSERT gone, recursive_triggers makes REPLACE fire the DELETE trigger
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_insert_in_order"))
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(f"INSERT OR REPLACE {_COPY}"))
    assert entry(db, 2).actor != "mallory"
    assert verify_chain(db).first_break is None


def test_an_insert_at_or_before_the_last_entry_is_refused(db: Database) -> None:
    attempts = ["INSERT " + _COPY]
    if db.dialect == "postgresql":
        attempts.append("INSERT " + _COPY + " ON CONFLICT (seq) DO UPDATE SET actor = 'mallory'")
    else:
        attempts.append("INSERT OR IGNORE " + _COPY)
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert verify_chain(db).first_break is None
    # after the last entry the database lets a forged row in, and verify names it
    with db.engine.begin() as conn:
        conn.execute(text("INSERT " + _COPY.replace("SELECT seq,", "SELECT seq + 100000,")))
    found = verify_chain(db).first_break
    assert found is not None and found.seq == 100002


@contextmanager
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP endpoint that keeps what is posted to it."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/audit", received
    finally:
        server.shutdown()
        server.server_close()
