"""API request/response models of hazardous-waste supervision.

Requests reuse the model's and the rules' frozen dataclasses (pydantic validates them field by
field, so an API body and a rules input cannot drift apart); quantities are decimal tonnes
(send them as strings, e.g. "3.98", to keep them exact), instants ISO 8601 with a zone, days
``YYYY-MM-DD``.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ecociv.kernel.inputs import Input, control_character_in
from ecociv.waste.model import LedgerEntry, PartyRole
from ecociv.waste.rules import (
    CorrectionInput,
    DraftInput,
    LegInput,
    LineDisposal,
    LineReceipt,
)


def _bad_inside(value: Any, path: str = "") -> str | None:
    """Where, inside a field's dataclasses, lists and mappings, a text holds a control
    character or a number is not finite: the path and the problem, else None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items: Any = [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
        if control_character_in(list(value)) is not None:
            return f"{path}: 键不能含控制字符 (a key holds a control character)"
    elif isinstance(value, list | tuple):
        items = [(f"[{i}]", v) for i, v in enumerate(value, start=1)]
    else:
        if isinstance(value, str) and control_character_in(value) is not None:
            return f"{path}: 不能含控制字符 (must not contain a control character)"
        if isinstance(value, float | Decimal) and not math.isfinite(value):
            return f"{path}: 必须是有限的数 (must be a finite number)"
        return None
    for name, item in items:
        inner = f"{path}{name}" if name.startswith("[") else f"{path}.{name}".lstrip(".")
        found = _bad_inside(item, inner)
        if found is not None:
            return found
    return None


class WasteInput(Input):
    """A waste request body: besides :class:`~ecociv.kernel.inputs.Input`'s checks, the
    dataclasses it carries (a draft, a leg, receipts) hold no control character and no
    infinite number either (docs/inputs.md, "Parameters")."""

    @field_validator("*", mode="after")
    @classmethod
    def _plain_inside(cls, value: Any) -> Any:
        found = _bad_inside(value)
        if found is not None:
            raise ValueError(found)
        return value


class FacilityIn(WasteInput):
    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(description="统一社会信用代码 (18 characters)")
    name: str = ""
    adcode: str = Field("", description="GB/T 2260 code; from the master record for Quzhou units")
    address: str = ""
    longitude: float | None = Field(None, description="GCJ-02")
    latitude: float | None = Field(None, description="GCJ-02")
    kind: str = Field("unit", description="unit, or service_area (a site where vehicles may stop)")


class FacilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    uscc: str
    name: str
    kind: str
    adcode: str
    address: str
    longitude: float | None
    latitude: float | None
    in_city: bool
    is_synthetic: bool


class SavedOut(BaseModel):
    changed: bool = Field(description="false when the record was already exactly so")


class DraftIn(WasteInput):
    model_config = ConfigDict(extra="forbid")

    draft: DraftInput
    consignor_role: PartyRole = PartyRole.GENERATOR
    on_behalf_of: str | None = Field(None, description="administrators only: the party's USCC")


class ActionIn(WasteInput):
    """The inputs of one action; each action reads its own fields."""

    model_config = ConfigDict(extra="forbid")

    draft: DraftInput | None = Field(None, description="revise_draft")
    shipped_t: dict[int, Decimal] | None = Field(
        None, description="submit: weighed tonnes per line number (default: the planned)"
    )
    reason: str | None = Field(None, description="cancel, start_correction")
    leg: LegInput | None = Field(None, description="depart, accept_relay")
    to_carrier_uscc: str | None = Field(None, description="offer_relay: the named next carrier")
    place: str | None = Field(None, description="offer_relay: where the hand-over happens")
    end_place: str | None = Field(None, description="deliver")
    receipts: list[LineReceipt] | None = Field(None, description="confirm_receipt")
    disposals: list[LineDisposal] | None = Field(None, description="report_disposal")
    changes: CorrectionInput | None = Field(None, description="finish_correction")
    carrier_uscc: str | None = Field(None, description="make_return_manifest")
    receiver_uscc: str | None = Field(None, description="make_return_manifest (alternate)")
    on_behalf_of: str | None = Field(None, description="administrators only: the party's USCC")

    def args(self) -> dict[str, Any]:
        """The fields that were sent, as the service's arguments."""
        return {
            k: tuple(v) if isinstance(v, list) else v
            for k, v in self.__dict__.items()
            if v is not None and k != "on_behalf_of"
        }


class RelayOfferIn(WasteInput):
    """A relay hand-over offered to a named next carrier (转移办法 第十七条)."""

    model_config = ConfigDict(extra="forbid")

    to_carrier_uscc: str = Field(description="the next carrier's 统一社会信用代码 (18 characters)")
    place: str = Field("", max_length=200, description="where the hand-over is to happen")
    on_behalf_of: str | None = Field(None, description="administrators only: the party's USCC")


class RelayAcceptIn(WasteInput):
    """The named next carrier takes the relay over with its vehicle and crew (W09 checks)."""

    model_config = ConfigDict(extra="forbid")

    leg: LegInput
    on_behalf_of: str | None = Field(None, description="administrators only: the party's USCC")


class OnBehalfIn(WasteInput):
    model_config = ConfigDict(extra="forbid")

    on_behalf_of: str | None = Field(None, description="administrators only: the party's USCC")


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    transition: str
    action: str
    from_state: str | None
    to_state: str
    actor_role: str
    actor_uscc: str
    actor_user: str
    at: datetime
    data: dict[str, Any]


class ManifestOut(BaseModel):
    id: int
    reference: str = Field(description="the 14-digit number, or #id for a draft")
    manifest: dict[str, Any] = Field(description="the current version, every field")
    parties: dict[str, FacilityOut]
    events: list[EventOut]
    versions: list[tuple[int, datetime, str]] = Field(description="[version, created, state]")
    actions: list[str] = Field(description="legal next actions the caller's unit may take")
    route: dict[str, Any] | None = Field(None, description="planned route, WGS-84")
    is_synthetic: bool


class ManifestSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str | None
    reference: str
    state: str
    waste_kind: str
    consignor_uscc: str
    consignor_adcode: str
    receiver_uscc: str
    receiver_adcode: str
    carrier_uscc: str
    vehicle_plate: str
    submitted_at: datetime | None
    delivered_at: datetime | None
    closed_at: datetime | None
    shipped_t: Decimal
    codes: tuple[str, ...]
    is_synthetic: bool


class ManifestPageOut(BaseModel):
    items: list[ManifestSummaryOut]
    total: int
    page: int
    page_size: int
    names: dict[str, str]


class RouteIn(WasteInput):
    model_config = ConfigDict(extra="forbid")

    lon: list[float] = Field(description="WGS-84 longitudes of the planned route")
    lat: list[float] = Field(description="WGS-84 latitudes")
    eta_minutes: int = Field(description="expected travel time (W03), 1 … 10,080 minutes")


class FixIn(WasteInput):
    model_config = ConfigDict(extra="forbid")

    gps_device_id: str
    observed_at: datetime
    longitude: float
    latitude: float
    datum: str = Field("WGS-84", description="WGS-84 (GNSS) or GCJ-02")
    speed_kmh: float | None = None
    heading_deg: float | None = None


class FixesIn(WasteInput):
    model_config = ConfigDict(extra="forbid")

    fixes: list[FixIn]


class CountsOut(BaseModel):
    received: int
    inserted: int
    unchanged: int


class FixCountsOut(CountsOut):
    conflicting: int = Field(
        0, description="fixes at a stored (vehicle, device, time) with another position"
    )


class LedgerIn(WasteInput):
    model_config = ConfigDict(extra="forbid")

    entries: list[LedgerEntry]


class TrackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reference: str
    datum: str = "GCJ-02"
    times: list[datetime]
    lon: list[float]
    lat: list[float]
    speed_kmh: list[float | None]
    stops: list[dict[str, Any]]
    route_lon: list[float]
    route_lat: list[float]
    start: datetime | None
    end: datetime | None


class WarningActionIn(WasteInput):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(description="acknowledge, resolve or false_positive")
    notes: str = ""
