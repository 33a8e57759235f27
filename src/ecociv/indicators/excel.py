"""The report form as an Excel workbook: a template to download, fill and upload.

The sheet 填报表 lists one row per data element (code in column A, this year's value in F,
comment in G); the hidden sheet _meta says which report the file belongs to. Reading an
upload names every problem by sheet, row and column; nothing is saved if any is found.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ecociv.adapters.tables import open_workbook, put_cell
from ecociv.indicators.model import STATE_SCALE, ReportView, ValueKind
from ecociv.kernel.errors import ValidationError

SHEET = "填报表"
META = "_meta"
FIRST_ROW = 5
CODE_COL, VALUE_COL, COMMENT_COL = "A", "F", "G"
HEADERS = ("字段代码", "指标", "数据项", "单位", "上年数值", "本年数值", "说明（变化较大时必填）")


def template(view: ReportView, indicator_names: Mapping[str, str]) -> bytes:
    """A workbook for this report, pre-filled with the values saved so far."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    title = put_cell(sheet, 1, 1, f"{view.subject_name} {view.ref.year} 年度生态文明建设指标填报表")
    title.font = Font(bold=True, size=14)
    put_cell(
        sheet,
        2,
        1,
        f"报表编号 {view.id} · 截止日期 {view.due_on.isoformat()} · 只填写 F、G 列，"
        "不要改动 A 列代码和表格结构",
    )
    for index, header in enumerate(HEADERS, start=1):
        cell = put_cell(sheet, 4, index, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F4EC")
    states = DataValidation(
        type="list", formula1='"' + ",".join(STATE_SCALE) + '"', allow_blank=True
    )
    sheet.add_data_validation(states)
    for offset, element in enumerate(view.elements):
        row = FIRST_ROW + offset
        previous = view.previous.get(element.code)
        values = (
            element.code,
            indicator_names.get(element.indicator_code, element.indicator_code),
            element.name_zh,
            element.unit,
            previous,
            view.values.get(element.code),
            view.comments.get(element.code, ""),
        )
        for index, value in enumerate(values, start=1):
            put_cell(sheet, row, index, value)
        if element.value_kind is ValueKind.STATE:
            states.add(f"{VALUE_COL}{row}")
    for column, width in zip("ABCDEFG", (22, 34, 34, 10, 12, 12, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = f"A{FIRST_ROW}"
    for row_cells in sheet.iter_rows(min_row=FIRST_ROW):
        for data_cell in row_cells:
            data_cell.alignment = Alignment(wrap_text=True, vertical="top")
    meta = book.create_sheet(META)
    for row, (key, value) in enumerate(
        (
            ("report_id", view.id),
            ("form", view.ref.form.value),
            ("org_unit_code", view.ref.org_unit_code),
            ("department_code", view.ref.department_code),
            ("year", view.ref.year),
        ),
        start=1,
    ):
        put_cell(meta, row, 1, key)
        put_cell(meta, row, 2, value)
    meta.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class ParsedUpload:
    """Values and comments read from an upload, and where each element's row is."""

    values: dict[str, Any]
    comments: dict[str, str]
    rows: dict[str, int]


def read_upload(data: bytes, view: ReportView) -> ParsedUpload:
    """Read a filled template. Raises ValidationError listing every problem as
    ``sheet 填报表, row N, column F`` (nothing is read into the report if any)."""
    book = open_workbook(data)
    try:
        return _read_upload(book, view)
    finally:
        book.close()


def _read_upload(book: Any, view: ReportView) -> ParsedUpload:
    errors: list[dict[str, str]] = []
    if SHEET not in book.sheetnames:
        raise ValidationError(
            f"缺少工作表“{SHEET}” (sheet {SHEET} is missing)", field=f"sheet {SHEET}"
        )
    if META in book.sheetnames:
        meta = {
            str(r[0]): r[1] for r in book[META].iter_rows(values_only=True) if len(r) > 1 and r[0]
        }
        if str(meta.get("report_id")) != str(view.id):
            raise ValidationError(
                f"该文件属于报表 {meta.get('report_id')}，不是报表 {view.id} "
                "(this file belongs to another report)",
                field=f"sheet {META}",
            )
    sheet = book[SHEET]
    known = {e.code: e for e in view.elements}
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    rows: dict[str, int] = {}
    for row, cells in enumerate(
        sheet.iter_rows(min_row=FIRST_ROW, max_col=len(HEADERS), values_only=True),
        start=FIRST_ROW,
    ):
        code_cell, value, comment = (
            cells[_index(c)] if _index(c) < len(cells) else None
            for c in (CODE_COL, VALUE_COL, COMMENT_COL)
        )
        if code_cell is None and value is None and comment is None:
            continue
        where = f"sheet {SHEET}, row {row}"
        code = str(code_cell or "").strip()
        if code not in known:
            errors.append(
                {
                    "field": f"{where}, column {CODE_COL}",
                    "message": f"未知的字段代码 “{code}” (unknown field code)",
                }
            )
            continue
        if code in rows:
            errors.append(
                {
                    "field": f"{where}, column {CODE_COL}",
                    "message": f"字段 {code} 与第 {rows[code]} 行重复 (duplicate)",
                }
            )
            continue
        rows[code] = row
        element = known[code]
        if value is not None and not (isinstance(value, str) and not value.strip()):
            if element.value_kind is ValueKind.STATE:
                if str(value).strip() not in STATE_SCALE:
                    errors.append(
                        {
                            "field": f"{where}, column {VALUE_COL}",
                            "message": f"“{value}” 不是有效状态，应为 {' / '.join(STATE_SCALE)}",
                        }
                    )
                    continue
            elif isinstance(value, bool) or not isinstance(value, int | float):
                try:
                    value = float(str(value).strip().replace(",", ""))
                except ValueError:
                    errors.append(
                        {
                            "field": f"{where}, column {VALUE_COL}",
                            "message": f"“{value}” 不是数字 (not a number)",
                        }
                    )
                    continue
        values[code] = value
        comments[code] = str(comment or "").strip()
    if errors:
        raise ValidationError(
            f"{len(errors)} 处错误，未保存任何数据 (nothing saved): "
            f"{errors[0]['field']}: {errors[0]['message']}",
            field=errors[0]["field"],
            errors=errors,
        )
    return ParsedUpload(values, comments, rows)


def _index(column: str) -> int:
    """0-based index of a column letter A–Z."""
    return ord(column) - ord("A")


def cell_of(parsed: ParsedUpload, element_code: str) -> str:
    """Where an element's value sits in the upload, for an error message."""
    row = parsed.rows.get(element_code)
    return f"sheet {SHEET}, row {row}, column {VALUE_COL}" if row else element_code


def read_catalogue(data: bytes) -> list[dict[str, str]]:
    """The first sheet of an uploaded framework workbook as rows keyed by the header row."""
    book = open_workbook(data)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    if not rows:
        raise ValidationError(f"工作表“{sheet.title}”为空 (empty sheet)", field="file")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    return [
        {
            header[i]: ("" if v is None else str(v))
            for i, v in enumerate(row)
            if i < len(header) and header[i]
        }
        for row in rows[1:]
        if any(v is not None for v in row)
    ]
