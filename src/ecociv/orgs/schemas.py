"""API request and response models for organisations and enterprises."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ecociv.orgs.model import FunctionZone, OrgLevel


class OrgUnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="GB/T 2260 administrative division code")
    parent_code: str | None
    level: OrgLevel
    name_zh: str
    name_en: str
    function_zone: FunctionZone | None = Field(description="主体功能区 class (plan 二(一)2)")
    area_km2: float | None = Field(description="geodesic area on the WGS-84 ellipsoid")
    label_lon: float | None
    label_lat: float | None


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str


class EnterpriseCreate(BaseModel):
    """A new enterprise. ``datum`` says which datum the location is in (GPS: WGS-84)."""

    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(description="统一社会信用代码, 18 characters, GB 32100-2015")
    name: str
    county_code: str
    address: str = ""
    industry_code: str = Field("", description="GB/T 4754-2017 code, e.g. C2614")
    longitude: float | None = None
    latitude: float | None = None
    datum: str = Field("GCJ-02", description="WGS-84, CGCS2000 or GCJ-02")
    tags: list[str] = Field(default_factory=list)


class EnterpriseUpdate(BaseModel):
    """Fields to change; the 统一社会信用代码 cannot change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    county_code: str | None = None
    address: str | None = None
    industry_code: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    datum: str | None = None
    tags: list[str] | None = None


class EnterpriseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    name: str
    county_code: str
    county_name_zh: str
    address: str
    industry_code: str
    longitude: float | None = Field(description="GCJ-02")
    latitude: float | None = Field(description="GCJ-02")
    tags: list[str]
    is_synthetic: bool = Field(description="true for synthetic demo records")


class EnterprisePageOut(BaseModel):
    items: list[EnterpriseOut]
    total: int
    page: int
    page_size: int
