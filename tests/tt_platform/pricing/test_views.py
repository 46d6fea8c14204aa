"""Pricing pages through HTTP: the band on result and demand pages, who sees which parties, worksheets
(save, bad input, XLSX, PDF) and the tax reliefs of a registered contract, with object-level permissions."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from tests.factories import make_achievement, make_broker, make_demand, make_org, make_user
from tests.tt_platform.pricing.helpers import registered
from tt_platform.accounts.models import OrgKind
from tt_platform.brokerage import services as brokerage
from tt_platform.contracts.models import ContractStatus
from tt_platform.database import db
from tt_platform.pricing import services
from tt_platform.pricing.models import Worksheet


@pytest.fixture
def band_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PRICING_BAND", "on")


@pytest.fixture
def market(db):
    """Five registered transfers in T01 by a seller university to a buyer enterprise (10…50 万元)."""
    seller = make_org(OrgKind.UNIVERSITY, name="卖方大学")
    buyer = make_org(OrgKind.ENTERPRISE, name="买方公司")
    seller_user, buyer_user = make_user(seller), make_user(buyer)
    contracts = [registered(seller, buyer, n * 10_000_000, created_by=seller_user) for n in range(1, 6)]
    result = make_achievement(make_org(OrgKind.UNIVERSITY), field_code="T01")
    owner = make_user(result.organisation)
    db.session.commit()  # a view that rolls back a refused change must not take the fixtures with it
    return {"seller": seller, "buyer": buyer, "seller_user": seller_user, "buyer_user": buyer_user,
            "contracts": contracts, "result": result, "owner": owner}


def test_result_page_shows_the_band_and_the_comparables_page_lists_them(market, login, band_on):
    outsider = login(make_user(make_org()))
    page = outsider.get(f"/results/{market['result'].id}").get_data(as_text=True)
    assert 'id="price-reference"' in page and "30.00 万元" in page  # the median of 10…50
    page = outsider.get(f"/pricing/results/{market['result'].id}").get_data(as_text=True)
    assert "20.00 万元" in page and "40.00 万元" in page and page.count('class="parties"') == 5
    assert "可比合同" in page and 'id="band-step"' in page


def test_parties_only_where_the_viewer_may_see_the_contract(market, login, band_on):
    url = f"/pricing/results/{market['result'].id}"
    outsider_page = login(make_user(make_org())).get(url).get_data(as_text=True)
    assert "卖方大学" not in outsider_page and "买方公司" not in outsider_page
    assert f"/contracts/{market['contracts'][0].id}" not in outsider_page
    seller_page = login(market["seller_user"]).get(url).get_data(as_text=True)
    assert "卖方大学 → 买方公司" in seller_page and f"/contracts/{market['contracts'][0].id}" in seller_page


def test_below_five_comparables_there_is_no_band(market, login, band_on):
    market["contracts"][0].status = ContractStatus.CANCELLED  # cancelled registrations leave the pool
    db.session.flush()
    page = login(make_user(make_org())).get(f"/pricing/results/{market['result'].id}").get_data(as_text=True)
    assert 'id="no-band"' in page and 'id="price-band"' not in page


def test_widening_is_named_on_the_page(market, login, band_on):
    result = make_achievement(make_org(OrgKind.UNIVERSITY), field_code="T02")  # same group as T01
    page = login(make_user(make_org())).get(f"/pricing/results/{result.id}").get_data(as_text=True)
    assert "widened to its field group" in page or "扩大到同一领域组" in page


def test_the_band_waits_for_the_backtest(market, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "PRICING_BAND", "backtest")
    monkeypatch.setattr(services, "_decision", lambda: {"types": {"TRF": {"beats_baselines": True},
                                                                  "LIC": {"beats_baselines": False}}})
    page = login(make_user(make_org())).get(f"/pricing/results/{market['result'].id}").get_data(as_text=True)
    assert 'id="band-off"' in page and 'id="price-band"' not in page
    monkeypatch.setattr(services, "_decision", lambda: {"types": {"TRF": {"beats_baselines": True},
                                                                  "LIC": {"beats_baselines": True}}})
    page = login(make_user(make_org())).get(f"/pricing/results/{market['result'].id}").get_data(as_text=True)
    assert 'id="price-band"' in page


def test_demand_budget_page(market, login, band_on):
    demand = make_demand(field_code="T01", cooperation_modes=["transfer"])
    page = login(make_user(make_org())).get(f"/pricing/demands/{demand.id}").get_data(as_text=True)
    assert 'id="price-band"' in page and "30.00 万元" in page
    assert 'id="price-reference"' in login(make_user(make_org())).get(f"/demands/{demand.id}").get_data(as_text=True)


def test_who_may_see_reference_prices(market, client, login, band_on):
    url = f"/pricing/results/{market['result'].id}"
    assert client.get(url).status_code == 302  # to the login page
    unverified = login(make_user(make_org(verified=False)))
    assert unverified.get(url).status_code == 403
    assert 'id="price-reference"' not in unverified.get(f"/results/{market['result'].id}").get_data(as_text=True)
    assert 'id="price-reference"' not in client.get(f"/results/{market['result'].id}").get_data(as_text=True)
    assert login(make_user(make_org())).get("/pricing/results/999999").status_code == 404


WORKSHEET = {
    "title": "专利估值", "market_base_wan": "100", "factors-0-name": "技术先进性", "factors-0-percent": "10",
    "factors-0-reason": "优于可比专利", "factors-1-name": "剩余寿命", "factors-1-percent": "-20",
    "factors-1-reason": "仅剩8年", "revenues": "100, 100, 100", "share_pct": "5", "rate_pct": "10",
    "people_wan": "60", "equipment_wan": "30", "materials_wan": "10", "technical_obsolescence_pct": "20",
    "economic_obsolescence_pct": "10", "chosen_method": "income", "reason": "收益可预期",
}


def test_owner_saves_a_worksheet_and_exports_it(market, login, band_on):
    owner = login(market["owner"])
    form_page = owner.get(f"/pricing/results/{market['result'].id}/worksheets/new").get_data(as_text=True)
    assert 'value="30.00"' in form_page  # the band's median pre-fills the market base
    response = owner.post(f"/pricing/results/{market['result'].id}/worksheets/new", data=WORKSHEET)
    assert response.status_code == 302
    sheet = db.session.scalars(db.select(Worksheet).order_by(Worksheet.id.desc())).first()
    assert (sheet.market_fen, sheet.income_fen, sheet.cost_fen) == (88_000_000, 12_434_260, 72_000_000)
    assert sheet.chosen_fen == 12_434_260 and sheet.organisation_id == market["result"].organisation_id
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert "12.43 万元" in page and "not an appraisal report" in page or "不是" in page
    xlsx = owner.get(f"/pricing/worksheets/{sheet.id}.xlsx")
    assert xlsx.status_code == 200
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)
             for c in row if c is not None]
    assert "专利估值" in cells and 88 in cells and 72 in cells
    pdf = owner.get(f"/pricing/worksheets/{sheet.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"


def test_a_broker_may_open_a_worksheet_others_not_and_nobody_else_sees_it(market, login, band_on):
    broker = make_broker()
    assert login(broker).post(f"/pricing/results/{market['result'].id}/worksheets/new",
                              data=WORKSHEET).status_code == 302
    sheet = db.session.scalars(db.select(Worksheet).order_by(Worksheet.id.desc())).first()
    colleague = make_user(broker.memberships[0].organisation, kind=OrgKind.AGENCY)
    assert login(colleague).get(f"/pricing/worksheets/{sheet.id}").status_code == 200
    for stranger in (make_user(make_org()), market["owner"]):
        for url in (f"/pricing/worksheets/{sheet.id}", f"/pricing/worksheets/{sheet.id}.xlsx",
                    f"/pricing/worksheets/{sheet.id}.pdf"):
            assert login(stranger).get(url).status_code == 404
        assert login(stranger).post(f"/pricing/worksheets/{sheet.id}", data=WORKSHEET).status_code == 404
    enterprise = login(make_user(make_org()))
    assert enterprise.get(f"/pricing/results/{market['result'].id}/worksheets/new").status_code == 403
    assert enterprise.post(f"/pricing/results/{market['result'].id}/worksheets/new", data=WORKSHEET).status_code == 403


@pytest.mark.parametrize(("field", "value", "message"), [
    ("share_pct", "abc", "percentage"), ("rate_pct", "150", "between"), ("revenues", "100, x", "万元"),
    ("factors-2-percent", "5", "leave the row empty"), ("market_base_wan", "-1", "between"),
])
def test_bad_worksheet_input_is_refused_with_a_message(market, login, field, value, message):
    market["owner"].locale = "en"
    db.session.commit()
    response = login(market["owner"]).post(f"/pricing/results/{market['result'].id}/worksheets/new",
                                           data={**WORKSHEET, field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "is-invalid" in page and message in page
    assert db.session.scalar(db.select(db.func.count(Worksheet.id))) == 0


def test_worksheet_rules_are_checked_by_the_service(market, login):
    client = login(market["owner"])
    response = client.post(f"/pricing/results/{market['result'].id}/worksheets/new",
                           data={**WORKSHEET, "reason": ""}, follow_redirects=True)
    assert response.status_code == 200 and db.session.scalar(db.select(db.func.count(Worksheet.id))) == 0
    assert "alert-danger" in response.get_data(as_text=True)
    response = client.post(f"/pricing/results/{market['result'].id}/worksheets/new",
                           data={**WORKSHEET, "rate_pct": ""})
    assert response.status_code == 200 and db.session.scalar(db.select(db.func.count(Worksheet.id))) == 0


# --- tax reliefs --------------------------------------------------------------------------------

@pytest.fixture
def seller_year(db):
    seller = make_org(OrgKind.ENTERPRISE, name="卖方企业")
    buyer = make_org(OrgKind.ENTERPRISE, name="买方企业")
    seller_user = make_user(seller)
    on = dt.date(2026, 3, 1)
    transfer = registered(seller, buyer, 300_000_000, on=on, created_by=seller_user,
                          items=[("专利权转让费", 300_000_000, True), ("配套设备", 5_000_000, False)])
    licence = registered(seller, buyer, 250_000_000, subtype="LIC-01", on=on, created_by=seller_user,
                         valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2030, 12, 31))
    service = registered(seller, buyer, 90_000_000, subtype="SRV-01", on=on, created_by=seller_user)
    last_year = registered(seller, buyer, 77_000_000, on=dt.date(2025, 6, 1), created_by=seller_user)
    return {"seller": seller, "buyer": buyer, "seller_user": seller_user, "transfer": transfer,
            "licence": licence, "service": service, "last_year": last_year}


def test_the_seller_sees_the_years_relief_and_vat_lines(seller_year, login):
    client = login(seller_year["seller_user"])
    detail = client.get(f"/contracts/{seller_year['transfer'].id}").get_data(as_text=True)
    assert 'id="tax-reliefs"' in detail and 'id="tax-panel"' in detail
    assert "3,000,000.00 元" in detail and "财税〔2016〕36号" in detail  # VAT-exempt technical item, source
    assert "5,000,000.00 元" in detail and "500,000.00 元" in detail  # the year: 500万 exempt, 50万 halved
    response = client.get(f"/pricing/contracts/{seller_year['transfer'].id}/tax")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # 300万 + 250万 counted (the service contract and last year's transfer are not): 550万 gain
    assert "5,500,000.00 元" in page and "500,000.00 元" in page and "62,500.00 元" in page
    assert "1,312,500.00 元" in page  # saved: 137.5万 − 6.25万
    assert "财税〔2016〕36号" in page and "企业所得税法" in page
    assert "3,000,000.00 元" in page  # the VAT-exempt technical item; equipment is not


def test_entered_costs_bring_the_year_to_the_boundary(seller_year, login):
    t, lic = seller_year["transfer"].id, seller_year["licence"].id
    # 550万 income − 49.99万 costs − 0 taxes = 500.01 万元 → 100 元 above the limit → 12.50 元 due
    page = login(seller_year["seller_user"]).get(
        f"/pricing/contracts/{t}/tax?cost_{t}=499900&taxes_{lic}=0").get_data(as_text=True)
    assert "5,000,100.00 元" in page and "12.50 元" in page
    page = login(seller_year["seller_user"]).get(
        f"/pricing/contracts/{t}/tax?cost_{t}=3000000&cost_{lic}=2600000").get_data(as_text=True)
    assert 'id="cit-loss"' in page
    response = login(seller_year["seller_user"]).get(f"/pricing/contracts/{t}/tax?cost_{t}=abc")
    assert response.status_code == 422 and "alert-danger" in response.get_data(as_text=True)


def test_only_the_seller_sees_tax_reliefs(seller_year, login):
    url = f"/pricing/contracts/{seller_year['transfer'].id}/tax"
    assert login(make_user(seller_year["buyer"])).get(url).status_code == 403
    buyer_page = login(make_user(seller_year["buyer"])).get(
        f"/contracts/{seller_year['transfer'].id}").get_data(as_text=True)
    assert 'id="tax-reliefs"' not in buyer_page and 'id="tax-panel"' not in buyer_page
    assert login(make_user(make_org())).get(url).status_code == 404
    draft = registered(seller_year["seller"], seller_year["buyer"], 1_000_000, status=ContractStatus.SUBMITTED,
                       created_by=seller_year["seller_user"])
    assert login(seller_year["seller_user"]).get(f"/pricing/contracts/{draft.id}/tax").status_code == 403


def test_the_shipped_decision_comes_from_the_backtest_and_is_followed(market, login, app, monkeypatch):
    decision = services._decision()
    assert decision["command"] == "bench/pricing.py" and set(decision["types"]) == {"CON", "DEV", "LIC", "SRV", "TRF"}
    monkeypatch.setitem(app.config, "PRICING_BAND", "backtest")
    shown = all(decision["types"][t]["beats_baselines"] for t in ("TRF", "LIC"))
    page = login(make_user(make_org())).get(f"/pricing/results/{market['result'].id}").get_data(as_text=True)
    assert ('id="price-band"' in page) is shown and ('id="band-off"' in page) is not shown
    monkeypatch.setitem(app.config, "PRICING_BAND", "off")
    page = login(make_user(make_org())).get(f"/pricing/results/{market['result'].id}").get_data(as_text=True)
    assert 'id="band-off"' in page and "可比合同" in page  # the comparables stay visible


def test_the_chosen_value_prefills_the_asking_price_for_the_owner_only(market, login, band_on):
    owner = login(market["owner"])
    response = owner.post(f"/pricing/results/{market['result'].id}/worksheets/new", data=WORKSHEET)
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/results/{market['result'].id}/edit?asking_price=12.43" in page  # 12.434260 万元, to 0.01
    edit = owner.get(f"/results/{market['result'].id}/edit?asking_price=12.43").get_data(as_text=True)
    assert 'value="12.43"' in edit
    assert db.session.get(type(market["result"]), market["result"].id).asking_price == 80  # not saved by a link
    assert 'value="80.00"' in owner.get(f"/results/{market['result'].id}/edit?asking_price=x").get_data(as_text=True)
    broker = make_broker()
    login(broker).post(f"/pricing/results/{market['result'].id}/worksheets/new", data=WORKSHEET)
    sheet = db.session.scalars(db.select(Worksheet).order_by(Worksheet.id.desc())).first()
    assert 'id="use-as-price"' not in login(broker).get(f"/pricing/worksheets/{sheet.id}").get_data(as_text=True)


def test_a_saved_worksheet_shows_its_inputs_as_typed(market, login):
    owner = login(market["owner"])
    response = owner.post(f"/pricing/results/{market['result'].id}/worksheets/new",
                          data={**WORKSHEET, "share_pct": "12.3456", "revenues": "100\n200.5"})
    sheet = db.session.scalars(db.select(Worksheet).order_by(Worksheet.id.desc())).first()
    assert sheet.inputs["income"] == {"revenues_wan": ["100", "200.5"], "share_pct": "12.3456", "rate_pct": "10"}
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="12.3456"' in page and "100, 200.5" in page
    assert owner.post(response.headers["Location"], data={**WORKSHEET, "share_pct": "12.3456"}).status_code == 302


def test_a_worksheet_shared_with_a_case_is_seen_on_the_case_by_both_sides_and_changed_by_its_author(
        market, login, band_on):
    broker = make_broker()
    demand = make_demand(field_code="T01")
    case = brokerage.open_case(broker, "涂层对接", [demand], [market["result"]])
    other_case = brokerage.open_case(broker, "另一个对接", [demand], [])
    foreign_case = brokerage.open_case(make_broker(), "别人的对接", [], [market["result"]])
    db.session.commit()
    url = f"/pricing/results/{market['result'].id}/worksheets/new"
    form = login(broker).get(url).get_data(as_text=True)
    assert "涂层对接" in form and "另一个对接" not in form and "别人的对接" not in form
    for refused in (other_case.id, foreign_case.id, "abc"):
        response = login(broker).post(url, data={**WORKSHEET, "case_id": str(refused)})
        assert response.status_code == 200 and db.session.scalar(db.select(db.func.count(Worksheet.id))) == 0
    assert login(broker).post(url, data={**WORKSHEET, "case_id": str(case.id)}).status_code == 302
    sheet = db.session.scalars(db.select(Worksheet)).one()
    assert sheet.case_id == case.id
    buyer = make_user(demand.organisation)
    for viewer in (market["owner"], buyer):
        assert 'id="case-worksheets"' in login(viewer).get(f"/cases/{case.id}").get_data(as_text=True)
        page = login(viewer).get(f"/pricing/worksheets/{sheet.id}")
        assert page.status_code == 200 and 'id="worksheet-form"' not in page.get_data(as_text=True)
        assert login(viewer).post(f"/pricing/worksheets/{sheet.id}", data=WORKSHEET).status_code == 403
        assert login(viewer).get(f"/pricing/worksheets/{sheet.id}.pdf").status_code == 200
    assert login(make_user(make_org())).get(f"/pricing/worksheets/{sheet.id}").status_code == 404
    # unshared again by its author: the case's sides no longer see it
    assert login(broker).post(f"/pricing/worksheets/{sheet.id}", data={**WORKSHEET, "case_id": ""}).status_code == 302
    assert login(buyer).get(f"/pricing/worksheets/{sheet.id}").status_code == 404


def test_the_chosen_value_prefills_a_price_notice_a_listing_and_an_auction_for_the_owner(market, login, band_on):
    """Issue 19: the worksheet's value pre-fills a 协议定价 notice, a 挂牌 listing or an auction's start price
    (nothing is posted by a link)."""
    owner = login(market["owner"])
    response = owner.post(f"/pricing/results/{market['result'].id}/worksheets/new", data=WORKSHEET)
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    result_id = market["result"].id
    assert f"/trading/notices/new/{result_id}?price=12.43" in page and 'id="use-in-notice"' in page
    assert f"/trading/listings/new/{result_id}?price=12.43" in page and 'id="use-in-listing"' in page
    assert f"/trading/auctions/new/{result_id}?price=12.43" in page and 'id="use-in-auction"' in page
    for path in (f"/trading/notices/new/{result_id}", f"/trading/listings/new/{result_id}",
                 f"/trading/auctions/new/{result_id}"):
        assert 'value="12.43"' in owner.get(f"{path}?price=12.43").get_data(as_text=True)
        # anything but a plain amount is ignored: the result's own asking price stays
        for junk in ("x", "-5", "1e309", "NaN", "999999999"):
            assert 'value="80.00"' in owner.get(f"{path}?price={junk}").get_data(as_text=True), (path, junk)
