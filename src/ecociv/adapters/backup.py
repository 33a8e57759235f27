"""Backups of the embedded SQLite database through SQLite's online backup API.

PostgreSQL is backed up with ``pg_dump`` / ``pg_restore`` (docs/operations.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ecociv.kernel.errors import ValidationError


def sqlite_path(database_url: str) -> Path:
    """The file behind a ``sqlite:///`` URL."""
    if not database_url.startswith("sqlite:///") or database_url in ("sqlite:///:memory:",):
        raise ValidationError(
            "备份/恢复命令只支持 SQLite 文件数据库；PostgreSQL 请使用 pg_dump / pg_restore "
            "(backup/restore handle SQLite files; use pg_dump/pg_restore for PostgreSQL)",
            field="database_url",
        )
    return Path(database_url.removeprefix("sqlite:///"))


def backup_sqlite(database_url: str, target: Path) -> Path:
    """Copy the live database to ``target`` without stopping the server."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise ValidationError(f"数据库文件不存在: {source_path}", field="database_url")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as dest:
        source.backup(dest)
    return target


def restore_sqlite(database_url: str, backup: Path) -> None:
    """Replace the live database's contents with a backup made by :func:`backup_sqlite`."""
    if not backup.exists():
        raise ValidationError(f"备份文件不存在: {backup}", field="backup")
    try:
        with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as source:
            check = source.execute("PRAGMA integrity_check").fetchone()
            has_version = source.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"不是有效的 SQLite 备份: {backup} ({exc})", field="backup") from exc
    if not check or check[0] != "ok" or not has_version or has_version[0] != 1:
        raise ValidationError(f"不是 ecociv 的数据库备份: {backup}", field="backup")
    target = sqlite_path(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as source,
        sqlite3.connect(target) as dest,
    ):
        source.backup(dest)
