"""Reading exported spreadsheets back in tests: CSV as text rows, XLSX through openpyxl."""
from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import openpyxl
from flask_babel import gettext


def label(app, msgid: str) -> str:
    """A header as the exports write it for the default locale (translated or not yet)."""
    with app.test_request_context():
        return gettext(msgid)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese text
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.data))


def xlsx_rows(response, header_row: int = 1) -> list[list]:
    """Header and data rows (from `header_row`, 1-based) of the first sheet; no cell may be a formula."""
    sheet = workbook(response).active
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    return [list(r) for r in sheet.iter_rows(min_row=header_row, values_only=True)]


def records(rows: list[list]) -> list[dict]:
    """Data rows as dicts keyed by the header row."""
    headers = rows[0]
    return [dict(zip(headers, row, strict=False)) for row in rows[1:]]


def column(rows: list[list], header: str) -> list:
    return [r.get(header) for r in records(rows)]


def download_name(response) -> str:
    """The Unicode file name of an attachment (RFC 5987 filename*)."""
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="' in disposition  # the ASCII fallback for old clients
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    return unquote(encoded)


def xlsx_of(rows: list[dict]) -> bytes:
    """A workbook as a user fills one: the first row's keys as headers, one row per dict."""
    book = openpyxl.Workbook()
    headers = list(rows[0])
    book.active.append(headers)
    for row in rows:
        book.active.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
