"""Synthetic demo registry: outlets, devices and permit limits for a dozen of the synthetic
demo enterprises and three synthetic restaurants. Every record is labelled synthetic; the
limits are invented for the demo, not taken from a real permit. The devices' MNs and
passwords are in ``data/demo_devices.csv`` (and nowhere else), for the device simulator."""

from __future__ import annotations

import csv
from importlib import resources
from typing import Any

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Clock
from ecociv.sources.services import import_registry


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("ecociv.sources").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def demo_devices() -> list[dict[str, str]]:
    """The demo devices: mn, password, outlet_code, kind, edition, crc_policy,
    online_timeout_minutes, parameters (HJ 212-2017 codes, ``;``-separated), synthetic."""
    return _read("demo_devices.csv")


def demo_registry_rows() -> list[dict[str, str]]:
    """Registry rows: each outlet's limits, its device on the outlet's first row."""
    devices = {d["outlet_code"]: d for d in demo_devices()}
    rows: list[dict[str, str]] = []
    placed: set[str] = set()
    for row in _read("demo_outlets.csv"):
        out = dict(row)
        device = devices.get(row["outlet_code"])
        if device is not None and row["outlet_code"] not in placed:
            placed.add(row["outlet_code"])
            for key in ("mn", "password", "edition", "crc_policy", "online_timeout_minutes"):
                out[key] = device[key]
        rows.append(out)
    return rows


def load_sources_demo(db: Database, actor: Actor, clock: Clock | None = None) -> dict[str, Any]:
    """Load the synthetic restaurants (through the enterprise import) and the demo registry.
    Idempotent: a second run changes nothing."""
    firms = orgs.import_enterprises(db, actor, _read("demo_restaurants.csv"), synthetic=True)
    result = import_registry(db, actor, demo_registry_rows(), synthetic=True, clock=clock)
    return {
        "restaurants": firms.created,
        "outlets": result.outlets_created,
        "devices": result.devices_created,
        "limits": result.limits_created,
    }
