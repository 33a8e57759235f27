"""API request and response models for monitoring sites."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ecociv.monitoring.model import ControlLevel, LandUse, SiteKind, WaterBody


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: SiteKind
    county_code: str
    county_name_zh: str
    river: str
    control_level: ControlLevel | None = Field(description="国控 / 省控 / 市控 / 交接断面")
    target_class: int | None = Field(description="GB 3838-2002 target class 1-5 (sections only)")
    river_chief: str = Field(description="河长")
    water_body: WaterBody | None = Field(description="river / lake / reservoir (GB 3838 TP)")
    land_use: LandUse | None = Field(description="soil points: GB 15618-2018 land use")
    longitude: float | None = Field(description="GCJ-02")
    latitude: float | None = Field(description="GCJ-02")
    is_synthetic: bool = Field(description="true for synthetic demo records")


class SiteImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    created: int
    updated: int
    unchanged: int
