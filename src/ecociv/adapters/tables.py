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
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
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
        cell.value = value  # type: ignore[assignment]  # numbers, dates, None
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


#: The longest cell accepted in an uploaded table (Excel's own limit on a cell's text).
MAX_CELL_CHARS = 32_767
#: The most an uploaded workbook may unpack to: a few MB of .xlsx is tens of MB of XML; a
#: "zip bomb" that would unpack to more is refused before it is opened.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
_NOT_XLSX = "不是 Excel .xlsx 文件 (not an Excel .xlsx file)"


def open_workbook(data: bytes, *, read_only: bool = True) -> Workbook:
    """An uploaded .xlsx workbook (values, not formulas). ValidationError (field ``file``)
    when the bytes are not an .xlsx package or would unpack to more than
    :data:`MAX_UNZIPPED_BYTES`."""
    if not data.startswith(_XLSX_MAGIC):
        raise ValidationError(_NOT_XLSX, field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
        if unpacked > MAX_UNZIPPED_BYTES:
            raise ValidationError(
                f"Excel 文件解压后超过 {MAX_UNZIPPED_BYTES // 1024 // 1024} MB "
                "(workbook unpacks to too much data)",
                field="file",
            )
        return load_workbook(io.BytesIO(data), data_only=True, read_only=read_only)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError(f"{_NOT_XLSX}：{str(exc)[:200]}", field="file") from None


def _check_cell(text: str, row: int, column: int) -> str:
    if len(text) > MAX_CELL_CHARS:
        raise ValidationError(
            f"第 {row} 行第 {column} 列超过 {MAX_CELL_CHARS} 个字符 "
            f"(row {row}, column {column}: cell longer than {MAX_CELL_CHARS} characters)",
            field=f"row {row}, column {column}",
        )
    return text


def _xlsx_rows(data: bytes) -> Iterator[Sequence[object]]:
    book = open_workbook(data)
    try:
        yield from (list(row) for row in book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def _csv_rows(data: bytes) -> Iterator[Sequence[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"文件不是 UTF-8 编码的 CSV，第 {exc.start} 字节无法解码 "
            f"(file is not UTF-8 CSV: byte {exc.start})",
            field="file",
        ) from None
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream)
    row = 0
    while True:
        row += 1
        start = stream.tell()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a cell over the csv module's own limit (128 KiB), …
            column = _long_column(text, start)
            if column:
                _check_cell("x" * (MAX_CELL_CHARS + 1), row, column)
            raise ValidationError(
                f"第 {row} 行无法读取 (row {row} unreadable): {exc}", field=f"row {row}"
            ) from None
        yield cells


def _long_column(text: str, start: int) -> int:
    """The 1-based column of the first cell longer than :data:`MAX_CELL_CHARS` in the CSV
    record that begins at ``start`` (0 if none).

    >>> _long_column('a,"b,' + "x" * 40000 + '",c', 0)
    2
    """
    column, length, quoted, i = 1, 0, False, start
    while i < len(text):
        char = text[i]
        if quoted and char == '"':
            if text.startswith('""', i):
                i += 1
            else:
                quoted = False
        elif not quoted and char == '"':
            quoted = True
        elif not quoted and char == ",":
            column, length = column + 1, -1
        elif not quoted and char in "\r\n":
            return 0
        length += 1
        if length > MAX_CELL_CHARS:
            return column
        i += 1
    return 0


def read_table(
    data: bytes,
    wanted: Sequence[str],
    required: Sequence[str],
    column_names: Mapping[str, Sequence[str]],
) -> list[dict[str, str]]:
    """The rows of an uploaded table keyed by column code; a header cell that is one of the
    Chinese names in ``column_names`` (code → names) is read as its code.

    Rows are read one at a time (a workbook in openpyxl's read-only mode), so memory holds
    the result and one row; a cell longer than :data:`MAX_CELL_CHARS` is refused naming its
    row and column."""
    rows = _xlsx_rows(data) if data.startswith(_XLSX_MAGIC) else _csv_rows(data)
    first = next(rows, None)
    if first is None:
        raise ValidationError("文件为空 (empty file)", field="file")
    by_name = {n: code for code, names in column_names.items() if code in wanted for n in names}
    header = [
        h if h in wanted else by_name.get(h, h)
        for h in (_check_cell(cell_text(v), 1, c) for c, v in enumerate(first, start=1))
    ]
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationError(f"缺少列 {', '.join(missing)} (missing column(s))", field="file")
    result: list[dict[str, str]] = []
    blank: list[dict[str, str]] = []  # blank rows are kept inside the sheet, dropped at its end
    for number, row in enumerate(rows, start=2):
        if all(v is None or v == "" for v in row):
            blank.append({h: cell_text(v) for h, v in zip(header, row, strict=False) if h})
            continue
        result.extend(blank)
        blank.clear()
        result.append(
            {
                h: _check_cell(cell_text(v), number, column)
                for column, (h, v) in enumerate(zip(header, row, strict=False), start=1)
                if h
            }
        )
    return result
