"""Tables as users bring them: a UTF-8 CSV or an Excel workbook (.xlsx), told apart by
content, with English column codes or the Chinese names a domain accepts for them.

An Excel date-time cell becomes ISO 8601 text (local time, no zone); a whole-number cell its
integer text. Blank rows inside a sheet are kept so row numbers match the file (header = row 1);
trailing blank rows are dropped. Errors name the byte (encoding) or the missing column.
This module knows no domain: callers pass their column names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ecociv.kernel import ValidationError

_XLSX_MAGIC = b"PK\x03\x04"


def cell_text(value: object) -> str:
    """The text of a cell as a CSV would hold it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(data: bytes) -> list[list[object]]:
    try:
        book = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ValidationError(f"不是有效的 Excel 文件 (.xlsx)：{exc}", field="file") from None
    rows: list[list[object]] = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def _csv_rows(data: bytes) -> list[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"文件不是 UTF-8 编码的 CSV，第 {exc.start} 字节无法解码 "
            f"(file is not UTF-8 CSV: byte {exc.start})",
            field="file",
        ) from None
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]


def read_table(
    data: bytes,
    wanted: Sequence[str],
    required: Sequence[str],
    column_names: Mapping[str, Sequence[str]],
) -> list[dict[str, str]]:
    """The rows of an uploaded table keyed by column code; a header cell that is one of the
    Chinese names in ``column_names`` (code → names) is read as its code."""
    rows = _xlsx_rows(data) if data.startswith(_XLSX_MAGIC) else _csv_rows(data)
    if not rows:
        raise ValidationError("文件为空 (empty file)", field="file")
    by_name = {n: code for code, names in column_names.items() if code in wanted for n in names}
    header = [h if h in wanted else by_name.get(h, h) for h in map(cell_text, rows[0])]
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationError(f"缺少列 {', '.join(missing)} (missing column(s))", field="file")
    body = rows[1:]
    while body and all(v is None or v == "" for v in body[-1]):
        body.pop()
    return [{h: cell_text(v) for h, v in zip(header, row, strict=False) if h} for row in body]
