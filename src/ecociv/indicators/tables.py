"""Tables of frameworks, indicators, data elements, targets and annual reports."""

from __future__ import annotations

from datetime import date, datetime

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
)
from sqlalchemy.orm import Mapped, mapped_column

from ecociv.adapters.db import Base, UTCDateTime


class FrameworkRow(Base):
    """One loaded version of an indicator framework (a catalogue file or uploaded sheet)."""

    __tablename__ = "indicator_framework"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_indicator_framework_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str] = mapped_column(String(200), nullable=False)
    document_no: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    source_file: Mapped[str] = mapped_column(String(200), nullable=False)
    source_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    row_count: Mapped[int] = mapped_column(Integer, nullable=False)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    loaded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class IndicatorRow(Base):
    """An indicator as defined by one framework version."""

    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_indicator_framework_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("indicator_framework.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    area_zh: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    area_en: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    task_zh: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    task_en: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(300), nullable=False)
    unit: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    value_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    comparator: Mapped[str | None] = mapped_column(String(16), nullable=True)
    binding: Mapped[str | None] = mapped_column(String(16), nullable=True)
    levels: Mapped[str] = mapped_column(String(20), nullable=False)
    confirmation: Mapped[str] = mapped_column(String(16), nullable=False)
    confirmed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmation_citation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    quote: Mapped[str] = mapped_column(Text, nullable=False, default="")
    plan_section: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class IndicatorLinkRow(Base):
    """A plan target serves a national indicator."""

    __tablename__ = "indicator_link"
    __table_args__ = (
        UniqueConstraint("plan_code", "national_code", name="uq_indicator_link_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_code: Mapped[str] = mapped_column(String(20), nullable=False)
    national_code: Mapped[str] = mapped_column(String(20), nullable=False)
    relation: Mapped[str] = mapped_column(String(20), nullable=False)


class DataElementRow(Base):
    """A quantity a report form asks for."""

    __tablename__ = "data_element"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    form: Mapped[str] = mapped_column(String(16), nullable=False)
    department_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False)
    unit: Mapped[str] = mapped_column(String(30), nullable=False)
    value_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    aggregation: Mapped[str] = mapped_column(String(16), nullable=False)
    applicable_zones: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    sum_of_county_element: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class TargetRow(Base):
    """A target for an indicator, an org unit and a year; revisions keep their history."""

    __tablename__ = "target"
    __table_args__ = (
        Index("ix_target_lookup", "framework_code", "indicator_code", "org_unit_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    framework_code: Mapped[str] = mapped_column(String(40), nullable=False)
    indicator_code: Mapped[str] = mapped_column(String(20), nullable=False)
    org_unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"), nullable=False)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recurring: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    comparator: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    required_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    baseline_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    relative_change: Mapped[float | None] = mapped_column(Float, nullable=True)
    wording: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    source: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("target.id"), nullable=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ReportRow(Base):
    """One annual report of a county or a department."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint(
            "form", "org_unit_code", "department_code", "year", name="uq_report_subject_year"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form: Mapped[str] = mapped_column(String(16), nullable=False)
    org_unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"), nullable=False)
    department_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    returned_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class DataValueRow(Base):
    """A reported value (number or state) with its comment."""

    __tablename__ = "data_value"
    __table_args__ = (UniqueConstraint("report_id", "element_code", name="uq_data_value_cell"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), nullable=False)
    element_code: Mapped[str] = mapped_column(ForeignKey("data_element.code"), nullable=False)
    value_num: Mapped[float | None] = mapped_column(Float, nullable=True)
    value_text: Mapped[str | None] = mapped_column(String(40), nullable=True)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(100), nullable=False)


class EvidenceRow(Base):
    """A document or photo attached to a report field (stored by content hash)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), nullable=False, index=True)
    element_code: Mapped[str] = mapped_column(String(40), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class ReportEventRow(Base):
    """A step of a report's workflow."""

    __tablename__ = "report_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    from_state: Mapped[str] = mapped_column(String(16), nullable=False)
    to_state: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
