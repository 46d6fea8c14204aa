"""Trading (issue 18): confidential details behind an NDA and the legal pricing routes, each ending in a
contract in the existing registration flow."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform.alerts import services as alerts
from tt_platform.contracts import origins
from tt_platform.database import db
from tt_platform.trading import auctions, confidential, notices, pricelistings
from tt_platform.trading.models import Auction, NoticeStatus, PriceListing, PriceNotice

NOTICE = "price_notice"
LISTING = "price_listing"
AUCTION = "auction"


def confidential_panel(listing):
    """The panel of a result or demand page: None when the listing has no confidential part and the viewer
    is not its holder (listing pages are below this package, so they reach it only through this global)."""
    part = confidential.part_for(listing)
    kind = confidential.kind_of(listing)
    url = url_for("trading.confidential_page", kind=kind, listing_id=listing.id)
    if part is None:
        if not confidential.can_manage(current_user, listing):
            return None
        url = url_for("trading.edit_confidential", kind=kind, listing_id=listing.id)
    return {"part": part, "url": url, "access": confidential.has_access(current_user, part)}


def notice_panel(listing):
    """A result page's price notices (public) and, for its owner, the way to post one."""
    if confidential.kind_of(listing) != "result":
        return None
    found = notices.for_result(listing)
    listed = pricelistings.for_result(listing)
    manager = confidential.can_manage(current_user, listing)
    can_post = manager and not any(n.status is NoticeStatus.ACTIVE for n in found)
    can_list = manager and not any(item.status is NoticeStatus.ACTIVE for item in listed)
    auctioned = auctions.for_result(listing)
    can_auction = manager and not any(a.status is NoticeStatus.ACTIVE and auctions.phase(a) != "failed"
                                      for a in auctioned)
    if not found and not listed and not auctioned and not manager:
        return None
    return {"notices": found, "can_post": can_post, "phase": notices.phase, "last_day": notices.last_day,
            "listings": listed, "can_list": can_list, "lphase": pricelistings.phase,
            "llast_day": pricelistings.last_day, "auctions": auctioned, "can_auction": can_auction,
            "aphase": auctions.phase}


def _notice_origin(contract, viewer) -> origins.DealOrigin | None:
    notice = db.session.scalar(sa.select(PriceNotice).where(PriceNotice.contract_id == contract.id))
    if notice is None:
        return None  # the notice board is public: whoever sees the contract may see its notice
    return origins.DealOrigin(kind=NOTICE, id=notice.id, title=notice.achievement.title,
                              url=url_for("trading.notice", notice_id=notice.id),
                              achievement_id=notice.achievement_id, label=_("Price notice (协议定价公示)"))


def _listing_origin(contract, viewer) -> origins.DealOrigin | None:
    listing = db.session.scalar(sa.select(PriceListing).where(PriceListing.contract_id == contract.id))
    if listing is None:
        return None  # listings are public, like notices
    return origins.DealOrigin(kind=LISTING, id=listing.id, title=listing.achievement.title,
                              url=url_for("trading.price_listing", listing_id=listing.id),
                              achievement_id=listing.achievement_id, label=_("Listed result (挂牌交易)"))


def _auction_origin(contract, viewer) -> origins.DealOrigin | None:
    auction = db.session.scalar(sa.select(Auction).where(Auction.contract_id == contract.id))
    if auction is None:
        return None  # auction pages are public, with the bidders under pseudonyms
    return origins.DealOrigin(kind=AUCTION, id=auction.id, title=auction.achievement.title,
                              url=url_for("trading.auction", auction_id=auction.id),
                              achievement_id=auction.achievement_id, label=_("Auction (拍卖/竞价)"))


def init_app(app) -> None:
    origins.register_for_contract(NOTICE, _notice_origin)
    origins.register_for_contract(LISTING, _listing_origin)
    origins.register_for_contract(AUCTION, _auction_origin)
    # close notices to bidders are notifications about the auction: alerts links them to its page
    alerts.register_link(auctions.KIND, auctions.link)
    app.jinja_env.globals.update(confidential_panel=confidential_panel, notice_panel=notice_panel)
