"""Tables of pollution-source online monitoring (readings live in the readings store, keyed
by outlet code)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    sql,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecociv.adapters.db import Base, UTCDateTime


class OutletRow(Base):
    """A monitored outlet of an enterprise (排放口); county from the enterprise; GCJ-02."""

    __tablename__ = "source_outlet"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id"), nullable=False, index=True
    )
    enterprise_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    county_code: Mapped[str] = mapped_column(
        ForeignKey("org_unit.code"), nullable=False, index=True
    )
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DeviceRow(Base):
    """A device (数采仪) on an outlet, known by its MN; the password only as SHA-256 hex."""

    __tablename__ = "source_device"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mn: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    outlet_id: Mapped[int] = mapped_column(
        ForeignKey("source_outlet.id"), nullable=False, index=True
    )
    password_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    edition: Mapped[str] = mapped_column(String(8), nullable=False)
    crc_policy: Mapped[str] = mapped_column(String(16), nullable=False)
    online_timeout_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql.true())
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PermitLimitRow(Base):
    """A discharge-permit limit of one parameter of an outlet, per averaging period."""

    __tablename__ = "source_permit_limit"
    __table_args__ = (UniqueConstraint("outlet_id", "parameter_code", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outlet_id: Mapped[int] = mapped_column(
        ForeignKey("source_outlet.id"), nullable=False, index=True
    )
    parameter_code: Mapped[str] = mapped_column(String(12), nullable=False)
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    limit_value: Mapped[float] = mapped_column(Float, nullable=False)
    unit: Mapped[str] = mapped_column(String(20), nullable=False)
    basis: Mapped[str] = mapped_column(String(12), nullable=False)
    permit_text: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DeviceActivityRow(Base):
    """Frame counters per MN, registered or not (an unknown MN's refused attempts are kept
    here so operators can find new devices)."""

    __tablename__ = "source_device_activity"

    mn: Mapped[str] = mapped_column(String(40), primary_key=True)
    frames_ok: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    frames_bad_crc: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    frames_bad_format: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    frames_duplicate: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    frames_refused_auth: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    frames_flagged: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    frames_split_incomplete: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_frame_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class RefusedFrameRow(Base):
    """A frame the receiver refused (unknown MN, wrong password, bad CRC, malformed), kept
    as received so a field engineer can see what the device sent. Logged again after a
    crash, it is stored once (MN, time received, hash of the bytes)."""

    __tablename__ = "source_refused_frame"
    __table_args__ = (
        UniqueConstraint("mn", "received_at", "raw_sha256"),
        Index("ix_source_refused_frame_mn_at", "mn", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mn: Mapped[str] = mapped_column(String(40), nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    raw: Mapped[str] = mapped_column(Text, nullable=False)
    raw_sha256: Mapped[str] = mapped_column(String(64), nullable=False)


class EvaluationStateRow(Base):
    """Per device, the warning rules' state; its row is locked while the device is evaluated
    (one evaluation per device at a time)."""

    __tablename__ = "source_evaluation_state"

    mn: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_hour: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    open_keys: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


#: At most one live (open or acknowledged) warning per rule, device and parameter.
_LIVE = text("state IN ('open', 'acknowledged')")


class SourceWarningRow(Base):
    """A warning on a device's data, with its evidence and lifecycle."""

    __tablename__ = "source_warning"
    __table_args__ = (
        Index(
            "uq_source_warning_live",
            "rule",
            "device_mn",
            "parameter",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    severity: Mapped[str] = mapped_column(String(12), nullable=False)
    device_mn: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    outlet_code: Mapped[str] = mapped_column(String(40), nullable=False)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    county_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    parameter: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    state: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    handler: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    history: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
