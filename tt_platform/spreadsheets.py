"""Spreadsheet downloads (CSV and XLSX) that every list export shares.

Cells are typed by their Python value: int, Decimal and float are numbers, dates and datetimes are
dates (an aware datetime in Beijing time), None is an empty cell, anything else is text. Text that a
spreadsheet would read as a formula (OWASP "CSV injection": it starts with =, +, -, @, a tab or a
carriage return) gets a leading apostrophe, in CSV and XLSX alike; numbers are data and stay as
they are, negative ones included.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from urllib.parse import quote

import xlsxwriter
from flask import Response, abort
from flask_babel import gettext as _

from tt_platform.database import CHINA, china_today

#: What a download may be; anything else is a 404.
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The most rows one export holds; a longer list ends with a note that says so (`cap`).
MAX_ROWS = 10_000
#: First characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Never let XlsxWriter turn text into formulas, links or numbers: text stays text.
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def neutralise(value) -> str:
    """The cell text of `value`; text starting like a formula gets a leading apostrophe.
    Numbers are data: str(-5) stays "-5" (only text values are neutralised)."""
    if value is None:
        return ""
    if _is_number(value):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    text = str(value)  # lazy strings (flask_babel) included
    return "'" + text if text.startswith(DANGEROUS_PREFIXES) else text


def _local(moment: dt.datetime) -> dt.datetime:
    """A naive Beijing time (stored times are UTC; spreadsheets have no time zones)."""
    return moment.astimezone(CHINA).replace(tzinfo=None) if moment.tzinfo is not None else moment


def _csv_cell(value) -> str:
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


def csv_bytes(headers: Sequence, rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM: Excel opens a UTF-8 CSV with Chinese text correctly only with it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_name(title) -> str:
    """A valid worksheet name: at most 31 characters, none of []:*?/\\, not quoted."""
    name = _SHEET_FORBIDDEN.sub(" ", str(title or "")).strip().strip("'")[:31].strip()
    return name or "Sheet1"


def _width(text: str) -> int:
    """Display width: CJK and other wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class _Formats:
    def __init__(self, book):
        self.book = book
        self.bold = book.add_format({"bold": True})
        self.header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self._decimals: dict[int, object] = {}

    def decimal(self, value: Decimal):
        places = max(0, -value.as_tuple().exponent) if value.is_finite() else 0
        if places not in self._decimals:
            pattern = "#,##0" + ("." + "0" * places if places else "")
            self._decimals[places] = self.book.add_format({"num_format": pattern})
        return self._decimals[places]


def _write(sheet, formats: _Formats, row: int, col: int, value) -> str:
    """Write one typed cell; returns its text for the column width."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, _local(value), formats.datetime)
        return "0000-00-00 00:00"
    if isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, formats.date)
        return "0000-00-00"
    if isinstance(value, Decimal):
        # Decimal → float only at the cell: two-decimal 万元 values are exact enough for display
        sheet.write_number(row, col, float(value), formats.decimal(value))
        return f"{value:,f}"
    if _is_number(value):
        sheet.write_number(row, col, value)
        return str(value)
    text = neutralise(value)
    sheet.write_string(row, col, text)
    return text


def xlsx_bytes(sheet_title, headers: Sequence, rows: Iterable[Sequence], *, title: str | None = None) -> bytes:
    """One worksheet: an optional bold title line, a bold frozen header row, the rows typed by value."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    sheet = book.add_worksheet(sheet_name(sheet_title))
    formats = _Formats(book)
    header_row = 0
    if title:
        sheet.write_string(0, 0, neutralise(title), formats.bold)
        header_row = 1
    widths = [_width(neutralise(h)) for h in headers]
    for col, header in enumerate(headers):
        sheet.write_string(header_row, col, neutralise(header), formats.header)
    sheet.freeze_panes(header_row + 1, 0)
    for r, values in enumerate(rows, start=header_row + 1):
        note = len(values) == 1 and len(headers) > 1  # a one-cell note (see `cap`) widens no column
        for col, value in enumerate(values):
            text = _write(sheet, formats, r, col, value)
            if note:
                continue
            if col < len(widths):
                widths[col] = max(widths[col], _width(text))
            else:
                widths.append(_width(text))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width + 2, 8), 60))
    book.close()
    return buffer.getvalue()


def cap(rows: Sequence[Sequence], limit: int | None = None) -> list[Sequence]:
    """At most `limit` rows (MAX_ROWS by default); when there were more (fetch `limit + 1` to know), a
    last row says so, so that an export is never cut short silently."""
    limit = MAX_ROWS if limit is None else limit
    rows = list(rows)
    if len(rows) <= limit:
        return rows
    return [*rows[:limit], [_("Only the first %(n)s rows are exported; narrow the filters.", n=f"{limit:,}")]]


def _ascii_fallback(filename: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem).strip("-.") or "export"
    return f"{ascii_stem}{dot}{ext}"


def content_disposition(filename: str) -> str:
    """An attachment with a Unicode file name (RFC 6266 / RFC 5987) and an ASCII fallback for old clients."""
    return f"attachment; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(filename_stem: str, fmt: str, headers: Sequence, rows: Iterable[Sequence], *, sheet_title,
             title: str | None = None) -> Response:
    """The rows as a CSV or XLSX attachment named `filename_stem`.`fmt`; another `fmt` is a 404."""
    if fmt not in MIMETYPES:
        abort(404)
    body = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes(sheet_title, headers, rows, title=title)
    response = Response(body, content_type=MIMETYPES[fmt])
    stem = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "-", str(filename_stem)).strip(" .-") or "export"
    response.headers["Content-Disposition"] = content_disposition(f"{stem}.{fmt}")
    # lists of one's own contracts and cases: no shared cache keeps them
    response.headers["Cache-Control"] = "private, no-store"
    return response


def list_download(name: str, fmt: str, headers: Sequence, rows: Sequence[Sequence], *,
                  title: str | None = None) -> Response:
    """A list page's export: at most MAX_ROWS rows (then a note, see `cap`), in a file named after the
    list and today's date (Beijing), on a sheet named after the list."""
    return download(f"{name}-{china_today().isoformat()}", fmt, headers, cap(rows), sheet_title=name, title=title)
