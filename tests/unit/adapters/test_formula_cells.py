"""Spreadsheets and CSV files the platform writes neutralise formula-leading text (issue 11,
item 13; the rule is in docs/inputs.md, "Files the platform writes")."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from ecociv.adapters.tables import csv_row, csv_safe, is_formula_like, put_cell

ATTACK = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_leading_character_makes_a_text_formula_like(lead: str) -> None:
    assert is_formula_like(lead + "SUM(A1:A9)")
    assert csv_safe(lead + "SUM(A1:A9)") == "'" + lead + "SUM(A1:A9)"


@pytest.mark.parametrize("text", ["SUM(A1)", " =1+1", "a-b", "衢州=好", "", "'=1"])
def test_text_not_starting_with_a_formula_character_is_written_as_it_is(text: str) -> None:
    assert not is_formula_like(text)
    assert csv_safe(text) == text


@pytest.mark.parametrize("number", ["-1", "-0.5", "-12.75", "+3", "-0"])
def test_negative_and_signed_numbers_stay_numbers(number: str) -> None:
    assert csv_safe(number) == number
    assert csv_safe(float(number)) == float(number)


@pytest.mark.parametrize("text", ["-1+1", "-1e5", "--1", "-", "+86 570 1234567"])
def test_a_sign_followed_by_more_than_a_number_is_neutralised(text: str) -> None:
    assert csv_safe(text) == "'" + text


def test_a_csv_row_comes_back_as_text_in_a_csv_reader() -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(csv_row(["330802", ATTACK, -2.5, None]))
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["330802", "'" + ATTACK, "-2.5", ""]


def test_an_xlsx_text_cell_starting_with_equals_is_a_string_not_a_formula() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    put_cell(sheet, 1, 1, ATTACK)
    put_cell(sheet, 1, 2, -3.5)
    put_cell(sheet, 1, 3, "@SUM(1)")
    put_cell(sheet, 1, 4, "bell\x07")  # a character a workbook cannot hold is dropped
    buffer = io.BytesIO()
    book.save(buffer)
    reread = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert reread is not None
    assert (reread["A1"].data_type, reread["A1"].value) == ("s", ATTACK)
    assert (reread["B1"].data_type, reread["B1"].value) == ("n", -3.5)
    assert (reread["C1"].data_type, reread["C1"].value) == ("s", "@SUM(1)")
    assert reread["D1"].value == "bell"
