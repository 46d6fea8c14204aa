"""Statistics pages and exports through HTTP."""
from __future__ import annotations

import io
import zipfile

import pytest

from tests.factories import contract_data, make_broker, make_operator, make_org, make_registrar, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts import services
from tt_platform.database import db


@pytest.fixture
def registered(db):
    registrar = make_registrar()
    seller, buyer = make_org(OrgKind.UNIVERSITY, region_code="330106"), make_org(region_code="440300")
    broker = make_broker()
    contracts = []
    for subtype, items in (("LIC-01", [("许可费", 30_000_000, True)]),
                           ("DEV-01", [("研发费", 20_000_000, True), ("样机材料", 5_000_000, False)])):
        c = services.create(broker, contract_data(seller, buyer, subtype=subtype, items=items))
        services.submit(broker, c)
        services.register(registrar, c)
        contracts.append(c)
    db.session.commit()
    return {"registrar": registrar, "contracts": contracts}


def test_dashboard_totals_and_pre_2021_view(registered, login):
    page = login(registered["registrar"]).get("/stats/").get_data(as_text=True)
    assert "55.00 万元" in page and "50.00 万元" in page  # 成交额 and 技术交易额
    assert "技术许可" in page and "data-chart=" in page
    old = login(registered["registrar"]).get("/stats/?view=pre2021").get_data(as_text=True)
    assert "技术转让 · (许可)" in old


def test_dashboard_is_for_operators(registered, login):
    assert login(make_user(make_org())).get("/stats/").status_code == 403
    assert login(make_user(make_org())).get("/stats/export/by_type.csv").status_code == 403


def test_csv_and_xlsx_exports(registered, login):
    operator = login(make_operator())
    csv_body = operator.get("/stats/export/by_type.csv").data.decode("utf-8-sig")
    assert "技术许可,1,30.00,30.00" in csv_body and "技术开发,1,25.00,20.00" in csv_body
    xlsx = operator.get("/stats/export/seller_province.xlsx")
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.data)) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()
        assert "浙江省" in book.read("xl/sharedStrings.xml").decode()
    assert operator.get("/stats/export/nope.csv").status_code == 404
    assert operator.get("/stats/export/by_type.pdf").status_code == 404


def test_cancelled_registration_leaves_the_figures(registered, login):
    services.cancel_registration(registered["registrar"], registered["contracts"][0], "合同解除")
    db.session.commit()
    page = login(registered["registrar"]).get("/stats/").get_data(as_text=True)
    assert "25.00 万元" in page and "55.00 万元" not in page


def test_public_summary_is_public(registered, client):
    page = client.get("/stats/public").get_data(as_text=True)
    assert "55.00 万元" in page and "echarts.min.js" in page
