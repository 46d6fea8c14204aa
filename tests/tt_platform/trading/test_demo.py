"""The demo's trading part: loaded through the services onto demo-like organisations, shown on the boards,
and removed without leaving rows behind."""
from __future__ import annotations

import sqlalchemy as sa

from tests.factories import make_achievement, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.database import db
from tt_platform.demo.trading import load_trading, remove_trading
from tt_platform.trading import notices, pricelistings
from tt_platform.trading.models import AccessGrant, ConfidentialPart, NoticeObjection, PriceListing, PriceNotice


def _demo_world():
    orgs = {"east_uni": make_org(OrgKind.UNIVERSITY), "mfg_inst": make_org(OrgKind.INSTITUTE),
            "ent_info": make_org(OrgKind.ENTERPRISE), "ent_mfg": make_org(OrgKind.ENTERPRISE)}
    users = {"university@demo.example.cn": make_user(orgs["east_uni"], admin=True),
             "institute@demo.example.cn": make_user(orgs["mfg_inst"], admin=True),
             "enterprise@demo.example.cn": make_user(orgs["ent_info"], admin=True)}
    make_user(orgs["ent_mfg"], admin=True)
    for key in ("east_uni", "east_uni", "mfg_inst"):
        make_achievement(orgs[key])
    for org in orgs.values():
        db.session.refresh(org)
    return orgs, users


def test_demo_trading_loads_a_notice_in_its_period_and_a_listing_with_two_buyers(client, db):
    orgs, users = _demo_world()
    assert load_trading(orgs, users) == 3
    db.session.commit()
    notice = db.session.scalar(sa.select(PriceNotice))
    assert notices.phase(notice) == "on_notice" and len(notice.objections) == 1 and notice.objections[0].answer
    listing = db.session.scalar(sa.select(PriceListing))
    assert pricelistings.phase(listing) == "open" and len(listing.interests) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessGrant)) == 1
    assert notice.achievement.title in client.get("/trading/notices/").get_data(as_text=True)
    assert listing.achievement.title in client.get("/trading/listings/").get_data(as_text=True)
    remove_trading(set(o.id for o in orgs.values()))
    for model in (PriceNotice, NoticeObjection, PriceListing, ConfidentialPart, AccessGrant):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
