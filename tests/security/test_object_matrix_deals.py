"""Role × owner matrix over the newer object routes (issue 21, ASVS 4.2.1): trading (协议定价 notices and
their objections, 挂牌 price listings and their intending buyers, auctions with their deposit desk, bids,
state and evidence, confidential parts of results and demands with their NDA requests), 揭榜挂帅
challenges (the issuer's pages) and applications (pages, attachments, the formal check), roadshows and
their registrations, bulk import jobs and an organisation's export, pricing worksheets, HTML and JSON.

The same seven callers as tests/security/test_object_matrix.py: anonymous, a member of A (an enterprise),
a member of B (another enterprise), a broker, an operator, a registrar, and a script with A's member's API
token. A is the counterparty of a university U's deals — it objected to U's notice, registered as an
intending buyer of U's listing, registered and bid in U's auction, asked for U's confidential part — and
owns its own objects: a demand with a confidential part (which U asked to read), a 揭榜挂帅 challenge (to
which U applied, with an attachment), a roadshow registration (the broker organises the roadshow) and an
import job. The broker wrote a worksheet on U's result. Each cell is written out; the same routes with a
huge, negative or non-numeric id answer 404 for everyone.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from tests.factories import (
    make_achievement,
    make_broker,
    make_demand,
    make_operator,
    make_org,
    make_registrar,
    make_user,
)
from tests.security.test_object_matrix import ROLES, bad_id_cells, cells, client_for
from tests.tt_platform.challenges.helpers import application_data, live_window, published
from tt_platform.accounts.models import OrgKind
from tt_platform.api import tokens
from tt_platform.bulk.models import ImportJob, ImportStatus
from tt_platform.challenges import services as challenges
from tt_platform.challenges.models import Application
from tt_platform.database import CHINA, utcnow
from tt_platform.pricing.models import Worksheet
from tt_platform.roadshows import services as roadshows
from tt_platform.roadshows.models import Registration, Roadshow
from tt_platform.trading import auctions, confidential, notices, pricelistings
from tt_platform.trading.models import (
    AccessGrant,
    Auction,
    AuctionRegistration,
    ConfidentialAttachment,
    ConfidentialPart,
    NoticeObjection,
    PriceListing,
    PriceNotice,
)

NDA = "保密协议：接收方不得向第三方披露任何技术资料。"
WORKSHEET = {"title": "专利估值", "market_base_wan": "100", "revenues": "100, 100, 100", "share_pct": "5",
             "rate_pct": "10", "people_wan": "60", "equipment_wan": "30", "materials_wan": "10",
             "technical_obsolescence_pct": "20", "economic_obsolescence_pct": "10", "chosen_method": "income",
             "reason": "收益可预期"}

#: (method, path with {object} placeholders) → the status for each role, in ROLES order.
#: 302: to the login page (anonymous) or back to the page with a message; 401: the API without
#: credentials; 403: known but not yours to change; 404: not visible to you; 400: an API write from a
#: session without its CSRF header; 409: the object's state refuses it (done already). The auction service's
#: "registered already" and "your bid is the highest already" are still 400s (tt_platform/trading/auctions.py).
MATRIX = {
    #                                                                            anon A    B    brok oper regi tok A
    ("GET", "/trading/confidential/result/{result}"):                           (302, 200, 200, 200, 200, 200, 302),
    ("GET", "/trading/confidential/result/{result}/edit"):                      (302, 403, 403, 403, 403, 403, 302),
    ("GET", "/trading/confidential/{part}/attachments/{part_file}"):            (302, 404, 404, 404, 200, 200, 302),
    ("GET", "/trading/confidential/demand/{demand}"):                           (302, 200, 200, 200, 200, 200, 302),
    ("GET", "/trading/confidential/demand/{demand}/edit"):                      (302, 200, 403, 403, 403, 403, 302),
    ("GET", "/trading/confidential/{demand_part}/attachments/{demand_file}"):   (302, 200, 404, 404, 200, 200, 302),
    ("GET", "/trading/notices/{notice}"):                                       (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/trading/notices/{notice}/evidence"):                              (302, 403, 403, 403, 200, 200, 302),
    ("GET", "/trading/notices/{notice}/evidence.pdf"):                          (302, 403, 403, 403, 200, 200, 302),
    ("GET", "/api/v1/notices/{notice}"):                                        (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/trading/listings/{listing}"):                                     (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/trading/listings/{listing}/evidence"):                            (302, 403, 403, 403, 200, 200, 302),
    ("GET", "/api/v1/listings/{listing}"):                                      (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/trading/auctions/{auction}"):                                     (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/trading/auctions/{auction}/state.json"):                          (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/trading/auctions/{auction}/evidence"):                            (302, 403, 403, 403, 200, 200, 302),
    ("GET", "/trading/auctions/{auction}/evidence.pdf"):                        (302, 403, 403, 403, 200, 200, 302),
    ("GET", "/api/v1/auctions/{auction}"):                                      (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/challenges/{challenge}/applications"):                            (302, 200, 403, 403, 200, 200, 302),
    ("GET", "/challenges/applications/{appl}"):                                 (302, 200, 404, 404, 200, 200, 302),
    ("GET", "/challenges/applications/{appl}/edit"):                            (302, 403, 404, 404, 403, 403, 302),
    ("GET", "/challenges/applications/{appl}/attachments/{att}"):               (302, 200, 404, 404, 200, 200, 302),
    ("GET", "/challenges/applications/{appl}/score"):                           (302, 403, 404, 404, 403, 403, 302),
    ("GET", "/api/v1/challenges/applications/{appl}"):                          (401, 200, 404, 404, 200, 200, 200),
    ("GET", "/roadshows/{roadshow}/registrations/export.csv"):                  (302, 403, 403, 200, 403, 403, 302),
    ("GET", "/roadshows/{roadshow}/invitation.ics"):                            (302, 404, 404, 404, 404, 404, 302),
    ("GET", "/api/v1/roadshows/{roadshow}/report"):                             (401, 403, 403, 200, 403, 403, 403),
    ("GET", "/imports/{job}"):                                                  (302, 200, 404, 404, 200, 200, 302),
    ("GET", "/imports/{job}/progress.json"):                                    (302, 200, 404, 404, 200, 200, 302),
    ("GET", "/pricing/results/{result}/worksheets/new"):                        (302, 403, 403, 200, 403, 403, 302),
    ("GET", "/pricing/worksheets/{worksheet}"):                                 (302, 404, 404, 200, 404, 404, 302),
    ("GET", "/pricing/worksheets/{worksheet}.xlsx"):                            (302, 404, 404, 200, 404, 404, 302),
    ("GET", "/trading/notices/new/{result}"):                                   (302, 403, 403, 403, 403, 403, 302),
    ("GET", "/trading/listings/new/{result}"):                                  (302, 403, 403, 403, 403, 403, 302),
    ("GET", "/trading/auctions/new/{result}"):                                  (302, 403, 403, 403, 403, 403, 302),
    ("GET", "/pricing/results/{result}"):                                       (302, 200, 200, 200, 200, 200, 302),
    ("GET", "/api/v1/challenges/{challenge}"):                                  (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/challenges/{challenge}/milestones"):                       (401, 200, 403, 403, 200, 200, 200),
    ("GET", "/challenges/{challenge}/edit"):                                    (302, 200, 403, 403, 403, 403, 302),
    ("GET", "/challenges/{challenge}/ranking"):                                 (302, 200, 403, 403, 200, 200, 302),
    ("GET", "/challenges/{challenge}/task-book"):                               (302, 200, 403, 403, 200, 200, 302),
    ("GET", "/challenges/{challenge}/suggestions"):                             (302, 200, 403, 403, 200, 200, 302),
    ("GET", "/challenges/{challenge}/panel"):                                   (302, 403, 403, 403, 200, 200, 302),
    ("GET", "/challenges/{challenge}/expert"):                                  (302, 403, 403, 403, 403, 403, 302),
    ("GET", "/challenges/{challenge}/select"):                                  (302, 200, 403, 403, 403, 403, 302),
    ("GET", "/challenges/{challenge}/defence"):                                 (302, 200, 403, 403, 200, 200, 302),
    ("GET", "/roadshows/{roadshow}"):                                           (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/roadshows/{roadshow}/edit"):                                      (302, 403, 403, 200, 403, 403, 302),
    ("GET", "/roadshows/{roadshow}/agenda"):                                    (302, 403, 403, 200, 403, 403, 302),
    ("GET", "/api/v1/roadshows/{roadshow}"):                                    (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/imports/organisation/{org}/export.zip"):                          (302, 200, 403, 403, 403, 403, 302),
    ("POST", "/trading/confidential/{part}/accept"):                            (302, 302, 302, 302, 302, 302, 302),
    ("POST", "/trading/notices/{notice}/objections"):                           (302, 302, 302, 302, 302, 302, 302),
    ("POST", "/trading/listings/{listing}/interest"):                           (302, 302, 302, 302, 302, 302, 302),
    ("POST", "/trading/auctions/{auction}/register"):                           (302, 302, 302, 302, 302, 302, 302),
    ("POST", "/api/v1/auctions/{auction}/registrations"):                       (401, 400, 400, 400, 400, 400, 400),
    ("POST", "/trading/auctions/{auction}/close"):                              (302, 403, 403, 403, 302, 302, 302),
    ("POST", "/trading/notices/{notice}/contract"):                             (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/listings/{listing}/contract"):                           (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/roadshows/{roadshow}/register"):                                 (302, 302, 302, 403, 403, 403, 302),
    ("POST", "/imports/{job}/confirm"):                                         (302, 302, 404, 404, 302, 302, 302),
    ("POST", "/imports/{job}/resume"):                                          (302, 302, 404, 404, 302, 302, 302),
    ("POST", "/challenges/applications/{appl}/submit"):                         (302, 403, 404, 404, 403, 403, 302),
    ("POST", "/challenges/{challenge}/review"):                                 (302, 403, 403, 403, 302, 302, 302),
    ("POST", "/trading/notices/new/{result}"):                                  (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/listings/new/{result}"):                                 (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/auctions/new/{result}"):                                 (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/confidential/result/{result}/edit"):                     (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/confidential/{part}/attachments"):                       (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/auctions/{auction}/contract"):                           (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/auctions/{auction}/relist"):                             (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/listings/{listing}/relist"):                             (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/challenges/applications/{appl}/edit"):                           (302, 403, 404, 404, 403, 403, 302),
    ("POST", "/challenges/applications/{appl}/attachments"):                    (302, 403, 404, 404, 403, 403, 302),
    ("POST", "/challenges/applications/{appl}/score"):                          (302, 403, 404, 404, 403, 403, 302),
    ("POST", "/roadshows/{roadshow}/edit"):                                     (302, 403, 403, 422, 403, 403, 302),
    ("POST", "/roadshows/{roadshow}/publish"):                                  (302, 403, 403, 302, 403, 403, 302),
    ("POST", "/pricing/results/{result}/worksheets/new"):                       (302, 403, 403, 302, 403, 403, 302),
    ("POST", "/trading/confidential/grants/{grant}/approve"):                   (302, 404, 404, 404, 403, 403, 302),
    ("POST", "/trading/confidential/grants/{demand_grant}/approve"):            (302, 302, 404, 404, 403, 403, 302),
    ("POST", "/trading/confidential/attachments/{demand_file}/delete"):         (302, 302, 404, 404, 403, 403, 302),
    ("POST", "/trading/notices/{notice}/objections/{objection}/answer"):        (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/notices/{notice}/objections/{objection}/resolve"):       (302, 403, 403, 403, 302, 302, 302),
    ("POST", "/api/v1/notices/{notice}/objections"):                            (401, 400, 400, 400, 400, 400, 409),
    ("POST", "/trading/notices/{notice}/withdraw"):                             (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/api/v1/listings/{listing}/interest"):                            (401, 400, 400, 400, 400, 400, 409),
    ("POST", "/trading/listings/{listing}/withdraw"):                           (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/trading/auctions/{auction}/registrations/{pending}/deposit"):    (302, 403, 403, 403, 302, 302, 302),
    ("POST", "/trading/auctions/{auction}/bids"):                               (302, 302, 302, 302, 302, 302, 302),
    ("POST", "/api/v1/auctions/{auction}/bids"):                                (401, 400, 400, 400, 400, 400, 400),
    ("POST", "/trading/auctions/{auction}/withdraw"):                           (302, 403, 403, 403, 403, 403, 302),
    ("POST", "/challenges/applications/{appl}/check"):                          (302, 403, 403, 403, 302, 302, 302),
    ("POST", "/challenges/applications/{appl}/attachments/{att}/delete"):       (302, 403, 404, 404, 403, 403, 302),
    ("POST", "/challenges/applications/{appl}/withdraw"):                       (302, 403, 404, 404, 403, 403, 302),
    ("POST", "/roadshows/{roadshow}/registrations/{registration}"):             (302, 403, 403, 302, 403, 403, 302),
    ("POST", "/api/v1/roadshows/{roadshow}/registrations"):                     (401, 400, 400, 400, 400, 400, 409),
    ("POST", "/roadshows/{roadshow}/cancel-registration"):                      (302, 302, 302, 302, 302, 302, 302),
    ("POST", "/imports/{job}/discard"):                                         (302, 302, 404, 404, 302, 302, 302),
    ("POST", "/pricing/worksheets/{worksheet}"):                                (302, 404, 404, 302, 404, 404, 302),
}


@pytest.fixture
def world(app, db, index, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    org_a, org_b = make_org(OrgKind.ENTERPRISE), make_org(OrgKind.ENTERPRISE)
    university, third = make_org(OrgKind.UNIVERSITY), make_org(OrgKind.ENTERPRISE)
    member_a, member_b = make_user(org_a, admin=True), make_user(org_b, admin=True)
    seller, other_buyer = make_user(university, admin=True), make_user(third, admin=True)
    broker, operator, registrar = make_broker(), make_operator(), make_registrar(org_a.region_code)
    now = utcnow()

    # U's result with a confidential part on approval, which A asked to read (a pending grant)
    result = make_achievement(university)
    part = confidential.save_part(seller, result, confidential.PartData(detail="烧结温度曲线", access_mode="approval",
                                                                        nda_text=NDA))
    part_file = confidential.add_attachment(seller, part, "配方.pdf", b"%PDF-1.4 part", tmp_path / "confidential")
    grant = confidential.accept(member_a, part, part.current_version.sha256, "127.0.0.1")
    # A's demand with a confidential part on approval, which U asked to read
    demand = make_demand(org_a)
    demand_part = confidential.save_part(member_a, demand, confidential.PartData(
        detail="产线参数", access_mode="approval", nda_text=NDA))
    demand_file = confidential.add_attachment(member_a, demand_part, "参数.pdf", b"%PDF-1.4 demand",
                                              tmp_path / "confidential")
    demand_grant = confidential.accept(seller, demand_part, demand_part.current_version.sha256, "127.0.0.1")

    # 协议定价: U's notice naming A as the buyer, A's objection
    notice = notices.post(seller, make_achievement(university), notices.NoticeData(
        buyer_credit_code=org_a.credit_code, price_fen=1_000_000, subtype_code="TRF-01", notice_days=15,
        contact="王老师 0571-88880000"))
    objection = notices.object_to(member_a, notice, "价格明显低于市场水平，请说明。")
    # 挂牌: U's listing, A an intending buyer
    listing = pricelistings.post(seller, make_achievement(university), pricelistings.ListingData(
        price_fen=1_000_000, subtype_code="LIC-01", exclusive=True, payment_mode="lump_sum", working_days=10,
        contact="李老师 010-66668888"))
    pricelistings.register_interest(member_a, listing)
    # 拍卖: U's auction, A registered with its deposit confirmed and a bid in, a third bidder's deposit pending
    auction = auctions.create(seller, make_achievement(university), auctions.AuctionData(
        start_price_fen=1_000_000, increment_fen=100_000, reserve_fen=None, reserve_shown=False,
        deposit_fen=100_000, subtype_code="TRF-01", payment_mode="lump_sum", starts_at=now,
        ends_at=now + dt.timedelta(hours=2), extension_minutes=5, contact="李老师 010-66668888"))
    own = auctions.register(member_a, auction)
    auctions.confirm_deposit(operator, auction, own.id, "BANK-0001")
    auctions.place_bid(member_a, auction, 1_000_000)
    pending = auctions.register(other_buyer, auction)

    # 揭榜挂帅: A's challenge, U's submitted application with an attachment
    challenge = published(member_a, **live_window())
    application = challenges.start_application(seller, challenge, now=now)
    challenges.update_application(seller, application, application_data(), now=now)
    attachment = challenges.add_attachment(seller, application, "方案.pdf", b"%PDF-1.4 plan", tmp_path, now=now)
    challenges.submit_application(seller, application, now=now)

    # a roadshow organised by the broker, on approval, with A's pending registration
    start = now + dt.timedelta(days=10)
    roadshow = roadshows.create(broker, roadshows.RoadshowData(
        title="矩阵路演", theme="测试用的路演主题", starts_at=start, ends_at=start + dt.timedelta(hours=2),
        capacity=50, registration_opens_on=now.date() - dt.timedelta(days=1),
        registration_closes_on=now.date() + dt.timedelta(days=5), venue="会议室", requires_approval=True))
    roadshows.set_published(broker, roadshow, True)
    registration = roadshows.register(member_a, roadshow, 2, now.date())

    # A's member's import job, previewed without errors
    job = ImportJob(kind="demands", user_id=member_a.id, organisation_id=org_a.id, filename="需求.xlsx", size=1,
                    report={"counts": {"ok": 0, "error": 0}, "rows": []}, status=ImportStatus.PREVIEWED)
    db.session.add(job)
    _token, secret = tokens.issue(member_a, "matrix")
    db.session.commit()
    # the broker's worksheet on U's result, saved through its page
    assert app.test_client(user=broker).post(f"/pricing/results/{result.id}/worksheets/new",
                                             data=WORKSHEET).status_code == 302
    worksheet = db.session.scalar(sa.select(Worksheet).order_by(Worksheet.id.desc()))
    objects = {"result": result.id, "part": part.id, "part_file": part_file.id, "grant": grant.id,
               "demand": demand.id, "demand_part": demand_part.id, "demand_file": demand_file.id,
               "demand_grant": demand_grant.id, "notice": notice.id, "objection": objection.id,
               "listing": listing.id, "auction": auction.id, "own": own.id, "pending": pending.id,
               "challenge": challenge.id, "appl": application.id, "org": org_a.id, "att": attachment.id,
               "roadshow": roadshow.id, "registration": registration.id, "job": job.id, "worksheet": worksheet.id}
    users = {"member_a": member_a, "member_b": member_b, "broker": broker, "operator": operator,
             "registrar": registrar}
    return objects, users, {"Authorization": f"Bearer {secret}"}




BODIES = {
    "/trading/notices/{notice}/objections/{objection}/answer": {"text": "价格依据评估报告，已附说明。"},
    "/trading/notices/{notice}/objections/{objection}/resolve": {"decision": "dismiss", "note": "理由不成立。"},
    "/api/v1/notices/{notice}/objections": {"text": "价格明显低于市场水平，请说明。"},
    "/trading/auctions/{auction}/registrations/{pending}/deposit": {"reference": "BANK-0002"},
    "/trading/auctions/{auction}/bids": {"amount_wan": "1.2"},
    "/api/v1/auctions/{auction}/bids": {"amount_fen": 1_300_000},
    "/challenges/applications/{appl}/check": {"decision": "complete"},
    "/roadshows/{roadshow}/registrations/{registration}": {"decision": "approve"},
    "/api/v1/roadshows/{roadshow}/registrations": {"attendees": 2},
    "/pricing/worksheets/{worksheet}": {**WORKSHEET, "title": "专利估值（修订）"},
    "/pricing/results/{result}/worksheets/new": {**WORKSHEET, "title": "第二份估值"},
    "/trading/confidential/result/{result}/edit": {"detail": "篡改后的内容", "access_mode": "click", "nda_text": NDA},
    "/roadshows/{roadshow}/publish": {"published": "1"},
    "/trading/confidential/{part}/attachments": lambda: {"file": (io.BytesIO(b"%PDF-1.4 x"), "x.pdf")},
    "/challenges/applications/{appl}/attachments": lambda: {"file": (io.BytesIO(b"%PDF-1.4 x"), "x.pdf")},
    "/trading/listings/{listing}/relist": {"price_wan": "50", "working_days": "10"},
    "/trading/auctions/{auction}/relist": lambda: {
        "start_price_wan": "100", "increment_wan": "1", "deposit_wan": "0", "subtype_code": "TRF-01",
        "payment_mode": "lump_sum", "extension_minutes": "5", "contact": "李老师 010-66668888",
        **{name: (dt.datetime.now(CHINA) + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")
           for name, days in (("starts_at", 1), ("ends_at", 2))}},
    "/trading/notices/new/{result}": {"buyer_credit_code": "91330100MA27XXXX0X", "price_wan": "100",
                                      "subtype_code": "TRF-01", "notice_days": "15", "contact": "王老师 0571-88880000"},
}


def left_behind(db, objects) -> dict:
    """What the writes of MATRIX changed, read back from the database."""
    db.session.expire_all()
    get = db.session.get
    return {
        "demand grant": get(AccessGrant, objects["demand_grant"]).status.value,
        "result grant": get(AccessGrant, objects["grant"]).status.value,
        "demand file": get(ConfidentialAttachment, objects["demand_file"]) is not None,
        "objection": (get(NoticeObjection, objects["objection"]).status.value,
                      get(NoticeObjection, objects["objection"]).answer is not None),
        "objections": len(get(PriceNotice, objects["notice"]).objections),
        "notice": get(PriceNotice, objects["notice"]).status.value,
        "listing": (get(PriceListing, objects["listing"]).status.value,
                    len(get(PriceListing, objects["listing"]).interests)),
        "deposit": get(AuctionRegistration, objects["pending"]).deposit_confirmed_at is not None,
        "auction": (get(Auction, objects["auction"]).status.value, get(Auction, objects["auction"]).bid_count),
        "bidders": len(get(Auction, objects["auction"]).registrations),
        "part requests": db.session.scalar(sa.select(sa.func.count()).select_from(AccessGrant)
                                           .where(AccessGrant.part_id == objects["part"])),
        "application": (get(Application, objects["appl"]).status.value,
                        len(get(Application, objects["appl"]).attachments)),
        "registration": get(Registration, objects["registration"]).status.value,
        "registrations": len(get(Roadshow, objects["roadshow"]).registrations),
        "job": get(ImportJob, objects["job"]).status.value,
        "worksheet": get(Worksheet, objects["worksheet"]).title,
        "worksheets": db.session.scalar(sa.select(sa.func.count()).select_from(Worksheet)),
        "part": get(ConfidentialPart, objects["part"]).detail,
        "deals of the result": db.session.scalar(sa.select(sa.func.count()).select_from(PriceNotice)
                                                 .where(PriceNotice.achievement_id == objects["result"])),
    }


#: What the writes of MATRIX leave behind: the untouched world, then what each role changed. A 302 is a
#: redirect whether the change was made or refused with a message; the API's refusals are the 400s of a
#: session without its CSRF header and, for A's token, 409s: A has done each of those already (its bid is
#: the highest already: a 400 of the auction service).
UNTOUCHED = {"demand grant": "requested", "result grant": "requested", "demand file": True,
             "objection": ("open", False), "objections": 1, "notice": "active", "listing": ("active", 1),
             "deposit": False, "auction": ("active", 1), "bidders": 2, "part requests": 1,
             "application": ("submitted", 1), "registration": "pending", "registrations": 1, "job": "previewed",
             "worksheet": "专利估值", "worksheets": 1, "part": "烧结温度曲线", "deals of the result": 0}
WRITES = {
    "member_a": {"demand grant": "granted", "demand file": False, "registration": "cancelled", "job": "discarded"},
    # B (a verified enterprise) registers as an intending buyer, a bidder and for the roadshow
    "member_b": {"listing": ("active", 2), "bidders": 3, "registrations": 2},
    # so do the broker's agency, the operator's and the registrar's organisations, for the listing and the auction
    "broker": {"registration": "approved", "worksheet": "专利估值（修订）", "worksheets": 2, "listing": ("active", 2),
               "bidders": 3},
    # operators clear import jobs that are stuck (any uploader's, like resuming them)
    "operator": {"objection": ("dismissed", False), "deposit": True, "application": ("complete", 1),
                 "job": "discarded", "listing": ("active", 2), "bidders": 3},
    "registrar": {"objection": ("dismissed", False), "deposit": True, "application": ("complete", 1),
                  "job": "discarded", "listing": ("active", 2), "bidders": 3},
}


@pytest.mark.parametrize("role", ROLES)
def test_every_cell_of_the_matrix(app, db, world, role):
    objects, users, bearer = world
    client, headers = client_for(app, role, users, bearer)
    column = ROLES.index(role)
    # bad ids first (they must change nothing), then every cell, the writes last in MATRIX order
    bad = bad_id_cells(client, headers, MATRIX, objects, BODIES)
    assert bad == {key: 404 for key in bad}
    assert left_behind(db, objects) == UNTOUCHED
    got = cells(client, headers, MATRIX, objects, BODIES)
    assert got == {route: statuses[column] for route, statuses in MATRIX.items()}
    assert left_behind(db, objects) == {**UNTOUCHED, **WRITES.get(role, {})}


#: Who reads each confidential text on its page: operators (SECURITY.md) and the demand's holder (A); nobody
#: else of the seven, A's request for U's text still waiting for U's approval.
READS = {"result": {"operator", "registrar"}, "demand": {"member_a", "operator", "registrar"}}
SECRETS = {"result": "烧结温度曲线", "demand": "产线参数"}


@pytest.mark.parametrize("role", ROLES)
def test_confidential_texts_and_the_secrets_of_deals_do_not_leak(app, db, world, role):
    objects, users, bearer = world
    client, headers = client_for(app, role, users, bearer)
    for kind in ("result", "demand"):
        page = client.get(f"/trading/confidential/{kind}/{objects[kind]}", headers=headers).get_data(as_text=True)
        assert (SECRETS[kind] in page) is (role in READS[kind]), kind
    # an auction's bidders are pseudonyms and the deposit desk (with the bank's references) is the operators'
    bidder = users["member_a"].organisation.name
    for path in ("/trading/auctions/{auction}", "/trading/auctions/{auction}/state.json", "/api/v1/auctions/{auction}"):
        body = client.get(path.format(**objects), headers=headers).get_data(as_text=True)
        desk = role in ("operator", "registrar") and path == "/trading/auctions/{auction}"
        assert ("BANK-0001" in body) is desk, path
        if role in ("anonymous", "member_b", "broker", "token_a"):
            assert bidder not in body, path


@pytest.mark.parametrize("role", ["member_a", "broker", "operator", "token_a"])
def test_every_page_and_download_of_these_deals_is_never_cached(app, db, world, role):
    """ASVS 8.2.1 over the routes above: whatever a logged-in caller (or a token, on the API) is shown is
    `no-store`."""
    objects, users, bearer = world
    client, headers = client_for(app, role, users, bearer)
    shown = []
    for method, template in MATRIX:
        if method == "GET" and (role != "token_a" or template.startswith("/api/")):
            response = client.get(template.format(**objects), headers=headers)
            response.close()
            if response.status_code == 200:
                shown.append((template, response.headers.get("Cache-Control", "")))
    assert len(shown) >= 4
    assert [(template, cache) for template, cache in shown if "no-store" not in cache] == []


