"""The statistics of registered contracts eligible for each tax relief, by year and seller province."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_operator, make_org, make_user
from tests.tt_platform.pricing.helpers import registered
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts.models import ContractStatus
from tt_platform.database import db as _db
from tt_platform.stats import services
from tt_platform.stats.services import StatsFilter

WAN = 1_000_000


@pytest.fixture
def contracts(db):
    zj, gd = make_org(OrgKind.UNIVERSITY, region_code="330106"), make_org(region_code="440300")
    buyer = make_org()
    author = make_user(zj)
    on = dt.date(2026, 5, 1)
    made = [
        registered(zj, buyer, 10 * WAN, on=on, created_by=author),  # transfer: both reliefs
        registered(zj, buyer, 20 * WAN, subtype="LIC-01", on=on, created_by=author,  # five-year licence: both
                   valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2030, 12, 31)),
        registered(zj, buyer, 30 * WAN, subtype="LIC-02", on=on, created_by=author,  # three years: VAT only
                   valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2028, 12, 31)),
        registered(zj, buyer, 40 * WAN, subtype="DEV-01", on=on, created_by=author,  # development: VAT only
                   items=[("研发费", 40 * WAN, True), ("样机材料", 5 * WAN, False)]),
        registered(zj, buyer, 50 * WAN, subtype="SRV-01", on=on, created_by=author),  # service: neither
        registered(gd, buyer, 60 * WAN, on=dt.date(2025, 7, 1), created_by=author),  # last year, Guangdong
        registered(gd, buyer, 70 * WAN, on=on, created_by=author, status=ContractStatus.CANCELLED),  # left out
    ]
    _db.session.commit()
    return made


def _rows(table):
    return {r.key: (r.count, r.total_fen, r.tech_fen) for r in table.rows}


def test_income_tax_relief_counts_transfers_and_five_year_licences(contracts):
    assert _rows(services.TABLES["relief_cit_year"](StatsFilter())) == {
        "2025": (1, 60 * WAN, 60 * WAN), "2026": (2, 30 * WAN, 30 * WAN)}
    assert _rows(services.TABLES["relief_cit_province"](StatsFilter())) == {
        "44": (1, 60 * WAN, 60 * WAN), "33": (2, 30 * WAN, 30 * WAN)}


def test_vat_exemption_counts_transfers_licences_and_developments(contracts):
    assert _rows(services.TABLES["relief_vat_year"](StatsFilter(start=dt.date(2026, 1, 1)))) == {
        "2026": (4, 105 * WAN, 100 * WAN)}  # technical amount 100万; the 5万 of materials is not exempt
    table = services.TABLES["relief_vat_province"](StatsFilter(region="44"))
    assert _rows(table) == {"44": (1, 60 * WAN, 60 * WAN)} and table.rows[0].label == "广东省"


def test_dashboard_and_export_show_the_relief_tables(contracts, login):
    client = login(make_operator())
    page = client.get("/stats/").get_data(as_text=True)
    assert 'id="table-relief_cit_year"' in page and 'id="table-relief_vat_province"' in page
    csv = client.get("/stats/export/relief_cit_province.csv").get_data(as_text=True)
    assert "广东省" in csv and "60.00" in csv
