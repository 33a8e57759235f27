"""The registry table as users bring it: a UTF-8 CSV or an .xlsx workbook (told apart by
content), with English column codes or their Chinese names. Row numbers in errors are the
sheet's own (the header is row 1). The same conventions as ``ecociv.monitoring.excel``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecociv.adapters import tables

#: Chinese column names accepted for each registry column.
COLUMN_NAMES: Mapping[str, tuple[str, ...]] = {
    "outlet_code": ("排放口编码", "排放口编号"),
    "outlet_name": ("排放口名称",),
    "kind": ("排放口类型",),
    "enterprise_uscc": ("统一社会信用代码", "企业信用代码"),
    "longitude": ("经度",),
    "latitude": ("纬度",),
    "datum": ("坐标系",),
    "mn": ("设备MN号", "MN号", "设备编码"),
    "password": ("设备密码", "访问密码"),
    "password_sha256": ("密码摘要",),
    "edition": ("协议版本",),
    "crc_policy": ("校验策略", "CRC策略"),
    "online_timeout_minutes": ("离线判定时间（分钟）", "离线判定分钟数"),
    "active": ("启用",),
    "parameter_code": ("监测因子编码", "因子编码"),
    "period": ("均值周期", "限值周期"),
    "limit_value": ("排放限值", "许可排放浓度限值"),
    "unit": ("单位", "计量单位"),
    "basis": ("限值依据", "浓度类型"),
    "permit_text": ("许可证依据", "许可证条款"),
    "synthetic": ("合成数据",),
}


def read_registry(
    data: bytes, wanted: Sequence[str], required: Sequence[str]
) -> list[dict[str, str]]:
    """The rows of an uploaded registry table keyed by column code; ValidationError names a
    missing column. Blank rows inside the sheet are kept so row numbers match the file."""
    return tables.read_table(data, wanted, required, COLUMN_NAMES)
