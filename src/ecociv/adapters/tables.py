"""Tables as users bring them: a UTF-8 CSV or an Excel workbook (.xlsx), told apart by
content, with English column codes or the Chinese names a domain accepts for them.

An Excel date-time cell becomes ISO 8601 text (local time, no zone); a whole-number cell its
integer text. Blank rows inside a sheet are kept so row numbers match the file (header = row 1);
trailing blank rows are dropped. Errors name the byte (encoding) or the missing column.
This module knows no domain: callers pass their column names.

It also writes tables safely: every spreadsheet and CSV the platform hands out goes through
:func:`put_cell` (xlsx) or :func:`csv_safe` (CSV), so that a text a user typed (a report
comment ``=cmd|' /C calc'!A0``) opens as that text, never as a formula. The formula-leading
characters (``docs/inputs.md``, "Files the platform writes") are ``=``, ``+``, ``-``, ``@``,
tab and carriage return.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from ecociv.kernel import ValidationError

_XLSX_MAGIC = b"PK\x03\x04"
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula: it starts with one of
    ``= + - @``, a tab or a carriage return, and is not a plain number such as ``-3.5``.

    >>> [is_formula_like(t) for t in ("=1+1", "+86 570", "-3.5", "@SUM(A1)", "\\tx", "a=b", "")]
    [True, True, False, True, True, False, False]
    """
    return text.startswith(FORMULA_LEADS) and not _PLAIN_NUMBER.match(text)


def csv_safe(value: object) -> object:
    """A CSV cell that opens as text in Excel or WPS: a formula-like text gets a leading
    ``'``; numbers (negative ones too) and other text are left as they are.

    >>> [csv_safe(v) for v in ("=cmd|' /C calc'!A0", "-1+1", "-2.5", -2.5, "衢州", None)]
    ["'=cmd|' /C calc'!A0", "'-1+1", '-2.5', -2.5, '衢州', None]
    """
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_row(values: Sequence[object]) -> list[object]:
    """A whole CSV row made safe with :func:`csv_safe`."""
    return [csv_safe(v) for v in values]


def put_cell(sheet: Worksheet, row: int, column: int, value: object) -> Any:
    """Write one xlsx cell; text is always a string cell (``data_type`` ``s``), so a text
    starting with ``=`` stays text (openpyxl would store it as a formula), and characters
    a workbook cannot hold are dropped. Numbers, dates and None are written as they are.
    Returns the cell, for styling."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell



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
