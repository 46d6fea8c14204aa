"""Demo trading: a result with confidential details under a click-through NDA (accepted by the demo
enterprise), a 协议定价 notice in its period with an answered objection, and a 挂牌交易 listing with two
intending buyers. Built through the trading services, with the clock moved back a few days."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tt_platform.accounts.models import Organisation, User
from tt_platform.achievements.models import Achievement
from tt_platform.audit.models import AuditEntry
from tt_platform.database import db
from tt_platform.listings.models import ListingStatus
from tt_platform.trading import confidential, notices, pricelistings
from tt_platform.trading.models import (
    AccessGrant,
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
    return 3


def remove_trading(org_ids: set[int]) -> None:
    """Trading rows of the demo organisations (as sellers, buyers or holders) and their audit rows. Core
    deletes, children first, so nothing depends on the database's cascades."""
    notice_ids = sa.select(PriceNotice.id).where(sa.or_(PriceNotice.seller_org_id.in_(org_ids),
                                                        PriceNotice.buyer_org_id.in_(org_ids)))
    listing_ids = sa.select(PriceListing.id).where(PriceListing.seller_org_id.in_(org_ids))
    part_ids = sa.select(ConfidentialPart.id).where(ConfidentialPart.organisation_id.in_(org_ids))
    for entity, ids in (("price_notice", notice_ids), ("price_listing", listing_ids),
                        ("confidential_part", part_ids)):
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.entity_type == entity,
                                                       AuditEntry.entity_id.in_(ids)))
    for statement in (
        sa.delete(NoticeObjection).where(sa.or_(NoticeObjection.notice_id.in_(notice_ids),
                                                NoticeObjection.organisation_id.in_(org_ids))),
        sa.delete(PriceNotice).where(PriceNotice.id.in_(notice_ids)),
        sa.delete(ListingInterest).where(sa.or_(ListingInterest.listing_id.in_(listing_ids),
                                                ListingInterest.organisation_id.in_(org_ids))),
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
