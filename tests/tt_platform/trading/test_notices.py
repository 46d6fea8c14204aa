"""协议定价 with 公示 through HTTP: posting a notice, the public board, objections answered and resolved,
the period computed in Beijing time, and the contract draft at the end; bad input and permissions."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import CHINA, db, utcnow
from tt_platform.listings.models import ListingStatus
from tt_platform.trading import notices
from tt_platform.trading.models import NoticeObjection, NoticeStatus, ObjectionStatus, PriceNotice


@pytest.fixture
def deal(db):
    seller = make_org(OrgKind.UNIVERSITY, name="公示大学")
    result = make_achievement(seller, field_code="T06")
    seller_admin = make_user(seller, admin=True)
    buyer = make_org(OrgKind.ENTERPRISE, name="受让公司")
    buyer_user = make_user(buyer)
    public = make_user(make_org(OrgKind.ENTERPRISE))
    db.session.commit()  # a view that rolls back a refused change must not take the fixtures with it
    return {"seller": seller, "result": result, "seller_user": seller_admin, "buyer": buyer,
            "buyer_user": buyer_user, "public": public}


def _form(deal, **kw):
    return {"buyer_credit_code": deal["buyer"].credit_code, "price_wan": "120.50", "subtype_code": "TRF-01",
            "notice_days": "15", "contact": "技术转移办公室 王老师 0571-88880000", "statement": "经协商一致。", **kw}


def _post(client, deal, **kw):
    return client.post(f"/trading/notices/new/{deal['result'].id}", data=_form(deal, **kw))


def _end_period(notice):
    """Move the notice's period into the past (as if its days had passed)."""
    notice.starts_at = utcnow() - dt.timedelta(days=notice.notice_days + 1)
    notice.ends_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()


def test_the_seller_posts_a_notice_that_the_public_board_lists(deal, login, client):
    seller = login(deal["seller_user"])
    form_page = seller.get(f"/trading/notices/new/{deal['result'].id}").get_data(as_text=True)
    assert 'value="15"' in form_page and 'value="80' in form_page  # the default period, the asking price
    response = _post(seller, deal)
    assert response.status_code == 302
    notice = db.session.scalar(sa.select(PriceNotice))
    assert notice.price_fen == 120_500_000 and notice.buyer_org_id == deal["buyer"].id
    assert notice.notice_days == 15 and notice.status is NoticeStatus.ACTIVE
    # 15 calendar days counting the day of posting, ending at midnight Beijing time
    first = notice.starts_at.astimezone(CHINA).date()
    assert notices.last_day(notice) == first + dt.timedelta(days=14)
    assert notice.ends_at.astimezone(CHINA).time() == dt.time(0, 0)
    board = client.get("/trading/notices/").get_data(as_text=True)
    assert deal["result"].title in board and "120.50 万元" in board and "受让公司" in board
    page = client.get(f"/trading/notices/{notice.id}").get_data(as_text=True)
    assert "王老师" in page and "公示大学" in page and 'id="objection-form"' not in page
    assert "/login" in page  # anonymous visitors are asked to log in to object
    assert deal["result"].title not in client.get("/trading/notices/?show=past").get_data(as_text=True)
    result_page = client.get(f"/results/{deal['result'].id}").get_data(as_text=True)
    assert 'id="notice-panel"' in result_page and f"/trading/notices/{notice.id}" in result_page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceNotice)) == 1


def test_the_period_is_computed_in_beijing_time():
    late_evening_utc = dt.datetime(2026, 12, 7, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 8th in Beijing
    end = notices.period_end(late_evening_utc, 15)
    assert end == dt.datetime(2026, 12, 23, 0, 0, tzinfo=CHINA).astimezone(dt.UTC)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("price_wan", "abc", "万元"),
    ("price_wan", "1e309", "99,999,999.99"),
    ("price_wan", "0", "高于零"),
    ("price_wan", "-5", "99,999,999.99"),
    ("price_wan", "NaN", "99,999,999.99"),
    ("notice_days", "2", "5"),
    ("notice_days", "abc", None),
    ("subtype_code", "DEV-01", None),
    ("buyer_credit_code", "91330100MA2B3C4D5X", "统一社会信用代码"),
    ("contact", "", None),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(deal, login, field, value, message):
    response = _post(login(deal["seller_user"]), deal, **{field: value})
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceNotice)) == 0


def test_refusals_of_the_service(deal, login):
    seller = login(deal["seller_user"])
    assert "卖方" in _post(seller, deal, buyer_credit_code=deal["seller"].credit_code).get_data(as_text=True)
    unverified = make_org(OrgKind.ENTERPRISE, verified=False)
    db.session.commit()
    assert _post(seller, deal, buyer_credit_code=unverified.credit_code).status_code == 422
    assert _post(seller, deal).status_code == 302
    page = _post(seller, deal).get_data(as_text=True)  # a second active notice for the same result
    assert "撤回" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceNotice)) == 1


def test_only_the_owner_posts_and_only_a_published_result(deal, login):
    assert _post(login(deal["public"]), deal).status_code == 403
    assert login(deal["public"]).get(f"/trading/notices/new/{deal['result'].id}").status_code == 403
    assert _post(login(make_operator()), deal).status_code == 403
    draft = make_achievement(deal["seller"], status=ListingStatus.DRAFT)
    db.session.commit()
    response = login(deal["seller_user"]).post(f"/trading/notices/new/{draft.id}", data=_form(deal))
    assert response.status_code == 422 and "已发布" in response.get_data(as_text=True)
    unverified = make_org(OrgKind.UNIVERSITY, verified=False)
    own = make_achievement(unverified)
    member = make_user(unverified)
    db.session.commit()
    response = login(member).post(f"/trading/notices/new/{own.id}", data=_form(deal))
    assert response.status_code == 422 and "认证" in response.get_data(as_text=True)


def _posted(deal, login) -> PriceNotice:
    _post(login(deal["seller_user"]), deal)
    return db.session.scalar(sa.select(PriceNotice))


def test_objection_answer_and_resolution_then_the_contract(deal, login, client):
    notice = _posted(deal, login)
    url = f"/trading/notices/{notice.id}"
    objector = login(deal["public"])
    assert 'id="objection-form"' in objector.get(url).get_data(as_text=True)
    page = objector.post(f"{url}/objections", data={"text": "该价格明显低于同类成果的评估值，请说明依据。"},
                         follow_redirects=True).get_data(as_text=True)
    assert "异议已提交" in page
    objection = db.session.scalar(sa.select(NoticeObjection))
    assert objection.user_id == deal["public"].id and objection.organisation_id == deal["public"].organisation.id
    # others see that there is an objection, not what it says
    anonymous = client.get(url).get_data(as_text=True)
    assert "明显低于" not in anonymous and 'id="objection-count">1<' in anonymous
    assert "明显低于" not in login(deal["buyer_user"]).get(url).get_data(as_text=True)
    seller = login(deal["seller_user"])
    assert "明显低于" in seller.get(url).get_data(as_text=True)
    seller.post(f"{url}/objections/{objection.id}/answer", data={"text": "价格依据第三方评估报告确定。"})
    assert "第三方评估报告" in objector.get(url).get_data(as_text=True)
    _end_period(notice)
    assert "不能再提出异议" in objector.post(f"{url}/objections", data={"text": "期满之后再提出的一条异议内容。"},
                                          follow_redirects=True).get_data(as_text=True)
    page = seller.post(f"{url}/contract", follow_redirects=True).get_data(as_text=True)
    assert "异议" in page and db.session.scalar(sa.select(Contract)) is None  # blocked while open
    operator = login(make_operator())
    assert "明显低于" in operator.get(url).get_data(as_text=True)
    assert operator.post(f"{url}/objections/{objection.id}/resolve",
                         data={"decision": "dismiss", "note": "定价程序符合规定。"}).status_code == 302
    db.session.refresh(objection)
    assert objection.status is ObjectionStatus.DISMISSED
    assert 'id="draft-contract"' in seller.get(url).get_data(as_text=True)
    response = seller.post(f"{url}/contract")
    contract = db.session.scalar(sa.select(Contract))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contracts/{contract.id}")
    assert contract.status is ContractStatus.DRAFT and contract.subtype_code == "TRF-01"
    assert contract.seller_org_id == deal["seller"].id and contract.buyer_org_id == deal["buyer"].id
    assert contract.total_fen == contract.tech_fen == 120_500_000 and contract.achievement_id == deal["result"].id
    assert contract.field_code == "T06" and "协议定价" in contract.name
    db.session.refresh(notice)
    assert notice.status is NoticeStatus.CONTRACTED and notice.contract_id == contract.id
    # the contract shows where it came from; the notice links the contract for those who may see it
    contract_page = seller.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert f"/trading/notices/{notice.id}" in contract_page and 'id="linked-price_notice"' in contract_page
    assert 'id="notice-contract"' in seller.get(url).get_data(as_text=True)
    assert 'id="notice-contract"' not in client.get(url).get_data(as_text=True)
    assert deal["result"].title in client.get("/trading/notices/?show=past").get_data(as_text=True)
    actions = [e.action for e in notices.trail(notice)]
    assert actions == ["posted", "objection", "answered", "resolved", "contracted"]
    assert "已关闭" in seller.post(f"{url}/contract", follow_redirects=True).get_data(as_text=True)


def test_an_upheld_objection_stops_the_deal(deal, login):
    notice = _posted(deal, login)
    url = f"/trading/notices/{notice.id}"
    login(deal["public"]).post(f"{url}/objections", data={"text": "受让方与转让方存在关联关系，未披露。"})
    objection = db.session.scalar(sa.select(NoticeObjection))
    operator = login(make_operator())
    operator.post(f"{url}/objections/{objection.id}/resolve", data={"decision": "uphold", "note": "关联关系属实。"})
    assert "已处理" in operator.post(f"{url}/objections/{objection.id}/resolve",
                                   data={"decision": "dismiss", "note": "再次处理。"},
                                   follow_redirects=True).get_data(as_text=True)
    _end_period(notice)
    seller = login(deal["seller_user"])
    assert 'id="draft-contract"' not in seller.get(url).get_data(as_text=True)
    seller.post(f"{url}/contract")
    assert db.session.scalar(sa.select(Contract)) is None
    assert "已处理" in seller.post(f"{url}/objections/{objection.id}/answer", data={"text": "我们不同意。"},
                                 follow_redirects=True).get_data(as_text=True)
    # the seller withdraws it and may post a new notice
    seller.post(f"{url}/withdraw")
    db.session.refresh(notice)
    assert notice.status is NoticeStatus.WITHDRAWN
    assert _post(seller, deal).status_code == 302


def test_no_contract_before_the_period_ends(deal, login):
    notice = _posted(deal, login)
    page = login(deal["seller_user"]).post(f"/trading/notices/{notice.id}/contract",
                                           follow_redirects=True).get_data(as_text=True)
    assert notices.last_day(notice).isoformat() in page and db.session.scalar(sa.select(Contract)) is None


@pytest.mark.parametrize(("text", "message"), [("太短", "10"), ("", "必填")])
def test_bad_objections(deal, login, text, message):
    notice = _posted(deal, login)
    page = login(deal["public"]).post(f"/trading/notices/{notice.id}/objections", data={"text": text},
                                      follow_redirects=True).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeObjection)) == 0


def test_objection_rules(deal, login):
    notice = _posted(deal, login)
    url = f"/trading/notices/{notice.id}/objections"
    seller_page = login(deal["seller_user"]).post(url, data={"text": "卖方自己提出的一条异议内容。"},
                                                  follow_redirects=True).get_data(as_text=True)
    assert "卖方不能" in seller_page
    objector = login(deal["public"])
    objector.post(url, data={"text": "第一条异议，请说明定价依据。"})
    page = objector.post(url, data={"text": "第二条异议，请说明定价依据。"},
                         follow_redirects=True).get_data(as_text=True)
    assert "等待处理" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeObjection)) == 1


def test_permission_matrix_of_notice_actions(deal, login, client):
    notice = _posted(deal, login)
    login(deal["public"]).post(f"/trading/notices/{notice.id}/objections", data={"text": "请说明定价依据和评估方法。"})
    objection = db.session.scalar(sa.select(NoticeObjection))
    colleague = make_user(deal["seller"])
    clients = {"anonymous": client, "public": login(deal["public"]), "buyer": login(deal["buyer_user"]),
               "seller": login(deal["seller_user"]), "colleague": login(colleague), "operator": login(make_operator())}
    db.session.commit()  # refused actions roll back: the users made here must survive them
    base = f"/trading/notices/{notice.id}"
    matrix = {
        # (path, data): status per role; 302 = done or refused with a message, 403 = not allowed
        (f"{base}/objections/{objection.id}/answer", "answer"): {
            "anonymous": 302, "public": 403, "buyer": 403, "operator": 403},
        (f"{base}/objections/{objection.id}/resolve", "resolve"): {
            "anonymous": 302, "public": 403, "buyer": 403, "seller": 403},
        (f"{base}/withdraw", None): {"anonymous": 302, "public": 403, "buyer": 403, "operator": 403},
        (f"{base}/contract", None): {"anonymous": 302, "public": 403, "buyer": 403, "operator": 403},
    }
    payloads = {"answer": {"text": "我们的答复内容。"}, "resolve": {"decision": "dismiss", "note": "驳回该异议。"},
                None: {}}
    for (path, payload), expected in matrix.items():
        for role, status in expected.items():
            response = clients[role].post(path, data=payloads[payload])
            assert response.status_code == status, (path, role)
            if role == "anonymous":
                assert "/login" in response.headers["Location"]
    db.session.refresh(notice)
    db.session.refresh(objection)
    assert notice.status is NoticeStatus.ACTIVE and objection.answer is None
    assert objection.status is ObjectionStatus.OPEN
    # the colleague of the seller answers for the seller organisation
    assert clients["colleague"].post(f"{base}/objections/{objection.id}/answer",
                                     data=payloads["answer"]).status_code == 302
    db.session.refresh(objection)
    assert objection.answer == "我们的答复内容。"
    for role in clients:
        assert clients[role].get(base).status_code == 200
        assert clients[role].get("/trading/notices/").status_code == 200
    assert client.get("/trading/notices/999999").status_code == 404
    assert clients["seller"].post(f"{base}/objections/999999/answer", data=payloads["answer"]).status_code == 404


def test_the_organisation_sets_its_default_notice_period(deal, login):
    admin = login(deal["seller_user"])
    assert 'value="15"' in admin.get("/trading/settings").get_data(as_text=True)
    assert admin.post("/trading/settings", data={"notice_days": "300"}).status_code == 422
    assert admin.post("/trading/settings", data={"notice_days": "20"}).status_code == 302
    assert admin.post("/trading/settings", data={"notice_days": "30"}).status_code == 302
    assert 'value="30"' in admin.get(f"/trading/notices/new/{deal['result'].id}").get_data(as_text=True)
    assert login(make_user(deal["seller"])).get("/trading/settings").status_code == 403  # not an admin
    with pytest.raises(notices.TradingError):
        notices.set_notice_days(deal["seller_user"], deal["seller"], 1)
    with pytest.raises(notices.NotAllowed):
        notices.set_notice_days(deal["buyer_user"], deal["seller"], 20)


def test_csrf_is_required_on_notice_posts(deal, app, login):
    notice = _posted(deal, login)
    client = login(deal["seller_user"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        statuses = [client.post(path, data=data).status_code for path, data in (
            (f"/trading/notices/new/{deal['result'].id}", _form(deal)),
            (f"/trading/notices/{notice.id}/objections", {"text": "一条没有令牌的异议内容。"}),
            (f"/trading/notices/{notice.id}/objections/1/answer", {"text": "答复"}),
            (f"/trading/notices/{notice.id}/objections/1/resolve", {"decision": "dismiss", "note": "理由"}),
            (f"/trading/notices/{notice.id}/withdraw", {}),
            (f"/trading/notices/{notice.id}/contract", {}),
            ("/trading/settings", {"notice_days": "20"}),
        )]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert statuses == [400] * 7
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceNotice)) == 1


def test_service_rules_the_forms_do_not_reach(deal, login):
    """What the forms already refuse is refused by the services too (API callers, future forms)."""
    base = notices.NoticeData(buyer_credit_code=deal["buyer"].credit_code, price_fen=1_000_000,
                              subtype_code="LIC-01", notice_days=15, contact="王老师 0571-88880000")
    for bad in ({"price_fen": 10**14}, {"subtype_code": "DEV-01"}, {"notice_days": 200}, {"contact": "王"},
                {"statement": "长" * 2001}):
        with pytest.raises(notices.TradingError):
            notices.post(deal["seller_user"], deal["result"], _replace(base, **bad))
    notice = notices.post(deal["seller_user"], deal["result"], base)
    with pytest.raises(notices.NotAllowed):
        notices.object_to(None, notice, "匿名用户的一条异议内容。")
    objection = notices.object_to(deal["public"], notice, "一条合格的异议内容，请说明。")
    for text in ("短", "长" * 2001):
        with pytest.raises(notices.TradingError):
            notices.answer(deal["seller_user"], notice, objection.id, text)
    operator = make_operator()
    for note in ("短", ""):
        with pytest.raises(notices.TradingError):
            notices.resolve(operator, notice, objection.id, False, note)
    notices.resolve(operator, notice, objection.id, False, "驳回：无事实依据。")
    _end_period(notice)
    contract = notices.draft_contract(deal["seller_user"], notice)
    assert contract.subtype_code == "LIC-01" and contract.items[0].description == "许可使用费"
    with pytest.raises(notices.TradingError):
        notices.withdraw(deal["seller_user"], notice)


def _replace(data, **changes):
    import dataclasses

    return dataclasses.replace(data, **changes)
