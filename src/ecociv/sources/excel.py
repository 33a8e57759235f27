"""The registry table as users bring it: a UTF-8 CSV or an .xlsx workbook (told apart by
content), with English column codes or their Chinese names. Row numbers in errors are the
sheet's own (the header is row 1). The same conventions as ``ecociv.monitoring.excel``."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ecociv.kernel import ValidationError

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

_XLSX_MAGIC = b"PK\x03\x04"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(data: bytes) -> tuple[list[str], list[list[object]]]:
    if data.startswith(_XLSX_MAGIC):
        try:
            book = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
        except (InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise ValidationError(f"不是有效的 Excel 文件 (.xlsx)：{exc}", field="file") from None
        rows: list[list[object]] = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"文件不是 UTF-8 编码的 CSV，第 {exc.start} 字节无法解码 (not UTF-8)", field="file"
            ) from None
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    if not rows:
        raise ValidationError("文件为空 (empty file)", field="file")
    return [_text(h) for h in rows[0]], rows[1:]


def read_registry(
    data: bytes, wanted: Sequence[str], required: Sequence[str]
) -> list[dict[str, str]]:
    """The rows of an uploaded registry table keyed by column code; ValidationError names a
    missing column. Blank rows inside the sheet are kept so row numbers match the file."""
    header, body = _rows(data)
    by_name = {name: code for code, names in COLUMN_NAMES.items() for name in names}
    header = [h if h in wanted else by_name.get(h, h) for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationError(f"缺少列 {', '.join(missing)} (missing column(s))", field="file")
    while body and all(v is None or v == "" for v in body[-1]):
        body.pop()
    return [{h: _text(v) for h, v in zip(header, row, strict=False) if h} for row in body]
