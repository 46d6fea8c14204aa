"""挂牌交易: a result listed at a stated price for a period of working days; verified organisations register
as intending buyers; at the close one intending buyer makes the deal at the listed price (a contract draft),
none lets the seller relist (extended, or at a lower price: each change is a new listing that names the one
before), two or more send it to an auction among them (auctions.from_listing). The phase is computed on
read; the close is made durable by the seller's next step or by `flask trading close`. Services flush, never
commit."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.contracts.models import PAYMENT_MODES, Contract
from tt_platform.database import CHINA, db, utcnow
from tt_platform.listings.models import LIVE_STATES
from tt_platform.security import NotAllowed, NotFound
from tt_platform.trading.confidential import TradingConflict, TradingError, can_manage, storable
from tt_platform.trading.models import Auction, ListingInterest, ListingOutcome, NoticeStatus, PriceListing
from tt_platform.trading.notices import MAX_FEN, deal_contract, subtype_choices

ENTITY = "price_listing"
MIN_WORKING_DAYS, MAX_WORKING_DAYS = 5, 60


@dataclass(frozen=True, slots=True)
class ListingData:
    price_fen: int
    subtype_code: str
    exclusive: bool
    payment_mode: str
    working_days: int
    contact: str
    conditions: str = ""


def working_period_end(start: dt.datetime, working_days: int) -> dt.datetime:
    """Midnight Beijing time after the last of `working_days` working days (Monday to Friday) counted from
    the day of listing when it is a working day, else from the next one. Public holidays are not modelled:
    a seller who lists over one adds the days."""
    day = start.astimezone(CHINA).date()
    counted = 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted == working_days:
                break
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=CHINA).astimezone(dt.UTC)


def last_day(listing: PriceListing) -> dt.date:
    return (listing.ends_at.astimezone(CHINA) - dt.timedelta(days=1)).date()


def is_open(listing: PriceListing, now: dt.datetime | None = None) -> bool:
    return listing.status is NoticeStatus.ACTIVE and (now or utcnow()) < listing.ends_at


def outcome_of(listing: PriceListing, now: dt.datetime | None = None) -> ListingOutcome | None:
    """The close as it stands (durable or computed): None while the listing is open or withdrawn."""
    if listing.outcome is not None:
        return listing.outcome
    if listing.status is not NoticeStatus.ACTIVE or is_open(listing, now):
        return None
    return {0: ListingOutcome.UNSOLD, 1: ListingOutcome.SOLD}.get(len(listing.interests), ListingOutcome.CONTESTED)


def phase(listing: PriceListing) -> str:
    if listing.status is NoticeStatus.WITHDRAWN:
        return "withdrawn"
    if listing.status is NoticeStatus.CONTRACTED:
        return "contracted"
    outcome = outcome_of(listing)
    return "open" if outcome is None else outcome.value


def is_seller(user, listing: PriceListing) -> bool:
    return getattr(user, "is_authenticated", False) and any(
        m.organisation_id == listing.seller_org_id for m in user.memberships)


def get_listing(listing_id: int) -> PriceListing:
    listing = db.session.get(PriceListing, listing_id)
    if listing is None:
        raise NotFound()
    return listing


def board(current: bool) -> list[PriceListing]:
    now = utcnow()
    running = sa.and_(PriceListing.status == NoticeStatus.ACTIVE, PriceListing.ends_at > now)
    query = sa.select(PriceListing).where(running if current else sa.not_(running))
    order = PriceListing.ends_at.asc() if current else PriceListing.ends_at.desc()
    return list(db.session.scalars(query.order_by(order, PriceListing.id.desc()).limit(500)))


def for_result(achievement: Achievement) -> list[PriceListing]:
    return list(db.session.scalars(sa.select(PriceListing).where(PriceListing.achievement_id == achievement.id)
                                   .order_by(PriceListing.id.desc())))


def check(data: ListingData) -> None:
    storable(data.subtype_code, data.payment_mode, data.contact, data.conditions)
    if not 0 < data.price_fen < MAX_FEN:
        raise TradingError(_("The listed price must be above zero and below 1 万亿元."))
    if data.subtype_code not in dict(subtype_choices()):
        raise TradingError(_("Choose a transfer or licence sub-type from the list."))
    if data.payment_mode not in PAYMENT_MODES:
        raise TradingError(_("Choose a payment mode from the list."))
    if not MIN_WORKING_DAYS <= data.working_days <= MAX_WORKING_DAYS:
        raise TradingError(_("A listing lasts %(min)d to %(max)d working days.", min=MIN_WORKING_DAYS,
                             max=MAX_WORKING_DAYS))
    if not 5 <= len(data.contact.strip()) <= 300:
        raise TradingError(_("Give a contact for intending buyers (5 to 300 characters)."))
    if len(data.conditions) > 2000:
        raise TradingError(_("The conditions may have at most 2,000 characters."))


def _create(user, achievement: Achievement, data: ListingData, previous: PriceListing | None) -> PriceListing:
    now = utcnow()
    listing = PriceListing(
        achievement_id=achievement.id, seller_org_id=achievement.organisation_id, subtype_code=data.subtype_code,
        price_fen=data.price_fen, exclusive=data.exclusive, payment_mode=data.payment_mode,
        conditions=data.conditions.strip(), contact=data.contact.strip(), working_days=data.working_days,
        starts_at=now, ends_at=working_period_end(now, data.working_days), status=NoticeStatus.ACTIVE,
        previous_id=previous.id if previous else None, created_by_id=user.id, interests=[])
    db.session.add(listing)
    db.session.flush()  # assigns listing.id for the audit row
    audit.record(user, ENTITY, listing.id, "listed" if previous is None else "relisted",
                 to_status=listing.status.value,
                 data={"achievement": achievement.id, "price_fen": data.price_fen, "working_days": data.working_days,
                       "previous": previous.id if previous else None})
    return listing


def post(user, achievement: Achievement, data: ListingData) -> PriceListing:
    if not can_manage(user, achievement):
        raise NotAllowed(_("Only the organisation that owns this result may list it."))
    check(data)
    if not achievement.organisation.is_verified:
        raise TradingError(_("Your organisation must be verified before it lists a result."))
    if achievement.effective_status not in LIVE_STATES:
        raise TradingError(_("Only a published result can be listed."))
    running = db.session.scalar(sa.select(PriceListing.id).where(
        PriceListing.achievement_id == achievement.id, PriceListing.status == NoticeStatus.ACTIVE).limit(1))
    if running is not None:
        raise TradingError(_("This result is listed already: close or withdraw that listing first."))
    return _create(user, achievement, data, None)


def _require_seller(user, listing: PriceListing) -> None:
    if not (is_seller(user, listing) and can_manage(user, listing.achievement)):
        raise NotAllowed(_("Only the seller organisation may do this."))


def close(listing: PriceListing, actor=None) -> ListingOutcome | None:
    """Make the close durable (idempotent): records the outcome and, for one intending buyer, the buyer."""
    if listing.outcome is not None or listing.status is not NoticeStatus.ACTIVE:
        return listing.outcome
    outcome = outcome_of(listing)
    if outcome is None:
        return None
    listing.outcome, listing.closed_at = outcome, utcnow()
    if outcome is ListingOutcome.SOLD:
        listing.buyer_org_id = listing.interests[0].organisation_id
    db.session.flush()
    audit.record(actor, ENTITY, listing.id, "closed", to_status=outcome.value,
                 data={"interests": len(listing.interests)})
    return outcome


def close_due(now: dt.datetime | None = None) -> int:
    """`flask trading close`: every active listing past its end gets its outcome recorded."""
    due = db.session.scalars(sa.select(PriceListing).where(
        PriceListing.status == NoticeStatus.ACTIVE, PriceListing.outcome.is_(None),
        PriceListing.ends_at <= (now or utcnow())))
    return sum(1 for listing in due if close(listing) is not None)


def withdraw(user, listing: PriceListing) -> None:
    _require_seller(user, listing)
    went_to_auction = db.session.scalar(sa.select(Auction.id).where(Auction.listing_id == listing.id).limit(1))
    if listing.status is not NoticeStatus.ACTIVE or outcome_of(listing) is ListingOutcome.SOLD or went_to_auction:
        raise TradingError(_("This listing can no longer be withdrawn."))
    listing.status, listing.closed_at = NoticeStatus.WITHDRAWN, utcnow()
    audit.record(user, ENTITY, listing.id, "withdrawn", from_status="active", to_status="withdrawn")


def relist(user, listing: PriceListing, price_fen: int, working_days: int) -> PriceListing:
    """No intending buyer at the close: list again for a new period, at the same or a lower price."""
    _require_seller(user, listing)
    if listing.status is not NoticeStatus.ACTIVE or outcome_of(listing) is not ListingOutcome.UNSOLD:
        raise TradingError(_("Only a listing that closed without an intending buyer can be relisted."))
    if price_fen > listing.price_fen:
        raise TradingError(_("A relisting keeps the price or lowers it."))
    close(listing, user)
    data = ListingData(price_fen=price_fen, subtype_code=listing.subtype_code, exclusive=listing.exclusive,
                       payment_mode=listing.payment_mode, working_days=working_days, contact=listing.contact,
                       conditions=listing.conditions)
    check(data)
    listing.status = NoticeStatus.WITHDRAWN  # superseded: the new listing is the notice now
    return _create(user, listing.achievement, data, listing)


def register_interest(user, listing: PriceListing) -> ListingInterest:
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed()
    if not is_open(listing):
        raise TradingConflict(_("The listing period is over: registrations are closed."))
    membership = user.membership
    org = membership.organisation if membership else None
    if org is None or not org.is_verified:
        raise TradingError(_("Only members of verified organisations register as intending buyers."))
    if org.id == listing.seller_org_id:
        raise TradingError(_("The seller cannot register as a buyer of its own listing."))
    if any(i.organisation_id == org.id for i in listing.interests):
        raise TradingConflict(_("Your organisation is registered already."))
    interest = ListingInterest(listing_id=listing.id, organisation_id=org.id, user_id=user.id)
    try:
        with db.session.begin_nested():  # a colleague registering at the same moment hits the unique constraint
            db.session.add(interest)
    except IntegrityError:
        raise TradingConflict(_("Your organisation is registered already.")) from None
    db.session.refresh(listing)
    audit.record(user, ENTITY, listing.id, "interest", note=org.name, data={"organisation": org.id})
    return interest


def withdraw_interest(user, listing: PriceListing) -> None:
    if not is_open(listing):
        raise TradingError(_("The listing period is over: registrations are closed."))
    org_ids = {m.organisation_id for m in user.memberships}
    mine = [i for i in listing.interests if i.organisation_id in org_ids]
    if not mine:
        raise TradingError(_("Your organisation has not registered."))
    for interest in mine:
        listing.interests.remove(interest)
    db.session.flush()
    audit.record(user, ENTITY, listing.id, "interest_withdrawn")


def draft_contract(user, listing: PriceListing) -> Contract:
    """One intending buyer at the close: the contract at the listed price, into the registration flow."""
    _require_seller(user, listing)
    if listing.status is not NoticeStatus.ACTIVE:
        raise TradingError(_("This listing is closed already."))
    outcome = close(listing, user)
    if outcome is None:
        raise TradingError(_("The listing runs until %(day)s; the contract comes after the close.",
                             day=last_day(listing).isoformat()))
    if outcome is not ListingOutcome.SOLD:
        raise TradingError(_("A contract at the listed price needs exactly one intending buyer."))
    contract = deal_contract(user, listing, buyer=listing.buyer_org, price_fen=listing.price_fen,
                             payment_mode=listing.payment_mode, route="挂牌交易")
    listing.contract_id, listing.status = contract.id, NoticeStatus.CONTRACTED
    audit.record(user, ENTITY, listing.id, "contracted", from_status="active", to_status="contracted",
                 data={"contract": contract.id})
    return contract


def trail(listing: PriceListing):
    return audit.trail(ENTITY, listing.id)
