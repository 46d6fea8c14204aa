"""CSV and XLSX exports of the statistics tables (amounts in 万元 with two decimals, as published)."""
from __future__ import annotations

import csv
import io

import xlsxwriter
from flask_babel import gettext as _

from tt_platform import money
from tt_platform.stats.services import Table


def _header() -> list[str]:
    return [_("Item"), _("Contracts"), _("Contract amount (万元)"), _("Technology transaction amount (万元)")]


def _values(table: Table):
    for row in table.rows:
        yield [row.label, row.count, money.fen_to_wan(row.total_fen), money.fen_to_wan(row.tech_fen)]
    t = table.totals
    yield [_("Total"), t.count, money.fen_to_wan(t.total_fen), money.fen_to_wan(t.tech_fen)]


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_header())
    for values in _values(table):
        writer.writerow([f"{v:.2f}" if not isinstance(v, (int, str)) else v for v in values])
    # BOM: Excel opens UTF-8 CSV with Chinese text correctly only with it
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(table.name[:31])
    bold = book.add_format({"bold": True})
    amount = book.add_format({"num_format": "#,##0.00"})
    sheet.write_row(0, 0, [table.title], bold)
    sheet.write_row(1, 0, _header(), bold)
    for r, values in enumerate(_values(table), start=2):
        sheet.write_string(r, 0, str(values[0]))
        sheet.write_number(r, 1, values[1])
        # Decimal → float only at the cell: two-decimal 万元 values are exact enough for display
        sheet.write_number(r, 2, float(values[2]), amount)
        sheet.write_number(r, 3, float(values[3]), amount)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 3, 20)
    book.close()
    return buffer.getvalue()
