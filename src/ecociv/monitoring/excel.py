"""Tables of sites and readings as users bring them: a UTF-8 CSV or an Excel workbook (.xlsx),
with English column codes or their Chinese names.

An Excel date-time cell becomes ISO 8601 text (local time, no zone, so Beijing time as the
CSV convention says); a number cell becomes its shortest text. Row numbers in errors are the
sheet's own (the header is row 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecociv.adapters import tables

#: Chinese column names accepted for each column code.
COLUMN_NAMES: Mapping[str, tuple[str, ...]] = {
    "code": ("点位编码", "断面编码", "编码"),
    "name": ("点位名称", "断面名称", "名称"),
    "kind": ("点位类型", "类型"),
    "county_code": ("县（市、区）代码", "县市区代码", "行政区代码"),
    "river": ("河流", "所在河流", "所在水体"),
    "control_level": ("断面级别", "控制级别"),
    "target_class": ("目标水质类别", "水质目标"),
    "river_chief": ("河长",),
    "water_body": ("水体类型",),
    "land_use": ("用地类型", "土地利用类型"),
    "longitude": ("经度",),
    "latitude": ("纬度",),
    "datum": ("坐标系",),
    "site_code": ("点位编码", "断面编码", "站点编码"),
    "parameter": ("监测项目", "项目编码", "指标"),
    "observed_at": ("监测时间", "采样时间", "时间"),
    "value": ("监测值", "浓度", "数值"),
    "flag": ("数据标记", "标记"),
}


def read_table(data: bytes, wanted: Sequence[str], required: Sequence[str]) -> list[dict[str, str]]:
    """The rows of an uploaded sites or readings table (CSV or .xlsx) keyed by column code."""
    return tables.read_table(data, wanted, required, COLUMN_NAMES)
