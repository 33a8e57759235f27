"""Backups hold everything the platform stores (docs/operations.md, section 6): the database,
the readings store, uploaded evidence, the HJ 212 frame log and key files; a restore into an
empty folder brings all of it back, and an archive whose checksums fail changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

import ecociv
from ecociv.adapters import backup as backups
from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.adapters.files import FileStore
from ecociv.adapters.framelog import FrameLog
from ecociv.adapters.readings import ReadingRow, ReadingsStore
from ecociv.cli import app as cli_app
from ecociv.config import Environment, Settings
from ecociv.kernel.errors import ConflictError, ValidationError
from ecociv.web.app import create_app
from tests.conftest import (
    KECHENG,
    PG_URL,
    TEST_AUDIT_KEY,
    TEST_SECRET,
    Template,
    pg_create_empty,
    pg_drop,
    sign_in,
)

YEAR = 2024
READINGS = 240  # ten days of hourly PM2.5 at one site: small, but a real store
EVIDENCE = b"%PDF-1.4 synthetic evidence for the backup test \x00\xff"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def fill_var_dir(var_dir: Path) -> None:
    """Readings and a frame log (with a processed checkpoint) where the platform keeps them."""
    store = ReadingsStore(var_dir / "readings.duckdb")
    rows = [
        ReadingRow(i + 1, "330802001", "pm25", T0 + timedelta(hours=i), 30.0 + i % 7)
        for i in range(READINGS)
    ]
    assert store.load(rows, "backup-test", "test", loaded_at=T0).inserted == READINGS
    with FrameLog(var_dir / "frames", segment_bytes=200) as log:
        log.append_many([{"mn": "SYNTHETIC01", "n": i} for i in range(12)])
        log.set_checkpoint(4)


def tree(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` with its SHA-256."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def upload_evidence(client: TestClient) -> int:
    csrf = sign_in(client, "kecheng")
    opened = client.post(
        "/reports/open",
        data={
            "csrf_token": csrf,
            "form": "county",
            "org_unit_code": KECHENG,
            "department_code": "",
            "year": str(YEAR),
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    report_id = int(opened.headers["location"].rsplit("/", 1)[1])
    response = client.post(
        f"/api/v1/reports/{report_id}/evidence",
        headers={"X-CSRF-Token": csrf},
        data={"element": "lake_chief_state"},
        files={"file": ("湖长制文件.pdf", EVIDENCE, "application/pdf")},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def empty_target(db: Database, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """An empty var dir and an empty database of the same backend as ``db``."""
    var_dir = tmp_path / "restored"
    if db.dialect == "sqlite":
        yield var_dir, f"sqlite:///{var_dir / 'ecociv.db'}"
    else:
        name, url = pg_create_empty()
        yield var_dir, url
        pg_drop(name)


def test_a_restore_into_an_empty_var_dir_brings_back_readings_evidence_and_frames(
    settings: Settings,
    db: Database,
    client: TestClient,
    empty_target: tuple[Path, str],
    tmp_path: Path,
) -> None:
    fill_var_dir(settings.var_dir)
    evidence_id = upload_evidence(client)
    frames_before = tree(settings.var_dir / "frames")
    archive = tmp_path / "ecociv.tar"
    made = backups.create_archive(settings.var_dir, db.url, archive, version="test")
    assert made.warnings == []
    manifest = made.manifest
    assert manifest["database"]["backend"] == db.dialect and manifest["database"]["included"]
    assert manifest["database"]["alembic_revision"] == migrate.head_revision()
    assert manifest["database"]["row_counts"]["evidence"] == 1
    assert manifest["readings"]["count"] == READINGS
    listed = {entry["path"] for entry in manifest["files"]}
    digest = hashlib.sha256(EVIDENCE).hexdigest()
    assert f"uploads/{digest[:2]}/{digest}" in listed
    assert {f"frames/{name}" for name in frames_before} <= listed
    assert backups.verify_archive(archive) == manifest

    var_dir, url = empty_target
    result = backups.restore_archive(archive, var_dir, url)
    migrate.upgrade(url)
    assert f"database ({db.dialect})" in result.restored
    assert ReadingsStore(var_dir / "readings.duckdb").count() == READINGS
    assert tree(var_dir / "frames") == frames_before
    assert FrameLog(var_dir / "frames").checkpoint() == 4
    restored_db = Database(url, audit_key=TEST_AUDIT_KEY)
    restored = Settings(
        env=Environment.TEST,
        var_dir=var_dir,
        secret_key=TEST_SECRET,
        audit_key=TEST_AUDIT_KEY,
        database_url=url,
    )
    try:
        with TestClient(create_app(restored, db=restored_db)) as after:
            sign_in(after, "kecheng")
            download = after.get(f"/api/v1/evidence/{evidence_id}")
            assert download.status_code == 200
            assert download.content == EVIDENCE
    finally:
        restored_db.dispose()


@pytest.fixture
def sqlite_var(templates: dict[str, Template], tmp_path: Path) -> tuple[Path, str]:
    """A var dir with the demo database (SQLite), readings, a frame log and one upload."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    shutil.copyfile(templates["sqlite"].name, var_dir / "ecociv.db")
    fill_var_dir(var_dir)
    FileStore(var_dir / "uploads").put(EVIDENCE)
    (var_dir / "audit_key").write_bytes(b"synthetic audit key for the test")
    return var_dir, f"sqlite:///{var_dir / 'ecociv.db'}"


@pytest.fixture
def restored_target(sqlite_var: tuple[Path, str], tmp_path: Path) -> tuple[Path, str, Path]:
    """A second var dir already holding a restore, and the archive it came from."""
    var_dir, url = sqlite_var
    archive = tmp_path / "ecociv.tar"
    backups.create_archive(var_dir, url, archive, version="test")
    target = tmp_path / "target"
    target_url = f"sqlite:///{target / 'ecociv.db'}"
    backups.restore_archive(archive, target, target_url)
    return target, target_url, archive


def flip_byte_in_member(archive: Path, member: str) -> None:
    with tarfile.open(archive) as tar:
        info = tar.getmember(member)
        at = info.offset_data + info.size // 2
    with open(archive, "r+b") as handle:
        handle.seek(at)
        byte = handle.read(1)
        handle.seek(at)
        handle.write(bytes([byte[0] ^ 0x01]))


@pytest.mark.parametrize(
    "member", ["db/ecociv.db", "readings/readings.parquet", "frames/checkpoint.json", "upload"]
)
def test_restore_refuses_an_archive_with_one_byte_changed_naming_the_member_and_changes_nothing(
    restored_target: tuple[Path, str, Path], member: str
) -> None:
    target, url, archive = restored_target
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    if member == "upload":
        member = next(n for n in names if n.startswith("uploads/"))
    flip_byte_in_member(archive, member)
    before = tree(target)
    with pytest.raises(ValidationError) as refused:
        backups.verify_archive(archive)
    assert member in refused.value.message and "SHA-256" in refused.value.message
    with pytest.raises(ValidationError) as again:
        backups.restore(archive, target, url)
    assert member in again.value.message
    assert tree(target) == before


def test_restore_refuses_a_truncated_archive_and_changes_nothing(
    restored_target: tuple[Path, str, Path],
) -> None:
    target, url, archive = restored_target
    with tarfile.open(archive) as tar:
        cut_in = tar.getmember("db/ecociv.db")
    with open(archive, "r+b") as handle:
        handle.truncate(cut_in.offset_data + cut_in.size // 2)
    before = tree(target)
    with pytest.raises(ValidationError) as refused:
        backups.restore(archive, target, url)
    assert "db/ecociv.db" in refused.value.message
    assert tree(target) == before


def test_restore_refuses_a_member_the_manifest_does_not_list(
    restored_target: tuple[Path, str, Path], tmp_path: Path
) -> None:
    target, url, archive = restored_target
    extra = tmp_path / "extra.txt"
    extra.write_text("not part of the backup")
    with tarfile.open(archive, "a") as tar:
        tar.add(extra, arcname="uploads/ff/extra")
    before = tree(target)
    with pytest.raises(ValidationError) as refused:
        backups.restore(archive, target, url)
    assert "uploads/ff/extra" in refused.value.message
    assert tree(target) == before


def test_a_compressed_archive_restores_and_standard_tar_lists_it(
    sqlite_var: tuple[Path, str], tmp_path: Path
) -> None:
    var_dir, url = sqlite_var
    archive = tmp_path / "ecociv.tar.gz"
    backups.create_archive(var_dir, url, archive, version="test")
    listing = subprocess.run(
        ["tar", "-tzf", str(archive)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "MANIFEST.json" in listing and "db/ecociv.db" in listing
    target = tmp_path / "target"
    result = backups.restore(archive, target, f"sqlite:///{target / 'ecociv.db'}")
    assert "audit_key" in result.restored
    assert (target / "audit_key").read_bytes() == (var_dir / "audit_key").read_bytes()
    assert ReadingsStore(target / "readings.duckdb").count() == READINGS
    assert tree(target / "uploads") == tree(var_dir / "uploads")


def test_a_key_already_in_place_is_kept_unless_with_keys(
    restored_target: tuple[Path, str, Path],
) -> None:
    target, url, archive = restored_target
    (target / "audit_key").write_bytes(b"a different key")
    kept = backups.restore(archive, target, url)
    assert (target / "audit_key").read_bytes() == b"a different key"
    assert any("audit_key" in warning and "--with-keys" in warning for warning in kept.warnings)
    replaced = backups.restore(archive, target, url, with_keys=True)
    assert "audit_key" in replaced.restored
    assert (target / "audit_key").read_bytes() == b"synthetic audit key for the test"


def test_restore_replaces_what_is_there_with_what_the_archive_holds(
    restored_target: tuple[Path, str, Path],
) -> None:
    target, url, archive = restored_target
    FileStore(target / "uploads").put(b"uploaded after the backup")
    ReadingsStore(target / "readings.duckdb").load(
        [ReadingRow(1, "330802001", "pm10", T0, 1.0)], "later", "test", loaded_at=T0
    )
    backups.restore(archive, target, url)
    digest = hashlib.sha256(EVIDENCE).hexdigest()
    assert list(tree(target / "uploads")) == [f"{digest[:2]}/{digest}"]
    assert ReadingsStore(target / "readings.duckdb").count() == READINGS


def hold(path: Path, how: str) -> subprocess.Popen[str]:
    """Another process that keeps ``path`` open (as the server or the receiver would)."""
    code = {
        "duckdb": f"import duckdb; c = duckdb.connect({str(path)!r})",
        "append": f"h = open({str(path)!r}, 'a')",
    }[how]
    holder = subprocess.Popen(
        [sys.executable, "-c", f"{code}; print('ready', flush=True); input()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    return holder


@pytest.mark.parametrize(
    ("held", "how", "said"),
    [("readings.duckdb", "duckdb", "readings store"), ("frames/frames-1.jsonl", "append", "pid")],
)
def test_restore_is_refused_while_another_process_holds_the_files(
    restored_target: tuple[Path, str, Path], held: str, how: str, said: str
) -> None:
    target, url, archive = restored_target
    before = tree(target)
    holder = hold(target / held, how)
    try:
        with pytest.raises(ConflictError) as refused:
            backups.restore(archive, target, url)
        assert said in refused.value.message
        assert how != "append" or str(holder.pid) in refused.value.message
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    assert tree(target) == before


def test_an_old_single_file_backup_restores_the_database_with_a_warning(
    sqlite_var: tuple[Path, str], tmp_path: Path
) -> None:
    var_dir, url = sqlite_var
    old = backups.backup_sqlite(url, tmp_path / "ecociv-20260101T021500Z.db")
    target = tmp_path / "target"
    target_url = f"sqlite:///{target / 'ecociv.db'}"
    result = backups.restore(old, target, target_url)
    assert result.manifest is None and result.restored == ["database (sqlite)"]
    assert "readings" in result.warnings[0]
    migrate.upgrade(target_url)
    source, copy = Database(url), Database(target_url)
    try:
        with source.reading() as a, copy.reading() as b:
            from sqlalchemy import text

            count = "SELECT count(*) FROM audit_log"
            assert a.execute(text(count)).scalar_one() == b.execute(text(count)).scalar_one()
    finally:
        source.dispose()
        copy.dispose()
    assert not (target / "readings.duckdb").exists()


@pytest.mark.skipif(not PG_URL, reason="needs ECOCIV_TEST_DATABASE_URL")
def test_without_pg_dump_the_files_are_backed_up_and_the_archive_says_the_database_is_not(
    templates: dict[str, Template], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    var_dir = tmp_path / "var"
    fill_var_dir(var_dir)
    monkeypatch.setattr(backups.shutil, "which", lambda _name: None)
    made = backups.create_archive(
        var_dir, templates["postgresql"].url, tmp_path / "a.tar", version="t"
    )
    assert made.manifest["database"] == {
        "backend": "postgresql",
        "included": False,
        "member": None,
        "alembic_revision": None,
        "row_counts": {},
    }
    assert "pg_dump" in made.warnings[0]
    assert made.manifest["readings"]["count"] == READINGS


runner = CliRunner()


def test_the_commands_back_up_verify_and_refuse_a_damaged_archive(
    sqlite_var: tuple[Path, str], tmp_path: Path
) -> None:
    var_dir, _url = sqlite_var
    env = {"ECOCIV_VAR_DIR": str(var_dir), "ECOCIV_ENV": "development"}
    archive = tmp_path / "nightly.tar"
    made = runner.invoke(cli_app, ["backup", "--out", str(archive)], env=env)
    assert made.exit_code == 0, made.output
    assert f"{READINGS} readings" in made.output and "sqlite included" in made.output
    checked = runner.invoke(cli_app, ["backup", "verify", str(archive)], env=env)
    assert checked.exit_code == 0 and "OK" in checked.output, checked.output
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())  # type: ignore[union-attr]
    upload = next(e["path"] for e in manifest["files"] if e["path"].startswith("uploads/"))
    flip_byte_in_member(archive, upload)
    damaged = runner.invoke(cli_app, ["backup", "verify", str(archive)], env=env)
    assert damaged.exit_code == 1 and upload in damaged.output.replace("\n", "")
    refused = runner.invoke(cli_app, ["restore", str(archive)], env=env)
    assert refused.exit_code == 1 and "error" in refused.output


WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from ecociv.adapters.readings import ReadingRow, ReadingsStore

store = ReadingsStore(Path(sys.argv[1]))
t0 = datetime(2024, 1, 1, tzinfo=UTC)
for batch in range(10_000):
    rows = [
        ReadingRow(i, "330802001", "so2", t0 + timedelta(hours=batch * 100 + i), 1.0)
        for i in range(100)
    ]
    store.load(rows, "writer", "test", loaded_at=t0)
    print(batch, flush=True)
"""


def test_the_readings_snapshot_is_consistent_while_another_process_writes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "readings.duckdb"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(ecociv.__file__).parents[1])},
    )
    try:
        assert writer.stdout is not None
        for _ in range(3):
            writer.stdout.readline()  # a few loads are in before the first snapshot
        store = ReadingsStore(path)
        for number in range(3):
            folder = tmp_path / f"snapshot-{number}"
            counts = store.export_snapshot(folder)
            with duckdb.connect() as con:
                readings = con.execute(
                    f"SELECT count(*) FROM read_parquet('{folder / 'readings.parquet'}')"
                ).fetchone()
                inserted = con.execute(
                    f"SELECT sum(inserted) FROM read_parquet('{folder / 'loads.parquet'}')"
                ).fetchone()
            assert readings is not None and inserted is not None
            assert counts["readings"] == readings[0] == inserted[0]  # one state of the store
            assert counts["readings"] % 100 == 0 and counts["readings"] >= 300
    finally:
        writer.kill()
        writer.wait(timeout=10)
        if writer.stdout is not None:
            writer.stdout.close()


# --- keys on a new machine (docs/operations.md, section 6) ---------------------------------


@pytest.fixture
def keyed_archive(sqlite_var: tuple[Path, str], tmp_path: Path) -> Path:
    """An archive whose key files are the ones the demo database's chain is signed with."""
    var_dir, url = sqlite_var
    (var_dir / "audit_key").write_text(TEST_AUDIT_KEY)
    (var_dir / "secret_key").write_text(TEST_SECRET)
    archive = tmp_path / "bk.tar"
    backups.create_archive(var_dir, url, archive, version="test")
    return archive


def cli_env(var_dir: Path) -> dict[str, str]:
    return {"ECOCIV_VAR_DIR": str(var_dir), "ECOCIV_ENV": "development"}


@pytest.mark.parametrize("state", ["missing", "empty folder", "stale keys", "empty database"])
def test_a_restore_where_no_data_depends_on_the_keys_in_place_brings_back_the_archives(
    keyed_archive: Path, tmp_path: Path, state: str
) -> None:
    target = tmp_path / "x" / "var3"
    if state != "missing":
        target.mkdir(parents=True)
    if state in ("stale keys", "empty database"):  # made by an earlier command
        Settings(env=Environment.DEVELOPMENT, var_dir=target)
        assert (target / "audit_key").read_text() != TEST_AUDIT_KEY
    if state == "empty database":
        migrate.upgrade(f"sqlite:///{target / 'ecociv.db'}")
    done = runner.invoke(cli_app, ["restore", str(keyed_archive)], env=cli_env(target))
    assert done.exit_code == 0, done.output
    assert "warning" not in done.output and "kept the current" not in done.output
    assert (target / "audit_key").read_text() == TEST_AUDIT_KEY
    assert (target / "secret_key").read_text() == TEST_SECRET
    verified = runner.invoke(cli_app, ["audit", "verify"], env=cli_env(target))
    assert verified.exit_code == 0 and "OK: audit chain intact" in verified.output, verified.output


def test_a_key_that_the_targets_entries_are_signed_with_is_kept_with_a_warning(
    keyed_archive: Path, tmp_path: Path
) -> None:
    target = tmp_path / "in-use"
    assert runner.invoke(cli_app, ["init"], env=cli_env(target)).exit_code == 0
    own = (target / "audit_key").read_text()
    assert own != TEST_AUDIT_KEY
    done = runner.invoke(cli_app, ["restore", str(keyed_archive)], env=cli_env(target))
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert "kept the current audit_key" in said
    assert "kept the current secret_key" not in said  # no session depends on it
    assert (target / "audit_key").read_text() == own
    assert (target / "secret_key").read_text() == TEST_SECRET
    forced = runner.invoke(
        cli_app, ["restore", "--with-keys", str(keyed_archive)], env=cli_env(target)
    )
    assert forced.exit_code == 0 and (target / "audit_key").read_text() == TEST_AUDIT_KEY


def test_a_refused_restore_makes_no_key_files(keyed_archive: Path, tmp_path: Path) -> None:
    flip_byte_in_member(keyed_archive, "db/ecociv.db")
    target = tmp_path / "new"
    done = runner.invoke(cli_app, ["restore", str(keyed_archive)], env=cli_env(target))
    assert done.exit_code == 1 and "error" in done.output
    assert not (target / "audit_key").exists() and not (target / "secret_key").exists()


def test_a_key_is_in_use_when_entries_are_signed_with_it_or_sessions_are_open(
    db: Database, tmp_path: Path
) -> None:
    from ecociv.cli import _key_in_use

    assert _key_in_use(db.url, "audit_key", TEST_AUDIT_KEY)
    assert not _key_in_use(db.url, "audit_key", "another-key-" + "a" * 32)
    assert _key_in_use(db.url, "other_key", "anything")  # the database holds entries
    assert not _key_in_use(db.url, "secret_key", TEST_SECRET)  # no session open yet
    with db.transaction() as session:
        session.execute(
            text(
                "INSERT INTO user_session (session_hash, user_id, created_at, last_seen_at, "
                "expires_at, client_address, user_agent) SELECT 'h', id, :t, :t, :until, '', '' "
                "FROM user_account LIMIT 1"
            ),
            {"t": T0, "until": datetime.now(UTC) + timedelta(hours=8)},  # still open
        )
    assert _key_in_use(db.url, "secret_key", TEST_SECRET)
    missing = f"sqlite:///{tmp_path / 'none' / 'ecociv.db'}"
    assert not _key_in_use(missing, "audit_key", TEST_AUDIT_KEY)
    assert not (tmp_path / "none").exists()
    if db.dialect == "postgresql":  # an empty database depends on no key
        name, url = pg_create_empty()
        try:
            assert not _key_in_use(url, "audit_key", TEST_AUDIT_KEY)
            assert not _key_in_use(url, "secret_key", TEST_SECRET)
        finally:
            pg_drop(name)
