"""Frames into the readings store, device counters and status, warnings raised once per
rule, device and parameter, and handled within scope."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, ConflictError, NotFoundError, PermissionDeniedError, Role
from ecociv.orgs import enterprise_id_for
from ecociv.sources import services
from ecociv.sources.model import DeviceFrame, FrameValue, WarningState
from ecociv.sources.services import WarningFilter
from ecociv.sources.services.warnings import WebhookNotifier
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM, demo_enterprise
from tests.integration.sources.conftest import NOW, device, hourly_frames

KECHENG_OFFICER = Actor("kecheng", Role.COUNTY_OFFICER, county_code=KECHENG)
JIANGSHAN_OFFICER = Actor("jiangshan", Role.COUNTY_OFFICER, county_code=JIANGSHAN)


def kecheng_wastewater() -> dict[str, str]:
    return next(
        d
        for d in (device("wastewater", i) for i in range(5))
        if d["outlet_code"].startswith("330802")
    )


def test_a_device_authenticates_with_its_password_only(sources_db: Database) -> None:
    d = device("flue_gas")
    auth = services.authenticate_device(sources_db, d["mn"], d["password"])
    assert auth is not None and auth.outlet_code == d["outlet_code"] and auth.active
    assert services.authenticate_device(sources_db, d["mn"], d["password"] + "0") is None
    assert services.authenticate_device(sources_db, "NO-SUCH-MN", d["password"]) is None


def test_a_resent_batch_adds_nothing(sources_db: Database, store: ReadingsStore) -> None:
    d = device("flue_gas")
    frames = hourly_frames(d["mn"], [("a21026", 20.0), ("a21002", 30.0)], hours=3)
    first = services.store_frames(sources_db, store, frames)
    assert (first.inserted, first.unchanged, first.replaced) == (6, 0, 0)
    again = services.store_frames(sources_db, store, frames + frames[:1])
    assert (again.inserted, again.unchanged, again.replaced) == (0, 6, 0)
    stored = store.readings(d["outlet_code"])
    assert len(stored) == 6 and {r[1] for r in stored} == {"a21026-Avg", "a21002-Avg"}
    assert {r[4] for r in stored} == {"N"}


def test_frames_of_unknown_devices_and_non_data_commands_are_ignored(
    sources_db: Database, store: ReadingsStore
) -> None:
    d = device("vocs")
    info = DeviceFrame(d["mn"], "3020", NOW, (FrameValue("i12001", "Info", 1.0),), NOW)
    stranger = DeviceFrame("STRANGER", "2061", NOW, (FrameValue("a24088", "Avg", 5.0),), NOW)
    outcome = services.store_frames(sources_db, store, [info, stranger])
    assert outcome.inserted == 0 and outcome.ignored == 2


def test_counters_add_up_and_unknown_devices_can_be_inspected(sources_db: Database) -> None:
    d = device("wastewater")
    services.record_device_activity(sources_db, d["mn"], {"frames_ok": 5, "frames_bad_crc": 1}, NOW)
    services.record_device_activity(
        sources_db, d["mn"], {"frames_ok": 2, "frames_duplicate": 1}, NOW + timedelta(minutes=5)
    )
    services.record_device_activity(sources_db, "STRANGER", {"frames_refused_auth": 3}, NOW)
    statuses = services.device_status(
        sources_db, SYSTEM, NOW + timedelta(minutes=30), include_unregistered=True
    )
    mine = next(s for s in statuses if s.mn == d["mn"])
    assert mine.online and mine.counters["frames_ok"] == 7 and mine.counters["frames_bad_crc"] == 1
    assert mine.last_frame_at == NOW + timedelta(minutes=5)
    stranger = next(s for s in statuses if s.mn == "STRANGER")
    assert not stranger.registered and stranger.counters["frames_refused_auth"] == 3
    assert stranger.last_frame_at is None
    later = services.device_status(sources_db, SYSTEM, NOW + timedelta(minutes=66))
    assert not next(s for s in later if s.mn == d["mn"]).online


def exceed(db: Database, store: ReadingsStore, d: dict[str, str]) -> None:
    frames = hourly_frames(d["mn"], [("w01018", 150.0 + i % 2) for i in range(1)], hours=3)
    frames = [
        DeviceFrame(f.mn, f.cn, f.data_time,
                    (FrameValue("w01018", "Avg", 150.0 + i), FrameValue("w21003", "Avg", 3.0 + i),
                     FrameValue("w21011", "Avg", 0.5 + i / 10)), f.received_at)
        for i, f in enumerate(frames)
    ]  # fmt: skip
    services.store_frames(db, store, frames)
    services.record_device_activity(db, d["mn"], {"frames_ok": 3}, NOW)


def test_evaluating_twice_raises_one_warning(sources_db: Database, store: ReadingsStore) -> None:
    d = kecheng_wastewater()
    exceed(sources_db, store, d)
    first = services.evaluate_device(sources_db, store, d["mn"], NOW)
    assert first.raised == 1
    second = services.evaluate_device(sources_db, store, d["mn"], NOW + timedelta(minutes=5))
    assert second.raised == 0
    found = services.list_warnings(sources_db, SYSTEM, WarningFilter(rule="exceedance"))
    assert len(found) == 1
    w = found[0]
    assert w.parameter == "w01018" and w.county_code == KECHENG and w.state is WarningState.OPEN
    assert w.evidence["limit"] == 100.0 and w.evidence["max"] == 152.0


def test_simultaneous_evaluations_raise_one_warning(
    sources_db: Database, store: ReadingsStore
) -> None:
    d = kecheng_wastewater()
    exceed(sources_db, store, d)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            services.evaluate_device(sources_db, store, d["mn"], NOW)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    found = services.list_warnings(sources_db, SYSTEM, WarningFilter(rule="exceedance"))
    assert len(found) == 1


def test_a_county_officer_sees_and_handles_only_its_county(
    sources_db: Database, store: ReadingsStore
) -> None:
    d = kecheng_wastewater()
    exceed(sources_db, store, d)
    services.evaluate_device(sources_db, store, d["mn"], NOW)
    w = services.list_warnings(sources_db, SYSTEM, WarningFilter(rule="exceedance"))[0]
    assert services.list_warnings(sources_db, JIANGSHAN_OFFICER) == []
    with pytest.raises(NotFoundError):
        services.get_warning(sources_db, JIANGSHAN_OFFICER, w.id)
    with pytest.raises(NotFoundError):
        services.acknowledge(sources_db, JIANGSHAN_OFFICER, w.id)
    done = services.acknowledge(sources_db, KECHENG_OFFICER, w.id, "已通知企业")
    assert done.state is WarningState.ACKNOWLEDGED and done.handler == "kecheng"
    closed = services.resolve(sources_db, KECHENG_OFFICER, w.id, "设备已校准")
    assert closed.state is WarningState.RESOLVED and "设备已校准" in closed.notes
    assert [h["event"] for h in closed.history] == ["raised", "acknowledge", "resolve"]
    with pytest.raises(ConflictError):
        services.mark_false_positive(sources_db, KECHENG_OFFICER, w.id)


def test_an_enterprise_user_sees_only_its_own_warnings_and_handles_none(
    sources_db: Database, store: ReadingsStore
) -> None:
    d = kecheng_wastewater()
    exceed(sources_db, store, d)
    services.evaluate_device(sources_db, store, d["mn"], NOW)
    with sources_db.reading() as session:
        own = enterprise_id_for(session, demo_enterprise(KECHENG))
        other = enterprise_id_for(session, demo_enterprise(JIANGSHAN))
    mine = services.list_warnings(sources_db, Actor("e", Role.ENTERPRISE_USER, enterprise_id=own))
    assert mine and {w.outlet_code for w in mine} == {d["outlet_code"]}
    theirs = Actor("f", Role.ENTERPRISE_USER, enterprise_id=other)
    assert services.list_warnings(sources_db, theirs) == []
    with pytest.raises(PermissionDeniedError):
        services.acknowledge(
            sources_db, Actor("e", Role.ENTERPRISE_USER, enterprise_id=own), mine[0].id
        )


def test_a_new_warning_is_posted_to_the_webhook_and_a_dead_webhook_blocks_nothing(
    sources_db: Database, store: ReadingsStore
) -> None:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        d = kecheng_wastewater()
        exceed(sources_db, store, d)
        url = f"http://127.0.0.1:{server.server_port}/hook"
        outcome = services.evaluate_device(
            sources_db, store, d["mn"], NOW, notify=WebhookNotifier(url)
        )
    finally:
        server.shutdown()
        server.server_close()
    assert outcome.raised >= 1 and len(received) == outcome.raised
    assert any(r["rule"] == "exceedance" and r["outlet_code"] == d["outlet_code"] for r in received)
    dead = WebhookNotifier(f"http://127.0.0.1:{server.server_port}/gone", timeout_s=0.5)
    dead({"id": 1})  # logged, not raised


def test_the_schedule_finds_offline_devices(sources_db: Database, store: ReadingsStore) -> None:
    d = device("vocs")
    services.record_device_activity(sources_db, d["mn"], {"frames_ok": 1}, NOW - timedelta(hours=3))
    summary = services.evaluate_all(sources_db, store, NOW)
    assert summary.devices == 16 and summary.failed == {}
    offline = services.list_warnings(sources_db, SYSTEM, WarningFilter(rule="offline"))
    assert [w.device_mn for w in offline] == [d["mn"]]
    services.record_device_activity(sources_db, d["mn"], {"frames_ok": 1}, NOW)
    services.evaluate_all(sources_db, store, NOW + timedelta(minutes=1))
    again = services.list_warnings(sources_db, SYSTEM, WarningFilter(rule="offline"))
    assert len(again) == 1 and again[0].cleared_at is not None


def test_the_programme_counts_a_key_vocs_enterprise_connected_after_a_recent_frame(
    sources_db: Database,
) -> None:
    before = services.vocs_catering_programme(sources_db, SYSTEM, NOW)
    assert len(before.vocs) == 9 and before.vocs_connected == 0 and len(before.catering) == 3
    services.record_device_activity(sources_db, device("vocs")["mn"], {"frames_ok": 1}, NOW)
    services.record_device_activity(
        sources_db, device("catering_fume")["mn"], {"frames_ok": 1}, NOW
    )
    after = services.vocs_catering_programme(sources_db, SYSTEM, NOW + timedelta(hours=1))
    assert after.vocs_connected == 1 and after.catering_connected == 1
    stale = services.vocs_catering_programme(sources_db, SYSTEM, NOW + timedelta(hours=25))
    assert stale.vocs_connected == 0
