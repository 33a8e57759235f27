"""Traffic from unregistered MNs is counted and sampled within a fixed budget
(docs/operations.md, "Receiver limits"): counters by name for the most recently seen MNs and
one row adding together the rest; refused frames a few per MN and a fixed number in all;
registered devices keep their own counters and refused frames whatever the flood."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Role, ValidationError
from ecociv.sources import UNREGISTERED_OTHERS, UnregisteredRetention, services
from ecociv.sources.model import RefusedFrame
from ecociv.sources.tables import DeviceActivityRow, RefusedFrameRow
from tests.conftest import KECHENG, SYSTEM
from tests.integration.sources.conftest import NOW, device


def _activity(db: Database) -> dict[str, int]:
    with db.reading() as session:
        rows = session.scalars(select(DeviceActivityRow)).all()
        return {r.mn: r.frames_refused_auth for r in rows}


def _refused(db: Database) -> dict[str, int]:
    with db.reading() as session:
        rows = session.execute(
            select(RefusedFrameRow.mn, func.count()).group_by(RefusedFrameRow.mn)
        ).all()
        return {str(mn): int(n) for mn, n in rows}


def test_unregistered_counters_keep_the_most_recent_mns_and_add_the_rest_together(
    sources_db: Database,
) -> None:
    mine = device("wastewater")["mn"]
    retention = UnregisteredRetention(mns=3)
    for i in range(3):  # at the budget: all by name
        services.record_activity(
            sources_db,
            {f"STRANGER{i}": {"frames_refused_auth": i + 1}},
            {f"STRANGER{i}": NOW + timedelta(minutes=i)},
            NOW,
            retention=retention,
        )
    assert set(_activity(sources_db)) == {"STRANGER0", "STRANGER1", "STRANGER2"}
    services.record_activity(  # one above: the least recently seen goes into the others row
        sources_db,
        {
            "STRANGER3": {"frames_refused_auth": 10},
            mine: {"frames_ok": 1, "frames_refused_auth": 4},
        },
        {"STRANGER3": NOW + timedelta(minutes=5), mine: NOW},
        NOW,
        retention=retention,
    )
    counters = _activity(sources_db)
    assert counters == {
        "STRANGER1": 2,
        "STRANGER2": 3,
        "STRANGER3": 10,
        UNREGISTERED_OTHERS: 1,
        mine: 4,  # a registered device is never folded away
    }
    page = services.unregistered_devices(sources_db, SYSTEM, page=1, page_size=2)
    assert page.total == 4 and [d.mn for d in page.devices] == ["STRANGER3", "STRANGER2"]
    officer = Actor("kecheng", Role.COUNTY_OFFICER, county_code=KECHENG)
    assert services.unregistered_devices(sources_db, officer).total == 0


def test_a_thousand_invented_mns_add_a_bounded_number_of_rows(sources_db: Database) -> None:
    retention = UnregisteredRetention(mns=10, frames_per_mn=2, frames=15)
    counts = {f"FLOOD{i:05d}": {"frames_refused_auth": 1} for i in range(1000)}
    seen = {mn: NOW + timedelta(seconds=i) for i, mn in enumerate(counts)}
    frames = [
        RefusedFrame(mn, "refused_auth", seen[mn] + timedelta(milliseconds=k), f"#{mn}-{k}")
        for mn in counts
        for k in range(3)
    ]
    services.record_activity(sources_db, counts, seen, NOW, retention=retention)
    assert services.record_refused_frames(sources_db, frames, retention=retention) == 15
    counters = _activity(sources_db)
    assert len(counters) == 11 and sum(counters.values()) == 1000  # every frame counted
    assert counters[UNREGISTERED_OTHERS] == 990
    kept = _refused(sources_db)
    assert sum(kept.values()) == 15 and max(kept.values()) == 2
    assert "FLOOD00999" in kept  # the newest are kept
    again = [
        RefusedFrame(f"LATER{i}", "refused_auth", NOW + timedelta(hours=1), "#") for i in range(9)
    ]
    services.record_refused_frames(sources_db, again, retention=retention)
    assert sum(_refused(sources_db).values()) == 15  # still the budget, the oldest evicted
    assert {f"LATER{i}" for i in range(9)} <= set(_refused(sources_db))


def test_a_registered_device_keeps_its_refused_frames_beside_a_flood(sources_db: Database) -> None:
    mine = device("wastewater")["mn"]
    retention = UnregisteredRetention(mns=1, frames_per_mn=1, frames=1)
    ours = [RefusedFrame(mine, "bad_crc", NOW + timedelta(seconds=i), f"#{i}") for i in range(4)]
    flood = [RefusedFrame(f"X{i}", "refused_auth", NOW, f"#{i}") for i in range(50)]
    services.record_refused_frames(sources_db, ours + flood, retention=retention)
    kept = _refused(sources_db)
    assert kept[mine] == 4 and sum(kept.values()) == 5


def test_page_numbers_and_sizes_outside_their_range_are_refused(sources_db: Database) -> None:
    mine = device("wastewater")["mn"]
    services.device_detail(sources_db, SYSTEM, mine, NOW, page=1, page_size=500)  # at the bound
    with pytest.raises(ValidationError) as error:
        services.device_detail(sources_db, SYSTEM, mine, NOW, page_size=501)
    assert error.value.field == "page_size"
    with pytest.raises(ValidationError):
        services.unregistered_devices(sources_db, SYSTEM, page=0)
