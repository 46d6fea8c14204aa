"""The shared CSV/XLSX writer: formula neutralisation, typed cells, sheet names, downloads."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest
from werkzeug.exceptions import NotFound

from tt_platform import spreadsheets
from tt_platform.database import CHINA

DANGEROUS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1",
             '=HYPERLINK("http://evil.example","点我")']


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert spreadsheets.neutralise(text) == "'" + text


@pytest.mark.parametrize(("value", "expected"), [
    ("普通文字", "普通文字"), ("a=b", "a=b"), ("", ""), (None, ""), ("'quoted", "'quoted"),
    (-5, "-5"), (Decimal("-1.50"), "-1.50"), (Decimal("123.45"), "123.45"), (0, "0"),
])
def test_numbers_and_harmless_text_stay_as_they_are(value, expected):
    assert spreadsheets.neutralise(value) == expected


def _parse_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_neutralises_text_cells_and_headers_but_not_numbers():
    body = spreadsheets.csv_bytes(["=标题", "数量"], [[text, -5] for text in DANGEROUS]
                                  + [["-5", Decimal("-12.30")], [dt.date(2026, 3, 1), None]])
    rows = _parse_csv(body)
    assert rows[0] == ["'=标题", "数量"]
    for row, text in zip(rows[1:], DANGEROUS, strict=False):
        assert row == ["'" + text, "-5"]
    assert rows[-2] == ["'-5", "-12.30"]  # text "-5" is neutralised, the number -12.30 is not
    assert rows[-1] == ["2026-03-01", ""]


def test_csv_writes_times_in_beijing():
    moment = dt.datetime(2026, 3, 1, 6, 30, tzinfo=dt.UTC)
    assert _parse_csv(spreadsheets.csv_bytes(["t"], [[moment]]))[1] == ["2026-03-01 14:30"]


def test_xlsx_cells_are_typed_and_never_formulas():
    rows = [[text, -5, Decimal("-12.30"), dt.date(2026, 3, 1)] for text in DANGEROUS]
    body = spreadsheets.xlsx_bytes("测试", ["=标题", "数量", "金额(万元)", "日期"], rows, title="@导出")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet.title == "测试"
    assert [c.value for c in sheet[1]][0] == "'@导出"
    assert [c.value for c in sheet[2]] == ["'=标题", "数量", "金额(万元)", "日期"]
    assert sheet["A2"].font.b and sheet.freeze_panes == "A3"  # bold header row, frozen under it
    for r, text in enumerate(DANGEROUS, start=3):
        cell = sheet.cell(r, 1)
        # openpyxl leaves XML's escape of a carriage return (_x000D_) as it is; Excel reads it back as \r
        assert cell.data_type == "s" and cell.value.replace("_x000D_", "\r") == "'" + text
        assert sheet.cell(r, 2).value == -5 and sheet.cell(r, 2).data_type == "n"
        assert sheet.cell(r, 3).value == pytest.approx(-12.3) and sheet.cell(r, 3).number_format == "#,##0.00"
        assert sheet.cell(r, 4).value == dt.datetime(2026, 3, 1) and sheet.cell(r, 4).is_date
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert sheet.column_dimensions["A"].width > 8


def test_xlsx_keeps_text_that_looks_like_a_number_or_a_link_as_text():
    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheets.xlsx_bytes(
        "s", ["a", "b"], [["0012", "https://example.cn/x"]]))).active
    assert sheet["A2"].value == "0012" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "https://example.cn/x" and sheet["B2"].hyperlink is None


def test_xlsx_times_are_beijing_time():
    moment = dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC)
    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheets.xlsx_bytes("s", ["t"], [[moment]]))).active
    assert sheet["A2"].value == moment.astimezone(CHINA).replace(tzinfo=None) == dt.datetime(2026, 3, 2, 2, 0)


@pytest.mark.parametrize(("title", "expected"), [
    ("by_type", "by_type"), ("a[b]:c*d?e/f\\g", "a b  c d e f g"), ("", "Sheet1"), ("'引号'", "引号"),
    ("很长的名字" * 10, ("很长的名字" * 10)[:31]),
])
def test_sheet_names_are_valid(title, expected):
    assert spreadsheets.sheet_name(title) == expected
    body = spreadsheets.xlsx_bytes(title, ["x"], [[1]])
    assert openpyxl.load_workbook(io.BytesIO(body)).active.title == expected


def test_cap_says_when_rows_were_left_out(app):
    with app.test_request_context():
        assert spreadsheets.cap([[1], [2], [3]], limit=3) == [[1], [2], [3]]
        capped = spreadsheets.cap([[1], [2], [3], [4]], limit=3)
    assert capped[:3] == [[1], [2], [3]] and len(capped) == 4
    assert len(capped[3]) == 1 and "3" in capped[3][0]


def test_download_names_the_file_in_chinese_with_an_ascii_fallback(app):
    with app.test_request_context():
        response = spreadsheets.download("科技成果-2026-03-01", "xlsx", ["标题"], [["锂电池"]], sheet_title="科技成果")
        csv_response = spreadsheets.download('a/b:"c"', "csv", ["x"], [[1]], sheet_title="x")
        with pytest.raises(NotFound):
            spreadsheets.download("x", "pdf", ["x"], [], sheet_title="x")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="2026-03-01.xlsx"; ')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "科技成果-2026-03-01.xlsx"
    assert response.headers["Content-Type"] == spreadsheets.MIMETYPES["xlsx"]
    assert openpyxl.load_workbook(io.BytesIO(response.data)).active["A2"].value == "锂电池"
    assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert '"' not in csv_response.headers["Content-Disposition"].split("filename*=")[1]
    assert "a-b-c.csv" in csv_response.headers["Content-Disposition"]
