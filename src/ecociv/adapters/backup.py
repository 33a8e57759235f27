"""Backups that hold everything the platform stores, in one tar archive with a manifest.

What lives where (docs/operations.md, section 6): the relational database (a SQLite file, or
PostgreSQL), the readings store ``<VAR_DIR>/readings.duckdb``, uploaded evidence files
``<VAR_DIR>/uploads/`` (named by their SHA-256), the HJ 212 frame log ``<VAR_DIR>/frames/``,
the audit checkpoints ``<VAR_DIR>/audit/`` when present, and key files ``<VAR_DIR>/*_key``.

An archive is a plain POSIX tar (gzip-compressed when its name ends in ``.tar.gz`` or
``.tgz``), so ``tar`` alone can open it::

    MANIFEST.json          format, tool version, DB backend and Alembic revision, row counts
                           of every table, readings count, and every file's size and SHA-256
    SHA256SUMS             the same checksums for ``sha256sum -c``
    db/ecociv.db           online copy of the SQLite database (SQLite backup API), or
    db/ecociv.pgdump       ``pg_dump -Fc`` of the PostgreSQL database
    readings/<table>.parquet   every table of the readings store
    frames/...  uploads/...  audit/...  keys/<name>_key

The parts are taken in an order that loses nothing when the receiver keeps running: the frame
log first (its checkpoint, then its segments), then the database and the readings store, then
uploads. A frame logged after its checkpoint was copied is replayed on the next start of the
receiver, and loading is idempotent (``ecociv.adapters.framelog``), so a restored system
catches up; an upload is stored before the row that names it, so every file the database
copy names is on disk when uploads are copied.

Restoring checks every member against the manifest before anything is changed, then builds
the new parts beside the live ones inside ``<VAR_DIR>``, swaps them in by renaming, and
restores the database last in one transaction; if that fails the renamed parts are put back.

This module knows no domain; callers pass paths and URLs (only composition roots read
settings).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

import duckdb
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from ecociv.adapters.db import make_engine
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel.errors import ConflictError, ValidationError

FORMAT = "ecociv-backup"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
SUMS = "SHA256SUMS"
SQLITE_MEMBER = "db/ecociv.db"
PG_MEMBER = "db/ecociv.pgdump"
READINGS_FILE = "readings.duckdb"
#: Folders of ``<VAR_DIR>`` copied whole, each restored as a whole (replacing what is there).
FOLDERS = ("frames", "uploads", "audit")
_SQLITE_HEADER = b"SQLite format 3\x00"
_CHUNK = 1024 * 1024

#: Progress of a long step: (step name, units done, units in all).
Progress = Callable[[str, int, int], None]
#: Whether data of the restore's target depends on a key file in place: (file name, key).
KeyInUse = Callable[[str, str], bool]


def _no_progress(_step: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class BackupResult:
    """An archive written, its manifest, and what the operator must know."""

    path: Path
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What a restore put back (parts of ``<VAR_DIR>`` and the database) and any warning."""

    manifest: dict[str, Any] | None
    restored: list[str]
    warnings: list[str] = field(default_factory=list)


# ---- the relational database ------------------------------------------------------------


def sqlite_path(database_url: str) -> Path:
    """The file behind a ``sqlite:///`` URL."""
    if not database_url.startswith("sqlite:///") or database_url in ("sqlite:///:memory:",):
        raise ValidationError(
            "数据库不是 SQLite 文件 (the database is not a SQLite file): " + _backend(database_url),
            field="database_url",
        )
    return Path(database_url.removeprefix("sqlite:///"))


def _backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def backup_sqlite(database_url: str, target: Path) -> Path:
    """Copy the live database to ``target`` without stopping the server."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise ValidationError(f"数据库文件不存在: {source_path}", field="database_url")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as dest:
        source.backup(dest)
    source.close()
    dest.close()
    return target


def check_sqlite_backup(backup: Path) -> None:
    """Refuse a file that is not a sound SQLite copy of an ecociv database."""
    if not backup.exists():
        raise ValidationError(f"备份文件不存在: {backup}", field="backup")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source:
            check = source.execute("PRAGMA integrity_check").fetchone()
            has_version = source.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"不是有效的 SQLite 备份: {backup} ({exc})", field="backup") from exc
    if not check or check[0] != "ok" or not has_version or has_version[0] != 1:
        raise ValidationError(f"不是 ecociv 的数据库备份: {backup}", field="backup")


def restore_sqlite(database_url: str, backup: Path) -> None:
    """Replace the live database's contents with a SQLite copy (one transaction)."""
    check_sqlite_backup(backup)
    target = sqlite_path(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source,
        contextlib.closing(sqlite3.connect(target)) as dest,
    ):
        source.backup(dest)


def is_sqlite_file(path: Path) -> bool:
    """Whether ``path`` starts like a SQLite database (an old single-file backup)."""
    with open(path, "rb") as handle:
        return handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER


def _sqlite_facts(path: Path) -> tuple[str | None, dict[str, int]]:
    """(Alembic revision, rows of every table) of a SQLite file."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        tables = [
            str(name)
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {t: int(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
        revision = None
        if "alembic_version" in tables:
            found = con.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = str(found[0]) if found else None
    return revision, counts


def _pg_env(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and an environment that carries it
    (so it never shows in the process list)."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_dump(database_url: str, target: Path, pg_dump: str) -> tuple[str | None, dict[str, int]]:
    """``pg_dump -Fc`` of the database into ``target``, with the Alembic revision and row
    counts read in the very snapshot the dump is taken from (``pg_export_snapshot``)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
                tables = sorted(inspect(conn).get_table_names())
                counts = {
                    t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
                    for t in tables
                }
                revision = None
                if "alembic_version" in tables:
                    found = conn.execute(text("SELECT version_num FROM alembic_version")).first()
                    revision = str(found[0]) if found else None
                conninfo, env = _pg_env(database_url)
                done = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
                    [pg_dump, "-Fc", f"--snapshot={snapshot}", "-f", str(target), conninfo],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise ValidationError(
                        f"pg_dump 失败 (pg_dump failed): {done.stderr.strip()}",
                        field="database_url",
                    )
    finally:
        engine.dispose()
    return revision, counts


def _pg_restore(database_url: str, dump: Path, pg_restore: str) -> None:
    conninfo, env = _pg_env(database_url)
    done = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--no-owner",
            "-d",
            conninfo,
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise ValidationError(
            f"pg_restore 失败，数据库未改变 (pg_restore failed, the database is unchanged): "
            f"{done.stderr.strip()}",
            field="database_url",
        )


# ---- writing an archive ------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    """Reads at most ``size`` bytes of a file, hashing them as they pass into the archive."""

    def __init__(self, handle: IO[bytes], size: int) -> None:
        self.handle = handle
        self.left = size
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self.handle.read(n)
        self.left -= len(data)
        self.digest.update(data)
        return data


class _Writer:
    def __init__(self, tar: tarfile.TarFile, progress: Progress) -> None:
        self.tar = tar
        self.progress = progress
        self.entries: list[dict[str, Any]] = []

    def add_file(self, source: Path, name: str) -> None:
        """Add the bytes ``source`` holds now (a file that only grows, such as a frame log
        segment, is taken up to its size when opened)."""
        with open(source, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            info = tarfile.TarInfo(name)
            info.size = size
            info.mode = 0o600
            info.mtime = int(os.fstat(handle.fileno()).st_mtime)
            reader = _HashingReader(handle, size)
            self.tar.addfile(info, reader)
        self.entries.append({"path": name, "size": size, "sha256": reader.digest.hexdigest()})

    def add_bytes(self, data: bytes, name: str) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o600
        info.mtime = int(datetime.now(UTC).timestamp())
        self.tar.addfile(info, io.BytesIO(data))

    def add_tree(
        self, folder: Path, prefix: str, step: str, files: list[Path] | None = None
    ) -> int:
        chosen = files if files is not None else _files_under(folder)
        for number, path in enumerate(chosen, 1):
            relative = path.relative_to(folder).as_posix()
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile (a done segment)
                self.add_file(path, f"{prefix}/{relative}")
            self.progress(step, number, len(chosen))
        return len(chosen)


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _frame_files(folder: Path) -> list[Path]:
    """The checkpoint first, then the segments in order, then anything else."""
    files = _files_under(folder)
    checkpoint = [p for p in files if p.name == "checkpoint.json" and p.parent == folder]
    return checkpoint + [p for p in files if p not in checkpoint]


def key_files(var_dir: Path) -> list[Path]:
    """Key files kept in ``<VAR_DIR>`` (``secret_key``, ``audit_key``, any ``*_key``)."""
    if not var_dir.is_dir():
        return []
    return sorted(p for p in var_dir.glob("*_key") if p.is_file())


def create_archive(
    var_dir: Path,
    database_url: str,
    out: Path,
    *,
    version: str,
    include_db: bool = True,
    pg_dump: str | None = None,
    progress: Progress | None = None,
) -> BackupResult:
    """Write one archive of everything under ``var_dir`` the platform stores and of the
    database (unless ``include_db`` is false). On PostgreSQL the database is dumped with
    ``pg_dump`` (``pg_dump`` on PATH unless given); without it the rest is backed up and a
    warning says the database must be dumped separately. The archive is written under a
    temporary name and renamed when complete, readable by its owner only (it holds keys)."""
    report = progress or _no_progress
    backend = _backend(database_url)
    warnings: list[str] = []
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    compress = out.name.endswith((".tar.gz", ".tgz"))
    database: dict[str, Any] = {"backend": backend, "included": False, "member": None}
    staging = Path(tempfile.mkdtemp(prefix=".ecociv-backup-", dir=out.parent))
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with (
            os.fdopen(descriptor, "wb") as raw,
            (
                tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT)
                if compress
                else tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT)
            ) as tar,
        ):
            writer = _Writer(tar, report)
            frames = var_dir / "frames"
            writer.add_tree(frames, "frames", "frames", _frame_files(frames))
            if include_db:
                report("database", 0, 1)
                if backend == "sqlite":
                    copy = backup_sqlite(database_url, staging / "ecociv.db")
                    revision, counts = _sqlite_facts(copy)
                    writer.add_file(copy, SQLITE_MEMBER)
                    database.update(included=True, member=SQLITE_MEMBER)
                else:
                    program = pg_dump or shutil.which("pg_dump")
                    if program is None:
                        revision, counts = None, {}
                        warnings.append(
                            "pg_dump 不在 PATH 中：数据库未备份，请另用 pg_dump -Fc 备份 "
                            "(pg_dump is not on PATH: the database is NOT in this archive; "
                            "dump it with pg_dump -Fc, docs/operations.md)"
                        )
                    else:
                        dump = staging / "ecociv.pgdump"
                        revision, counts = _pg_dump(database_url, dump, program)
                        writer.add_file(dump, PG_MEMBER)
                        database.update(included=True, member=PG_MEMBER)
                database.update(alembic_revision=revision, row_counts=counts)
                report("database", 1, 1)
            else:
                warnings.append(
                    "未备份数据库 (--no-db)：请另行备份 (the database is not in this archive)"
                )
            report("readings", 0, 1)
            tables = ReadingsStore(var_dir / READINGS_FILE).export_snapshot(staging / "readings")
            writer.add_tree(staging / "readings", "readings", "readings")
            report("readings", 1, 1)
            writer.add_tree(var_dir / "uploads", "uploads", "uploads")
            writer.add_tree(var_dir / "audit", "audit", "audit")
            for key in key_files(var_dir):
                writer.add_file(key, f"keys/{key.name}")
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "ecociv_version": version,
                "database": database,
                "readings": {"count": tables.get("readings", 0), "tables": tables},
                "files": writer.entries,
            }
            writer.add_bytes(
                json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"), MANIFEST
            )
            sums = "".join(f"{e['sha256']}  {e['path']}\n" for e in writer.entries)
            writer.add_bytes(sums.encode("utf-8"), SUMS)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupResult(out, manifest, warnings)


# ---- reading and checking an archive -----------------------------------------------------


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


@contextlib.contextmanager
def _open_archive(path: Path) -> Iterator[tarfile.TarFile]:
    if not path.is_file():
        raise ValidationError(f"备份文件不存在 (no such backup file): {path}", field="archive")
    try:
        tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed below
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise ValidationError(
            f"不是 ecociv 备份归档 (not an ecociv backup archive): {path} ({exc})",
            field="archive",
        ) from exc
    with tar:
        yield tar


def _scan(
    path: Path, progress: Progress, sink: Path | None = None
) -> tuple[dict[str, Any], dict[str, tuple[int, str]]]:
    """Read every member, hashing it (and writing it under ``sink`` when given); return the
    manifest and what was found. Names the member whose data is cut short or unreadable."""
    found: dict[str, tuple[int, str]] = {}
    manifest_bytes: bytes | None = None
    sums_bytes: bytes | None = None
    total = path.stat().st_size
    with _open_archive(path) as tar:
        member: tarfile.TarInfo | None = None
        try:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile() or not _safe_name(member.name):
                    raise ValidationError(
                        f"归档中有不允许的条目 (archive member refused): {member.name}",
                        field=member.name,
                    )
                source = tar.extractfile(member)
                assert source is not None
                digest = hashlib.sha256()
                size = 0
                keep = member.name in (MANIFEST, SUMS)
                kept = bytearray()
                target = None
                if sink is not None and not keep:
                    destination = sink / member.name
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    target = open(destination, "wb")  # noqa: SIM115 - closed below
                try:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        if keep:
                            kept.extend(chunk)
                        if target is not None:
                            target.write(chunk)
                finally:
                    if target is not None:
                        target.close()
                if size != member.size:
                    raise ValidationError(
                        f"归档条目不完整 (archive member is truncated): {member.name}",
                        field=member.name,
                    )
                if member.name == MANIFEST:
                    manifest_bytes = bytes(kept)
                elif member.name == SUMS:
                    sums_bytes = bytes(kept)
                elif member.name in found:
                    raise ValidationError(
                        f"归档条目重复 (archive member appears twice): {member.name}",
                        field=member.name,
                    )
                else:
                    found[member.name] = (size, digest.hexdigest())
                progress("verify", min(member.offset_data + member.size, total), total)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            where = member.name if member is not None else str(path)
            raise ValidationError(
                f"归档已损坏或不完整 (archive is damaged or truncated) at {where}: {exc}",
                field=where,
            ) from exc
    progress("verify", total, total)
    if manifest_bytes is None:
        raise ValidationError(
            f"归档中没有 {MANIFEST}，不是 ecociv 备份 (no {MANIFEST}: not an ecociv backup)",
            field=MANIFEST,
        )
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError as exc:
        raise ValidationError(f"{MANIFEST} 无法读取 (unreadable): {exc}", field=MANIFEST) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValidationError(f"{MANIFEST} 不是 ecociv 备份清单", field=MANIFEST)
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise ValidationError(
            f"备份格式版本 {manifest.get('format_version')} 比本程序新 (archive format is newer "
            "than this ecociv; upgrade ecociv first)",
            field=MANIFEST,
        )
    _compare(manifest, found, sums_bytes)
    return manifest, found


def _compare(
    manifest: dict[str, Any], found: dict[str, tuple[int, str]], sums: bytes | None
) -> None:
    listed: dict[str, tuple[int, str]] = {}
    for entry in manifest.get("files", []):
        listed[str(entry["path"])] = (int(entry["size"]), str(entry["sha256"]))
    for name, (size, digest) in listed.items():
        if name not in found:
            raise ValidationError(
                f"归档缺少文件 (file missing from the archive): {name}", field=name
            )
        got_size, got_digest = found[name]
        if got_size != size:
            raise ValidationError(
                f"文件大小不符 (size mismatch) {name}: {got_size} ≠ {size}", field=name
            )
        if got_digest != digest:
            raise ValidationError(
                f"文件校验和不符，归档已损坏或被改动 (SHA-256 mismatch: the archive is damaged "
                f"or altered): {name}",
                field=name,
            )
    for name in found:
        if name not in listed:
            raise ValidationError(
                f"归档中有清单未列出的文件 (file not in the manifest): {name}", field=name
            )
    if sums is not None:
        expected = "".join(f"{listed[n][1]}  {n}\n" for n in listed)
        if sums.decode("utf-8", "replace") != expected:
            raise ValidationError(f"{SUMS} 与清单不符 (does not match the manifest)", field=SUMS)


def verify_archive(path: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Check every member of an archive against its manifest without restoring anything;
    return the manifest. Raises :class:`ValidationError` naming the first bad member."""
    manifest, _found = _scan(path, progress or _no_progress)
    return manifest


# ---- restoring --------------------------------------------------------------------------


def _open_handles(paths: list[Path]) -> list[tuple[int, str]]:
    """Other processes (of this user; Linux ``/proc``) with one of ``paths`` (or a file
    below a folder among them) open: (pid, command line)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    wanted = [p.resolve() for p in paths]
    holders: list[tuple[int, str]] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if any(
            Path(link) == w or Path(link).is_relative_to(w)
            for link in links
            if link.startswith("/")
            for w in wanted
        ):
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                command = "?"
            holders.append((int(entry.name), command))
    return holders


def check_idle(var_dir: Path, database_url: str) -> None:
    """Refuse (:class:`ConflictError`) while another process holds the platform's files: the
    readings store's lock, or an open database, frame log or upload (Linux ``/proc``; only
    processes of the same user are visible), or, on PostgreSQL, another client connected to
    the database."""
    try:
        ReadingsStore(var_dir / READINGS_FILE).check_not_in_use()
    except duckdb.IOException as exc:
        raise ConflictError(
            f"读数库正被其他进程使用，请先停止服务和接收程序 (the readings store is in use; stop "
            f"the server and the receiver first): {exc}"
        ) from exc
    paths = [var_dir / READINGS_FILE] + [var_dir / name for name in FOLDERS]
    if _backend(database_url) == "sqlite":
        db = sqlite_path(database_url)
        paths += [db, db.with_name(db.name + "-wal")]
    holders = _open_handles([p for p in paths if p.exists()])
    if holders:
        listed = "; ".join(f"pid {pid}: {command[:120]}" for pid, command in holders)
        raise ConflictError(
            "数据文件正被其他进程使用，请先停止服务和接收程序 (files are in use; stop the server "
            f"and the receiver first): {listed}"
        )
    if _backend(database_url) == "postgresql":
        engine = make_engine(database_url)
        try:
            with engine.connect() as conn:
                others = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                    )
                ).scalar_one()
        finally:
            engine.dispose()
        if others:
            raise ConflictError(
                f"还有 {others} 个连接在使用数据库，请先停止服务 ({others} other connections use "
                "the database; stop the server first)"
            )


def _place(new: Path, live: Path, aside: Path, moves: list[tuple[Path, Path]]) -> None:
    """Move ``live`` (if any) to ``aside`` and ``new`` to ``live``, recording each rename."""
    if live.exists():
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(live, aside)
        moves.append((aside, live))
    if new.exists():
        os.replace(new, live)
        moves.append((live, new))


def _undo(moves: list[tuple[Path, Path]]) -> None:
    for now, before in reversed(moves):
        if now.exists():
            os.replace(now, before)


def _keys_needed(manifest: dict[str, Any], var_dir: Path, key_in_use: KeyInUse | None) -> set[str]:
    """The archive's key files whose namesake in ``var_dir`` the target's data depends on,
    asked before anything changes."""
    if key_in_use is None:
        return set()
    names = {
        PurePosixPath(str(entry["path"])).name
        for entry in manifest.get("files", [])
        if str(entry["path"]).startswith("keys/")
    }
    return {
        name
        for name in names
        if (var_dir / name).is_file()
        and key_in_use(name, (var_dir / name).read_text(errors="replace").strip())
    }


def restore_archive(
    archive: Path,
    var_dir: Path,
    database_url: str,
    *,
    with_keys: bool = False,
    key_in_use: KeyInUse | None = None,
    pg_restore: str | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore an archive into ``var_dir`` and the database; the caller migrates afterwards.

    Every member is checked against the manifest first; a bad archive changes nothing. Key
    files are restored when ``with_keys`` is true, when ``var_dir`` has no such file yet (a
    new machine), or when ``key_in_use`` (asked before anything changes) says no data of the
    target depends on the file in place; a differing key that the target's data depends on
    (every key, without ``key_in_use``) is kept, with a warning (docs/operations.md, section
    6)."""
    report = progress or _no_progress
    manifest = verify_archive(archive, progress=report)
    backend = _backend(database_url)
    database = manifest.get("database", {})
    warnings: list[str] = []
    if database.get("included") and database.get("backend") != backend:
        raise ValidationError(
            f"归档中的数据库是 {database.get('backend')}，当前配置的是 {backend} (the archive "
            f"holds a {database.get('backend')} database; the configured one is {backend})",
            field="database_url",
        )
    program = None
    if database.get("included") and backend == "postgresql":
        program = pg_restore or shutil.which("pg_restore")
        if program is None:
            raise ValidationError(
                "pg_restore 不在 PATH 中 (pg_restore is not on PATH)", field="database_url"
            )
    var_dir.mkdir(parents=True, exist_ok=True)
    check_idle(var_dir, database_url)
    needed = _keys_needed(manifest, var_dir, key_in_use)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=var_dir))
    moves: list[tuple[Path, Path]] = []
    restored: list[str] = []
    try:
        unpacked = staging / "new"
        _manifest, _found = _scan(archive, report, sink=unpacked)  # checked again as written
        report("readings", 0, 1)
        counts = ReadingsStore.import_snapshot(unpacked / "readings", staging / READINGS_FILE)
        expected = int(manifest.get("readings", {}).get("count", 0))
        if counts.get("readings", 0) != expected:
            raise ValidationError(
                f"读数条数不符 (readings count {counts.get('readings', 0)} ≠ {expected})",
                field="readings",
            )
        report("readings", 1, 1)
        if database.get("included") and backend == "sqlite":
            check_sqlite_backup(unpacked / SQLITE_MEMBER)
        aside = staging / "previous"
        live_store = var_dir / READINGS_FILE
        wal = live_store.with_name(live_store.name + ".wal")
        if wal.exists():
            _place(staging / "absent.wal", wal, aside / wal.name, moves)
        _place(staging / READINGS_FILE, live_store, aside / READINGS_FILE, moves)
        restored.append(f"readings ({expected})")
        for name in FOLDERS:
            if (unpacked / name).exists() or name != "audit":
                (unpacked / name).mkdir(parents=True, exist_ok=True)
                _place(unpacked / name, var_dir / name, aside / name, moves)
                restored.append(name)
        keys = unpacked / "keys"
        for key in sorted(keys.iterdir()) if keys.is_dir() else []:
            live = var_dir / key.name
            if live.exists() and live.read_bytes() == key.read_bytes():
                continue
            if live.exists() and not with_keys and (key_in_use is None or key.name in needed):
                warnings.append(
                    f"保留了现有的 {key.name}，与备份中的不同；如需恢复请加 --with-keys "
                    f"(kept the current {key.name}, which differs from the archive's; "
                    "use --with-keys to restore it)"
                )
                continue
            key.chmod(0o600)
            _place(key, live, aside / "keys" / key.name, moves)
            restored.append(key.name)
        report("database", 0, 1)
        if database.get("included"):
            if backend == "sqlite":
                restore_sqlite(database_url, unpacked / SQLITE_MEMBER)
            else:
                assert program is not None
                _pg_restore(database_url, unpacked / PG_MEMBER, program)
            restored.append(f"database ({backend})")
        else:
            warnings.append(
                "归档中没有数据库，数据库未改变；请用 pg_restore 恢复 (the archive holds no "
                "database; the database is unchanged: restore it with pg_restore)"
            )
        report("database", 1, 1)
    except BaseException:
        _undo(moves)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(manifest, restored, warnings)


def restore_legacy(path: Path, var_dir: Path, database_url: str) -> RestoreResult:
    """Restore an old single-file SQLite backup (written by earlier versions of
    ``ecociv backup``): the database only."""
    check_idle(var_dir, database_url)
    restore_sqlite(database_url, path)
    return RestoreResult(
        None,
        ["database (sqlite)"],
        [
            "旧式单文件备份：只恢复了数据库，读数库、上传文件和帧日志未改变 (an old single-file "
            "backup: only the database was restored; the readings store, uploads and frame log "
            "are unchanged)"
        ],
    )


def restore(
    archive: Path,
    var_dir: Path,
    database_url: str,
    *,
    with_keys: bool = False,
    key_in_use: KeyInUse | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore an archive written by ``ecociv backup``, or an old single-file SQLite one."""
    if archive.is_file() and is_sqlite_file(archive):
        return restore_legacy(archive, var_dir, database_url)
    return restore_archive(
        archive,
        var_dir,
        database_url,
        with_keys=with_keys,
        key_in_use=key_in_use,
        progress=progress,
    )
