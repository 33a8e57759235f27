"""Tables of hazardous-waste supervision. Quantities are exact tonnes (:class:`FixedDecimal`,
six places: grams); instants aware UTC; dates are local (Asia/Shanghai) calendar days.

A manifest is kept as its current version (``waste_manifest``: the columns the searches, rules
and indicators need, and the whole version as JSON in ``body``) and every version it ever had
(``waste_manifest_version``, never changed: 转移办法 第二十条 keeps them ten years); its current
lines are also rows (``waste_manifest_line``) so quantities sum in SQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecociv.adapters.db import Base, FixedDecimal, UTCDateTime


class FacilityRow(Base):
    """A party's site as the waste rules need it: where it is (GCJ-02) and in which
    administrative division (``adcode``, GB/T 2260: 3308xx inside Quzhou). Quzhou parties link
    to their enterprise master record; parties outside the city are kept here only. Approved
    service areas (``kind`` = service_area) are sites where a vehicle may stop (W07)."""

    __tablename__ = "waste_facility"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="unit")
    adcode: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id"), nullable=True, index=True
    )
    #: HJ 1259-2022 §4.2 class (key, simplified, registration): sets the reporting rhythm
    management_class: Mapped[str | None] = mapped_column(String(16), nullable=True)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ReportFilingRow(Base):
    """A report a unit filed (HJ 1259-2022 §7.2: monthly, quarterly, annual; §5.2.2 the plan),
    by period (``2025-03``, ``2025-Q1``, ``2025``), with the day it was filed (W17)."""

    __tablename__ = "waste_report_filing"
    __table_args__ = (UniqueConstraint("unit_uscc", "kind", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    period: Mapped[str] = mapped_column(String(10), nullable=False)
    filed_on: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class LicenceRow(Base):
    """A 危险废物经营许可证 with its approved scopes (JSON: codes, categories, t/a, methods)."""

    __tablename__ = "waste_licence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    holder_uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    valid_from_on: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until_on: Mapped[date] = mapped_column(Date, nullable=False)
    scopes: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    storage_capacity_t: Mapped[Decimal | None] = mapped_column(FixedDecimal(6), nullable=True)
    issuer: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


#: A GPS device is bound to one vehicle at a time (a vehicle without one has "").
_BOUND = text("gps_device_id <> ''")


class VehicleRow(Base):
    """A carrier's dangerous-goods vehicle, with the GPS device bound to it (unique)."""

    __tablename__ = "waste_vehicle"
    __table_args__ = (
        Index(
            "uq_waste_vehicle_gps_device_id",
            "gps_device_id",
            unique=True,
            sqlite_where=_BOUND,
            postgresql_where=_BOUND,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plate: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    owner_uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    operating_certificate_no: Mapped[str] = mapped_column(String(40), nullable=False)
    dangerous_goods_classes: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    valid_from_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until_on: Mapped[date] = mapped_column(Date, nullable=False)
    gps_device_id: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class CrewRow(Base):
    """A driver or escort with the dangerous-goods qualification."""

    __tablename__ = "waste_crew"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    qualification_no: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    role: Mapped[str] = mapped_column(String(10), nullable=False)
    valid_until_on: Mapped[date] = mapped_column(Date, nullable=False)
    employer_uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PlanRow(Base):
    """A unit's filed annual management plan; lines as JSON (code, t, receiver, method, type)."""

    __tablename__ = "waste_plan"
    __table_args__ = (UniqueConstraint("consignor_uscc", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consignor_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    filing_no: Mapped[str] = mapped_column(String(60), nullable=False)
    filed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    lines: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ApprovalRow(Base):
    """A cross-province transfer approval (跨省转移批准) with its quantity per code."""

    __tablename__ = "waste_approval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    consignor_uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    receiver_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    valid_from_on: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until_on: Mapped[date] = mapped_column(Date, nullable=False)
    approved_t: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class LedgerRow(Base):
    """One ledger record (HJ 1259-2022 §6.3); a batch number is unique per unit and stage."""

    __tablename__ = "waste_ledger"
    __table_args__ = (
        UniqueConstraint("unit_uscc", "stage", "batch_no"),
        Index("ix_waste_ledger_unit_at", "unit_uscc", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    stage: Mapped[str] = mapped_column(String(12), nullable=False)
    batch_no: Mapped[str] = mapped_column(String(60), nullable=False)
    parent_batch_no: Mapped[str | None] = mapped_column(String(60), nullable=True)
    code: Mapped[str] = mapped_column(String(12), nullable=False)
    quantity_t: Mapped[Decimal] = mapped_column(FixedDecimal(6), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    container_code: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    container_type: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    package_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    facility_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    staff: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    manifest_no: Mapped[str | None] = mapped_column(String(14), nullable=True, index=True)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ManifestRow(Base):
    """The current version of a manifest: searchable columns and the version as JSON."""

    __tablename__ = "waste_manifest"
    __table_args__ = (
        Index("ix_waste_manifest_state_submitted", "state", "submitted_at"),
        Index("ix_waste_manifest_consignor_county", "consignor_adcode", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str | None] = mapped_column(String(14), nullable=True, unique=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    waste_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    consignor_uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    consignor_adcode: Mapped[str] = mapped_column(String(6), nullable=False)
    receiver_uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    receiver_adcode: Mapped[str] = mapped_column(String(6), nullable=False)
    carrier_uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    #: every carrier of the manifest (the planned one and each leg's), as ",uscc,uscc,"
    carriers: Mapped[str] = mapped_column(String(400), nullable=False, server_default="")
    parent_no: Mapped[str | None] = mapped_column(String(14), nullable=True)
    #: the carrier a relay hand-over is offered to (转移办法 第十七条), while the offer stands
    relay_to_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    paper: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    receipt_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    vehicle_plate: Mapped[str] = mapped_column(String(12), nullable=False, default="", index=True)
    route: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ManifestVersionRow(Base):
    """Every version a manifest had, as it was (never updated)."""

    __tablename__ = "waste_manifest_version"
    __table_args__ = (UniqueConstraint("manifest_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("waste_manifest.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ManifestLineRow(Base):
    """A line of a manifest's current version (replaced with the version)."""

    __tablename__ = "waste_manifest_line"
    __table_args__ = (UniqueConstraint("manifest_id", "line_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    manifest_id: Mapped[int] = mapped_column(
        ForeignKey("waste_manifest.id"), nullable=False, index=True
    )
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    category: Mapped[str] = mapped_column(String(6), nullable=False, default="")
    planned_t: Mapped[Decimal] = mapped_column(FixedDecimal(6), nullable=False)
    shipped_t: Mapped[Decimal | None] = mapped_column(FixedDecimal(6), nullable=True)
    received_t: Mapped[Decimal | None] = mapped_column(FixedDecimal(6), nullable=True)
    accepted_t: Mapped[Decimal | None] = mapped_column(FixedDecimal(6), nullable=True)
    disposed_t: Mapped[Decimal | None] = mapped_column(FixedDecimal(6), nullable=True)
    method_code: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)
    discrepancy: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ManifestEventRow(Base):
    """A recorded transition of a manifest (who, when, from, to, data)."""

    __tablename__ = "waste_manifest_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    manifest_id: Mapped[int] = mapped_column(
        ForeignKey("waste_manifest.id"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    transition: Mapped[str] = mapped_column(String(8), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    actor_uscc: Mapped[str] = mapped_column(String(18), nullable=False, default="")
    actor_user: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class TrackPointRow(Base):
    """A GPS fix of a vehicle's device, as received (its datum recorded: WGS-84 from GNSS
    receivers, GCJ-02 from some platforms). A fix resent is stored once (vehicle, device,
    time): another vehicle's fixes on the same device never take this vehicle's place."""

    __tablename__ = "waste_track_point"
    __table_args__ = (
        UniqueConstraint("vehicle_plate", "gps_device_id", "observed_at"),
        Index("ix_waste_track_point_plate_at", "vehicle_plate", "observed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gps_device_id: Mapped[str] = mapped_column(String(40), nullable=False)
    vehicle_plate: Mapped[str] = mapped_column(String(12), nullable=False)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    longitude: Mapped[float] = mapped_column(Float, nullable=False)
    latitude: Mapped[float] = mapped_column(Float, nullable=False)
    datum: Mapped[str] = mapped_column(String(8), nullable=False)
    speed_kmh: Mapped[float | None] = mapped_column(Float, nullable=True)
    heading_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


#: At most one live (open or acknowledged) warning per rule and subject.
_LIVE = text("state IN ('open', 'acknowledged')")


class WasteWarningRow(Base):
    """A warning of rules W01–W21 on a manifest, a unit, a vehicle or a ledger, with its
    evidence and lifecycle."""

    __tablename__ = "waste_warning"
    __table_args__ = (
        Index(
            "uq_waste_warning_live",
            "rule",
            "subject_key",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
        Index("ix_waste_warning_county_state", "county_code", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(6), nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False)
    subject_key: Mapped[str] = mapped_column(String(120), nullable=False)
    manifest_id: Mapped[int | None] = mapped_column(
        ForeignKey("waste_manifest.id"), nullable=True, index=True
    )
    unit_uscc: Mapped[str] = mapped_column(String(18), nullable=False, default="", index=True)
    county_code: Mapped[str] = mapped_column(String(6), nullable=False, default="")
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    handler: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    history: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
