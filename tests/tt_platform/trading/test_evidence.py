"""The evidence file of a deal that went through a pricing route: what it records, as a page and a PDF,
and who may read it (the seller and operators)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.factories import make_operator, make_org, make_registrar, make_user
from tests.tt_platform.trading.helpers import confidential_result
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts import services as contracts
from tt_platform.contracts.models import Contract
from tt_platform.database import db, utcnow
from tt_platform.trading import confidential, evidence, notices, pricelistings


def _notice_deal():
    result, holder, part = confidential_result()
    reader = make_user(make_org(OrgKind.ENTERPRISE, name="读者公司"))
    confidential.accept(reader, part, part.current_version.sha256, "203.0.113.7")
    buyer = make_org(OrgKind.ENTERPRISE, name="证据受让公司")
    buyer_user = make_user(buyer)
    notice = notices.post(holder, result, notices.NoticeData(
        buyer_credit_code=buyer.credit_code, price_fen=55_000_000, subtype_code="TRF-01", notice_days=15,
        contact="王老师 0571-88880000"))
    objector = make_user(make_org(OrgKind.ENTERPRISE, name="异议公司"))
    objection = notices.object_to(objector, notice, "请公开评估报告的主要结论。")
    notices.answer(holder, notice, objection.id, "评估报告摘要已在学校网站公开。")
    notices.resolve(make_operator(), notice, objection.id, False, "答复充分，驳回。")
    notice.starts_at, notice.ends_at = utcnow() - dt.timedelta(days=20), utcnow() - dt.timedelta(days=1)
    contract = notices.draft_contract(holder, notice)
    make_registrar(contract.seller_region_code)  # an office for the seller's region
    contracts.submit(holder, contract)
    registrar = make_user(contract.office)
    registrar.memberships[0].is_registrar = True
    contracts.register(registrar, contract)
    db.session.commit()
    return notice, holder, buyer_user, contract


def test_the_notice_evidence_file_records_every_step_with_its_time(login, db):
    notice, holder, buyer_user, contract = _notice_deal()
    url = f"/trading/notices/{notice.id}/evidence"
    assert 'id="evidence-link"' in login(holder).get(f"/trading/notices/{notice.id}").get_data(as_text=True)
    assert login(buyer_user).get(url).status_code == 403  # it names objectors and NDA readers: not for the buyer
    page = login(holder).get(url).get_data(as_text=True)
    for text in ("协议定价", "55.00 万元", "证据受让公司", "异议公司", "请公开评估报告", "评估报告摘要已在学校网站公开",
                 "答复充分", "读者公司", "203.0.113.7", notice.achievement.title, contract.registration_number,
                 evidence.beijing(notice.ends_at)):
        assert text in page, text
    version = confidential.part_for(notice.achievement).current_version
    assert version.sha256 in page
    pdf = login(make_operator()).get(f"{url[:-len('/evidence')]}/evidence.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.headers["Content-Type"] == "application/pdf"


def test_the_evidence_file_is_for_the_parties_and_operators(login, client, db):
    notice, holder, buyer_user, contract = _notice_deal()
    url = f"/trading/notices/{notice.id}/evidence"
    assert client.get(url).status_code == 302
    assert login(make_user(make_org())).get(url).status_code == 403
    assert login(make_user(make_org())).get(f"{url}.pdf").status_code == 403
    assert 'id="evidence-link"' not in login(make_user(make_org())).get(
        f"/trading/notices/{notice.id}").get_data(as_text=True)
    assert login(make_operator()).get(url).status_code == 200
    assert login(holder).get("/trading/notices/999999/evidence").status_code == 404


def test_the_listing_evidence_file_covers_the_relisting_chain(login, db):
    result, holder, _part = confidential_result()
    data = pricelistings.ListingData(price_fen=90_000_000, subtype_code="LIC-02", exclusive=False,
                                     payment_mode="lump_sum", working_days=10, contact="李老师 010-66668888")
    first = pricelistings.post(holder, result, data)
    first.ends_at = utcnow() - dt.timedelta(minutes=5)
    second = pricelistings.relist(holder, first, 70_000_000, 10)
    buyer = make_user(make_org(OrgKind.ENTERPRISE, name="挂牌受让公司"))
    pricelistings.register_interest(buyer, second)
    second.ends_at = utcnow() - dt.timedelta(minutes=1)
    contract = pricelistings.draft_contract(holder, second)
    db.session.commit()
    assert login(buyer).get(f"/trading/listings/{second.id}/evidence").status_code == 403
    page = login(holder).get(f"/trading/listings/{second.id}/evidence").get_data(as_text=True)
    for text in ("挂牌交易", "90.00 万元", "70.00 万元", "挂牌受让公司", "无意向受让方", contract.name):
        assert text in page, text
    assert db.session.scalar(sa.select(Contract)).id == contract.id
    pdf = login(holder).get(f"/trading/listings/{second.id}/evidence.pdf")
    assert pdf.data.startswith(b"%PDF")
    pdf.close()
