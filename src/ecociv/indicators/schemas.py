"""API models of indicators, targets and reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ecociv.indicators.model import (
    Aggregation,
    Binding,
    Comparator,
    Confirmation,
    FormKind,
    ReportAction,
    ReportState,
    ValueKind,
)
from ecociv.kernel.inputs import Input


class ElementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    indicator_code: str
    form: FormKind
    department_code: str
    role: str
    name_zh: str
    name_en: str
    unit: str
    value_kind: ValueKind
    aggregation: Aggregation
    applicable_zones: tuple[str, ...]


class IndicatorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    framework_code: str
    framework_version: int
    number: str
    area_zh: str
    name_zh: str
    name_en: str
    unit: str
    value_kind: ValueKind
    comparator: Comparator | None
    binding: Binding | None
    levels: str
    confirmation: Confirmation = Field(description="only confirmed rows are ever assessed")
    confirmation_citation: str
    source: str
    quote: str
    plan_section: str
    note: str
    elements: list[ElementOut]
    linked: list[str]


class ConfirmIn(Input):
    model_config = ConfigDict(extra="forbid")

    citation: str = Field(description="the document and page the row was checked against")


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    framework_code: str
    indicator_code: str
    org_unit_code: str
    year: int | None = Field(description="null: within the plan period")
    recurring: bool
    comparator: Comparator
    value: float | None
    required_state: str | None
    baseline_year: int | None
    relative_change: float | None
    wording: str
    source: str
    revision: int
    is_current: bool
    reason: str
    created_by: str
    created_at: datetime
    parent_id: int | None


class TargetChangeIn(Input):
    model_config = ConfigDict(extra="forbid")

    org_unit_code: str
    value: float | None = None
    required_state: str | None = None
    year: int | None = None


class TargetsIn(Input):
    model_config = ConfigDict(extra="forbid")

    reason: str
    parent_id: int | None = Field(None, description="decompose this city target")
    changes: list[TargetChangeIn]


class ReportOpenIn(Input):
    model_config = ConfigDict(extra="forbid")

    form: FormKind
    org_unit_code: str
    department_code: str = ""
    year: int = Field(ge=2000, le=2100)


class ValuesIn(Input):
    model_config = ConfigDict(extra="forbid")

    values: dict[str, Any] = Field(default_factory=dict)
    comments: dict[str, str] = Field(default_factory=dict)


class ActionIn(Input):
    model_config = ConfigDict(extra="forbid")

    action: ReportAction
    reason: str = ""


class IssueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    element: str
    message: str
    severity: str


class ReportOut(BaseModel):
    id: int
    form: FormKind
    org_unit_code: str
    department_code: str
    year: int
    subject_name: str
    state: ReportState
    due_on: date
    first_submitted_at: datetime | None
    returned_reason: str
    values: dict[str, Any]
    comments: dict[str, str]
    previous: dict[str, Any]
    issues: list[IssueOut]
    elements: list[ElementOut]


class ReportSummaryOut(BaseModel):
    id: int
    form: FormKind
    org_unit_code: str
    department_code: str
    year: int
    state: ReportState
    due_on: date
    submitted_at: datetime | None
    on_time: bool | None
    filled: int
    expected: int
