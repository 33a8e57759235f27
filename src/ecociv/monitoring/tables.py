"""Tables of monitoring sites (readings live in the DuckDB readings store, not here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ecociv.adapters.db import Base, UTCDateTime


class MonitoringSiteRow(Base):
    """A water section, drinking-water source, air station or soil point; location GCJ-02."""

    __tablename__ = "monitoring_site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    county_code: Mapped[str] = mapped_column(
        ForeignKey("org_unit.code"), nullable=False, index=True
    )
    river: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    control_level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    target_class: Mapped[int | None] = mapped_column(Integer, nullable=True)
    river_chief: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    water_body: Mapped[str | None] = mapped_column(String(16), nullable=True)
    land_use: Mapped[str | None] = mapped_column(String(30), nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
