"""API request and response models for organisations and enterprises."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ecociv.kernel.inputs import Input
from ecociv.orgs.model import FunctionZone, OrgLevel

#: Longest values the enterprise table holds (``ecociv.orgs.tables.EnterpriseRow``): checked
#: here so that a longer one is a 422 naming the field on every database, not a database error.
NAME_MAX, ADDRESS_MAX, INDUSTRY_MAX, CODE_MAX = 200, 300, 8, 12


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


class EnterpriseCreate(Input):
    """A new enterprise. ``datum`` says which datum the location is in (GPS: WGS-84)."""

    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(description="统一社会信用代码, 18 characters, GB 32100-2015")
    name: str = Field(min_length=1, max_length=NAME_MAX)
    county_code: str = Field(max_length=CODE_MAX)
    address: str = Field("", max_length=ADDRESS_MAX)
    industry_code: str = Field(
        "", max_length=INDUSTRY_MAX, description="GB/T 4754-2017 code, e.g. C2614"
    )
    longitude: float | None = None
    latitude: float | None = None
    datum: str = Field("GCJ-02", max_length=16, description="WGS-84, CGCS2000 or GCJ-02")
    tags: list[str] = Field(default_factory=list, max_length=50)


class EnterpriseUpdate(Input):
    """Fields to change; the 统一社会信用代码 cannot change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    county_code: str | None = Field(None, max_length=CODE_MAX)
    address: str | None = Field(None, max_length=ADDRESS_MAX)
    industry_code: str | None = Field(None, max_length=INDUSTRY_MAX)
    longitude: float | None = None
    latitude: float | None = None
    datum: str | None = Field(None, max_length=16)
    tags: list[str] | None = Field(None, max_length=50)

    @field_validator("name", "county_code", "address", "industry_code", "datum", "tags")
    @classmethod
    def _left_out_not_null(cls, value: object) -> object:
        """A field to keep is left out; ``null`` would blank a required value."""
        if value is None:
            raise ValueError("不能为 null，不修改请省略该字段 (may be left out, not null)")
        return value


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
