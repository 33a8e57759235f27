"""The receiver's real backend: devices from the pollution-source registry, frames into the
readings store, counters onto the devices, and warnings evaluated device by device."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ecociv import sources
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.receiver.server import DeviceIdentity

log = logging.getLogger("ecociv.receiver")

#: Receiver counters the registry keeps per device (the others stay in the receiver's stats).
RECORDED = {
    "ok": "frames_ok",
    "bad_crc": "frames_bad_crc",
    "bad_format": "frames_bad_format",
    "duplicate": "frames_duplicate",
    "refused_auth": "frames_refused_auth",
    "flagged": "frames_flagged",
    "split_incomplete": "frames_split_incomplete",
}


def frames_of(records: Sequence[dict[str, Any]]) -> list[sources.DeviceFrame]:
    """The data records of the frame log as the registry's plain frames."""
    return [
        sources.DeviceFrame(
            mn=r["mn"],
            cn=r["cn"],
            data_time=datetime.fromisoformat(r["data_time"]),
            values=tuple(
                sources.FrameValue(code, suffix, float(value), flag)
                for code, suffix, value, flag in r["values"]
            ),
            received_at=datetime.fromisoformat(r["received_at"]),
        )
        for r in records
        if r.get("kind") == "data"
    ]


def refused_of(records: Sequence[dict[str, Any]]) -> list[sources.RefusedFrame]:
    """The refused records of the frame log, kept for inspection per device."""
    return [
        sources.RefusedFrame(
            mn=r.get("mn") or "",
            reason=r.get("reason") or "",
            received_at=datetime.fromisoformat(r["received_at"]),
            raw=r.get("raw") or "",
        )
        for r in records
        if r.get("kind") == "rejected"
    ]


class SourcesBackend:
    """Authenticates against the registry and processes logged records in one worker."""

    def __init__(
        self,
        db: Database,
        store: ReadingsStore,
        *,
        evaluate: bool = True,
        notify: Callable[[dict[str, Any]], None] | None = None,
        retention: sources.UnregisteredRetention | None = None,
    ) -> None:
        self.db = db
        self.store = store
        self.evaluate = evaluate
        self.notify = notify
        self.retention = retention or sources.UnregisteredRetention()

    def authenticate(self, mn: str, password: str) -> DeviceIdentity | None:
        found = sources.authenticate_device(self.db, mn, password)
        if found is None:
            return None
        return DeviceIdentity(found.mn, found.crc_policy.value, found.active)

    def is_registered(self, mn: str) -> bool:
        return sources.is_registered(self.db, mn)

    def process(
        self,
        records: Sequence[dict[str, Any]],
        counts: dict[str, Counter[str]],
        last_seen: dict[str, datetime],
        now: datetime,
    ) -> None:
        frames = frames_of(records)
        if frames:
            sources.store_frames(self.db, self.store, frames)
        sources.record_refused_frames(self.db, refused_of(records), retention=self.retention)
        deltas = {
            mn: {RECORDED[k]: n for k, n in counter.items() if k in RECORDED and n}
            for mn, counter in counts.items()
            if mn
        }
        sources.record_activity(
            self.db,
            {mn: d for mn, d in deltas.items() if d},
            last_seen,
            now,
            retention=self.retention,
        )
        if self.evaluate:
            for mn in sorted({f.mn for f in frames}):  # one device at a time, in order
                try:
                    sources.evaluate_device(self.db, self.store, mn, now, notify=self.notify)
                except Exception:  # a rule's failure must not lose the stored frames
                    log.exception("warning evaluation failed for %s", mn)
