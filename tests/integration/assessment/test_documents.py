"""The annual assessment as office documents: what the services computed is what the Word report
and the workbooks say, read back with python-docx and openpyxl (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.assessment import (
    AttainmentStatus,
    ScoredYear,
    UnitAssessment,
    YearAssessment,
    assess_year,
    list_schemes,
    score_year,
)
from ecociv.assessment.documents import assessment_report_docx, assessment_xlsx, scores_xlsx
from tests.conftest import SYSTEM

YEAR = 2021
#: 17:05 UTC on 1 March is 01:05 on 2 March in Beijing (UTC+8).
GENERATED = datetime(2022, 3, 1, 17, 5, tzinfo=UTC)
SYNTHETIC = "本报告所用数据含合成演示数据，不代表实际情况。(Contains synthetic demo data.)"
STATUS_ZH = {
    AttainmentStatus.ATTAINED: "达标",
    AttainmentStatus.NOT_ATTAINED: "未达标",
    AttainmentStatus.NOT_APPLICABLE: "不适用",
    AttainmentStatus.NO_DATA: "无数据",
}


@dataclass
class Results:
    assessment: YearAssessment
    scored: list[ScoredYear]

    @property
    def city(self) -> UnitAssessment:
        return self.assessment.unit(orgs.CITY_CODE)

    @property
    def counties(self) -> list[UnitAssessment]:
        return [u for u in self.assessment.units if u.org_unit_code != orgs.CITY_CODE]


def build(db: Database, year: int = YEAR, *, accepted_only: bool = True) -> Results:
    assessment = assess_year(db, SYSTEM, year, accepted_only=accepted_only)
    scored = [
        score_year(db, SYSTEM, info.scheme.code, accepted_only=accepted_only)
        for info in list_schemes(db, SYSTEM)
        if info.scheme.year == year
    ]
    return Results(assessment, scored)


@pytest.fixture
def results(db: Database) -> Results:
    built = build(db)
    assert built.scored, "the demo data has a 2021 scoring scheme"
    return built


def open_docx(content: bytes) -> Any:
    return Document(io.BytesIO(content))


def report_of(results: Results) -> Any:
    return open_docx(
        assessment_report_docx(results.assessment, results.scored, generated_at=GENERATED)
    )


def rows_of(table: Any) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def text_of(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell for row in rows_of(table) for cell in row)
    return "\n".join(parts)


def table_after_heading(document: Any, heading: str) -> list[list[str]] | None:
    """The first table after the heading with this text (None if a heading comes first)."""
    found = False
    for block in document.iter_inner_content():
        is_table = hasattr(block, "rows")
        if not is_table and block.style.name.startswith("Heading"):
            if found:
                return None
            found = block.text == heading
        elif is_table and found:
            return rows_of(block)
    return None


def header_row(sheet: Worksheet, first: str) -> int:
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == first:
            return row
    raise AssertionError(f"no header starting {first!r} in {sheet.title}")


# ---- the Word report -----------------------------------------------------------------------


def test_report_title_names_the_city_and_the_year(results: Results) -> None:
    document = report_of(results)
    title = document.paragraphs[0]
    assert title.style.name == "Title"
    assert title.text == "衢州市 2021 年度国家生态文明建设示范市创建评估报告"
    assert document.core_properties.title == title.text


def test_report_states_its_data_basis_and_the_time_in_beijing(results: Results) -> None:
    basis = report_of(results).paragraphs[1].text
    assert "已采纳" in basis
    for framework, version in results.assessment.framework_versions.items():
        assert f"{framework}（第 {version} 版）" in basis
    assert "2022-03-02 01:05（北京时间）" in basis


def test_synthetic_demo_data_is_flagged_near_the_top(results: Results) -> None:
    assert results.assessment.synthetic
    top = [p.text for p in report_of(results).paragraphs[:4]]
    assert SYNTHETIC in top


def test_report_gives_the_citys_counts_and_attained_shares(results: Results) -> None:
    city = results.city
    document = report_of(results)
    counts = city.counts()
    summary = table_after_heading(document, "一、全市达标情况")
    assert summary is not None
    assert summary[0] == ["达标", "未达标", "不适用", "无数据", "达标率", "约束性指标达标率"]
    assert summary[1][:4] == [str(counts[s.value]) for s in STATUS_ZH]
    share, binding = city.share(), city.share(True)
    assert share is not None and binding is not None
    assert summary[1][4:] == [f"{share:.1f}%", f"{binding:.1f}%"]
    assert f"达标率 {share:.1f}%" in text_of(document)


def test_every_city_indicator_is_listed_with_its_status_in_chinese(results: Results) -> None:
    document = report_of(results)
    table = next(rows_of(t) for t in document.tables if rows_of(t)[0][0] == "代码")
    assert table[0] == ["代码", "指标", "数值", "目标", "达标情况", "差距", "进展"]
    listed = {row[0]: row for row in table[1:]}
    assert list(listed) == [i.indicator.code for i in results.city.items]
    for item in results.city.items:
        row = listed[item.indicator.code]
        assert row[4] == STATUS_ZH[item.attainment.status]
        if isinstance(item.value, float):
            assert row[2].startswith(f"{item.value:.2f}")
        if item.target is not None:
            assert row[3] == item.target.describe()


def test_every_county_is_summarised_with_its_share(results: Results) -> None:
    document = report_of(results)
    summary = table_after_heading(document, "二、各县（市、区）达标情况")
    assert summary is not None
    assert summary[0] == ["县（市、区）", "达标", "未达标", "无数据", "达标率"]
    assert [row[0] for row in summary[1:]] == [u.name_zh for u in results.counties]
    assert len(results.counties) == 6
    for row, unit in zip(summary[1:], results.counties, strict=True):
        counts = unit.counts()
        assert row[1:4] == [str(counts[k]) for k in ("attained", "not_attained", "no_data")]
        assert row[4] == f"{unit.share():.1f}%"


def test_each_countys_not_attained_indicators_are_listed_with_their_gaps(
    results: Results,
) -> None:
    document = report_of(results)
    for unit in results.counties:
        short = [i for i in unit.items if i.attainment.status is AttainmentStatus.NOT_ATTAINED]
        assert short, f"the demo has shortfalls in {unit.name_zh}"
        table = table_after_heading(document, unit.name_zh)
        assert table is not None, unit.name_zh
        assert table[0][:5] == ["代码", "指标", "数值", "目标", "差距"]
        assert [row[0] for row in table[1:]] == [i.indicator.code for i in short]
        for row, item in zip(table[1:], short, strict=True):
            gap = item.attainment.gap
            assert gap is not None and gap > 0
            shown = row[4]
            if shown.endswith("级"):
                assert float(shown.removesuffix("级")) == gap
            elif shown.startswith("<"):
                assert gap < 0.01
            else:
                assert float(shown) == pytest.approx(gap, abs=0.005)


def test_report_ranking_follows_the_score_sheets(results: Results) -> None:
    document = report_of(results)
    rankings = [rows_of(t) for t in document.tables if rows_of(t)[0][0] == "名次"]
    assert len(rankings) == len(results.scored)
    for table, scored in zip(rankings, results.scored, strict=True):
        assert table[0] == ["名次", "考核对象", "总分", "等次", "备注"]
        expected = [
            [str(rank), scored.names[sheet.subject], f"{sheet.total:.2f}", sheet.grade]
            for rank, sheet in scored.ranked
        ]
        assert [row[:4] for row in table[1:]] == expected
        totals = [float(row[2]) for row in table[1:]]
        assert totals == sorted(totals, reverse=True)


def test_each_subjects_items_carry_their_points_and_explanations(results: Results) -> None:
    document = report_of(results)
    for scored in results.scored:
        for rank, sheet in scored.ranked:
            heading = f"{rank}. {scored.names[sheet.subject]}：{sheet.total:.2f} 分，{sheet.grade}"
            table = table_after_heading(document, heading)
            assert table is not None, heading
            assert [(r[0], r[2], r[3]) for r in table[1:]] == [
                (i.name, f"{i.points:.2f}", i.explanation) for i in sheet.items
            ]


def test_report_explains_no_data_not_applicable_and_unconfirmed_rows(results: Results) -> None:
    document = report_of(results)
    blocks = list(document.iter_inner_content())
    start = next(i for i, b in enumerate(blocks) if getattr(b, "text", "") == "四、说明")
    notes = "\n".join(getattr(b, "text", "") for b in blocks[start + 1 :])
    assert "无数据" in notes and "不适用" in notes and "待核实" in notes


def test_a_report_on_data_not_yet_accepted_says_so(db: Database) -> None:
    pending = build(db, accepted_only=False)
    text = text_of(
        open_docx(
            assessment_report_docx(pending.assessment, pending.scored, generated_at=GENERATED)
        )
    )
    assert "尚未经市创建办采纳" in text and "不作为正式评估结果" in text
    official = build(db)
    text = text_of(
        open_docx(
            assessment_report_docx(official.assessment, official.scored, generated_at=GENERATED)
        )
    )
    assert "尚未经市创建办采纳" not in text


def test_a_year_without_data_still_gets_a_report(db: Database) -> None:
    empty = build(db, 2005)
    assert not empty.scored
    assert all(i.value is None for u in empty.assessment.units for i in u.items)
    document = open_docx(assessment_report_docx(empty.assessment, [], generated_at=GENERATED))
    text = text_of(document)
    assert document.paragraphs[0].text.startswith("衢州市 2005 年度")
    assert "2005 年度没有评分方案" in text
    assert all(u.name_zh in text for u in empty.counties)
    book = load_workbook(io.BytesIO(scores_xlsx([])))
    assert "没有评分方案" in str(book.worksheets[0]["A1"].value)
    data = load_workbook(io.BytesIO(assessment_xlsx(empty.assessment)))["达标情况"]
    statuses = {row[7] for row in data.iter_rows(min_row=2, values_only=True)}
    assert statuses <= {"无数据", "不适用"}


# ---- the workbooks -------------------------------------------------------------------------


def test_scores_workbook_ranking_totals_equal_the_score_sheets(results: Results) -> None:
    book = load_workbook(io.BytesIO(scores_xlsx(results.scored)))
    assert len(book.worksheets) == len(results.scored)
    titles = [s.title for s in book.worksheets]
    assert len(set(titles)) == len(titles) and all(len(t) <= 31 for t in titles)
    for sheet, scored in zip(book.worksheets, results.scored, strict=True):
        assert scored.synthetic
        assert "合成演示数据" in str(sheet["A1"].value)
        assert sheet["A2"].value == scored.scheme.scheme.name
        top = header_row(sheet, "名次")
        headers = [c.value for c in sheet[top]]
        assert headers[:6] == ["名次", "考核对象", "总分", "等次", "一票否决", "等次封顶"]
        items = scored.scheme.scheme.items
        for header, item in zip(headers[6:], items, strict=True):
            assert str(header).startswith(item.name)
            if item.full_marks:
                assert f"满分 {item.full_marks:g}" in str(header)
        for offset, (rank, score) in enumerate(scored.ranked, start=1):
            row = [c.value for c in sheet[top + offset]]
            assert row[:4] == [rank, scored.names[score.subject], score.total, score.grade]
            assert (row[4] == "是") is score.vetoed
            assert (row[5] or None) == score.capped_to
            points = {i.code: i.points for i in score.items}
            assert row[6:] == [points[item.code] for item in items]
        assert sheet.cell(row=top + len(scored.ranked) + 1, column=1).value is None


def test_scores_workbook_explains_every_item_of_every_subject(results: Results) -> None:
    book = load_workbook(io.BytesIO(scores_xlsx(results.scored)))
    for sheet, scored in zip(book.worksheets, results.scored, strict=True):
        start = header_row(sheet, "评分说明") + 1
        assert [c.value for c in sheet[start]][:6] == [
            "名次",
            "考核对象",
            "评分项",
            "满分",
            "得分",
            "计分说明",
        ]
        found = {
            (row[1], row[2]): (row[4], row[5])
            for row in sheet.iter_rows(min_row=start + 1, values_only=True)
            if row[2] and row[2] != "合计"
        }
        expected = {
            (scored.names[s.subject], i.name): (i.points, i.explanation)
            for _rank, s in scored.ranked
            for i in s.items
        }
        assert found == expected


def test_data_workbook_has_one_row_per_unit_and_indicator(results: Results) -> None:
    book = load_workbook(io.BytesIO(assessment_xlsx(results.assessment)))
    assert book.sheetnames == ["达标情况", "汇总"]
    data = book["达标情况"]
    assert [c.value for c in data[1]][:10] == [
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
    ]
    rows = list(data.iter_rows(min_row=2, values_only=True))
    expected = {
        (u.org_unit_code, i.indicator.code): i for u in results.assessment.units for i in u.items
    }
    assert len(rows) == len(expected) == sum(len(u.items) for u in results.assessment.units)
    assert {(row[0], row[2]) for row in rows} == set(expected)
    for row in rows:
        item = expected[(str(row[0]), str(row[2]))]
        assert row[7] == STATUS_ZH[item.attainment.status]
        if isinstance(item.value, float):
            assert row[5] == pytest.approx(item.value)
        else:
            assert row[5] == item.value
        if item.target is None:
            assert row[6] is None
        else:
            assert str(row[6]).startswith(item.target.describe())


def test_data_workbook_summary_gives_each_units_counts_and_shares(results: Results) -> None:
    summary = load_workbook(io.BytesIO(assessment_xlsx(results.assessment)))["汇总"]
    rows = list(summary.iter_rows(min_row=2, max_row=1 + len(results.assessment.units)))
    for row, unit in zip(rows, results.assessment.units, strict=True):
        values = [c.value for c in row]
        counts = unit.counts()
        assert values[:2] == [unit.org_unit_code, unit.name_zh]
        assert values[2:6] == [counts[s.value] for s in STATUS_ZH]
        assert values[6:8] == [unit.share(), unit.share(True)]
    cells = [str(c.value) for row in summary.iter_rows() for c in row if c.value is not None]
    assert any("合成演示数据" in c for c in cells)
