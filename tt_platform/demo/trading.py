"""Demo trading: a result with confidential details under a click-through NDA (accepted by the demo
enterprise), a 协议定价 notice in its period with an answered objection, a 挂牌交易 listing with two
intending buyers, a finished auction (a bid war with a last-minute bid that moved the end, won, its contract
drafted) and a running one with bids and a bidder waiting for its deposit to be confirmed. Built through the
trading services, with the clock moved back a few days."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tt_platform.accounts.models import Organisation, User
from tt_platform.achievements.models import Achievement
from tt_platform.audit.models import AuditEntry
from tt_platform.contracts.models import Contract
from tt_platform.database import db, utcnow
from tt_platform.listings.models import ListingStatus
from tt_platform.trading import auctions, confidential, notices, pricelistings
from tt_platform.trading.models import (
    AccessGrant,
    Auction,
    AuctionRegistration,
    Bid,
    ConfidentialAttachment,
    ConfidentialPart,
    ListingInterest,
    NdaVersion,
    NoticeObjection,
    PriceListing,
    PriceNotice,
    TradingSettings,
)

NDA = ("保密协议（演示）：接收方仅为评估与本单位合作可能性之目的使用本成果的保密技术资料，不得向任何第三方披露、"
       "不得用于申请专利或自行实施；保密期限自接受之日起三年。违反本协议的，应赔偿由此给持有方造成的全部损失。")


def _published_result(org: Organisation, offset: int) -> Achievement:
    return db.session.scalars(sa.select(Achievement).where(
        Achievement.organisation_id == org.id, Achievement.status == ListingStatus.PUBLISHED)
        .order_by(Achievement.id).offset(offset).limit(1)).one()


def _back(item, days: int, period_end) -> None:
    """Move a notice or listing `days` back in time, its end with it."""
    item.starts_at = item.starts_at - dt.timedelta(days=days)
    item.ends_at = period_end(item.starts_at, item.notice_days if isinstance(item, PriceNotice) else item.working_days)


def load_trading(orgs: dict[str, Organisation], users: dict[str, User]) -> int:
    university, institute = users["university@demo.example.cn"], users["institute@demo.example.cn"]
    enterprise = users["enterprise@demo.example.cn"]
    other_buyer = orgs["ent_mfg"].memberships[0].user

    secret = _published_result(orgs["east_uni"], 0)
    part = confidential.save_part(university, secret, confidential.PartData(
        detail="关键工艺参数（演示）：烧结温度 1,150 ℃ ± 10 ℃，保温 4 小时，掺杂比例 0.8 wt%；中试线良率 93.5%。"
               "完整检测报告与工艺图纸可在签订保密协议后索取。", access_mode="click", nda_text=NDA))
    confidential.accept(enterprise, part, part.current_version.sha256, "192.0.2.10")

    on_notice = _published_result(orgs["east_uni"], 1)
    notice = notices.post(university, on_notice, notices.NoticeData(
        buyer_credit_code=orgs["ent_info"].credit_code, price_fen=1_280_000_000, subtype_code="TRF-01",
        notice_days=15, contact="华东理工示范大学技术转移中心 李老师 021-60000000 tto@demo.example.cn",
        statement="经第三方评估（评估值 1,150 万元）并与受让方协商一致，拟以 1,280 万元转让。（演示数据）"))
    _back(notice, 4, notices.period_end)
    objection = notices.object_to(other_buyer, notice, "同类专利近期成交价约 1,500 万元，请说明定价依据。（演示）")
    notices.answer(university, notice, objection.id, "定价依据第三方评估报告，并已考虑受让方承担后续中试投入。（演示）")

    listed = _published_result(orgs["mfg_inst"], 0)
    listing = pricelistings.post(institute, listed, pricelistings.ListingData(
        price_fen=650_000_000, subtype_code="LIC-01", exclusive=False, payment_mode="entry_fee_royalty",
        working_days=20, contact="示范先进制造技术研究院成果转化处 赵老师 0512-60000000",
        conditions="普通许可，许可期限五年，入门费 650 万元另按销售额 3% 提成。（演示数据）"))
    _back(listing, 6, pricelistings.working_period_end)
    for buyer in (enterprise, other_buyer):
        pricelistings.register_interest(buyer, listing)
    _finished_auction(orgs, users, university, (enterprise, other_buyer))
    _running_auction(orgs, users, institute, (enterprise, other_buyer))
    return 5


WAN = 1_000_000  # fen


def _auction(owner: User, result: Achievement, **terms) -> Auction:
    now = utcnow()
    data = dict(increment_fen=10 * WAN, reserve_fen=None, reserve_shown=False, deposit_fen=50 * WAN,
                subtype_code="TRF-01", payment_mode="lump_sum", starts_at=now, ends_at=now + dt.timedelta(days=2),
                extension_minutes=5,
                conditions="竞买人须为依法设立的企业法人；成交后 10 个工作日内签订合同。（演示数据）")
    data.update(terms)
    return auctions.create(owner, result, auctions.AuctionData(**data))


def _bidders(auction: Auction, operator: User, bidders, confirmed: int) -> None:
    for n, bidder in enumerate(bidders):
        registration = auctions.register(bidder, auction)
        if n < confirmed:
            auctions.confirm_deposit(operator, auction, registration.id, f"DEMO-BANK-{auction.id:03d}-{n + 1:02d}")


def _shift(auction: Auction, delta: dt.timedelta, *, ends: bool) -> None:
    """Move an auction and everything in it `delta` back in time (the demo's history); its end too if `ends`."""
    auction.starts_at -= delta
    auction.created_at -= delta
    for registration in auction.registrations:
        registration.registered_at -= delta
        if registration.deposit_confirmed_at:
            registration.deposit_confirmed_at -= delta
    for bid in auction.bids:
        bid.placed_at -= delta
        if ends:
            bid.ends_before -= delta
            bid.ends_after -= delta
    if ends:
        auction.scheduled_end_at -= delta
        auction.ends_at -= delta


def _finished_auction(orgs, users, owner: User, bidders) -> Auction:
    """Three days ago: a bid war from 300 万元, the last bid in the final minutes moving the end, then the
    close: sold above the hidden reserve, the winner's contract drafted, every bidder notified."""
    operator = users["operator@demo.example.cn"]
    auction = _auction(owner, _published_result(orgs["east_uni"], 2), start_price_fen=300 * WAN,
                       reserve_fen=350 * WAN, contact="华东理工示范大学技术转移中心 李老师 021-60000000")
    _bidders(auction, operator, bidders, confirmed=len(bidders))
    for n, amount in enumerate((300, 320, 340, 360, 380, 410)):
        auctions.place_bid(bidders[n % 2], auction, amount * WAN)
    # the last afternoon: bids 8 minutes apart, the last one 2 minutes before the end, which it moved
    end = auction.ends_at
    window = dt.timedelta(minutes=auction.extension_minutes)
    for n, bid in enumerate(auction.bids):
        last = n == len(auction.bids) - 1
        bid.placed_at = end - dt.timedelta(minutes=2 if last else 50 - 8 * n)
        bid.ends_before, bid.ends_after = end, end + window if last else end
    auction.scheduled_end_at, auction.ends_at = end, end + window
    auction.starts_at = end - dt.timedelta(hours=7)
    _shift(auction, end - utcnow() + dt.timedelta(days=3), ends=True)
    db.session.flush()
    auctions.close(auction)
    contract = db.session.get(Contract, auction.contract_id)
    contract.is_demo = True  # demo data, like the demo's other contracts (statistics can leave it out)
    return auction


def _running_auction(orgs, users, owner: User, bidders) -> Auction:
    """Bidding since yesterday, two days to go: two bids, and a third organisation registered whose deposit
    the operator has not confirmed yet."""
    operator = users["operator@demo.example.cn"]
    auction = _auction(owner, _published_result(orgs["mfg_inst"], 1), start_price_fen=180 * WAN,
                       increment_fen=5 * WAN, reserve_fen=200 * WAN, reserve_shown=True, deposit_fen=20 * WAN,
                       subtype_code="LIC-01", payment_mode="entry_fee_royalty",
                       contact="示范先进制造技术研究院成果转化处 赵老师 0512-60000000")
    waiting = [m.user for m in orgs["ent_energy"].memberships][:1] if "ent_energy" in orgs else []
    _bidders(auction, operator, [*bidders, *waiting], confirmed=len(bidders))
    auctions.place_bid(bidders[0], auction, 180 * WAN)
    auctions.place_bid(bidders[1], auction, 190 * WAN)
    _shift(auction, dt.timedelta(hours=20), ends=False)
    for n, bid in enumerate(auction.bids):
        bid.placed_at = utcnow() - dt.timedelta(hours=6 - 3 * n)
    return auction


def remove_trading(org_ids: set[int]) -> None:
    """Trading rows of the demo organisations (as sellers, buyers or holders) and their audit rows. Core
    deletes, children first, so nothing depends on the database's cascades."""
    notice_ids = sa.select(PriceNotice.id).where(sa.or_(PriceNotice.seller_org_id.in_(org_ids),
                                                        PriceNotice.buyer_org_id.in_(org_ids)))
    listing_ids = sa.select(PriceListing.id).where(PriceListing.seller_org_id.in_(org_ids))
    part_ids = sa.select(ConfidentialPart.id).where(ConfidentialPart.organisation_id.in_(org_ids))
    auction_ids = sa.select(Auction.id).where(Auction.seller_org_id.in_(org_ids))
    for entity, ids in (("price_notice", notice_ids), ("price_listing", listing_ids),
                        ("confidential_part", part_ids), ("auction", auction_ids)):
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.entity_type == entity,
                                                       AuditEntry.entity_id.in_(ids)))
    for statement in (
        sa.delete(NoticeObjection).where(sa.or_(NoticeObjection.notice_id.in_(notice_ids),
                                                NoticeObjection.organisation_id.in_(org_ids))),
        sa.delete(PriceNotice).where(PriceNotice.id.in_(notice_ids)),
        sa.delete(ListingInterest).where(sa.or_(ListingInterest.listing_id.in_(listing_ids),
                                                ListingInterest.organisation_id.in_(org_ids))),
        sa.delete(Bid).where(sa.or_(Bid.auction_id.in_(auction_ids), Bid.registration_id.in_(
            sa.select(AuctionRegistration.id).where(AuctionRegistration.organisation_id.in_(org_ids))))),
        sa.delete(AuctionRegistration).where(sa.or_(AuctionRegistration.auction_id.in_(auction_ids),
                                                    AuctionRegistration.organisation_id.in_(org_ids))),
        sa.update(Auction).where(Auction.previous_id.in_(auction_ids)).values(previous_id=None),
        sa.delete(Auction).where(Auction.id.in_(auction_ids)),
        sa.update(PriceListing).where(PriceListing.previous_id.in_(listing_ids)).values(previous_id=None),
        sa.delete(PriceListing).where(PriceListing.id.in_(listing_ids)),
        sa.delete(AccessGrant).where(sa.or_(AccessGrant.part_id.in_(part_ids),
                                            AccessGrant.organisation_id.in_(org_ids))),
        sa.delete(ConfidentialAttachment).where(ConfidentialAttachment.part_id.in_(part_ids)),
        sa.delete(NdaVersion).where(NdaVersion.part_id.in_(part_ids)),
        sa.delete(ConfidentialPart).where(ConfidentialPart.id.in_(part_ids)),
        sa.delete(TradingSettings).where(TradingSettings.organisation_id.in_(org_ids)),
    ):
        db.session.execute(statement)
