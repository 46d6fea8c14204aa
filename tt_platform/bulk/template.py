"""The downloadable XLSX template of an import kind: bilingual headers, one example row, drop-downs.

Coded columns get a data-validation list built from the official code lists. The lists live on a
hidden sheet (a validation list written inline is limited to 255 characters; the region list alone
has hundreds of entries), and the drop-downs show official names, which the importer accepts
beside the codes. The UI and `flask import template` write the same bytes.
"""
from __future__ import annotations

import datetime as dt
import io

import xlsxwriter
from flask_babel import gettext as _

from tt_platform.bulk import columns
from tt_platform.bulk.columns import Column, Layout

_LISTS_SHEET = "代码表"
_ROWS = 1000  #: rows that carry the drop-downs


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def template_xlsx(layout: Layout, title: str, rows: list[list[str]] | None = None) -> bytes:
    """The template; with `rows`, those rows in place of the example (a filled template to edit and re-import)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    # a fixed creation time: the UI and the CLI write the same bytes, whatever second they run in
    book.set_properties({"created": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})
    sheet = book.add_worksheet(title[:31])
    lists = book.add_worksheet(_LISTS_SHEET)
    guide = book.add_worksheet(_("Instructions")[:31])
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "text_wrap": True, "valign": "top"})
    optional = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})
    text = book.add_format({"num_format": "@"})  # keep 001-style references and phone numbers as text

    cells: list[tuple[Column, str]] = [(c, c.header) for c in layout.columns]
    for group in layout.groups:
        cells += [(column, f"{zh} {en}") for _i, column, zh, en in group.numbered()]
    list_columns: dict[int, str] = {}
    last = max(_ROWS, len(rows or []) + 1)
    for index, (column, header) in enumerate(cells):
        sheet.write_string(0, index, header, required if column.required else optional)
        if rows is None:
            sheet.write_string(1, index, column.example_text)
        sheet.set_column(index, index, 18 if column.kind != "text" else 24, text)
        if column.codes is None:
            if column.kind == "bool":
                sheet.data_validation(1, index, last, index, {"validate": "list", "source": ["是", "否"]})
            continue
        key = id(column.codes)
        if key not in list_columns:
            at = len(list_columns)
            names = column.codes.names()
            lists.write_string(0, at, column.zh)
            for row, name in enumerate(names, start=1):
                lists.write_string(row, at, name)
            letter = _column_letter(at)
            list_columns[key] = f"='{_LISTS_SHEET}'!${letter}$2:${letter}${len(names) + 1}"
        validation = {"validate": "list", "source": list_columns[key]}
        if column.kind == "codes":  # several values in one cell: the list offers one, typing more is fine
            validation |= {"error_type": "information", "error_message": _("Separate several values with ，")}
        sheet.data_validation(1, index, last, index, validation)
    for number, values in enumerate(rows or [], start=1):
        for index, value in enumerate(values):
            if value:
                sheet.write_string(number, index, value)  # text, never a formula, whatever it starts with
    sheet.set_row(0, 36)
    sheet.freeze_panes(1, 0)
    lists.hide()

    notes = [
        _("One row per listing, from row 2 on; replace the example row. Columns marked * are required."),
        _("Coded columns take the code or the official name (the drop-down offers the names)."),
        _("Several values in one cell (cooperation modes, keywords) are separated by ， or 、."),
        _("Dates as 2026-12-31; amounts in 万元 as numbers; yes/no as 是 or 否."),
        _("Rows with the same external reference (or, without one, the same title) update the existing listing "
          "when you choose “update existing”."),
    ]
    guide.set_column(0, 0, 110)
    for row, note in enumerate(notes):
        guide.write_string(row, 0, note)
    book.close()
    return buffer.getvalue()


def listing_rows(kind, listings) -> list[list[str]]:
    """Listings as template rows: each through its kind's edit form (as the edit page shows it), each
    field written as the cell the importer reads back to the same value."""
    layout = kind.layout
    rows = []
    for listing in listings:
        form = kind.form(formdata=None, obj=listing, meta={"csrf": False})
        form.load(listing)
        data = form.data
        data["external_ref"] = getattr(listing, "external_ref", None)  # the importer's key, not a form field
        row = [columns.write(column, data.get(column.key)) for column in layout.columns]
        for group in layout.groups:
            entries = data.get(group.form_key) or []
            for index, column, _zh, _en in group.numbered():
                entry = entries[index] if index < len(entries) else {}
                row.append(columns.write(column, entry.get(column.key)))
        rows.append(row)
    return rows
