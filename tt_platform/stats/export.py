"""CSV and XLSX exports of the statistics tables (amounts in 万元 with two decimals, as published)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from tt_platform import money, spreadsheets
from tt_platform.challenges import statistics as challenge_statistics
from tt_platform.stats.services import ChallengeTable, Table


def _header() -> list[str]:
    return [_("Item"), _("Contracts"), _("Contract amount (万元)"), _("Technology transaction amount (万元)")]


def _values(table: Table):
    for row in table.rows:
        yield [row.label, row.count, money.fen_to_wan(row.total_fen), money.fen_to_wan(row.tech_fen)]
    t = table.totals
    yield [_("Total"), t.count, money.fen_to_wan(t.total_fen), money.fen_to_wan(t.tech_fen)]


def to_csv(table: Table) -> bytes:
    return spreadsheets.csv_bytes(_header(), _values(table))


def to_xlsx(table: Table) -> bytes:
    return spreadsheets.xlsx_bytes(table.name, _header(), _values(table), title=table.title)


def challenges_to_csv(table: ChallengeTable) -> bytes:
    """A 揭榜挂帅 table in the columns of the challenges package's own export."""
    return spreadsheets.csv_bytes(*challenge_statistics.export_rows(table.table))


def challenges_to_xlsx(table: ChallengeTable) -> bytes:
    headers, rows = challenge_statistics.export_rows(table.table)
    return spreadsheets.xlsx_bytes(table.name, headers, rows, title=table.title)


def route_measure_rows(measures) -> tuple[list[str], list[list]]:
    """The dashboard's premium and time to registration per pricing route, one row a route."""
    headers = [_("Pricing route"), _("Deals"), _("Premium over the notice, listed or start price (%)"),
               _("Days to registration")]
    rows = [[m.label, m.deals,
             Decimal(str(round(m.premium_pct, 1))) if m.premium_pct is not None else "",
             Decimal(str(round(m.days_to_registration, 1))) if m.days_to_registration is not None else ""]
            for m in measures]
    return headers, rows
