"""Refused frames and MNs carrying control characters (a NUL among them) are kept with those
characters escaped visibly (``\\x00``): PostgreSQL cannot store a NUL in text, and one such
frame must not make a whole processing round fail. Counted and sampled like any other; the
SHA-256 is over the stored text, so a frame logged again is kept once."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.receiver.backend import SourcesBackend
from ecociv.sources import UnregisteredRetention, services
from ecociv.sources.model import RefusedFrame
from ecociv.sources.rules import visible_text
from ecociv.sources.tables import DeviceActivityRow, RefusedFrameRow
from tests.integration.sources.conftest import NOW, device


def test_visible_text_escapes_c0_controls_and_del_but_keeps_cr_lf_and_tab() -> None:
    assert visible_text("##0101QN=1\x00;MN=A\x01\x1f\x7f\r\n\t衢州") == (
        "##0101QN=1\\x00;MN=A\\x01\\x1f\\x7f\r\n\t衢州"
    )
    assert visible_text("plain") == "plain"
    assert visible_text("\x80\x9f") == "\x80\x9f"  # C1 controls are not C0: kept as they are


def test_a_refused_frame_with_a_nul_from_an_unknown_mn_is_counted_and_sampled(
    sources_db: Database, store: ReadingsStore
) -> None:
    mn = "EVIL\x00MN"
    raw = "##0101QN=20260302120500000;ST=22;CN=2061;PW=123456;MN=EVIL\x00MN;CP=&&\x00\x7f&&4A01\r\n"
    records = [
        {"kind": "rejected", "mn": mn, "reason": "refused_auth",
         "received_at": NOW.isoformat(), "raw": raw, "seq": 1},
    ]  # fmt: skip
    backend = SourcesBackend(sources_db, store, evaluate=False, retention=UnregisteredRetention())
    counts = {mn: {"refused_auth": 1}}
    backend.process(records, counts, {mn: NOW}, NOW)  # type: ignore[arg-type]
    backend.process(records, {}, {}, NOW)  # the same record replayed after a crash
    stored_mn = "EVIL\\x00MN"
    with sources_db.reading() as session:
        rows = session.scalars(select(RefusedFrameRow)).all()
        activity = session.get(DeviceActivityRow, stored_mn)
    assert [(r.mn, r.reason) for r in rows] == [(stored_mn, "refused_auth")]
    assert rows[0].raw == raw.replace("\x00", "\\x00").replace("\x7f", "\\x7f")
    assert "\x00" not in rows[0].raw and rows[0].raw.endswith("\r\n")
    assert rows[0].raw_sha256 == hashlib.sha256(rows[0].raw.encode("utf-8")).hexdigest()
    assert activity is not None and activity.frames_refused_auth == 1


def test_a_registered_devices_refused_frame_with_a_nul_is_kept_escaped(
    sources_db: Database,
) -> None:
    mn = device("wastewater")["mn"]
    frame = RefusedFrame(mn, "bad_crc", NOW, "##0050QN=1;MN=" + mn + ";CP=&&a\x00b\x08&&FFFF\r\n")
    assert services.record_refused_frames(sources_db, [frame, frame]) == 1
    assert services.record_refused_frames(sources_db, [frame]) == 0  # idempotent
    with sources_db.reading() as session:
        raws = session.scalars(select(RefusedFrameRow.raw).where(RefusedFrameRow.mn == mn)).all()
    assert raws == ["##0050QN=1;MN=" + mn + ";CP=&&a\\x00b\\x08&&FFFF\r\n"]


def test_an_mn_with_a_nul_is_simply_not_registered(sources_db: Database) -> None:
    """No registered MN holds a control character, so such an MN is unknown without asking
    the database (which, on PostgreSQL, would refuse the NUL and fail the connection)."""
    mn = device("wastewater")["mn"]
    assert services.authenticate_device(sources_db, mn + "\x00", "123456") is None
    assert not services.is_registered(sources_db, "\x00" + mn)
    assert services.is_registered(sources_db, mn)
