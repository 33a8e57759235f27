"""The synthetic hazardous-waste demo year, on SQLite and PostgreSQL: it registers two licensed
receivers in the city and one outside, walks manifests through every state, stores tracks and
ledgers, holds a case of every warning rule of docs/modules/hazwaste.md §6, is labelled
synthetic, loads once (a second load changes nothing), and its per-county I1 and I4 are what a
hand calculation over the stored rows gives.

The year is loaded once per backend (a copy of the test template, as the ``db`` fixture makes)
and read by every test of the module; ``scale`` thins the regular shipments so it loads in
seconds, the cases stay."""

from __future__ import annotations

import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from ecociv.adapters.db import Database
from ecociv.audit.tables import AuditRow
from ecociv.kernel.clock import SHANGHAI
from ecociv.kernel.datum import Datum
from ecociv.waste import ManifestState
from ecociv.waste.demo import WasteDemoSummary, load_waste_demo
from ecociv.waste.rules import tracks as geo
from ecociv.waste.tables import (
    CrewRow,
    FacilityRow,
    LedgerRow,
    LicenceRow,
    ManifestEventRow,
    ManifestLineRow,
    ManifestRow,
    ReportFilingRow,
    TrackPointRow,
    VehicleRow,
    WasteWarningRow,
)
from tests.conftest import (
    BACKENDS,
    SYSTEM,
    TEST_AUDIT_KEY,
    Template,
    pg_drop,
    pg_execute,
    pg_url_for,
)

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
SCALE = 0.1
D = Decimal
S = ManifestState
COUNTIES = ("330802", "330803", "330822", "330824", "330825", "330881")
#: Rules with a stored warning after the load: every rule of docs/modules/hazwaste.md §6.
#: W09, W10, W11, W14 and W15 also block steps; a refused step is kept as a warning too.
STORED = {
    "W01a", "W01b", "W01c", "W01d", "W02", "W03", "W04", "W05", "W06", "W07", "W08", "W09",
    "W10", "W11", "W12", "W13", "W14", "W15", "W16", "W17", "W18", "W19", "W20", "W21",
}  # fmt: skip
BLOCKED = {"W09", "W10", "W11", "W14", "W15"}


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest,
    templates: dict[str, Template],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Database, WasteDemoSummary]]:
    """A copy of the template database holding the demo year (once per backend)."""
    template = templates[request.param]
    name = ""
    if template.backend == "sqlite":
        target = Path(tmp_path_factory.mktemp("waste_demo")) / "ecociv.db"
        shutil.copyfile(template.name, target)
        database = Database(f"sqlite:///{target}", audit_key=TEST_AUDIT_KEY)
    else:
        name = f"ecociv_t_{uuid.uuid4().hex[:12]}"
        pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"')
        database = Database(pg_url_for(name), audit_key=TEST_AUDIT_KEY)
    summary = load_waste_demo(database, SYSTEM, now=NOW, scale=SCALE)
    yield database, summary
    database.dispose()
    if name:
        pg_drop(name)


def _count(db: Database, row: type) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(row)) or 0)


def test_two_licensed_receivers_in_the_city_and_one_outside(
    demo: tuple[Database, WasteDemoSummary],
) -> None:
    db, summary = demo
    assert summary.loaded
    with db.reading() as session:
        receivers = set(
            session.scalars(
                select(ManifestRow.receiver_uscc).where(ManifestRow.parent_no.is_(None))
            )
        )
        licensed = dict(session.execute(select(LicenceRow.holder_uscc, LicenceRow.kind)).all())
        sites = {f.uscc: f for f in session.scalars(select(FacilityRow))}
    operators = [u for u in receivers if licensed.get(u) == "comprehensive"]
    inside = [u for u in operators if sites[u].adcode.startswith("3308")]
    outside = [u for u in operators if not sites[u].adcode.startswith("3308")]
    assert len(inside) == 2 and all(sites[u].enterprise_id is not None for u in inside)
    assert len(outside) == 1
    far = sites[outside[0]]
    assert far.enterprise_id is None and far.adcode == "360602" and far.is_synthetic
    assert receivers <= set(operators)  # every receiver holds an operating licence
    assert summary.counties["330881"].in_city_t < summary.counties["330881"].transferred_t


def test_every_state_of_the_manifest_machine_is_reached(
    demo: tuple[Database, WasteDemoSummary],
) -> None:
    db, summary = demo
    with db.reading() as session:
        reached = set(session.scalars(select(ManifestEventRow.to_state).distinct()))
        now_in = dict(
            session.execute(
                select(ManifestRow.state, func.count()).group_by(ManifestRow.state)
            ).all()
        )
    assert reached == {s.value for s in S}
    assert now_in == summary.states
    for state in ("draft", "submitted", "in_transit", "delivered", "rejected", "closed",
                  "disposed", "cancelled", "under_correction", "paper_backfill"):  # fmt: skip
        assert now_in.get(state, 0) >= 1, state
    assert sum(now_in.values()) == summary.manifests == _count(db, ManifestRow)


def test_a_relay_is_offered_by_name_and_taken_over_only_by_the_named_carrier(
    demo: tuple[Database, WasteDemoSummary],
) -> None:
    """T5 (转移办法 第十七条): the demo's relay goes through offer → accept; a carrier not named
    was refused and its attempt is in the audit log; the named one delivered."""
    db, summary = demo
    refused = [c for c in summary.cases["T5"] if c.startswith("refused:")]
    (number,) = [c for c in summary.cases["T5"] if c.isdigit()]
    assert len(refused) == 1 and number in refused[0]
    with db.reading() as session:
        row = session.scalar(select(ManifestRow).where(ManifestRow.number == number))
        assert row is not None and row.relay_to_uscc is None
        actions = list(
            session.scalars(
                select(ManifestEventRow.action)
                .where(ManifestEventRow.manifest_id == row.id)
                .order_by(ManifestEventRow.id)
            )
        )
        audited = session.scalar(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.action == "waste_manifest.refused", AuditRow.entity_id == number)
        )
    assert actions[2:6] == ["depart", "offer_relay", "accept_relay", "deliver"]
    legs = row.body["legs"]
    assert len(legs) == 2 and legs[0]["carrier_uscc"] != legs[1]["carrier_uscc"]
    assert legs[0]["end_place"] == legs[1]["start_place"] and audited == 1


def test_each_warning_rule_has_its_case(demo: tuple[Database, WasteDemoSummary]) -> None:
    db, summary = demo
    assert set(summary.blocked) == BLOCKED and all(n == 1 for n in summary.blocked.values())
    expected = {f"W{n:02d}" for n in range(2, 22)} | {"W01a", "W01b", "W01c", "W01d"}
    assert expected <= set(summary.cases)
    with db.reading() as session:
        query = select(WasteWarningRow.rule, WasteWarningRow.subject_key).where(
            WasteWarningRow.cleared_at.is_(None)
        )
        live = {(rule, subject) for rule, subject in session.execute(query)}
    assert {rule for rule, _ in live} >= STORED
    assert dict(summary.warnings).keys() >= STORED
    for rule in ("W02", "W03", "W04", "W06", "W07", "W16", "W18", "W19", "W20", "W21"):
        numbers = [ref for ref in summary.cases[rule] if ref.isdigit()]
        assert any((rule, f"manifest:{n}") in live for n in numbers), rule
    for number in summary.cases["W12"]:
        assert {("W12", f"manifest:{number}"), ("W13", f"manifest:{number}")} <= live
    for rule in ("W01a", "W01b", "W01c", "W01d"):
        _, uscc, batch = summary.cases[rule][0].split()
        assert (rule, f"batch:{uscc}:{batch}") in live, rule


def test_the_cases_are_in_the_stored_records(demo: tuple[Database, WasteDemoSummary]) -> None:
    db, summary = demo
    with db.reading() as session:
        by_number = {m.number: m for m in session.scalars(select(ManifestRow)) if m.number}
        lines = defaultdict(list)
        for line in session.scalars(select(ManifestLineRow)):
            lines[line.manifest_id].append(line)
    (delivered,) = [by_number[n] for n in summary.cases["W02"] if by_number[n].state == "delivered"]
    assert delivered.receipt_due_on is not None
    assert delivered.receipt_due_on < NOW.date()  # past the fifth working day
    for number in summary.cases["W12"]:
        assert not by_number[number].receiver_adcode.startswith("3308")
        assert by_number[number].route["distance_km"] > 100  # W13
    short = lines[by_number[summary.cases["W04"][0]].id][0]
    assert short.discrepancy and (short.shipped_t - short.received_t) / short.shipped_t > D("0.1")
    closed = by_number[summary.cases["W20"][0]]
    assert closed.state == "closed" and (NOW - closed.closed_at).days > 90
    waiting = by_number[summary.cases["W21"][0]]
    assert waiting.state == "submitted" and (NOW - waiting.submitted_at).days > 30
    late_paper = by_number[summary.cases["W16"][0]]
    assert late_paper.paper and (late_paper.created_at - late_paper.delivered_at).days > 14
    first, second = (by_number[n] for n in summary.cases["W19"])
    assert first.vehicle_plate == second.vehicle_plate
    assert abs(first.departed_at - second.departed_at).total_seconds() <= 30 * 60


def _fixes(db: Database, m: ManifestRow) -> tuple[np.ndarray, list[float], list[float]]:
    with db.reading() as session:
        rows = session.scalars(
            select(TrackPointRow)
            .where(
                TrackPointRow.vehicle_plate == m.vehicle_plate,
                TrackPointRow.observed_at >= m.departed_at,
                TrackPointRow.observed_at <= (m.delivered_at or NOW),
            )
            .order_by(TrackPointRow.observed_at)
        ).all()
    times = geo.utc_instants([r.observed_at for r in rows])
    return times, [r.longitude for r in rows], [r.latitude for r in rows]


def test_fixes_follow_the_trips_and_the_track_cases_show_in_them(
    demo: tuple[Database, WasteDemoSummary],
) -> None:
    db, summary = demo
    assert summary.fixes == _count(db, TrackPointRow) > 1000
    with db.reading() as session:
        datums = set(session.scalars(select(TrackPointRow.datum).distinct()))
        devices = set(session.scalars(select(VehicleRow.gps_device_id)))
        used = set(session.scalars(select(TrackPointRow.gps_device_id).distinct()))
        by_number = {m.number: m for m in session.scalars(select(ManifestRow)) if m.number}
    assert datums == {"WGS-84"} and used <= devices
    gap_trip, silent_trip = (by_number[n] for n in summary.cases["W08"])
    times, lon, lat = _fixes(db, gap_trip)
    start, end = geo.utc_instant(gap_trip.departed_at), geo.utc_instant(gap_trip.delivered_at)
    gaps = geo.gps_gaps(times, start, end)
    assert len(gaps) == 1 and 20 < gaps[0].minutes < 30  # one gap, the rest every 1–2 min
    assert np.diff(times).max() <= np.timedelta64(30 * 60, "s")
    assert len(_fixes(db, silent_trip)[0]) == 0
    detour = by_number[summary.cases["W06"][0]]
    times, lon, lat = _fixes(db, detour)
    runs = geo.corridor_deviation(lon, lat, times, detour.route["lon"], detour.route["lat"])
    assert runs and max(r.minutes for r in runs) > 10
    normal = by_number[summary.cases["W04"][0]]  # an ordinary track stays on its route
    times, lon, lat = _fixes(db, normal)
    assert not geo.corridor_deviation(lon, lat, times, normal.route["lon"], normal.route["lat"])
    stopped = by_number[summary.cases["W07"][0]]
    times, lon, lat = _fixes(db, stopped)
    with db.reading() as session:
        sites = [
            (f.longitude, f.latitude)
            for f in session.scalars(select(FacilityRow))
            if f.uscc in (stopped.consignor_uscc, stopped.receiver_uscc) or f.kind == "service_area"
        ]
    stops = geo.derive_stops(times, lon, lat)
    odd = geo.abnormal_stops(stops, sites, 500.0, whitelist_datum=Datum.GCJ02)
    assert len(odd) == 1 and 40 < odd[0].minutes < 50


def test_i1_and_i4_per_county_by_hand_equal_the_summary(
    demo: tuple[Database, WasteDemoSummary],
) -> None:
    db, summary = demo
    start, end = summary.period_start, summary.period_end
    assert start is not None and end is not None
    generated: dict[str, Decimal] = defaultdict(Decimal)
    harmless: dict[str, Decimal] = defaultdict(Decimal)
    moved: dict[str, Decimal] = defaultdict(Decimal)
    in_city: dict[str, Decimal] = defaultdict(Decimal)
    with db.reading() as session:
        county = dict(session.execute(select(FacilityRow.uscc, FacilityRow.adcode)).all())
        for unit, t, at in session.execute(
            select(LedgerRow.unit_uscc, LedgerRow.quantity_t, LedgerRow.occurred_at).where(
                LedgerRow.stage == "generate"
            )
        ):
            if start <= at < end:
                generated[county[unit]] += t
        for m, shipped, disposed in session.execute(
            select(ManifestRow, ManifestLineRow.shipped_t, ManifestLineRow.disposed_t)
            .join(ManifestLineRow, ManifestLineRow.manifest_id == ManifestRow.id)
            .where(ManifestRow.parent_no.is_(None))
        ):
            here = m.consignor_adcode
            if m.state not in ("draft", "cancelled") and start <= m.submitted_at < end:
                moved[here] += shipped
                if m.receiver_adcode.startswith("3308"):
                    in_city[here] += shipped
            if disposed is not None and start <= m.disposed_at < end:
                harmless[here] += disposed
    assert set(summary.counties) == set(COUNTIES)
    for code in COUNTIES:
        figures = summary.counties[code]
        assert figures.generated_t == generated[code] > 0, code
        assert figures.utilised_disposed_t == harmless[code], code
        assert figures.transferred_t == moved[code] > 0, code
        assert figures.in_city_t == in_city[code], code
        assert figures.i1 == (100 * harmless[code] / generated[code]).quantize(D("0.01"))
        assert figures.i4 == (100 * in_city[code] / moved[code]).quantize(D("0.01"))
        assert D(0) < figures.i1 < D(100)  # waste in store and in transit at the end
    assert [c for c in COUNTIES if summary.counties[c].i4 != D(100)] == ["330881"]


def test_everything_stored_is_labelled_synthetic(demo: tuple[Database, WasteDemoSummary]) -> None:
    db, _ = demo
    with db.reading() as session:
        assert all(session.scalars(select(ManifestRow.is_synthetic)))
        assert all(session.scalars(select(LedgerRow.is_synthetic)))
        assert all(session.scalars(select(FacilityRow.is_synthetic)))
        assert all(name.endswith("（合成）") for name in session.scalars(select(FacilityRow.name)))
        assert all(name.endswith("（合成）") for name in session.scalars(select(CrewRow.name)))
        assert all("合成" in n for n in session.scalars(select(LicenceRow.number)))


def test_a_second_load_changes_nothing(demo: tuple[Database, WasteDemoSummary]) -> None:
    db, _ = demo
    tables = (
        ManifestRow, ManifestEventRow, TrackPointRow, LedgerRow, AuditRow, WasteWarningRow,
        FacilityRow, ReportFilingRow,
    )  # fmt: skip
    before = [_count(db, t) for t in tables]
    again = load_waste_demo(db, SYSTEM, now=NOW, scale=SCALE)
    assert not again.loaded and again.manifests == 0
    assert [_count(db, t) for t in tables] == before
