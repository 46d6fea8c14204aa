"""The statistics tables' CSV/XLSX through the shared spreadsheet writer: same content, labels neutralised."""
from __future__ import annotations

import io

import openpyxl

from tt_platform.stats import export
from tt_platform.stats.services import Row, Table


def _table() -> Table:
    return Table("by_seller", "按卖方统计", [Row("a", "浙江大学", 2, 51_234_567, 50_000_000),
                                             Row("b", "=HYPERLINK(\"http://x\")", 1, 5, 0)])


def test_csv_keeps_its_layout_and_neutralises_labels(app):
    with app.test_request_context():
        body = export.to_csv(_table()).decode("utf-8-sig").splitlines()
    assert len(body) == 4  # header, two rows, total
    assert body[1] == "浙江大学,2,51.23,50.00"
    assert body[2].startswith("\"'=HYPERLINK(") and body[2].endswith(",1,0.00,0.00")
    assert body[3].endswith(",3,51.23,50.00")


def test_xlsx_has_title_header_and_numbers(app):
    with app.test_request_context():
        sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(_table()))).active
    assert sheet.title == "by_seller" and sheet["A1"].value == "按卖方统计"
    assert sheet["A3"].value == "浙江大学" and sheet["B3"].value == 2 and sheet["C3"].value == 51.23
    assert sheet["C3"].number_format == "#,##0.00"
    assert sheet["A4"].value.startswith("'=") and sheet["A4"].data_type == "s"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
