"""The readings store on a temporary DuckDB file: idempotent loads, rejects, aggregates."""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ecociv import monitoring
from ecociv.adapters.db import Database
from ecociv.adapters.readings import LoadResult, ReadingRow, ReadingsStore, RejectRow
from ecociv.monitoring.rules import (
    LOCAL_ZONE,
    annual_means,
    check_readings,
    daily_means,
    monthly_means,
)
from tests.conftest import SYSTEM
from tests.integration.monitoring.test_sites import site_rows

SITES = {"S1", "S2"}
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> ReadingsStore:
    return ReadingsStore(tmp_path / "readings.duckdb")


def load(
    store: ReadingsStore, rows: Sequence[Mapping[str, str]], *, accept_partial: bool = False
) -> LoadResult:
    """Validate as the service does, then load."""
    check = check_readings(rows, SITES)
    return store.load(
        [
            ReadingRow(r.row_number, r.site_code, r.parameter, r.observed_at, r.value, r.flag)
            for r in check.readings
        ],
        "test.csv",
        "tester",
        loaded_at=NOW,
        rejects=[RejectRow(r.row_number, r.field, r.message, r.raw) for r in check.rejects],
        rows_in=len(rows),
        accept_partial=accept_partial,
    )


def hourly_file(hours: int = 6) -> list[dict[str, str]]:
    start = datetime(2024, 5, 1, 0, tzinfo=LOCAL_ZONE)
    return [
        {
            "site_code": "S1",
            "parameter": "pm25",
            "observed_at": f"{start + timedelta(hours=h):%Y-%m-%dT%H:%M:%S}",  # no zone: Beijing
            "value": str(10 + h),
            "flag": "",
        }
        for h in range(hours)
    ]


def test_the_same_file_twice_inserts_nothing_the_second_time(store: ReadingsStore) -> None:
    rows = hourly_file()
    first = load(store, rows)
    assert (first.inserted, first.unchanged, first.replaced) == (6, 0, 0)
    before = store.readings()
    second = load(store, rows)
    assert (second.inserted, second.unchanged, second.replaced) == (0, 6, 0)
    assert store.readings() == before
    assert [load["id"] for load in store.loads()] == [2, 1]  # every load is recorded


def test_a_changed_value_replaces_the_stored_one(store: ReadingsStore) -> None:
    load(store, hourly_file())
    rows = hourly_file()
    rows[2]["value"] = "99.5"
    result = load(store, rows)
    assert (result.inserted, result.unchanged, result.replaced) == (0, 5, 1)
    stored = {r[2]: r[3] for r in store.readings()}
    assert stored[datetime(2024, 4, 30, 18, tzinfo=UTC)] == 99.5


def test_one_bad_row_loads_nothing_by_default_and_records_the_reject(
    store: ReadingsStore,
) -> None:
    rows = hourly_file()
    rows[3]["value"] = "n/a"
    result = load(store, rows)
    assert not result.applied and result.inserted == 0 and result.rejected == 1
    assert store.count() == 0
    (reject,) = store.rejects(result.load_id)
    assert (reject.row_number, reject.field) == (5, "value")
    assert "n/a" in reject.raw
    assert store.loads()[0]["applied"] is False


def test_accept_partial_loads_the_good_rows_and_records_the_bad(store: ReadingsStore) -> None:
    rows = hourly_file()
    rows[3]["site_code"] = "UNKNOWN"
    result = load(store, rows, accept_partial=True)
    assert result.applied and (result.inserted, result.rejected) == (5, 1)
    assert store.count() == 5
    assert [(r.row_number, r.field) for r in store.rejects(result.load_id)] == [(5, "site_code")]


def fixture_with_gaps() -> list[dict[str, str]]:
    """Three Beijing days across a month end, two sites and parameters, with gaps and
    two values in one hour."""
    rows = []
    start = datetime(2024, 2, 28, 0, tzinfo=LOCAL_ZONE)
    for site in ("S1", "S2"):
        for parameter in ("pm25", "o3"):
            for h in range(72):
                if (h % 7 == 3) or (site == "S2" and 30 <= h < 50):
                    continue  # gaps
                moment = start + timedelta(hours=h)
                value = 20 + 15 * math.sin(h / 5) + (3 if parameter == "o3" else 0) + h / 7
                rows.append(
                    {
                        "site_code": site,
                        "parameter": parameter,
                        "observed_at": f"{moment:%Y-%m-%d %H:%M}",
                        "value": repr(value),
                    }
                )
            rows.append(  # a second value in the first hour, given in UTC
                {
                    "site_code": site,
                    "parameter": parameter,
                    "observed_at": "2024-02-27T16:30:00+00:00",
                    "value": "41.25",
                }
            )
    # one reading at 23:30 UTC on Dec 31 falls on Jan 1 in Beijing
    rows.append(
        {
            "site_code": "S1",
            "parameter": "pm25",
            "observed_at": "2024-12-31T23:30:00Z",
            "value": "7",
        }
    )
    return rows


def test_sql_aggregates_equal_the_python_reference(store: ReadingsStore) -> None:
    rows = fixture_with_gaps()
    assert load(store, rows).applied
    observations = [(s, p, t, v) for s, p, t, v, _f, _i in store.readings()]
    days = daily_means(observations)
    sql_days = store.daily()
    assert [d[:3] for d in sql_days] == [(d.site_code, d.parameter, d.day_on) for d in days]
    for got, want in zip(sql_days, days, strict=True):
        assert got[4] == want.hours
        assert abs(got[3] - want.mean) <= 1e-9 and abs(got[5] - want.coverage) <= 1e-9
    months = monthly_means(days)
    sql_months = store.monthly()
    assert [m[:4] for m in sql_months] == [
        (m.site_code, m.parameter, m.year, m.month) for m in months
    ]
    for got_m, want_m in zip(sql_months, months, strict=True):
        assert got_m[5] == want_m.days
        assert abs(got_m[4] - want_m.mean) <= 1e-9 and abs(got_m[6] - want_m.coverage) <= 1e-9
    years = annual_means(days)
    sql_years = store.annual()
    assert [y[:3] for y in sql_years] == [(y.site_code, y.parameter, y.year) for y in years]
    for got_y, want_y in zip(sql_years, years, strict=True):
        assert got_y[4] == want_y.days
        assert abs(got_y[3] - want_y.mean) <= 1e-9 and abs(got_y[5] - want_y.coverage) <= 1e-9
    assert {y.year for y in years} == {2024, 2025}
    assert any(d.hours < 24 for d in days) and any(m.month == 3 for m in months)


def test_hourly_rows_and_hourly_columns_agree_and_years_are_local(store: ReadingsStore) -> None:
    assert load(store, fixture_with_gaps()).applied
    start = datetime(2000, 1, 1, tzinfo=UTC)
    end = datetime(2100, 1, 1, tzinfo=UTC)
    rows = store.hourly(start=start, end=end)
    sites = sorted({r[0] for r in rows})
    parameters = sorted({r[1] for r in rows})
    columns = store.hourly_columns(sites, parameters, start=start, end=end)
    as_rows = sorted(
        zip(
            columns["site_code"].tolist(),
            columns["parameter"].tolist(),
            columns["local_hour"].astype("datetime64[us]").tolist(),
            columns["mean"].tolist(),
            columns["n"].tolist(),
            strict=True,
        )
    )
    assert as_rows == rows and len(rows) > 0
    assert store.years() == sorted({r[2].year for r in rows})
    assert store.hourly_columns([], parameters, start=start, end=end)["mean"].size == 0
    everything = store.readings()
    middle = everything[len(everything) // 2][2]
    later = store.readings(start=middle)
    earlier = store.readings(end=middle)
    assert later == [r for r in everything if r[2] >= middle] and later
    assert earlier == [r for r in everything if r[2] < middle] and earlier


def test_the_service_checks_sites_against_the_register(db: Database, tmp_path: Path) -> None:
    monitoring.import_sites(db, SYSTEM, site_rows(db))
    store = ReadingsStore(tmp_path / "readings.duckdb")
    rows = [dict(r, site_code="QZ-W-01") for r in hourly_file(3)]
    rows.append(dict(rows[0], site_code="S1"))  # not a registered site
    loaded = monitoring.import_readings(db, store, SYSTEM, rows, source="f.csv")
    assert not loaded.result.applied and store.count() == 0
    assert [(r.row_number, r.field) for r in loaded.rejects] == [(5, "site_code")]
    partial = monitoring.import_readings(
        db, store, SYSTEM, rows, source="f.csv", accept_partial=True
    )
    assert partial.result.inserted == 3 and store.count() == 3
    (day,) = monitoring.daily_means(store, SYSTEM, site_code="QZ-W-01")
    assert (day.hours, day.mean) == (3, 11.0)


def _hold_lock(path: str, seconds: float, ready: Any) -> None:
    import duckdb

    connection = duckdb.connect(path)
    ready.set()
    time.sleep(seconds)
    connection.close()


def test_a_store_waits_for_another_process_lock_and_gives_up_after_its_limit(
    tmp_path: Path,
) -> None:
    context = multiprocessing.get_context("spawn")
    path = tmp_path / "locked.duckdb"
    ReadingsStore(path).count()  # create the file
    ready = context.Event()
    holder = context.Process(target=_hold_lock, args=(str(path), 1.5, ready))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(duckdb.IOException, match="lock"):
            ReadingsStore(path, lock_wait_s=0.2).count()
        patient = ReadingsStore(path, lock_wait_s=30)
        assert patient.count() == 0  # waited for the other process to let go
    finally:
        holder.join(30)
