"""Organisation units, departments and the enterprise master record."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class OrgLevel(StrEnum):
    CITY = "city"  # 设区市
    COUNTY = "county"  # 县（市、区）


class FunctionZone(StrEnum):
    """主体功能区 class of a county, as the plan assigns it (二(一)2)."""

    NATIONAL_KEY_ECOLOGICAL_FUNCTION = "national_key_ecological_function"  # 国家重点生态功能区
    NATIONAL_AGRICULTURAL_PRODUCTION = "national_agricultural_production"  # 国家农产品主产区
    PROVINCIAL_KEY_DEVELOPMENT = "provincial_key_development"  # 省级重点开发区域


FUNCTION_ZONE_NAMES = {
    FunctionZone.NATIONAL_KEY_ECOLOGICAL_FUNCTION: (
        "国家重点生态功能区",
        "National key ecological function area",
    ),
    FunctionZone.NATIONAL_AGRICULTURAL_PRODUCTION: (
        "国家农产品主产区",
        "National agricultural main production area",
    ),
    FunctionZone.PROVINCIAL_KEY_DEVELOPMENT: (
        "省级重点开发区域",
        "Provincial key development area",
    ),
}


class EnterpriseTag(StrEnum):
    """Supervision lists an enterprise is on."""

    KEY_POLLUTER = "key_polluter"  # 重点排污单位
    HW_GENERATOR = "hw_generator"  # 危险废物产生单位
    HW_TRANSPORTER = "hw_transporter"  # 危险废物运输单位
    HW_OPERATOR = "hw_operator"  # 危险废物经营（利用处置）单位
    ONLINE_MONITORING = "online_monitoring"  # 安装在线监测设备
    VOCS_KEY = "vocs_key"  # VOCs 重点企业


TAG_NAMES = {
    EnterpriseTag.KEY_POLLUTER: ("重点排污单位", "Key polluter"),
    EnterpriseTag.HW_GENERATOR: ("危险废物产生单位", "Hazardous-waste generator"),
    EnterpriseTag.HW_TRANSPORTER: ("危险废物运输单位", "Hazardous-waste transporter"),
    EnterpriseTag.HW_OPERATOR: ("危险废物经营单位", "Hazardous-waste facility"),
    EnterpriseTag.ONLINE_MONITORING: ("在线监测企业", "Online monitoring"),
    EnterpriseTag.VOCS_KEY: ("VOCs 重点企业", "VOCs key enterprise"),
}


@dataclass(frozen=True, slots=True)
class EnterpriseDraft:
    """The fields of an enterprise as entered, before validation."""

    uscc: str
    name: str
    county_code: str
    address: str = ""
    industry_code: str = ""
    longitude: float | None = None
    latitude: float | None = None
    datum: str = "GCJ-02"
    tags: list[str] = field(default_factory=list)
    is_synthetic: bool = False


@dataclass(frozen=True, slots=True)
class Enterprise:
    """A validated enterprise master record; location in GCJ-02."""

    uscc: str
    name: str
    county_code: str
    address: str
    industry_code: str
    longitude: float | None
    latitude: float | None
    tags: tuple[EnterpriseTag, ...]
    is_synthetic: bool


@dataclass(frozen=True, slots=True)
class OrgUnit:
    """An organisation unit with its computed area and label point."""

    code: str
    parent_code: str | None
    level: OrgLevel
    name_zh: str
    name_en: str
    function_zone: FunctionZone | None
    area_km2: float | None
    label_lon: float | None
    label_lat: float | None


@dataclass(frozen=True, slots=True)
class Department:
    """A municipal department."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class EnterpriseRecord:
    """A stored enterprise with its id and county name."""

    id: int
    uscc: str
    name: str
    county_code: str
    county_name_zh: str
    address: str
    industry_code: str
    longitude: float | None
    latitude: float | None
    tags: tuple[str, ...]
    is_synthetic: bool
