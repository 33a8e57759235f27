"""Tables of organisation units, departments and enterprises."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecociv.adapters.db import Base, UTCDateTime


class OrgUnitRow(Base):
    """衢州市 and its county-level units; boundary as GeoJSON text in GCJ-02."""

    __tablename__ = "org_unit"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("org_unit.code"), nullable=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(100), nullable=False)
    function_zone: Mapped[str | None] = mapped_column(String(60), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    area_km2: Mapped[float | None] = mapped_column(Float, nullable=True)
    label_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    label_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    boundary_geojson: Mapped[str | None] = mapped_column(Text, nullable=True)
    boundary_datum: Mapped[str] = mapped_column(String(16), nullable=False, default="GCJ-02")
    boundary_source: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class DepartmentRow(Base):
    """A municipal department that carries plan tasks."""

    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(120), nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class EnterpriseRow(Base):
    """The enterprise master record shared by every module; location in GCJ-02."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    county_code: Mapped[str] = mapped_column(
        ForeignKey("org_unit.code"), nullable=False, index=True
    )
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    industry_code: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
