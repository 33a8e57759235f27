"""`ecociv assess`: the year's report and workbooks as an operator writes them, on a fresh
SQLite demo database."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from ecociv.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ECOCIV_VAR_DIR": str(tmp_path / "var"), "ECOCIV_ENV": "development"}


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env)


def report_text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_assess_writes_the_report_and_both_workbooks(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "demo", "--no-serve").exit_code == 0
    report, scores, data = (
        tmp_path / "report.docx",
        tmp_path / "scores.xlsx",
        tmp_path / "data.xlsx",
    )
    result = run(
        env,
        "assess",
        "--year",
        "2021",
        "--out",
        str(report),
        "--xlsx",
        str(scores),
        "--data",
        str(data),
    )
    assert result.exit_code == 0, result.output
    for path in (report, scores, data):
        assert path.is_file() and str(path) in result.output
    assert not list(tmp_path.glob(".*.part"))
    text = report_text(report)
    assert "衢州市 2021 年度国家生态文明建设示范市创建评估报告" in text
    assert "柯城区" in text and "合成演示数据" in text
    assert "全市达标率 city attained share" in result.output
    assert "6 score sheets in 1 scheme(s)" in result.output
    sheet = load_workbook(scores).worksheets[0]
    assert any(row[0] == "名次" for row in sheet.iter_rows(values_only=True))
    assert load_workbook(data).sheetnames == ["达标情况", "汇总"]


def test_assess_with_pending_data_marks_the_report(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "demo", "--no-serve").exit_code == 0
    report = tmp_path / "pending.docx"
    result = run(env, "assess", "--year", "2021", "--out", str(report), "--include-pending")
    assert result.exit_code == 0, result.output
    assert "INCLUDES DATA NOT YET ACCEPTED" in result.output
    assert "尚未经市创建办采纳" in report_text(report)


def test_assess_refuses_an_output_folder_that_does_not_exist(env: dict[str, str]) -> None:
    result = run(env, "assess", "--year", "2021", "--out", "/nonexistent/dir/report.docx")
    assert result.exit_code == 1
    assert "/nonexistent/dir/report.docx" in result.output
    assert "/nonexistent/dir" in result.output and "does not exist" in result.output
    assert not Path("/nonexistent/dir/report.docx").exists()


def test_assess_refuses_an_optional_workbook_in_a_missing_folder_before_writing_anything(
    env: dict[str, str], tmp_path: Path
) -> None:
    report = tmp_path / "report.docx"
    result = run(
        env,
        "assess",
        "--year",
        "2021",
        "--out",
        str(report),
        "--data",
        str(tmp_path / "missing" / "data.xlsx"),
    )
    assert result.exit_code == 1 and "missing/data.xlsx" in result.output
    assert not report.exists()
