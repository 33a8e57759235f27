"""The annual assessment results as office documents: the Word report and two workbooks.

Pure writers: each takes what the assessment services computed and returns the file's bytes.
Nothing here reads the database, the settings or the clock (the generation time is passed in).

The services' result types (``YearAssessment``, ``ScoredYear`` …) live in ``services.py``, one
layer above this module (services may import documents, never the reverse). So the writers
declare the shape they read as small read-only Protocols (``AssessedYear``, ``ScoredScheme`` …);
the services' frozen dataclasses satisfy them structurally and mypy checks that at every call.

Text is Chinese first. Values are shown with two decimals (the published precision), states as
their words; instants in Beijing time. Data still in the reporting workflow is marked as such,
and synthetic demo data says so on the first page and in every workbook.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ecociv.adapters.tables import put_cell
from ecociv.assessment.model import (
    BONUS_KINDS,
    SHEET_KINDS,
    AttainmentResult,
    AttainmentStatus,
    ProgressResult,
    ProgressStatus,
    ScoreSheet,
    ScoringItem,
    ScoringScheme,
)
from ecociv.indicators import IndicatorInfo, ReportState, TargetInfo
from ecociv.kernel.clock import to_local
from ecociv.orgs import CITY_CODE

#: Attainment status in Chinese (创建达标).
ATTAINMENT_ZH: Mapping[AttainmentStatus, str] = {
    AttainmentStatus.ATTAINED: "达标",
    AttainmentStatus.NOT_ATTAINED: "未达标",
    AttainmentStatus.NOT_APPLICABLE: "不适用",
    AttainmentStatus.NO_DATA: "无数据",
}

#: Progress status toward a dated target in Chinese (Open SDG progress measure).
PROGRESS_ZH: Mapping[ProgressStatus, str] = {
    ProgressStatus.TARGET_ACHIEVED: "已实现目标",
    ProgressStatus.SUBSTANTIAL: "进展显著（按期可达）",
    ProgressStatus.MODERATE: "需加快进度",
    ProgressStatus.LIMITED: "进展有限",
    ProgressStatus.DETERIORATION: "趋势恶化",
    ProgressStatus.INSUFFICIENT_DATA: "数据不足",
}

#: The workflow state of the report a value came from (only shown when not yet accepted).
REPORT_STATE_ZH: Mapping[ReportState, str] = {
    ReportState.DRAFT: "草稿",
    ReportState.SUBMITTED: "已提交",
    ReportState.APPROVED: "已审核",
    ReportState.ACCEPTED: "已采纳",
    ReportState.RETURNED: "已退回",
}

#: Who a scoring scheme scores.
SUBJECT_KIND_ZH: Mapping[str, str] = {"county": "县（市、区）", "department": "市直部门"}

SYNTHETIC_WARNING = "本报告所用数据含合成演示数据，不代表实际情况。(Contains synthetic demo data.)"
SYNTHETIC_WORKBOOK_WARNING = (
    "本表所用数据含合成演示数据，不代表实际情况。(Contains synthetic demo data.)"
)
PENDING_WARNING = (
    "本报告含尚未经市创建办采纳的数据，仅供内部核对，不作为正式评估结果。"
    "(Includes data not yet accepted: for internal review only.)"
)

STATUS_ORDER = (
    AttainmentStatus.ATTAINED,
    AttainmentStatus.NOT_ATTAINED,
    AttainmentStatus.NOT_APPLICABLE,
    AttainmentStatus.NO_DATA,
)

DATA_SHEET = "达标情况"
SUMMARY_SHEET = "汇总"
RANKING_HEADERS = ("名次", "考核对象", "总分", "等次", "一票否决", "等次封顶")
DATA_HEADERS = (
    "单位代码",
    "单位名称",
    "指标代码",
    "指标名称",
    "计量单位",
    "数值",
    "目标",
    "达标情况",
    "差距",
    "进展",
    "数据状态",
)
SUMMARY_HEADERS = (
    "单位代码",
    "单位名称",
    "达标",
    "未达标",
    "不适用",
    "无数据",
    "达标率（%）",
    "约束性指标达标率（%）",
)


# ---- the shapes read (satisfied by the services' result dataclasses) -----------------------


class AssessedItem(Protocol):
    """One indicator of one unit (``services.IndicatorAssessment``)."""

    @property
    def indicator(self) -> IndicatorInfo: ...
    @property
    def org_unit_code(self) -> str: ...
    @property
    def value(self) -> float | str | None: ...
    @property
    def target(self) -> TargetInfo | None: ...
    @property
    def target_from_city(self) -> bool: ...
    @property
    def attainment(self) -> AttainmentResult: ...
    @property
    def progress(self) -> ProgressResult | None: ...
    @property
    def state(self) -> str | None: ...


class AssessedUnit(Protocol):
    """The city or one county (``services.UnitAssessment``)."""

    @property
    def org_unit_code(self) -> str: ...
    @property
    def name_zh(self) -> str: ...
    @property
    def items(self) -> Sequence[AssessedItem]: ...
    def counts(self, binding_only: bool = False) -> dict[str, int]: ...
    def share(self, binding_only: bool = False) -> float | None: ...


class AssessedYear(Protocol):
    """The year's assessment (``services.YearAssessment``)."""

    @property
    def year(self) -> int: ...
    @property
    def accepted_only(self) -> bool: ...
    @property
    def units(self) -> Sequence[AssessedUnit]: ...
    @property
    def framework_versions(self) -> Mapping[str, int]: ...
    @property
    def synthetic(self) -> bool: ...


class SchemeView(Protocol):
    """A stored scheme (``services.SchemeInfo``)."""

    @property
    def scheme(self) -> ScoringScheme: ...
    @property
    def subject_kind(self) -> str: ...


class ScoredScheme(Protocol):
    """A scheme's ranked score sheets (``services.ScoredYear``)."""

    @property
    def scheme(self) -> SchemeView: ...
    @property
    def ranked(self) -> Sequence[tuple[int, ScoreSheet]]: ...
    @property
    def names(self) -> Mapping[str, str]: ...
    @property
    def synthetic(self) -> bool: ...


# ---- shared wording ------------------------------------------------------------------------


def value_text(value: float | str | None) -> str:
    """A value as published: two decimals, a state's word, or a dash when missing.

    >>> value_text(68.70430016386958), value_text("基本建成"), value_text(None)
    ('68.70', '基本建成', '—')
    """
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{value:.2f}"


def share_text(share: float | None) -> str:
    """An attained share in per cent, one decimal (as ``UnitAssessment.share`` rounds it).

    >>> share_text(16.1), share_text(100.0), share_text(None)
    ('16.1%', '100.0%', '—')
    """
    return "—" if share is None else f"{share:.1f}%"


def gap_text(item: AssessedItem) -> str:
    """The shortfall: in the indicator's unit (two decimals), or in steps of the state scale."""
    gap = item.attainment.gap
    if gap is None:
        return ""
    if isinstance(item.attainment.target, str):
        return f"{gap:g} 级"
    # short by less than the shown precision: say so rather than print "0.00" beside 未达标
    return "< 0.01" if 0 < gap < 0.005 else f"{gap:.2f}"


def target_text(item: AssessedItem) -> str:
    if item.target is None:
        return ""
    text = item.target.describe()
    return f"{text}（沿用全市目标）" if item.target_from_city else text


def status_text(item: AssessedItem) -> str:
    return ATTAINMENT_ZH[item.attainment.status]


def progress_text(item: AssessedItem) -> str:
    return PROGRESS_ZH[item.progress.status] if item.progress else ""


def state_text(state: str | None) -> str:
    """The workflow state of the report behind a value, in Chinese (empty for a value computed
    from other values, e.g. a city total of county reports).

    >>> state_text("accepted"), state_text("submitted"), state_text(None)
    ('已采纳', '已提交', '')
    """
    if state is None:
        return ""
    try:
        return REPORT_STATE_ZH[ReportState(state)]
    except ValueError:
        return state


def pending_text(item: AssessedItem) -> str:
    """The report state behind a value that is not (yet) accepted; empty otherwise."""
    return "" if item.state == ReportState.ACCEPTED else state_text(item.state)


def indicator_label(item: AssessedItem) -> str:
    unit = item.indicator.display_unit.strip()
    name = item.indicator.name_zh
    return f"{name}（{unit}）" if unit and unit != "-" else name


def points_text(points: float) -> str:
    return f"{points:.2f}"


def full_marks_text(item: ScoringItem) -> str:
    if item.kind in BONUS_KINDS:
        return "加分项"
    if item.kind in SHEET_KINDS:
        return "不计分"
    return f"{item.full_marks:g}"


def sheet_notes(sheet: ScoreSheet) -> str:
    """Veto and grade-cap notes of a score sheet."""
    notes = []
    if sheet.vetoed:
        notes.append("一票否决")
    if sheet.capped_to:
        notes.append(f"等次封顶为“{sheet.capped_to}”")
    return "；".join(notes)


def cutoffs_text(scheme: ScoringScheme) -> str:
    return "、".join(f"{grade} ≥ {threshold:g} 分" for threshold, grade in scheme.grade_cutoffs)


def _city(assessment: AssessedYear) -> AssessedUnit | None:
    return next((u for u in assessment.units if u.org_unit_code == CITY_CODE), None)


def _counties(assessment: AssessedYear) -> list[AssessedUnit]:
    return [u for u in assessment.units if u.org_unit_code != CITY_CODE]


def _versions_text(versions: Mapping[str, int]) -> str:
    if not versions:
        return "无"
    return "、".join(f"{code}（第 {version} 版）" for code, version in sorted(versions.items()))


def _basis_text(accepted_only: bool) -> str:
    if accepted_only:
        return "仅采用市创建办已采纳（锁定）的数据"
    return "含尚在填报审核流程中的数据（未采纳数据已标注）"


def _uses_synthetic(assessment: AssessedYear, scored: Sequence[ScoredScheme]) -> bool:
    return assessment.synthetic or any(s.synthetic for s in scored)


# ---- the Word report -----------------------------------------------------------------------


def _set_fonts(style: Any, east_asian: str, size_pt: float | None = None) -> None:
    """Latin text in Times New Roman, Chinese in the given font, black."""
    style.font.name = "Times New Roman"
    style.font.color.rgb = RGBColor(0, 0, 0)
    if size_pt is not None:
        style.font.size = Pt(size_pt)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:eastAsia"), east_asian)


def _new_document() -> Any:
    document = Document()
    _set_fonts(document.styles["Normal"], "宋体", 10.5)
    _set_fonts(document.styles["Title"], "黑体", 18)
    for level, size in ((1, 15), (2, 13), (3, 11)):
        _set_fonts(document.styles[f"Heading {level}"], "黑体", size)
    return document


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _table(document: Any, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> Any:
    """A plain grid table with a bold header row repeated on every page."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(header)
        run.bold = True
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    document.add_paragraph()
    return table


def _warning(document: Any, text: str) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(12)
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def _value_cell(item: AssessedItem) -> str:
    pending = pending_text(item)
    text = value_text(item.value)
    return f"{text}（{pending}，未采纳）" if pending else text


def _city_section(document: Any, assessment: AssessedYear) -> None:
    document.add_heading("一、全市达标情况", level=1)
    city = _city(assessment)
    if city is None:
        document.add_paragraph("没有全市的评估结果。")
        return
    counts = city.counts()
    document.add_paragraph(
        f"{city.name_zh} {assessment.year} 年度纳入评估的指标共 {len(city.items)} 项："
        + "，".join(f"{ATTAINMENT_ZH[s]} {counts[s.value]} 项" for s in STATUS_ORDER)
        + f"。达标率 {share_text(city.share())}，"
        f"其中约束性指标达标率 {share_text(city.share(True))}。"
    )
    _table(
        document,
        [*(ATTAINMENT_ZH[s] for s in STATUS_ORDER), "达标率", "约束性指标达标率"],
        [
            [
                *(str(counts[s.value]) for s in STATUS_ORDER),
                share_text(city.share()),
                share_text(city.share(True)),
            ]
        ],
    )
    document.add_paragraph("全市各项指标：")
    _table(
        document,
        ("代码", "指标", "数值", "目标", "达标情况", "差距", "进展"),
        (
            (
                i.indicator.code,
                indicator_label(i),
                _value_cell(i),
                target_text(i),
                status_text(i),
                gap_text(i),
                progress_text(i),
            )
            for i in city.items
        ),
    )


def _county_section(document: Any, assessment: AssessedYear) -> None:
    document.add_heading("二、各县（市、区）达标情况", level=1)
    counties = _counties(assessment)
    if not counties:
        document.add_paragraph("没有县（市、区）的评估结果。")
        return
    rows = []
    for unit in counties:
        counts = unit.counts()
        rows.append(
            (
                unit.name_zh,
                str(counts[AttainmentStatus.ATTAINED.value]),
                str(counts[AttainmentStatus.NOT_ATTAINED.value]),
                str(counts[AttainmentStatus.NO_DATA.value]),
                share_text(unit.share()),
            )
        )
    _table(document, ("县（市、区）", "达标", "未达标", "无数据", "达标率"), rows)
    for unit in counties:
        document.add_heading(unit.name_zh, level=2)
        short = [i for i in unit.items if i.attainment.status is AttainmentStatus.NOT_ATTAINED]
        missing = [i for i in unit.items if i.attainment.status is AttainmentStatus.NO_DATA]
        if short:
            document.add_paragraph(f"未达标指标 {len(short)} 项：")
            _table(
                document,
                ("代码", "指标", "数值", "目标", "差距", "进展"),
                (
                    (
                        i.indicator.code,
                        indicator_label(i),
                        _value_cell(i),
                        target_text(i),
                        gap_text(i),
                        progress_text(i),
                    )
                    for i in short
                ),
            )
        else:
            document.add_paragraph("没有未达标指标。")
        if missing:
            document.add_paragraph(
                f"无数据指标 {len(missing)} 项："
                + "、".join(f"{i.indicator.code} {i.indicator.name_zh}" for i in missing)
                + "。"
            )


def _scoring_section(document: Any, scored: Sequence[ScoredScheme], year: int) -> None:
    document.add_heading("三、年度考核评分", level=1)
    if not scored:
        document.add_paragraph(f"{year} 年度没有评分方案。")
        return
    for one in scored:
        scheme = one.scheme.scheme
        document.add_heading(scheme.name, level=2)
        kind = SUBJECT_KIND_ZH.get(one.scheme.subject_kind, one.scheme.subject_kind)
        cap = f"，加分上限 {scheme.bonus_cap:g} 分" if scheme.bonus_cap is not None else ""
        document.add_paragraph(
            f"方案代码 {scheme.code}；考核对象：{kind} {len(one.ranked)} 个；"
            f"评分项 {len(scheme.items)} 项；等次分数线：{cutoffs_text(scheme)}{cap}。"
            + ("本方案含合成演示数据。" if one.synthetic else "")
        )
        _table(
            document,
            ("名次", "考核对象", "总分", "等次", "备注"),
            (
                (
                    str(rank),
                    one.names.get(sheet.subject, sheet.subject),
                    points_text(sheet.total),
                    sheet.grade,
                    sheet_notes(sheet),
                )
                for rank, sheet in one.ranked
            ),
        )
        full = {item.code: item for item in scheme.items}
        for rank, sheet in one.ranked:
            name = one.names.get(sheet.subject, sheet.subject)
            document.add_heading(
                f"{rank}. {name}：{points_text(sheet.total)} 分，{sheet.grade}", level=3
            )
            document.add_paragraph(sheet.explanation)
            _table(
                document,
                ("评分项", "满分", "得分", "计分说明"),
                (
                    (
                        item.name,
                        full_marks_text(full[item.code])
                        if item.code in full
                        else f"{item.full_marks:g}",
                        points_text(item.points),
                        item.explanation,
                    )
                    for item in sheet.items
                ),
            )


NOTES = (
    "达标：指标数值达到本单位适用的目标；县（市、区）没有本级目标时，"
    "比率、状态和相对目标沿用全市目标，总量目标不分解到县。",
    "无数据：指标适用于本单位且有目标，但本年度没有可用数据（正式结果只用已采纳的数据）。"
    "无数据计入达标率分母，视同未达标。",
    "不适用：本单位没有适用的目标，或该指标不适用于本单位的功能区；不计入达标率。",
    "达标率 = 达标项数 ÷（达标 + 未达标 + 无数据）× 100%，保留一位小数；"
    "约束性指标达标率只计约束性指标。",
    "差距：数值型指标为距目标的差值（指标单位），状态型指标为距要求状态的级数。",
    "进展：按 Open SDG 方法，以规划基准年为起点，判断按当前趋势能否在目标年实现目标。",
    "指标目录中待核实、部分核实的行（包括国家示范市建设指标中尚待核实的行）不参加评估。",
    "考核评分按各方案的评分标准和细则计算，每项得分附计分说明；一票否决项触发时等次为不合格，"
    "等次封顶项触发时等次不高于封顶等次。",
)


def assessment_report_docx(
    assessment: AssessedYear, scored: Sequence[ScoredScheme], *, generated_at: datetime
) -> bytes:
    """The year's assessment report as a Word document (Chinese)."""
    document = _new_document()
    title = f"衢州市 {assessment.year} 年度国家生态文明建设示范市创建评估报告"
    heading = document.add_heading(title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    local = to_local(generated_at)
    document.add_paragraph(
        f"数据口径：{_basis_text(assessment.accepted_only)}；"
        f"指标体系版本：{_versions_text(assessment.framework_versions)}；"
        f"生成时间：{local:%Y-%m-%d %H:%M}（北京时间）。"
    )
    synthetic = _uses_synthetic(assessment, scored)
    if synthetic:
        _warning(document, SYNTHETIC_WARNING)
    if not assessment.accepted_only:
        _warning(document, PENDING_WARNING)
    _city_section(document, assessment)
    _county_section(document, assessment)
    _scoring_section(document, scored, assessment.year)
    document.add_heading("四、说明", level=1)
    for note in NOTES:
        document.add_paragraph(note, style="List Bullet")

    properties = document.core_properties
    properties.title = title
    properties.author = "衢州市生态文明建设示范市创建平台 (ecociv)"
    properties.last_modified_by = properties.author
    instant = generated_at.astimezone(UTC).replace(tzinfo=None)
    properties.created = properties.modified = instant
    properties.revision = 1
    properties.comments = SYNTHETIC_WARNING if synthetic else ""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---- the workbooks -------------------------------------------------------------------------

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WARNING = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="E8F4EC")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _put(sheet: Worksheet, row: int, column: int, value: Any, number_format: str = "") -> None:
    """One cell; text stays text (a target such as “= 100” must not become a formula)."""
    cell = put_cell(sheet, row, column, value)
    if number_format and isinstance(value, float):
        cell.number_format = number_format


def _header(sheet: Worksheet, row: int, headers: Sequence[str]) -> None:
    for column, text in enumerate(headers, start=1):
        _put(sheet, row, column, text)
        cell = sheet.cell(row=row, column=column)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique worksheet name (≤ 31 characters, none of []:*?/\\; Excel compares
    names case-insensitively).

    >>> used = set()
    >>> _sheet_title("2021 年度市直部门生态文明建设任务考核（合成示例）与附加说明文字", used)
    '2021 年度市直部门生态文明建设任务考核（合成示例）与附加说'
    >>> _sheet_title("2021 年度市直部门生态文明建设任务考核（合成示例）与附加说明文本", used)
    '2021 年度市直部门生态文明建设任务考核（合成示例） (2)'
    >>> _sheet_title("a/b", used), _sheet_title("A/B", used)
    ('a_b', 'A_B (2)')
    """
    base = _SHEET_FORBIDDEN.sub("_", name).strip().strip("'") or "方案"
    title, number = base[:31], 1
    while title.casefold() in used:
        number += 1
        suffix = f" ({number})"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title.casefold())
    return title


def _workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _counts_points(item: ScoringItem) -> bool:
    """An item scored out of its full marks (not a bonus, veto or grade cap)."""
    return item.kind not in BONUS_KINDS and item.kind not in SHEET_KINDS


def _scheme_sheet(sheet: Worksheet, one: ScoredScheme) -> None:
    scheme = one.scheme.scheme
    row = 1
    if one.synthetic:
        _put(sheet, row, 1, SYNTHETIC_WORKBOOK_WARNING)
        sheet.cell(row=row, column=1).font = _WARNING
        row += 1
    _put(sheet, row, 1, scheme.name)
    sheet.cell(row=row, column=1).font = _TITLE
    row += 1
    kind = SUBJECT_KIND_ZH.get(one.scheme.subject_kind, one.scheme.subject_kind)
    _put(
        sheet,
        row,
        1,
        f"考核年度 {scheme.year} · 考核对象 {kind} · 方案代码 {scheme.code} · "
        f"等次分数线 {cutoffs_text(scheme)}",
    )
    row += 2

    items = scheme.items
    headers = [
        *RANKING_HEADERS,
        *(
            f"{item.name}（满分 {item.full_marks:g}）"
            if _counts_points(item)
            else f"{item.name}（{full_marks_text(item)}）"
            for item in items
        ),
    ]
    _header(sheet, row, headers)
    sheet.freeze_panes = f"C{row + 1}"
    for rank, score in one.ranked:
        row += 1
        points = {i.code: i.points for i in score.items}
        for column, value in enumerate(
            (
                rank,
                one.names.get(score.subject, score.subject),
                score.total,
                score.grade,
                "是" if score.vetoed else "",
                score.capped_to or "",
                *(points.get(item.code) for item in items),
            ),
            start=1,
        ):
            _put(sheet, row, column, value, "0.00")

    row += 2
    _put(sheet, row, 1, "评分说明")
    sheet.cell(row=row, column=1).font = _BOLD
    row += 1
    _header(sheet, row, ("名次", "考核对象", "评分项", "满分", "得分", "计分说明"))
    full = {item.code: item for item in items}
    for rank, score in one.ranked:
        name = one.names.get(score.subject, score.subject)
        for item in score.items:
            row += 1
            known = full.get(item.code)
            marks: Any = "" if known is None else full_marks_text(known)
            if known is not None and _counts_points(known):
                marks = known.full_marks
            line: tuple[Any, ...] = (rank, name, item.name, marks, item.points, item.explanation)
            for column, cell in enumerate(line, start=1):
                _put(sheet, row, column, cell, "0.00")
        row += 1
        _put(sheet, row, 2, name)
        _put(sheet, row, 3, "合计")
        _put(sheet, row, 5, score.total, "0.00")
        _put(sheet, row, 6, score.explanation)
        for column in range(1, 7):
            sheet.cell(row=row, column=column).font = _BOLD
    _widths(sheet, (8, 16, 30, 10, 10, 60, *(16 for _ in items)))


def scores_xlsx(scored: Sequence[ScoredScheme]) -> bytes:
    """The year's score sheets: one worksheet per scheme, ranking then item explanations."""
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    used: set[str] = set()
    if not scored:
        sheet = book.create_sheet("说明")
        _put(sheet, 1, 1, "本年度没有评分方案。(No scoring scheme for the year.)")
    for one in scored:
        _scheme_sheet(book.create_sheet(_sheet_title(one.scheme.scheme.name, used)), one)
    return _workbook_bytes(book)


def _numeric(value: float | str | None) -> float | str | None:
    return float(value) if isinstance(value, int | float) else value


def assessment_xlsx(assessment: AssessedYear) -> bytes:
    """The year's attainment data: one row per (unit, indicator), and a per-unit summary."""
    book = Workbook()
    data = book.active
    assert data is not None
    data.title = DATA_SHEET
    _header(data, 1, DATA_HEADERS)
    row = 1
    for unit in assessment.units:
        for item in unit.items:
            row += 1
            values = (
                unit.org_unit_code,
                unit.name_zh,
                item.indicator.code,
                item.indicator.name_zh,
                item.indicator.display_unit,
                _numeric(item.value),
                target_text(item),
                status_text(item),
                item.attainment.gap,
                progress_text(item),
                state_text(item.state),
            )
            for column, value in enumerate(values, start=1):
                _put(data, row, column, value, "0.00")
    data.freeze_panes = "A2"
    data.auto_filter.ref = f"A1:{get_column_letter(len(DATA_HEADERS))}{max(row, 1)}"
    _widths(data, (10, 10, 12, 40, 18, 12, 30, 10, 10, 20, 10))

    summary = book.create_sheet(SUMMARY_SHEET)
    _header(summary, 1, SUMMARY_HEADERS)
    row = 1
    for unit in assessment.units:
        row += 1
        counts = unit.counts()
        totals: tuple[Any, ...] = (
            unit.org_unit_code,
            unit.name_zh,
            *(counts[s.value] for s in STATUS_ORDER),
            unit.share(),
            unit.share(True),
        )
        for column, value in enumerate(totals, start=1):
            _put(summary, row, column, value, "0.0" if column > 6 else "")
    row += 2
    notes: tuple[tuple[str, Any], ...] = (
        ("年度", assessment.year),
        ("数据口径", _basis_text(assessment.accepted_only)),
        ("指标体系版本", _versions_text(assessment.framework_versions)),
        ("达标率", "达标 ÷（达标 + 未达标 + 无数据）× 100%；不适用不计入"),
    )
    for label, text in notes:
        _put(summary, row, 1, label)
        _put(summary, row, 2, text)
        row += 1
    if assessment.synthetic:
        _put(summary, row, 1, SYNTHETIC_WORKBOOK_WARNING)
        summary.cell(row=row, column=1).font = _WARNING
    _widths(summary, (12, 12, 8, 8, 8, 8, 12, 20))
    book.properties.title = f"衢州市 {assessment.year} 年度达标情况"
    if assessment.synthetic:
        book.properties.description = SYNTHETIC_WORKBOOK_WARNING
    return _workbook_bytes(book)
