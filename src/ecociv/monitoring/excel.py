"""Tables of sites and readings as users bring them: a UTF-8 CSV or an Excel workbook (.xlsx),
with English column codes or their Chinese names.

An Excel date-time cell becomes ISO 8601 text (local time, no zone, so Beijing time as the
CSV convention says); a number cell becomes its shortest text. Row numbers in errors are the
sheet's own (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ecociv.kernel import ValidationError

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


def _rename(header: Sequence[str], wanted: Sequence[str]) -> list[str]:
    by_name = {
        name: code for code, names in COLUMN_NAMES.items() if code in wanted for name in names
    }
    return [h if h in wanted else by_name.get(h, h) for h in header]


def _xlsx_rows(data: bytes) -> tuple[list[str], list[list[object]]]:
    try:
        book = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ValidationError(f"不是有效的 Excel 文件 (.xlsx)：{exc}", field="file") from None
    sheet = book.worksheets[0]
    rows: list[list[object]] = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    if not rows:
        raise ValidationError(f"工作表“{sheet.title}”为空 (empty sheet)", field="file")
    return [_text(h) for h in rows[0]], rows[1:]


def _csv_rows(data: bytes) -> tuple[list[str], list[list[object]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"文件不是 UTF-8 编码的 CSV，第 {exc.start} 字节无法解码 "
            f"(file is not UTF-8 CSV: byte {exc.start})",
            field="file",
        ) from None
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    if not rows:
        raise ValidationError("文件为空 (empty file)", field="file")
    return [_text(h) for h in rows[0]], rows[1:]


def read_table(data: bytes, wanted: Sequence[str], required: Sequence[str]) -> list[dict[str, str]]:
    """The rows of an uploaded table (CSV or .xlsx, told apart by content) keyed by column code;
    Chinese column names are mapped to their codes. Blank rows inside a sheet are kept so that
    row numbers match the file (header = row 1); ValidationError names a missing column."""
    header, body = _xlsx_rows(data) if data.startswith(_XLSX_MAGIC) else _csv_rows(data)
    header = _rename(header, wanted)
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationError(f"缺少列 {', '.join(missing)} (missing column(s))", field="file")
    while body and all(v is None or v == "" for v in body[-1]):
        body.pop()
    return [{h: _text(v) for h, v in zip(header, row, strict=False) if h} for row in body]
