"""The readings store: time series of measurements in an embedded DuckDB file.

Tables (created on first use; the store has no migrations yet, only ``CREATE ... IF NOT
EXISTS``):

- ``readings(site_code, parameter, observed_at, value, flag, load_id)``, keyed by
  (site_code, parameter, observed_at); ``observed_at`` is a UTC ``TIMESTAMP`` (no zone);
- ``loads(id, source, loaded_at, loaded_by, rows_in, inserted, unchanged, replaced, rejected,
  applied)``: one row per load attempt, including refused ones (``applied`` false);
- ``rejects(load_id, row_number, field, message, raw)``: every row a load turned away.

Loading is idempotent on (site, parameter, time): a row equal to the stored one (value and
flag) counts as *unchanged*, a different one *replaces* it, a new one is *inserted*.

Only core SQL is used (no DuckDB extension, nothing downloaded), and the statements keep to
what DuckDB, PostgreSQL and Spark SQL share, so aggregation can move to Spark unchanged.
Aggregates bucket time in Asia/Shanghai local time by adding a fixed eight hours (China has
kept no daylight saving time since 1991); the definitions are documented, with a Python
reference, in ``ecociv.monitoring.rules``.

This module knows no domain: callers validate rows and pass plain values.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS readings (
        site_code VARCHAR NOT NULL,
        parameter VARCHAR NOT NULL,
        observed_at TIMESTAMP NOT NULL,
        value DOUBLE NOT NULL,
        flag VARCHAR NOT NULL,
        load_id INTEGER NOT NULL,
        PRIMARY KEY (site_code, parameter, observed_at)
    )""",
    """CREATE TABLE IF NOT EXISTS loads (
        id INTEGER PRIMARY KEY,
        source VARCHAR NOT NULL,
        loaded_at TIMESTAMP NOT NULL,
        loaded_by VARCHAR NOT NULL,
        rows_in INTEGER NOT NULL,
        inserted INTEGER NOT NULL,
        unchanged INTEGER NOT NULL,
        replaced INTEGER NOT NULL,
        rejected INTEGER NOT NULL,
        applied BOOLEAN NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS rejects (
        load_id INTEGER NOT NULL,
        row_number INTEGER NOT NULL,
        field VARCHAR NOT NULL,
        message VARCHAR NOT NULL,
        raw VARCHAR NOT NULL
    )""",
)

_SAME_KEY = (
    "r.site_code = s.site_code AND r.parameter = s.parameter AND r.observed_at = s.observed_at"
)

#: Local (Asia/Shanghai, UTC+8) clock hour of a reading.
_LOCAL_HOUR = "date_trunc('hour', observed_at + INTERVAL '8 hours')"

_DAILY = f"""
    WITH hourly AS (
        SELECT site_code, parameter, {_LOCAL_HOUR} AS local_hour, AVG(value) AS value
        FROM readings
        WHERE {{where}}
        GROUP BY site_code, parameter, {_LOCAL_HOUR}
    )
    SELECT site_code, parameter, CAST(local_hour AS DATE) AS day_on,
           AVG(value) AS mean, COUNT(*) AS hours
    FROM hourly
    GROUP BY site_code, parameter, CAST(local_hour AS DATE)
"""

_LEAP = "((y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0)"
_DAYS_IN_MONTH = (
    f"CASE WHEN m = 2 THEN (CASE WHEN {_LEAP} THEN 29 ELSE 28 END)"
    " WHEN m IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
)
_DAYS_IN_YEAR = f"CASE WHEN {_LEAP} THEN 366 ELSE 365 END"


@dataclass(frozen=True, slots=True)
class ReadingRow:
    """One validated reading to store; ``observed_at`` timezone-aware."""

    row_number: int
    site_code: str
    parameter: str
    observed_at: datetime
    value: float
    flag: str = ""


@dataclass(frozen=True, slots=True)
class RejectRow:
    """A row the caller's validation turned away."""

    row_number: int
    field: str
    message: str
    raw: str


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one load did; ``applied`` is false when a bad row stopped the whole file."""

    load_id: int
    rows_in: int
    inserted: int
    unchanged: int
    replaced: int
    rejected: int
    applied: bool


def _utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: instants must be timezone-aware")
    return moment.astimezone(UTC).replace(tzinfo=None)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _epoch_us(moment: datetime) -> int:
    """Microseconds since 1970-01-01 UTC of an aware instant (exact, no float)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: instants must be timezone-aware")
    return (moment - _EPOCH) // _MICROSECOND


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


class ReadingsStore:
    """An embedded DuckDB file at ``path``; each call opens and closes its own connection,
    so the web server's workers and a command-line import do not hold the file between calls
    and wait for each other's lock (up to ``lock_wait_s``) instead of failing."""

    def __init__(self, path: Path, *, lock_wait_s: float = 30.0) -> None:
        self.path = Path(path)
        self.lock_wait_s = lock_wait_s
        # loads of one process one at a time: two in parallel (uploads run in the web
        # server's thread pool) would both take the next load id and one fail at commit
        self._load_lock = threading.Lock()

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = self._open()
        try:
            for statement in _SCHEMA:
                connection.execute(statement)
            yield connection
        finally:
            connection.close()

    def _open(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting while another process (a server worker, an import) holds
        its lock: DuckDB lets one process at a time open a file, and every call here holds it
        only for one statement batch. Gives up after ``lock_wait_s`` with the lock error."""
        deadline = time.monotonic() + self.lock_wait_s
        delay = 0.01
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)

    def load(
        self,
        rows: Sequence[ReadingRow],
        source: str,
        actor_name: str,
        *,
        loaded_at: datetime,
        rejects: Sequence[RejectRow] = (),
        rows_in: int | None = None,
        accept_partial: bool = False,
    ) -> LoadResult:
        """Store validated rows and record the load and its rejects, in one transaction
        (see :meth:`_load`); loads within one process run one after the other."""
        with self._load_lock:
            return self._load(
                rows,
                source,
                actor_name,
                loaded_at=loaded_at,
                rejects=rejects,
                rows_in=rows_in,
                accept_partial=accept_partial,
            )

    def _load(
        self,
        rows: Sequence[ReadingRow],
        source: str,
        actor_name: str,
        *,
        loaded_at: datetime,
        rejects: Sequence[RejectRow] = (),
        rows_in: int | None = None,
        accept_partial: bool = False,
    ) -> LoadResult:
        """Store validated rows and record the load and its rejects, in one transaction.

        With any reject and ``accept_partial`` false nothing is stored, but the attempt and its
        rejects are recorded. ``rows_in`` is how many rows the file had (default: rows plus
        rejects).
        """
        total = len(rows) + len(rejects) if rows_in is None else rows_in
        apply = not rejects or accept_partial
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                found = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM loads").fetchall()[0]
                load_id = int(found[0]) if found else 1
                inserted = unchanged = replaced = 0
                if apply and rows:
                    inserted, unchanged, replaced = self._apply(con, rows, load_id)
                con.execute(
                    "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        load_id,
                        source,
                        _utc_naive(loaded_at),
                        actor_name,
                        total,
                        inserted,
                        unchanged,
                        replaced,
                        len(rejects),
                        apply,
                    ],
                )
                if rejects:
                    con.executemany(
                        "INSERT INTO rejects VALUES (?, ?, ?, ?, ?)",
                        [[load_id, r.row_number, r.field, r.message, r.raw] for r in rejects],
                    )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return LoadResult(load_id, total, inserted, unchanged, replaced, len(rejects), apply)

    @staticmethod
    def _apply(
        con: duckdb.DuckDBPyConnection, rows: Sequence[ReadingRow], load_id: int
    ) -> tuple[int, int, int]:
        # Rows are handed to DuckDB as numpy columns (a registered scan, part of the Python
        # client, no extension): ~100x faster than executemany for a year of hourly data.
        columns = {
            "site_code": np.array([r.site_code for r in rows], dtype=object),
            "parameter": np.array([r.parameter for r in rows], dtype=object),
            "observed_at": np.array(
                [_epoch_us(r.observed_at) for r in rows], dtype=np.int64
            ).astype("datetime64[us]"),
            "value": np.array([r.value for r in rows], dtype=np.float64),
            "flag": np.array([r.flag for r in rows], dtype=object),
        }
        con.register("incoming", columns)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staging AS SELECT"
            " CAST(site_code AS VARCHAR) AS site_code, CAST(parameter AS VARCHAR) AS parameter,"
            " CAST(observed_at AS TIMESTAMP) AS observed_at, CAST(value AS DOUBLE) AS value,"
            " CAST(flag AS VARCHAR) AS flag FROM incoming"
        )
        con.unregister("incoming")
        counted = con.execute(
            f"""SELECT
                  COUNT(*) FILTER (WHERE r.site_code IS NULL),
                  COUNT(*) FILTER (WHERE r.value = s.value AND r.flag = s.flag),
                  COUNT(*) FILTER (WHERE r.site_code IS NOT NULL
                                   AND (r.value <> s.value OR r.flag <> s.flag))
                FROM staging s LEFT JOIN readings r ON {_SAME_KEY}"""
        ).fetchone()
        inserted, unchanged, replaced = (int(n) for n in counted) if counted else (0, 0, 0)
        con.execute(
            """UPDATE readings SET value = s.value, flag = s.flag, load_id = ?
               FROM staging s
               WHERE readings.site_code = s.site_code AND readings.parameter = s.parameter
                 AND readings.observed_at = s.observed_at
                 AND (readings.value <> s.value OR readings.flag <> s.flag)""",
            [load_id],
        )
        con.execute(
            f"""INSERT INTO readings
                SELECT s.site_code, s.parameter, s.observed_at, s.value, s.flag, ?
                FROM staging s
                WHERE NOT EXISTS (SELECT 1 FROM readings r WHERE {_SAME_KEY})""",
            [load_id],
        )
        con.execute("DROP TABLE staging")
        return inserted, unchanged, replaced

    # ---- snapshots (backup and restore) ---------------------------------------------------

    def export_snapshot(self, folder: Path) -> dict[str, int]:
        """Write every table of the store to ``folder/<table>.parquet``; return the row count
        of each table.

        Consistent while the receiver or the web server may write: the file is opened
        read-only (waiting for the lock like every other call), and DuckDB lets no other
        process open it for writing while a connection holds it, so all tables are read at
        one state of the store; the writers wait for the lock (``lock_wait_s``) meanwhile.
        Parquet is read by any DuckDB version and by Spark, so a backup outlives the DuckDB
        file format. A store that was never created exports no table."""
        folder.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            return {}
        con = self._open(read_only=True)
        try:
            tables = sorted(str(row[0]) for row in con.execute("SHOW TABLES").fetchall())
            counts: dict[str, int] = {}
            for table in tables:
                found = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
                counts[table] = int(found[0]) if found else 0
                target = (folder / f"{table}.parquet").as_posix().replace("'", "''")
                con.execute(f"COPY \"{table}\" TO '{target}' (FORMAT PARQUET)")
        finally:
            con.close()
        return counts

    @staticmethod
    def import_snapshot(folder: Path, path: Path) -> dict[str, int]:
        """Build a new store file at ``path`` (which must not exist) from a folder written by
        :meth:`export_snapshot`; return the row count of each table. The tables of this module
        get their keys from the schema above; any other table is created as exported."""
        if path.exists():
            raise FileExistsError(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        try:
            for statement in _SCHEMA:
                con.execute(statement)
            known = {str(row[0]) for row in con.execute("SHOW TABLES").fetchall()}
            counts: dict[str, int] = {}
            for parquet in sorted(folder.glob("*.parquet")):
                table = parquet.stem
                source = parquet.as_posix().replace("'", "''")
                if table in known:
                    con.execute(f"INSERT INTO \"{table}\" SELECT * FROM read_parquet('{source}')")
                else:
                    con.execute(
                        f"CREATE TABLE \"{table}\" AS SELECT * FROM read_parquet('{source}')"
                    )
                found = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
                counts[table] = int(found[0]) if found else 0
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return counts

    def check_not_in_use(self) -> None:
        """Raise ``duckdb.IOException`` (naming the holder's process) if another process has
        the store open now; never waits."""
        if not self.path.exists():
            return
        duckdb.connect(str(self.path)).close()

    # ---- reads --------------------------------------------------------------------------

    def count(self) -> int:
        """How many readings are stored."""
        with self._connect() as con:
            found = con.execute("SELECT COUNT(*) FROM readings").fetchone()
            return int(found[0]) if found else 0

    def readings(
        self,
        site_code: str | Sequence[str] | None = None,
        parameter: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[tuple[str, str, datetime, float, str, int]]:
        """Stored readings (site, parameter, observed_at UTC, value, flag, load_id), observed in
        [start, end) when given (aware instants)."""
        where, params = _filters(site_code, parameter)
        if start is not None:
            where += " AND observed_at >= ?"
            params.append(_utc_naive(start))
        if end is not None:
            where += " AND observed_at < ?"
            params.append(_utc_naive(end))
        with self._connect() as con:
            rows = con.execute(
                "SELECT site_code, parameter, observed_at, value, flag, load_id FROM readings"
                f" WHERE {where} ORDER BY site_code, parameter, observed_at",
                params,
            ).fetchall()
        return [(s, p, _aware(t), float(v), f, int(i)) for s, p, t, v, f, i in rows]

    def hourly_columns(
        self,
        site_codes: Sequence[str],
        parameters: Sequence[str],
        *,
        start: datetime,
        end: datetime,
    ) -> dict[str, npt.NDArray[Any]]:
        """The same hourly means as :meth:`hourly`, as numpy columns (``site_code``,
        ``parameter`` object arrays; ``local_hour`` datetime64; ``mean`` float64; ``n`` int64)
        for callers that work on whole arrays: no Python object per row."""
        if not site_codes or not parameters:
            return {
                "site_code": np.array([], dtype=object),
                "parameter": np.array([], dtype=object),
                "local_hour": np.array([], dtype="datetime64[us]"),
                "mean": np.array([], dtype=np.float64),
                "n": np.array([], dtype=np.int64),
            }
        sites = ", ".join("?" for _ in site_codes)
        names = ", ".join("?" for _ in parameters)
        sql = f"""SELECT site_code, parameter, {_LOCAL_HOUR} AS local_hour,
                         AVG(value) AS mean, COUNT(*) AS n
                  FROM readings
                  WHERE site_code IN ({sites}) AND parameter IN ({names})
                    AND observed_at >= ? AND observed_at < ?
                  GROUP BY site_code, parameter, {_LOCAL_HOUR}"""
        params = [*site_codes, *parameters, _utc_naive(start), _utc_naive(end)]
        with self._connect() as con:
            found = con.execute(sql, params).fetchnumpy()
        return {
            "site_code": np.asarray(found["site_code"], dtype=object),
            "parameter": np.asarray(found["parameter"], dtype=object),
            "local_hour": np.asarray(found["local_hour"]).astype("datetime64[us]"),
            "mean": np.asarray(found["mean"], dtype=np.float64),
            "n": np.asarray(found["n"], dtype=np.int64),
        }

    def years(self, site_codes: Sequence[str] | None = None) -> list[int]:
        """The local (Asia/Shanghai) years that hold readings, ascending."""
        where, params = _filters(site_codes, None)
        sql = f"""SELECT DISTINCT CAST(EXTRACT(YEAR FROM observed_at + INTERVAL '8 hours')
                                   AS INTEGER) AS y
                  FROM readings WHERE {where} ORDER BY y"""
        with self._connect() as con:
            return [int(y) for (y,) in con.execute(sql, params).fetchall()]

    def loads(self) -> list[dict[str, Any]]:
        """Every load attempt, newest first."""
        with self._connect() as con:
            cursor = con.execute("SELECT * FROM loads ORDER BY id DESC")
            names = [d[0] for d in cursor.description or ()]
            found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for load in found:
            load["loaded_at"] = _aware(load["loaded_at"])
        return found

    def rejects(self, load_id: int) -> list[RejectRow]:
        """The rows a load turned away, in file order."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT row_number, field, message, raw FROM rejects WHERE load_id = ?"
                " ORDER BY row_number",
                [load_id],
            ).fetchall()
        return [RejectRow(int(n), f, m, r) for n, f, m, r in rows]

    # ---- aggregates (portable SQL; definitions in ecociv.monitoring.rules) ---------------

    def hourly(
        self,
        site_codes: Sequence[str] | None = None,
        parameters: Sequence[str] | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[tuple[str, str, datetime, float, int]]:
        """(site, parameter, local clock hour (naive Asia/Shanghai), mean, values in the hour)
        for readings observed in [start, end) (aware instants), ordered by site, parameter,
        hour. The hour is labelled by its start (00:00 covers 00:00–00:59)."""
        clauses: list[str] = ["1 = 1"]
        params: list[Any] = []
        if site_codes is not None:
            if not site_codes:
                return []
            clauses.append(f"site_code IN ({', '.join('?' for _ in site_codes)})")
            params.extend(site_codes)
        if parameters is not None:
            if not parameters:
                return []
            clauses.append(f"parameter IN ({', '.join('?' for _ in parameters)})")
            params.extend(parameters)
        if start is not None:
            clauses.append("observed_at >= ?")
            params.append(_utc_naive(start))
        if end is not None:
            clauses.append("observed_at < ?")
            params.append(_utc_naive(end))
        sql = f"""SELECT site_code, parameter, {_LOCAL_HOUR} AS local_hour,
                         AVG(value) AS mean, COUNT(*) AS n
                  FROM readings
                  WHERE {" AND ".join(clauses)}
                  GROUP BY site_code, parameter, {_LOCAL_HOUR}
                  ORDER BY site_code, parameter, local_hour"""
        with self._connect() as con:
            rows = con.execute(sql, params).fetchall()
        return [(s, p, h, float(m), int(n)) for s, p, h, m, n in rows]

    def daily(
        self, site_code: str | Sequence[str] | None = None, parameter: str | None = None
    ) -> list[tuple[str, str, date, float, int, float]]:
        """(site, parameter, local day, mean of hourly means, hours, hours / 24)."""
        where, params = _filters(site_code, parameter)
        sql = f"""SELECT site_code, parameter, day_on, mean, hours,
                         CAST(hours AS DOUBLE) / 24 AS coverage
                  FROM ({_DAILY.format(where=where)}) daily
                  ORDER BY site_code, parameter, day_on"""
        with self._connect() as con:
            rows = con.execute(sql, params).fetchall()
        return [(s, p, d, float(m), int(h), float(c)) for s, p, d, m, h, c in rows]

    def monthly(
        self, site_code: str | Sequence[str] | None = None, parameter: str | None = None
    ) -> list[tuple[str, str, int, int, float, int, float]]:
        """(site, parameter, year, month, mean of daily means, days, days / days in month)."""
        where, params = _filters(site_code, parameter)
        sql = f"""WITH daily AS ({_DAILY.format(where=where)}),
                  months AS (
                      SELECT site_code, parameter,
                             CAST(EXTRACT(YEAR FROM day_on) AS INTEGER) AS y,
                             CAST(EXTRACT(MONTH FROM day_on) AS INTEGER) AS m,
                             AVG(mean) AS mean, COUNT(*) AS days
                      FROM daily
                      GROUP BY site_code, parameter,
                               CAST(EXTRACT(YEAR FROM day_on) AS INTEGER),
                               CAST(EXTRACT(MONTH FROM day_on) AS INTEGER)
                  )
                  SELECT site_code, parameter, y, m, mean, days,
                         CAST(days AS DOUBLE) / ({_DAYS_IN_MONTH}) AS coverage
                  FROM months
                  ORDER BY site_code, parameter, y, m"""
        with self._connect() as con:
            rows = con.execute(sql, params).fetchall()
        return [(s, p, int(y), int(m), float(a), int(n), float(c)) for s, p, y, m, a, n, c in rows]

    def annual(
        self, site_code: str | Sequence[str] | None = None, parameter: str | None = None
    ) -> list[tuple[str, str, int, float, int, float]]:
        """(site, parameter, year, mean of daily means, days, days / days in year)."""
        where, params = _filters(site_code, parameter)
        sql = f"""WITH daily AS ({_DAILY.format(where=where)}),
                  years AS (
                      SELECT site_code, parameter,
                             CAST(EXTRACT(YEAR FROM day_on) AS INTEGER) AS y,
                             AVG(mean) AS mean, COUNT(*) AS days
                      FROM daily
                      GROUP BY site_code, parameter, CAST(EXTRACT(YEAR FROM day_on) AS INTEGER)
                  )
                  SELECT site_code, parameter, y, mean, days,
                         CAST(days AS DOUBLE) / ({_DAYS_IN_YEAR}) AS coverage
                  FROM years
                  ORDER BY site_code, parameter, y"""
        with self._connect() as con:
            rows = con.execute(sql, params).fetchall()
        return [(s, p, int(y), float(a), int(n), float(c)) for s, p, y, a, n, c in rows]


def _filters(site_code: str | Sequence[str] | None, parameter: str | None) -> tuple[str, list[Any]]:
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    if isinstance(site_code, str):
        clauses.append("site_code = ?")
        params.append(site_code)
    elif site_code is not None:
        codes = list(site_code) or [""]  # no sites: match nothing
        clauses.append(f"site_code IN ({', '.join('?' for _ in codes)})")
        params.extend(codes)
    if parameter is not None:
        clauses.append("parameter = ?")
        params.append(parameter)
    return " AND ".join(clauses), params
