"""The relational store: declarative base with a naming convention, a UTC datetime type,
and :class:`Database`, which hands out one transaction per use case.

SQLite (WAL, foreign keys on) is the embedded default; PostgreSQL runs in production.

The database also carries the audit chain's key (``audit_key``), which is never stored in it:
each session's ``info[AUDIT_KEY_INFO]`` holds it, so the audit log signs its entries without
every caller passing the key along.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, MetaData, String, create_engine, event, inspect
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from ecociv.kernel.errors import ValidationError
from ecociv.kernel.inputs import CONTROL_CHARACTERS

#: Where a session carries the audit chain's key (``Session.info``); None: no key.
AUDIT_KEY_INFO = "ecociv_audit_key"

#: Deterministic constraint names, so migrations are the same on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every mapped table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class FixedDecimal(TypeDecorator[Decimal]):
    """An exact decimal with ``scale`` places, stored as a whole number of 10^-scale units
    (BIGINT), so SQLite keeps it exact (it has no decimal type) and sums in SQL stay exact
    on both stores. Values with more places are refused, never rounded. SQL aggregates
    return units: divide by ``10**scale``."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int = 6) -> None:
        super().__init__()
        self.scale = scale
        self.factor = Decimal(10) ** scale

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        units = Decimal(value) * self.factor
        if units != units.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(units)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)) / self.factor


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself so a transaction holds the write lock early.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # REPLACE deletes the old row without firing DELETE triggers unless triggers may
            # fire from within a statement's conflict handling: the audit log's refuse it.
            cursor.execute("PRAGMA recursive_triggers=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            if url not in ("sqlite://", "sqlite:///:memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock at BEGIN (no lock upgrade deadlocks); readers don't.
            read_only = conn.get_execution_options().get("ecociv_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def check_stored_text(session: Session, _context: Any = None, _instances: Any = None) -> None:
    """Refuse text that a column cannot hold, naming the column, before the database sees it.

    PostgreSQL refuses a value longer than ``VARCHAR(n)`` or holding a NUL character with an
    error that names neither the field nor the row; SQLite stores both silently. Other control
    characters (but tab, line feed, carriage return) cannot be written into the .xlsx and .docx
    files made from stored text, so they are refused too (docs/inputs.md). Checking every
    new or changed text attribute at flush makes both backends answer the same clear error.
    """
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            column = attr.columns[0]
            if not isinstance(column.type, String):
                continue
            value = getattr(obj, attr.key, None)
            if not isinstance(value, str):
                continue
            if obj not in session.new and not state.attrs[attr.key].history.has_changes():
                continue
            length = column.type.length
            if length is not None and len(value) > length:
                raise ValidationError(
                    f"{column.name}: 最多 {length} 个字符，收到 {len(value)} 个 "
                    f"(at most {length} characters, got {len(value)})",
                    field=column.name,
                )
            control = CONTROL_CHARACTERS.search(value)
            if control is not None:
                code = f"U+{ord(control.group(0)):04X}"
                raise ValidationError(
                    f"{column.name}: 不能含控制字符 {code} (must not contain the control "
                    f"character {code})",
                    field=column.name,
                )


class Database:
    """An engine and its session factory; ``transaction()`` is one unit of work.

    ``audit_key`` signs new audit entries; ``audit_previous_keys`` are earlier keys, kept to
    verify the entries they signed. The composition roots pass them from the settings.
    """

    def __init__(
        self,
        url: str,
        *,
        audit_key: str | None = None,
        audit_previous_keys: Sequence[str] = (),
        **engine_kwargs: Any,
    ) -> None:
        self.url = url
        self.audit_key = audit_key or None
        self.audit_previous_keys = tuple(audit_previous_keys)
        self.engine = make_engine(url, **engine_kwargs)
        info = {AUDIT_KEY_INFO: self.audit_key}
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(ecociv_read_only=True),
            expire_on_commit=False,
            info=info,
        )
        event.listen(self._sessions, "before_flush", check_stored_text)

    @property
    def audit_keys(self) -> tuple[str, ...]:
        """Every key an audit entry may be signed with, the current one first."""
        current = (self.audit_key,) if self.audit_key else ()
        return current + self.audit_previous_keys

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only. Closing it ends its transaction without committing;
        objects it loaded stay readable (detached, not expired)."""
        with self._read_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
