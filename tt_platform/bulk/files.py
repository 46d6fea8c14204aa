"""Reading uploaded tables safely: XLSX (streamed), CSV (encoding detected) and JSONL.

Every limit is checked before the expensive step: the upload's size first, then (XLSX) the zip's
declared uncompressed sizes and compression ratios before any XML is parsed, so a zip bomb is
refused in bounded memory; the workbook is parsed by calamine (Rust, python-calamine: 15–20× the
speed of openpyxl's streamed read here), whose XML reader knows no DTDs, so an external or custom
entity (XXE, entity expansion) is a read error, never a file read; rows and cells are counted as they
are handed on.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import python_calamine
from flask_babel import gettext as _
from xlsxwriter.utility import xl_col_to_name


class FileProblem(Exception):
    """A user-facing reason the file cannot be read."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_cells: int = 5_000_000
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 200
    max_field_chars: int = 100_000


@dataclass
class Table:
    format: str
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, object]]]
    encoding: str | None = None
    sheet: str | None = None
    #: rows the file says it holds (the sheet's dimension, the count of lines), for progress bars; the
    #: real count may be lower (blank rows are skipped) and is None where the file does not say
    size_hint: int | None = None


_BLANKS = " \t\r\n\u3000\ufeff"


def _header(value: object) -> str:
    return str(value if value is not None else "").strip(_BLANKS)


def _cell(value: object) -> str:
    """An XLSX value as text: no float noise, dates as ISO, booleans as 是/否."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        number = Decimal(repr(value))
        return str(int(number)) if number == number.to_integral_value() else format(number, "f")
    return str(value).strip()


def read_table(data: bytes, filename: str, *, encoding: str | None = None, sheet: str | None = None,
               limits: Limits = Limits()) -> Table:
    if not data:
        raise FileProblem(_("The file is empty."))
    if len(data) > limits.max_bytes:
        raise FileProblem(_("The file is larger than %(mb)d MB.", mb=limits.max_bytes // (1024 * 1024)))
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx(data, sheet, limits)
    if suffix in (".csv", ".tsv", ".txt"):
        return _csv(data, encoding, limits)
    if suffix in (".jsonl", ".json", ".ndjson"):
        return _jsonl(data, limits)
    raise FileProblem(_("Unsupported file type “%(suffix)s”: use XLSX, CSV or JSONL.", suffix=suffix or filename))


def _headers_and_rows(rows: Iterator[tuple[int, list]], limits: Limits, as_text) -> tuple[list[str], Iterator]:
    for _number, first in rows:
        if any(_header(v) for v in first):
            break
    else:
        raise FileProblem(_("The file has no header row."))
    headers = [_header(v) for v in first]
    while headers and not headers[-1]:
        headers.pop()
    for index, name in enumerate(headers):
        if not name:
            raise FileProblem(_("Column %(col)s has no header.", col=xl_col_to_name(index)))
    duplicates = sorted({h for h in headers if headers.count(h) > 1})
    if duplicates:
        raise FileProblem(_("The header “%(name)s” appears twice.", name=duplicates[0]))
    width = len(headers)

    def body():
        count = 0
        for number, values in rows:
            texts = [as_text(v) for v in values]
            if not any(texts):
                continue
            if any(texts[width:]):
                raise FileProblem(_("Row %(n)d has values to the right of the last header.", n=number))
            if any(len(t) > limits.max_field_chars for t in texts):
                raise FileProblem(_("Row %(n)d has a cell of more than %(k)d characters.", n=number,
                                    k=limits.max_field_chars))
            count += 1
            if count > limits.max_rows or count * width > limits.max_cells:
                raise FileProblem(_("The file has more than %(n)d rows (or %(c)d cells): split it.",
                                    n=limits.max_rows, c=limits.max_cells))
            yield number, dict(zip(headers, texts + [""] * (width - len(texts)), strict=False))
    return headers, body()


def _check_zip(data: bytes, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileProblem(_("The XLSX file could not be read (it is not a valid workbook).")) from None
    with archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > limits.max_unzipped_bytes:
            raise FileProblem(_("The XLSX file unpacks to more than %(mb)d MB.",
                                mb=limits.max_unzipped_bytes // (1024 * 1024)))
        for member in members:
            if member.file_size > 1024 * 1024 and member.file_size > limits.max_ratio * max(member.compress_size, 1):
                raise FileProblem(_("The XLSX file is compressed suspiciously far (a zip bomb?); it is refused."))
        for member in members:
            if member.filename.endswith((".xml", ".rels")) and _declares_a_dtd(archive, member):
                raise FileProblem(_("The XLSX file declares a DTD or entities, which workbooks never do; "
                                    "it is refused."))


_PROLOG_LIMIT = 64 * 1024


def _declares_a_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """True when an XML part has a <!DOCTYPE> (where XXE and entity expansion live) or a prolog too long
    to check. A DTD can only stand in the prolog, before the root element, so the first 64 KB decide;
    the parser would otherwise drop an unknown entity silently and change the data."""
    with archive.open(member) as part:
        head = part.read(_PROLOG_LIMIT)
    position = 0
    while True:
        start = head.find(b"<", position)
        if start < 0:
            return len(head) >= _PROLOG_LIMIT
        if head.startswith(b"<?", start):
            end, skip = head.find(b"?>", start), 2
        elif head.startswith(b"<!--", start):
            end, skip = head.find(b"-->", start), 3
        else:
            return head.startswith(b"<!", start)  # <!DOCTYPE …> before the root; any other "<" is the root
        if end < 0:
            return True
        position = end + skip


def sheet_names(data: bytes, limits: Limits = Limits()) -> list[str]:
    _check_zip(data, limits)
    return list(_open(data).sheet_names)


def _unreadable() -> FileProblem:
    return FileProblem(_("The XLSX file could not be read (it is not a valid workbook)."))


def _open(data: bytes) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # any parse failure: no details leak to the user
        raise _unreadable() from None


def _xlsx(data: bytes, sheet: str | None, limits: Limits) -> Table:
    _check_zip(data, limits)
    book = _open(data)
    names = list(book.sheet_names)
    if sheet is not None and sheet not in names:
        raise FileProblem(_("No sheet “%(sheet)s”; the file has: %(names)s.", sheet=sheet, names="、".join(names)))
    if not names:
        raise _unreadable()
    try:
        worksheet = book.get_sheet_by_name(sheet if sheet is not None else names[0])
    except Exception:  # a sheet whose XML does not parse (an entity, a broken cell)
        raise _unreadable() from None
    # Rows come from the sheet's first row, columns from its first used column: the columns before it
    # are put back, so that "column A has no header" and the row numbers read as in Excel.
    first_column = worksheet.start[1] if worksheet.start else 0

    def rows():
        try:
            for number, values in enumerate(worksheet.iter_rows(), start=1):
                yield number, [None] * first_column + list(values)
        except FileProblem:
            raise
        except Exception:
            raise _unreadable() from None

    headers, body = _headers_and_rows(rows(), limits, _cell)
    last_row = worksheet.end[0] + 1 if worksheet.end else 0  # `end` counts from 0
    return Table("xlsx", headers, body, sheet=worksheet.name, size_hint=last_row - 1 if last_row > 1 else None)


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise FileProblem(_("Unknown encoding “%(name)s”.", name=encoding)) from None
        except UnicodeDecodeError:
            raise FileProblem(_("The file is not in %(name)s.", name=encoding)) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    for candidate in ("utf-8", "gb18030"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise FileProblem(_("The file's encoding is neither UTF-8 nor GB18030/GBK; choose its encoding."))


def _csv(data: bytes, encoding: str | None, limits: Limits) -> Table:
    text, used = _decode(data, encoding)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_field_chars + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows():
        try:
            for values in reader:
                yield reader.line_num, values
        except csv.Error as exc:
            raise FileProblem(_("Line %(n)d is not valid CSV.", n=reader.line_num)) from exc

    headers, body = _headers_and_rows(rows(), limits, lambda v: str(v).strip())
    return Table("csv", headers, body, encoding=used, size_hint=max(text.count("\n") - 1, 1))


def _jsonl(data: bytes, limits: Limits) -> Table:
    text, _used = _decode(data, None)
    records: list[tuple[int, dict]] = []
    headers: list[str] = []
    # lines end at \n only (JSON Lines): str.splitlines would also cut at U+0085, U+2028 and other
    # characters that JSON allows unescaped inside a string, breaking a valid line in two
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise FileProblem(_("Line %(n)d is not valid JSON.", n=number)) from None
        if not isinstance(record, dict):
            raise FileProblem(_("Line %(n)d is not a JSON object.", n=number))
        if len(records) >= limits.max_rows:
            raise FileProblem(_("The file has more than %(n)d rows (or %(c)d cells): split it.",
                                n=limits.max_rows, c=limits.max_cells))
        headers.extend(key for key in record if key not in headers)
        records.append((number, record))
    if not records:
        raise FileProblem(_("The file is empty."))
    return Table("jsonl", headers, iter(records), encoding="utf-8", size_hint=len(records))
