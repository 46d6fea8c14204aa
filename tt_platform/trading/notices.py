"""协议定价 with 公示: the seller organisation posts the agreed price of one of its results with the intended
buyer; during the notice period anyone logged in may object, the seller answers and an operator resolves;
once the period is over with no objection open or upheld, the seller drafts the contract from the notice.
Services flush, never commit; every step writes an audit row."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.accounts.models import Organisation
from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.contracts import services as contracts
from tt_platform.contracts.models import Contract
from tt_platform.database import CHINA, china_today, db, utcnow
from tt_platform.listings import services as listings
from tt_platform.listings.models import LIVE_STATES
from tt_platform.security import NotAllowed, NotFound
from tt_platform.trading.confidential import TradingConflict, TradingError, can_manage, claim, storable
from tt_platform.trading.models import (
    DEFAULT_NOTICE_DAYS,
    NoticeObjection,
    NoticeStatus,
    ObjectionStatus,
    PriceNotice,
    TradingSettings,
)

ENTITY = "price_notice"
MIN_DAYS, MAX_DAYS = 5, 90
#: 1 万亿元 in fen, as for contracts
MAX_FEN = contracts.MAX_FEN
#: the contract types a price notice leads to: transfers and licences of the result
NOTICE_TYPES = ("TRF", "LIC")


@dataclass(frozen=True, slots=True)
class NoticeData:
    buyer_credit_code: str
    price_fen: int
    subtype_code: str
    notice_days: int
    contact: str
    statement: str = ""


def subtype_choices() -> list[tuple[str, str]]:
    return [(code, label) for code, label in taxonomy.contract_subtype_choices() if code[:3] in NOTICE_TYPES]


def notice_days_for(org: Organisation) -> int:
    settings = db.session.get(TradingSettings, org.id)
    return settings.notice_days if settings is not None else DEFAULT_NOTICE_DAYS


def set_notice_days(user, org: Organisation, days: int) -> None:
    if not any(m.organisation_id == org.id and m.is_org_admin for m in user.memberships):
        raise NotAllowed(_("Only an administrator of the organisation changes its settings."))
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise TradingError(_("A notice period lasts %(min)d to %(max)d days.", min=MIN_DAYS, max=MAX_DAYS))
    settings = db.session.get(TradingSettings, org.id)
    if settings is None:
        settings = TradingSettings(organisation_id=org.id)
        db.session.add(settings)
    old = settings.notice_days
    settings.notice_days = days
    db.session.flush()
    audit.record(user, "organisation", org.id, "notice_days", note=f"{old} → {days}")


def period_end(start: dt.datetime, days: int) -> dt.datetime:
    """Midnight in Beijing after the period's last day: posted on the 7th for 15 days, objections are
    accepted up to the end of the 21st, Beijing time."""
    first_day = start.astimezone(CHINA).date()
    end_day = first_day + dt.timedelta(days=days)
    return dt.datetime.combine(end_day, dt.time(0, 0), tzinfo=CHINA).astimezone(dt.UTC)


def last_day(notice: PriceNotice) -> dt.date:
    return (notice.ends_at.astimezone(CHINA) - dt.timedelta(days=1)).date()


# --- phases, computed on read -------------------------------------------------------------------

def on_notice(notice: PriceNotice, now: dt.datetime | None = None) -> bool:
    return notice.status is NoticeStatus.ACTIVE and (now or utcnow()) < notice.ends_at


def blocking(notice: PriceNotice) -> list[NoticeObjection]:
    """Objections that stop the deal: still open, or upheld by an operator."""
    return [o for o in notice.objections if o.status is not ObjectionStatus.DISMISSED]


def can_proceed(notice: PriceNotice, now: dt.datetime | None = None) -> bool:
    return (notice.status is NoticeStatus.ACTIVE and (now or utcnow()) >= notice.ends_at
            and not blocking(notice))


def phase(notice: PriceNotice) -> str:
    """What the board shows: on notice, ready for the contract, blocked by an objection, withdrawn, contracted."""
    if notice.status is not NoticeStatus.ACTIVE:
        return notice.status.value
    if on_notice(notice):
        return "on_notice"
    return "ready" if not blocking(notice) else "blocked"


def is_seller(user, notice: PriceNotice) -> bool:
    return getattr(user, "is_authenticated", False) and any(
        m.organisation_id == notice.seller_org_id for m in user.memberships)


def get_notice(notice_id: int) -> PriceNotice:
    notice = db.session.get(PriceNotice, notice_id)
    if notice is None:
        raise NotFound()
    return notice


def board(current: bool) -> list[PriceNotice]:
    """The public notice board: notices still on notice, or the past ones (ended, withdrawn, contracted)."""
    now = utcnow()
    in_period = sa.and_(PriceNotice.status == NoticeStatus.ACTIVE, PriceNotice.ends_at > now)
    query = sa.select(PriceNotice).where(in_period if current else sa.not_(in_period))
    order = PriceNotice.ends_at.asc() if current else PriceNotice.ends_at.desc()
    return list(db.session.scalars(query.order_by(order, PriceNotice.id.desc()).limit(500)))


def for_result(achievement: Achievement) -> list[PriceNotice]:
    return list(db.session.scalars(sa.select(PriceNotice).where(PriceNotice.achievement_id == achievement.id)
                                   .order_by(PriceNotice.id.desc())))


# --- the seller ---------------------------------------------------------------------------------

def check(data: NoticeData) -> None:
    storable(data.buyer_credit_code, data.subtype_code, data.contact, data.statement)
    if not 0 < data.price_fen < MAX_FEN:
        raise TradingError(_("The proposed price must be above zero and below 1 万亿元."))
    if data.subtype_code not in dict(subtype_choices()):
        raise TradingError(_("Choose a transfer or licence sub-type from the list."))
    if not MIN_DAYS <= data.notice_days <= MAX_DAYS:
        raise TradingError(_("A notice period lasts %(min)d to %(max)d days.", min=MIN_DAYS, max=MAX_DAYS))
    if not 5 <= len(data.contact.strip()) <= 300:
        raise TradingError(_("Give a contact for objections (5 to 300 characters)."))
    if len(data.statement) > 2000:
        raise TradingError(_("The statement may have at most 2,000 characters."))


def post(user, achievement: Achievement, data: NoticeData) -> PriceNotice:
    """Post the notice of a result's agreed price; the period starts now."""
    if not can_manage(user, achievement):
        raise NotAllowed(_("Only the organisation that owns this result may post its price notice."))
    check(data)
    seller = achievement.organisation
    if not seller.is_verified:
        raise TradingError(_("Your organisation must be verified before it posts a price notice."))
    if achievement.effective_status not in LIVE_STATES:
        raise TradingError(_("Only a published result can be put on notice."))
    buyer = db.session.scalar(sa.select(Organisation).where(
        Organisation.credit_code == data.buyer_credit_code.strip().upper()))
    if buyer is None or not buyer.is_verified:
        raise TradingError(_("The intended buyer must be a verified organisation on the platform: check its "
                             "unified social credit code."))
    if buyer.id == seller.id:
        raise TradingError(_("The intended buyer cannot be the seller."))
    running = db.session.scalar(sa.select(PriceNotice.id).where(
        PriceNotice.achievement_id == achievement.id, PriceNotice.status == NoticeStatus.ACTIVE).limit(1))
    if running is not None:
        raise TradingError(_("This result already has a notice that has not been closed: withdraw it first."))
    now = utcnow()
    notice = PriceNotice(achievement_id=achievement.id, seller_org_id=seller.id, buyer_org_id=buyer.id,
                         subtype_code=data.subtype_code, price_fen=data.price_fen, notice_days=data.notice_days,
                         starts_at=now, ends_at=period_end(now, data.notice_days), contact=data.contact.strip(),
                         statement=data.statement.strip(), status=NoticeStatus.ACTIVE, created_by_id=user.id,
                         objections=[])
    db.session.add(notice)
    db.session.flush()  # assigns notice.id for the audit row
    audit.record(user, ENTITY, notice.id, "posted", to_status=notice.status.value,
                 data={"achievement": achievement.id, "buyer": buyer.id, "price_fen": data.price_fen,
                       "days": data.notice_days})
    return notice


def _require_seller(user, notice: PriceNotice) -> None:
    if not (is_seller(user, notice) and can_manage(user, notice.achievement)):
        raise NotAllowed(_("Only the seller organisation may do this."))


def withdraw(user, notice: PriceNotice) -> None:
    _require_seller(user, notice)
    if notice.status is not NoticeStatus.ACTIVE:
        raise TradingError(_("This notice is closed already."))
    notice.status, notice.closed_at = NoticeStatus.WITHDRAWN, utcnow()
    audit.record(user, ENTITY, notice.id, "withdrawn", from_status="active", to_status=notice.status.value)


def deal_contract(user, deal, *, buyer: Organisation, price_fen: int, payment_mode: str, route: str) -> Contract:
    """The contract draft a pricing route ends in (a notice, a listing or an auction `deal`): the parties, the
    type and sub-type, the result and the price, into the contracts' registration flow. The deal leaves ACTIVE
    by a compare-and-set first, so of two requests drafting at once exactly one goes on."""
    seller, result = deal.seller_org, deal.achievement
    sub = taxonomy.contract_subtypes()[deal.subtype_code]
    item = _("Transfer fee") if sub.type_code == "TRF" else _("Licence fee")
    data = contracts.ContractData(
        name=f"{result.title}（{route}）{sub.type_name}合同"[:200], subtype_code=deal.subtype_code,
        field_code=result.field_code, payment_mode=payment_mode, signed_on=china_today(),
        seller_name=seller.name, seller_party_type=seller.party_type, seller_region_code=seller.region_code,
        buyer_name=buyer.name, buyer_party_type=buyer.party_type, buyer_region_code=buyer.region_code,
        seller_org_id=seller.id, buyer_org_id=buyer.id, achievement_id=result.id,
        items=(contracts.ItemData(str(item), price_fen, True),))
    claim(type(deal), deal.id, status=NoticeStatus.CONTRACTED.value)
    try:
        return contracts.create(user, data)
    except contracts.ContractError as exc:
        raise TradingError(str(exc)) from exc


def draft_contract(user, notice: PriceNotice) -> Contract:
    """The period is over and nothing blocks the deal: a contract draft pre-filled with the parties, the
    type and sub-type and the price goes into the contracts' registration flow."""
    _require_seller(user, notice)
    if notice.status is not NoticeStatus.ACTIVE:
        raise TradingError(_("This notice is closed already."))
    if on_notice(notice):
        raise TradingError(_("The notice period ends on %(day)s; the contract can be drafted after it.",
                             day=last_day(notice).isoformat()))
    if blocking(notice):
        raise TradingError(_("An objection is open or was upheld: the deal cannot proceed on this notice."))
    contract = deal_contract(user, notice, buyer=notice.buyer_org, price_fen=notice.price_fen,
                             payment_mode="lump_sum", route="协议定价")
    notice.contract_id, notice.status, notice.closed_at = contract.id, NoticeStatus.CONTRACTED, utcnow()
    audit.record(user, ENTITY, notice.id, "contracted", from_status="active", to_status=notice.status.value,
                 data={"contract": contract.id})
    return contract


# --- objections ---------------------------------------------------------------------------------

def can_read_objection(user, objection: NoticeObjection) -> bool:
    """The objector, the seller organisation and operators read an objection and its answer."""
    return getattr(user, "is_authenticated", False) and (
        user.is_operator or objection.user_id == user.id or is_seller(user, objection.notice))


def object_to(user, notice: PriceNotice, text: str) -> NoticeObjection:
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed()
    if is_seller(user, notice):
        raise TradingError(_("The seller cannot object to its own notice."))
    if not on_notice(notice):
        raise TradingConflict(_("The notice period is over: objections are no longer accepted."))
    storable(text)
    text = (text or "").strip()
    if not 10 <= len(text) <= 2000:
        raise TradingError(_("State the objection and its grounds (10 to 2,000 characters)."))
    if any(o.user_id == user.id and o.status is ObjectionStatus.OPEN for o in notice.objections):
        raise TradingConflict(_("You have an objection to this notice waiting already."))
    membership = user.membership
    objection = NoticeObjection(user_id=user.id, organisation_id=membership.organisation_id if membership else None,
                                text=text, status=ObjectionStatus.OPEN)
    notice.objections.append(objection)
    db.session.flush()  # assigns objection.id for the audit row
    audit.record(user, ENTITY, notice.id, "objection", data={"objection": objection.id})
    return objection


def _objection(objection_id: int, notice: PriceNotice) -> NoticeObjection:
    objection = db.session.get(NoticeObjection, objection_id)
    if objection is None or objection.notice_id != notice.id:
        raise NotFound()
    return objection


def answer(user, notice: PriceNotice, objection_id: int, text: str) -> None:
    objection = _objection(objection_id, notice)
    _require_seller(user, notice)
    if objection.status is not ObjectionStatus.OPEN:
        raise TradingError(_("This objection was resolved already."))
    storable(text)
    text = (text or "").strip()
    if not 5 <= len(text) <= 2000:
        raise TradingError(_("Write the answer (5 to 2,000 characters)."))
    objection.answer, objection.answered_at, objection.answered_by_id = text, utcnow(), user.id
    audit.record(user, ENTITY, notice.id, "answered", data={"objection": objection.id})


def resolve(user, notice: PriceNotice, objection_id: int, upheld: bool, note: str) -> None:
    objection = _objection(objection_id, notice)
    if not (getattr(user, "is_authenticated", False) and user.is_operator):
        raise NotAllowed(_("Operators resolve objections."))
    if objection.status is not ObjectionStatus.OPEN:
        raise TradingError(_("This objection was resolved already."))
    storable(note)
    note = (note or "").strip()
    if not 5 <= len(note) <= 2000:
        raise TradingError(_("Give the reason for the decision (5 to 2,000 characters)."))
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution, objection.resolved_at, objection.resolved_by_id = note, utcnow(), user.id
    audit.record(user, ENTITY, notice.id, "resolved", from_status="open", to_status=objection.status.value,
                 note=note, data={"objection": objection.id})


def trail(notice: PriceNotice):
    return audit.trail(ENTITY, notice.id)


def listing_visible(user, notice: PriceNotice) -> bool:
    return listings.can_view(user, notice.achievement)
