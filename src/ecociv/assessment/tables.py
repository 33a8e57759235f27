"""Tables of scoring schemes, their items, manual score inputs and published results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecociv.adapters.db import Base, UTCDateTime


class SchemeRow(Base):
    """An annual scoring standard (评分标准和细则) for counties or departments."""

    __tablename__ = "scoring_scheme"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    subject_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    grade_cutoffs: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    bonus_cap: Mapped[float | None] = mapped_column(Float, nullable=True)
    fail_grade: Mapped[str] = mapped_column(String(20), nullable=False)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(100), nullable=False)


class SchemeItemRow(Base):
    """One item of a scheme: full marks, rule kind and parameters."""

    __tablename__ = "scoring_item"
    __table_args__ = (UniqueConstraint("scheme_id", "code", name="uq_scoring_item_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scoring_scheme.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    full_marks: Mapped[float] = mapped_column(Float, nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ScoreInputRow(Base):
    """Facts the city office records for an item and a subject: events, a grade, a veto."""

    __tablename__ = "score_input"
    __table_args__ = (
        UniqueConstraint("scheme_id", "item_code", "subject", name="uq_score_input_cell"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scoring_scheme.id"), nullable=False)
    item_code: Mapped[str] = mapped_column(String(40), nullable=False)
    subject: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PublicationRow(Base):
    """A published year: the assessment and the score sheets as they stood, frozen."""

    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    framework_versions: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    published_by: Mapped[str] = mapped_column(String(100), nullable=False)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
