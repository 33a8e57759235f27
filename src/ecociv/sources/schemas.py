"""API request and response models of pollution-source online monitoring."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ecociv.kernel.inputs import Input
from ecociv.sources.model import (
    AveragingPeriod,
    LimitBasis,
    OutletKind,
    Severity,
    WarningRule,
    WarningState,
)


class OutletOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: OutletKind
    enterprise_uscc: str
    enterprise_name: str
    county_code: str
    county_name_zh: str
    longitude: float | None = Field(description="GCJ-02")
    latitude: float | None = Field(description="GCJ-02")
    is_synthetic: bool = Field(description="true for synthetic demo records")


class LimitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    outlet_code: str
    parameter_code: str = Field(description="HJ 212-2017 code (or a platform-local code)")
    period: AveragingPeriod
    limit_value: float
    unit: str
    basis: LimitBasis = Field(description="measured, or converted (折算, Zs) concentration")
    permit_text: str


class DeviceStatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    mn: str
    registered: bool
    outlet_code: str
    outlet_name: str
    enterprise_uscc: str
    enterprise_name: str
    county_code: str
    active: bool
    online: bool
    online_timeout_minutes: int
    last_frame_at: datetime | None
    last_attempt_at: datetime | None
    counters: dict[str, int]


class RefusedFrameOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    mn: str
    reason: str = Field(description="bad_crc, bad_format or refused_auth")
    received_at: datetime
    raw: str = Field(description="the frame as received (UTF-8, bad bytes replaced)")


class DeviceDetailOut(BaseModel):
    status: DeviceStatusOut
    refused_frames: list[RefusedFrameOut]
    refused_total: int = Field(description="refused frames kept, over all pages")
    page: int
    page_size: int


class LiveSeriesOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    unit: str
    limit: float | None = Field(description="the hourly permit limit, as a reference line")
    converted: bool = Field(description="values are converted (Zs) concentrations")
    points: list[tuple[datetime, float, str]] = Field(description="[time, value, flag]")


class LiveOut(BaseModel):
    outlet_code: str
    start: datetime
    end: datetime
    series: list[LiveSeriesOut]


class RegistryImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    outlets_created: int
    outlets_updated: int
    devices_created: int
    devices_updated: int
    limits_created: int
    limits_updated: int
    unchanged: int


class WarningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rule: WarningRule
    severity: Severity
    device_mn: str
    outlet_code: str
    enterprise_uscc: str
    county_code: str
    parameter: str
    evidence: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime
    count: int
    state: WarningState
    handler: str
    notes: str
    cleared_at: datetime | None
    history: list[dict[str, Any]]


class WarningActionIn(Input):
    action: str = Field(description="acknowledge, resolve or false_positive")
    notes: str = Field(default="", max_length=2000)


class ComplianceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    county_code: str
    county_name_zh: str
    kind: OutletKind
    outlets: int
    valid_hours: int
    within_hours: int
    rate: float | None = Field(description="within_hours / valid_hours")


class ProgrammeEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    enterprise_uscc: str
    enterprise_name: str
    county_code: str
    county_name_zh: str
    outlet_codes: list[str]
    connected: bool
    last_frame_at: datetime | None


class ProgrammeOut(BaseModel):
    vocs_total: int
    vocs_connected: int
    catering_total: int
    catering_connected: int
    vocs: list[ProgrammeEntryOut]
    catering: list[ProgrammeEntryOut]
