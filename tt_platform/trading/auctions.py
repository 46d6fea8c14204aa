"""拍卖/竞价: English auctions of a result. The seller organisation sets the terms (start price, minimum
increment, a reserve shown or hidden, the deposit, start and end, the anti-sniping window); verified
organisations register as bidders and an operator confirms each one's deposit as received (the platform
records it, it moves no money); confirmed bidders bid upwards until the end, a bid in the last N minutes
moving the end N minutes later. A price listing that closes with two or more intending buyers becomes an
auction among them at the listed price.

Bids are never lost and strictly increasing: each bid is a compare-and-set on the auction row (`UPDATE …
WHERE id = :id AND version = :seen AND ends_at > :now`, one row or none) with the bid row inserted in the
same transaction, so of two bids made on the same state exactly one goes in and the other is told to bid
again; the same SQL works on SQLite and PostgreSQL. The close (highest bid ≥ reserve → winner and a
contract draft; else 流拍, which the seller may relist) is computed on read, made durable by the page that
reads it or by `flask trading close`, and guarded by the same version, so a last-second bid that moved the
end is never closed over. Services flush, never commit.

Who sees which bidder is which: the live page shows 竞买人1, 竞买人2 … (numbers in order of registration)
and marks a viewer's own organisation's bids. Operators see the names all along, since they confirm the
deposits; the seller sees them only after the close (in the evidence file), so that no seller can lean on
a bidder while the auction runs; bidders never see each other's names."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from tt_platform import money
from tt_platform.achievements.models import Achievement
from tt_platform.alerts import services as alerts
from tt_platform.audit import models as audit
from tt_platform.contracts.models import PAYMENT_MODES, Contract
from tt_platform.database import CHINA, db, utcnow
from tt_platform.listings.models import LIVE_STATES
from tt_platform.security import NotAllowed, NotFound
from tt_platform.trading import pricelistings
from tt_platform.trading.confidential import TradingError, can_manage, claim, storable
from tt_platform.trading.models import (
    Auction,
    AuctionOutcome,
    AuctionRegistration,
    Bid,
    ListingOutcome,
    NoticeStatus,
    PriceListing,
)
from tt_platform.trading.notices import MAX_FEN, deal_contract, subtype_choices

ENTITY = "auction"
#: notifications about an auction link to its page (registered with alerts in the package's init_app)
KIND = "auction"
MIN_EXTENSION, MAX_EXTENSION = 1, 60
#: the shortest and longest bidding period
MIN_DURATION, MAX_DURATION = dt.timedelta(minutes=30), dt.timedelta(days=30)
#: how far ahead an auction may be scheduled, and how far back its start may lie (a form filled slowly)
MAX_LEAD = dt.timedelta(days=90)
START_SLACK = dt.timedelta(minutes=10)


class BidConflict(TradingError):
    """Someone bid first: the bid was made on a state that is gone; bid again."""

    def __init__(self, message: str, current_fen: int | None, minimum_fen: int):
        super().__init__(message)
        self.current_fen, self.minimum_fen = current_fen, minimum_fen


@dataclass(frozen=True, slots=True)
class AuctionData:
    start_price_fen: int
    increment_fen: int
    reserve_fen: int | None
    reserve_shown: bool
    deposit_fen: int
    subtype_code: str
    payment_mode: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    extension_minutes: int
    contact: str
    conditions: str = ""


# --- reading ------------------------------------------------------------------------------------

def get_auction(auction_id: int) -> Auction:
    auction = db.session.get(Auction, auction_id)
    if auction is None:
        raise NotFound()
    return auction


def minimum_bid(auction: Auction) -> int:
    """The lowest acceptable next bid: the start price, then the highest bid plus the increment."""
    if auction.current_price_fen is None:
        return auction.start_price_fen
    return auction.current_price_fen + auction.increment_fen


def outcome_of(auction: Auction, now: dt.datetime | None = None) -> AuctionOutcome | None:
    """The close as it stands (durable or computed): None while bidding runs or before it starts."""
    if auction.outcome is not None:
        return auction.outcome
    if auction.status is not NoticeStatus.ACTIVE or (now or utcnow()) < auction.ends_at:
        return None
    sold = auction.current_price_fen is not None and auction.current_price_fen >= auction.effective_reserve_fen
    return AuctionOutcome.SOLD if sold else AuctionOutcome.FAILED


def phase(auction: Auction, now: dt.datetime | None = None) -> str:
    """upcoming, running, sold, failed (流拍), withdrawn, contracted."""
    now = now or utcnow()
    if auction.status is NoticeStatus.CONTRACTED:
        return "contracted"
    outcome = outcome_of(auction, now)
    if outcome is not None:
        return outcome.value
    if auction.status is NoticeStatus.WITHDRAWN:
        return "withdrawn"
    return "upcoming" if now < auction.starts_at else "running"


def is_seller(user, auction: Auction) -> bool:
    return getattr(user, "is_authenticated", False) and any(
        m.organisation_id == auction.seller_org_id for m in user.memberships)


def is_operator(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_operator


def _org_ids(user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return {m.organisation_id for m in user.memberships}


def registration_of(user, auction: Auction) -> AuctionRegistration | None:
    """The viewer's organisation's registration (the first by number when the viewer has several
    organisations): from the auction's registrations when they are loaded (the live page shows them),
    else by one query for that registration alone — a bid or a poll does not load every bidder's."""
    org_ids = _org_ids(user)
    if not org_ids:
        return None
    if "registrations" in sa.inspect(auction).dict:
        return next((r for r in auction.registrations if r.organisation_id in org_ids), None)
    return db.session.scalar(sa.select(AuctionRegistration).where(
        AuctionRegistration.auction_id == auction.id, AuctionRegistration.organisation_id.in_(org_ids))
        .order_by(AuctionRegistration.number).limit(1))


def can_see_names(user, auction: Auction) -> bool:
    """Operators always (they confirm the deposits); the seller once the auction has closed."""
    return is_operator(user) or (is_seller(user, auction) and outcome_of(auction) is not None)


def pseudonym(registration: AuctionRegistration) -> str:
    return _("Bidder %(n)d", n=registration.number)


def _pseudonyms(registrations) -> dict[int, str]:
    """Each registration's pseudonym by its id, the translated pattern looked up once (as `pseudonym` does it:
    gettext without variables gives the pattern itself)."""
    pattern = _("Bidder %(n)d")
    return {r.id: pattern % {"n": r.number} for r in registrations}


def board(current: bool) -> list[Auction]:
    """Running and upcoming auctions (ending soonest first), or the past ones."""
    now = utcnow()
    running = sa.and_(Auction.status == NoticeStatus.ACTIVE, Auction.outcome.is_(None), Auction.ends_at > now)
    query = sa.select(Auction).where(running if current else sa.not_(running))
    order = Auction.ends_at.asc() if current else Auction.ends_at.desc()
    return list(db.session.scalars(query.order_by(order, Auction.id.desc()).limit(500)))


def for_result(achievement: Achievement) -> list[Auction]:
    return list(db.session.scalars(sa.select(Auction).where(Auction.achievement_id == achievement.id)
                                   .order_by(Auction.id.desc())))


def for_listing(listing: PriceListing) -> Auction | None:
    return db.session.scalar(sa.select(Auction).where(Auction.listing_id == listing.id).limit(1))


def history(auction: Auction, viewer) -> list[dict]:
    """The bids, newest first, each with its pseudonym and whether it is the viewer's organisation's.
    Each bidder's pseudonym (and name, for those who may see it) is made once, not once per bid: a long
    bid war's history is read by every poll that finds something changed."""
    registrations = auction.registrations
    mine = registration_of(viewer, auction)
    mine_id = mine.id if mine is not None else None
    bidders = _pseudonyms(registrations)
    names = ({r.id: r.organisation.name for r in registrations} if can_see_names(viewer, auction)
             else dict.fromkeys(bidders))
    if "bids" in sa.inspect(auction).dict:
        rows = [(b.sequence, b.registration_id, b.amount_fen, b.placed_at, b.ends_after != b.ends_before)
                for b in reversed(auction.bids)]
    else:  # the columns shown, as rows (whether the bid moved the end compared in SQL): no Bid objects to build
        rows = db.session.execute(_history_query(), {"auction_id": auction.id}).all()
    return [{"sequence": sequence, "bidder": bidders[registration_id], "amount_fen": amount_fen,
             "placed_at": placed_at, "extended": bool(extended), "mine": registration_id == mine_id,
             "organisation": names[registration_id]}
            for sequence, registration_id, amount_fen, placed_at, extended in rows]


@functools.cache
def _history_query() -> sa.Select:
    return (sa.select(Bid.sequence, Bid.registration_id, Bid.amount_fen, Bid.placed_at,
                      (Bid.ends_after != Bid.ends_before).label("extended"))
            .where(Bid.auction_id == sa.bindparam("auction_id")).order_by(Bid.sequence.desc()))


def state(auction: Auction, viewer, now: dt.datetime | None = None) -> dict:
    """What the live page polls: price, end, phase, the viewer's standing and the bid history."""
    now = now or utcnow()
    _ = auction.registrations  # loaded once for the viewer's own and each bid's bidder
    registration = registration_of(viewer, auction)
    current_phase = phase(auction, now)
    bids = history(auction, viewer)
    reserve_met = auction.current_price_fen is not None and auction.current_price_fen >= auction.effective_reserve_fen
    return {
        "id": auction.id, "version": auction.version, "phase": current_phase,
        "current_price_fen": auction.current_price_fen, "start_price_fen": auction.start_price_fen,
        "increment_fen": auction.increment_fen, "minimum_bid_fen": minimum_bid(auction),
        "reserve_fen": auction.reserve_fen if auction.reserve_shown else None, "reserve_met": reserve_met,
        "bid_count": auction.bid_count, "starts_at": auction.starts_at.isoformat(),
        "ends_at": auction.ends_at.isoformat(), "scheduled_end_at": auction.scheduled_end_at.isoformat(),
        "extension_minutes": auction.extension_minutes, "server_now": now.isoformat(),
        "you": None if registration is None else {
            "bidder": pseudonym(registration), "deposit_confirmed": registration.deposit_confirmed_at is not None,
            "leading": bool(bids) and bids[0]["mine"]},  # the newest bid is the viewer's organisation's
        "bids": [{**b, "placed_at": b["placed_at"].isoformat()} for b in bids],
    }


def _etag(auction, viewer, registration_id: int | None, deposit_confirmed: bool, registrations: int,
          now: dt.datetime | None) -> str:
    key = "|".join(str(part) for part in (
        auction.id, auction.version, auction.status.value, phase(auction, now),
        registration_id if registration_id is not None else "-", deposit_confirmed,
        can_see_names(viewer, auction), registrations))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def etag(auction: Auction, viewer, now: dt.datetime | None = None) -> str:
    """Changes whenever the polled state can: a bid or close (the version), the phase (the clock), the
    viewer's registration and deposit, the names the viewer may see, the number of registrations."""
    registration = registration_of(viewer, auction)
    return _etag(auction, viewer, registration.id if registration else None,
                 bool(registration and registration.deposit_confirmed_at), len(auction.registrations), now)


@dataclass(frozen=True, slots=True)
class _Head:
    """The auction's columns its ETag depends on (what `phase` and `can_see_names` read)."""

    id: int
    version: int
    status: NoticeStatus
    outcome: AuctionOutcome | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    current_price_fen: int | None
    reserve_fen: int | None
    start_price_fen: int
    seller_org_id: int

    @property
    def effective_reserve_fen(self) -> int:
        return self.reserve_fen if self.reserve_fen is not None else self.start_price_fen


_HEAD_COLUMNS = [getattr(Auction, name) for name in _Head.__slots__]


@functools.cache
def _head_query() -> sa.Select:
    # built once (constructing it costs more CPU than running it); the viewer's registration by an outer
    # join on the viewer's organisations (none for an anonymous viewer: an empty IN matches nothing)
    mine = aliased(AuctionRegistration)
    registrations = (sa.select(sa.func.count(AuctionRegistration.id))
                     .where(AuctionRegistration.auction_id == Auction.id).scalar_subquery())
    return (sa.select(*_HEAD_COLUMNS, registrations, mine.id, mine.deposit_confirmed_at)
            .outerjoin(mine, sa.and_(mine.auction_id == Auction.id,
                                     mine.organisation_id.in_(sa.bindparam("org_ids", expanding=True))))
            .where(Auction.id == sa.bindparam("auction_id")).order_by(mine.number).limit(1))


def current_etag(auction_id: int, viewer, now: dt.datetime | None = None) -> str | None:
    """The ETag `etag` gives, from one small query (the auction's version, phase columns, its number of
    registrations and the viewer's own): a poll that finds nothing changed is answered without loading
    the auction, its bids or its bidders. None when the auction is past its end with its close not yet
    recorded — the caller reads it in full, which records the close. NotFound for no such auction."""
    now = now or utcnow()
    with db.session.no_autoflush:  # a read: nothing of this request is pending
        row = db.session.execute(_head_query(), {"auction_id": auction_id,
                                                 "org_ids": sorted(_org_ids(viewer))}).first()
    if row is None:
        raise NotFound()
    head = _Head(*row[:len(_HEAD_COLUMNS)])
    if head.outcome is None and head.status is NoticeStatus.ACTIVE and now >= head.ends_at:
        return None
    count, registration_id, confirmed_at = row[len(_HEAD_COLUMNS):]
    return _etag(head, viewer, registration_id, confirmed_at is not None, count, now)


# --- the seller ---------------------------------------------------------------------------------

def check(data: AuctionData, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    storable(data.subtype_code, data.payment_mode, data.contact, data.conditions)
    if not 0 < data.start_price_fen < MAX_FEN:
        raise TradingError(_("The start price must be above zero and below 1 万亿元."))
    if not 0 < data.increment_fen < MAX_FEN:
        raise TradingError(_("The minimum increment must be above zero and below 1 万亿元."))
    if data.reserve_fen is not None and not data.start_price_fen <= data.reserve_fen < MAX_FEN:
        raise TradingError(_("The reserve price is at least the start price (leave it empty for none)."))
    if not 0 <= data.deposit_fen < MAX_FEN:
        raise TradingError(_("The deposit must be zero or more and below 1 万亿元."))
    if data.subtype_code not in dict(subtype_choices()):
        raise TradingError(_("Choose a transfer or licence sub-type from the list."))
    if data.payment_mode not in PAYMENT_MODES:
        raise TradingError(_("Choose a payment mode from the list."))
    if not MIN_EXTENSION <= data.extension_minutes <= MAX_EXTENSION:
        raise TradingError(_("The anti-sniping window is %(min)d to %(max)d minutes.", min=MIN_EXTENSION,
                             max=MAX_EXTENSION))
    if data.starts_at < now - START_SLACK or data.starts_at > now + MAX_LEAD:
        raise TradingError(_("The auction starts between now and 90 days from now."))
    if not MIN_DURATION <= data.ends_at - data.starts_at <= MAX_DURATION:
        raise TradingError(_("Bidding lasts from 30 minutes to 30 days."))
    if not 5 <= len(data.contact.strip()) <= 300:
        raise TradingError(_("Give a contact for bidders (5 to 300 characters)."))
    if len(data.conditions) > 2000:
        raise TradingError(_("The conditions may have at most 2,000 characters."))


def _running_for(achievement: Achievement) -> int | None:
    return db.session.scalar(sa.select(Auction.id).where(
        Auction.achievement_id == achievement.id, Auction.status == NoticeStatus.ACTIVE,
        sa.or_(Auction.outcome.is_(None), Auction.outcome == AuctionOutcome.SOLD)).limit(1))


def _insert(user, achievement: Achievement, data: AuctionData, *, listing: PriceListing | None = None,
            previous: Auction | None = None) -> Auction:
    auction = Auction(
        achievement_id=achievement.id, seller_org_id=achievement.organisation_id,
        listing_id=listing.id if listing else None, previous_id=previous.id if previous else None,
        subtype_code=data.subtype_code, payment_mode=data.payment_mode, start_price_fen=data.start_price_fen,
        increment_fen=data.increment_fen, reserve_fen=data.reserve_fen, reserve_shown=data.reserve_shown,
        deposit_fen=data.deposit_fen, extension_minutes=data.extension_minutes, starts_at=data.starts_at,
        scheduled_end_at=data.ends_at, ends_at=data.ends_at, contact=data.contact.strip(),
        conditions=data.conditions.strip(), bid_count=0, version=0, status=NoticeStatus.ACTIVE,
        created_by_id=user.id, registrations=[], bids=[])
    db.session.add(auction)
    db.session.flush()  # assigns auction.id for the registrations and the audit row
    audit.record(user, ENTITY, auction.id, "created" if previous is None else "relisted",
                 to_status=auction.status.value,
                 data={"achievement": achievement.id, "start_price_fen": data.start_price_fen,
                       "increment_fen": data.increment_fen, "reserve_fen": data.reserve_fen,
                       "listing": listing.id if listing else None, "previous": previous.id if previous else None})
    return auction


def _require_result(user, achievement: Achievement) -> None:
    if not can_manage(user, achievement):
        raise NotAllowed(_("Only the organisation that owns this result may auction it."))
    if not achievement.organisation.is_verified:
        raise TradingError(_("Your organisation must be verified before it auctions a result."))
    if achievement.effective_status not in LIVE_STATES:
        raise TradingError(_("Only a published result can be auctioned."))


def create(user, achievement: Achievement, data: AuctionData) -> Auction:
    """An open auction: any verified organisation but the seller may register and, once its deposit is
    confirmed, bid."""
    _require_result(user, achievement)
    check(data)
    if _running_for(achievement) is not None:
        raise TradingError(_("This result has an auction already: it must end without a sale first."))
    running = db.session.scalar(sa.select(PriceListing.id).where(
        PriceListing.achievement_id == achievement.id, PriceListing.status == NoticeStatus.ACTIVE,
        sa.or_(PriceListing.outcome.is_(None), PriceListing.outcome != ListingOutcome.UNSOLD)).limit(1))
    if running is not None:
        raise TradingError(_("This result is listed at a price: close or withdraw that listing first."))
    return _insert(user, achievement, data)


def from_listing(user, listing: PriceListing, data: AuctionData) -> Auction:
    """A price listing closed with two or more intending buyers: the auction among them, starting at the
    listed price. They are registered as bidders 1, 2 … in the order they registered their interest; each
    still needs its deposit confirmed before bidding, and nobody else may register."""
    if not (pricelistings.is_seller(user, listing) and can_manage(user, listing.achievement)):
        raise NotAllowed(_("Only the seller organisation may do this."))
    if listing.status is not NoticeStatus.ACTIVE or pricelistings.outcome_of(listing) is not ListingOutcome.CONTESTED:
        raise TradingError(_("Only a listing that closed with two or more intending buyers goes to auction."))
    if for_listing(listing) is not None:
        raise TradingError(_("This listing has gone to auction already."))
    data = replace(data, start_price_fen=listing.price_fen, subtype_code=listing.subtype_code,
                   payment_mode=listing.payment_mode)
    _require_result(user, listing.achievement)
    check(data)
    pricelistings.close(listing, user)
    auction = _insert(user, listing.achievement, data, listing=listing)
    for number, interest in enumerate(listing.interests, start=1):
        auction.registrations.append(AuctionRegistration(
            organisation_id=interest.organisation_id, user_id=interest.user_id, number=number,
            registered_at=interest.registered_at))
    db.session.flush()
    return auction


def _require_seller(user, auction: Auction) -> None:
    if not (is_seller(user, auction) and can_manage(user, auction.achievement)):
        raise NotAllowed(_("Only the seller organisation may do this."))


def withdraw(user, auction: Auction) -> None:
    """Before the first bid only: once someone has bid, the auction runs to its end."""
    _require_seller(user, auction)
    if auction.status is not NoticeStatus.ACTIVE or outcome_of(auction) is not None:
        raise TradingError(_("This auction is over."))
    if auction.bid_count:
        raise TradingError(_("Bids have been made: the auction runs to its end."))
    _compare_and_set(auction, status=NoticeStatus.WITHDRAWN.value, closed_at=utcnow())
    audit.record(user, ENTITY, auction.id, "withdrawn", from_status="active", to_status="withdrawn")


def relist(user, auction: Auction, data: AuctionData) -> Auction:
    """流拍: auction the result again with new dates (the price and reserve may change). The new auction is
    open to any verified organisation; earlier bidders register again."""
    _require_seller(user, auction)
    if auction.status is not NoticeStatus.ACTIVE or outcome_of(auction) is not AuctionOutcome.FAILED:
        raise TradingError(_("Only an auction that ended without a sale can be relisted."))
    _require_result(user, auction.achievement)
    check(data)
    close(auction, user)
    claim(Auction, auction.id, status=NoticeStatus.WITHDRAWN.value)  # superseded by the new auction
    db.session.refresh(auction)
    return _insert(user, auction.achievement, data, previous=auction)


# --- bidders ------------------------------------------------------------------------------------

def register(user, auction: Auction) -> AuctionRegistration:
    """Register the user's organisation as a bidder (竞买登记): it gets the next bidder number and waits for
    an operator to confirm its deposit."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed()
    if auction.status is not NoticeStatus.ACTIVE or utcnow() >= auction.ends_at:
        raise TradingError(_("This auction is over: registrations are closed."))
    membership = user.membership
    org = membership.organisation if membership else None
    if org is None or not org.is_verified:
        raise TradingError(_("Only members of verified organisations register as bidders."))
    if org.id == auction.seller_org_id:
        raise TradingError(_("The seller's organisation may not bid on its own auction."))
    if registration_of(user, auction) is not None:
        raise TradingError(_("Your organisation is registered already."))
    if auction.listing_id is not None:
        raise TradingError(_("This auction is among the intending buyers of the price listing only."))
    number = (db.session.scalar(sa.select(sa.func.max(AuctionRegistration.number))
                                .where(AuctionRegistration.auction_id == auction.id)) or 0) + 1
    registration = AuctionRegistration(auction_id=auction.id, organisation_id=org.id, user_id=user.id,
                                       number=number)
    try:
        with db.session.begin_nested():  # a colleague or another organisation registering at the same moment
            db.session.add(registration)
    except IntegrityError:
        raise TradingError(_("Someone registered at the same moment; please try again.")) from None
    db.session.refresh(auction)
    audit.record(user, ENTITY, auction.id, "registered", note=org.name,
                 data={"organisation": org.id, "number": number})
    return registration


def pending_deposits(user) -> list[AuctionRegistration]:
    """The operators' desk: registrations of auctions still open whose deposit nobody has confirmed yet,
    the auctions ending soonest first."""
    if not is_operator(user):
        raise NotAllowed(_("Operators confirm deposits."))
    return list(db.session.scalars(
        sa.select(AuctionRegistration).join(Auction).where(
            AuctionRegistration.deposit_confirmed_at.is_(None), Auction.status == NoticeStatus.ACTIVE,
            Auction.outcome.is_(None), Auction.ends_at > utcnow())
        .order_by(Auction.ends_at, AuctionRegistration.registered_at).limit(500)))


def confirm_deposit(user, auction: Auction, registration_id: int, reference: str) -> AuctionRegistration:
    """An operator records that the bidder's deposit arrived (with the bank's reference); only then may it bid."""
    if not is_operator(user):
        raise NotAllowed(_("Operators confirm deposits."))
    registration = db.session.get(AuctionRegistration, registration_id)
    if registration is None or registration.auction_id != auction.id:
        raise NotFound()
    if auction.status is not NoticeStatus.ACTIVE or outcome_of(auction) is not None:
        raise TradingError(_("This auction is over."))
    if registration.deposit_confirmed_at is not None:
        raise TradingError(_("This deposit was confirmed already."))
    if any(m.organisation_id == registration.organisation_id for m in user.memberships):
        # separation of duties: whoever records that money arrived is not the one who paid it
        raise NotAllowed(_("Another operator confirms the deposit of your own organisation."))
    storable(reference)
    reference = (reference or "").strip()
    if not 1 <= len(reference) <= 100:
        raise TradingError(_("Record the payment's reference (bank receipt number, 1 to 100 characters)."))
    registration.deposit_confirmed_at, registration.deposit_confirmed_by_id = utcnow(), user.id
    registration.deposit_reference = reference
    db.session.flush()  # no version move: a bid racing this would be refused for nothing; the bidder's
    # live page sees the deposit through its ETag, which holds the viewer's own deposit state
    audit.record(user, ENTITY, auction.id, "deposit_confirmed", note=registration.organisation.name,
                 data={"registration": registration.id, "reference": reference})
    return registration


def _compare_and_set(auction: Auction, **values) -> None:
    """Move the auction's version (and set `values`) only if nobody moved it since it was read."""
    db.session.flush()
    result = db.session.execute(
        sa.update(Auction).where(Auction.id == auction.id, Auction.version == auction.version)
        .values(version=Auction.version + 1, **values), execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        raise TradingError(_("The auction has just changed; reload the page."))
    db.session.refresh(auction)


def _conflict(auction: Auction) -> BidConflict:
    db.session.refresh(auction)
    current = auction.current_price_fen
    if phase(auction) != "running":
        return BidConflict(_("The auction is over: no more bids."), current, minimum_bid(auction))
    return BidConflict(
        _("Someone bid first: the current price is now %(price)s. Bid again (at least %(minimum)s).",
          price=money.format_wan(current) if current is not None else "—",
          minimum=money.format_wan(minimum_bid(auction))), current, minimum_bid(auction))


def place_bid(user, auction: Auction, amount_fen, channel: str = "web") -> Bid:
    """One bid, strictly above the last by at least the increment (the first at least the start price)."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed()
    if is_seller(user, auction):
        raise TradingError(_("The seller's organisation may not bid on its own auction."))
    registration, leader = _standing(user, auction)
    if registration is None:
        raise TradingError(_("Register your organisation as a bidder first; an operator then confirms its "
                             "deposit."))
    if registration.deposit_confirmed_at is None:
        raise TradingError(_("Your deposit has not been confirmed yet: you may bid once an operator confirms it."))
    now = utcnow()
    current_phase = phase(auction, now)
    if current_phase == "upcoming":
        raise TradingError(_("Bidding has not started yet."))
    if current_phase != "running":
        raise TradingError(_("The auction is over: no more bids."))
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or not 0 < amount_fen < MAX_FEN:
        raise TradingError(_("Enter a bid in 万元, above zero and below 1 万亿元."))
    minimum = minimum_bid(auction)
    if amount_fen < minimum:
        raise TradingError(_("The bid must be at least %(minimum)s (the current price plus the increment of "
                             "%(increment)s).", minimum=money.format_wan(minimum),
                             increment=money.format_wan(auction.increment_fen))
                           if auction.current_price_fen is not None else
                           _("The first bid must be at least the start price, %(minimum)s.",
                             minimum=money.format_wan(minimum)))
    if leader == registration.id:
        raise TradingError(_("Your organisation holds the highest bid already."))
    seen, ends_before = auction.version, auction.ends_at
    window = dt.timedelta(minutes=auction.extension_minutes)
    ends_after = ends_before + window if now >= ends_before - window else ends_before
    db.session.flush()  # pending changes first: the conditional UPDATE below runs in SQL
    # No savepoint around the two statements (two round trips): a lost race matches no row and leaves the
    # transaction as it was; only a broken unique guard (which the compare-and-set makes unreachable) or a
    # busy SQLite writer fails a statement, and then the whole transaction is rolled back — the request
    # ends in a rollback on a BidConflict anyway.
    try:
        result = db.session.execute(_bid_update(), {"auction_id": auction.id, "seen": seen, "now": now,
                                                    "amount_fen": amount_fen, "ends_after": ends_after})
        if result.rowcount != 1:
            raise _Lost()
        bid = Bid(auction_id=auction.id, registration_id=registration.id, user_id=user.id,
                  sequence=auction.bid_count + 1, amount_fen=amount_fen, placed_at=now,
                  ends_before=ends_before, ends_after=ends_after, channel=channel)
        db.session.add(bid)
        db.session.flush()  # the bid row goes in with the compare-and-set, or neither does
    except _Lost:
        raise _conflict(auction) from None
    except IntegrityError:
        db.session.rollback()  # the compare-and-set with it
        raise _conflict(auction) from None
    except OperationalError:
        # SQLite: a writer that committed since this transaction's snapshot makes the UPDATE fail with
        # SQLITE_BUSY instead of matching no row; it is the same lost race
        db.session.rollback()
        raise BidConflict(_("Someone bid at the same moment: reload the page and bid again."), None,
                          minimum) from None
    # the row is what the compare-and-set wrote (it matched the version this request read): set it in
    # memory rather than read it back
    for name, value in (("version", seen + 1), ("current_price_fen", amount_fen),
                        ("bid_count", auction.bid_count + 1), ("ends_at", ends_after)):
        set_committed_value(auction, name, value)
    if "bids" in sa.inspect(auction).dict:
        db.session.expire(auction, ["bids"])
    return bid


@functools.cache
def _bid_update() -> sa.Update:
    """A bid's compare-and-set on the auction row (built once; a Core statement: the ORM's bulk-update
    machinery has nothing to do here, the caller sets the new state in memory)."""
    table = Auction.__table__
    return (sa.update(table)
            .where(table.c.id == sa.bindparam("auction_id"), table.c.version == sa.bindparam("seen"),
                   table.c.status == NoticeStatus.ACTIVE.value, table.c.outcome.is_(None),
                   table.c.ends_at > sa.bindparam("now", type_=table.c.ends_at.type))
            .values(current_price_fen=sa.bindparam("amount_fen", type_=table.c.current_price_fen.type),
                    version=table.c.version + 1, bid_count=table.c.bid_count + 1,
                    ends_at=sa.bindparam("ends_after", type_=table.c.ends_at.type)))


def _standing(user, auction: Auction) -> tuple[AuctionRegistration | None, int | None]:
    """The bidder's registration and the registration holding the highest bid, in one query (the last bid
    read alone: loading the whole history would make every bid cost O(bids so far))."""
    org_ids = _org_ids(user)
    if not org_ids:
        return None, None
    with db.session.no_autoflush:  # nothing pending: the compare-and-set below flushes what there is
        row = db.session.execute(_standing_query(), {"auction_id": auction.id, "org_ids": sorted(org_ids)}).first()
    return (None, None) if row is None else (row[0], row[1])


@functools.cache
def _standing_query() -> sa.Select:
    leader = (sa.select(Bid.registration_id).where(Bid.auction_id == sa.bindparam("auction_id"))
              .order_by(Bid.sequence.desc()).limit(1).scalar_subquery())
    return (sa.select(AuctionRegistration, leader)
            .where(AuctionRegistration.auction_id == sa.bindparam("auction_id"),
                   AuctionRegistration.organisation_id.in_(sa.bindparam("org_ids", expanding=True)))
            .order_by(AuctionRegistration.number).limit(1))


class _Lost(Exception):
    pass


# --- the close ----------------------------------------------------------------------------------

def close(auction: Auction, actor=None, now: dt.datetime | None = None) -> AuctionOutcome | None:
    """Make the close durable (idempotent): the outcome, the winner, notices to every bidder and, for a sale,
    the contract draft in the seller's name of whoever set the auction up (if still able to)."""
    if auction.outcome is not None or auction.status is not NoticeStatus.ACTIVE:
        return auction.outcome
    outcome = outcome_of(auction, now)
    if outcome is None:
        return None
    winner = auction.bids[-1].registration.organisation_id if outcome is AuctionOutcome.SOLD else None
    db.session.flush()
    result = db.session.execute(
        sa.update(Auction).where(Auction.id == auction.id, Auction.version == auction.version,
                                 Auction.outcome.is_(None))
        .values(outcome=outcome.value, closed_at=utcnow(), winner_org_id=winner, version=Auction.version + 1),
        execution_options={"synchronize_session": False})
    db.session.refresh(auction)
    if result.rowcount != 1:  # a last bid moved the end, or another request closed it first
        return auction.outcome
    audit.record(actor, ENTITY, auction.id, "closed", to_status=outcome.value,
                 data={"bids": auction.bid_count, "price_fen": auction.current_price_fen, "winner": winner})
    _notify_close(auction)
    creator = auction.created_by
    if outcome is AuctionOutcome.SOLD and creator is not None and can_manage(creator, auction.achievement):
        try:
            with db.session.begin_nested():
                draft_contract(creator, auction)
        except (TradingError, NotAllowed):
            pass  # the seller drafts it from the auction page
    return outcome


def _notify_close(auction: Auction) -> None:
    if not has_request_context():  # cron: links in e-mails are built against the public address
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return _notify_close(auction)
    title = auction.achievement.title[:80]
    price = money.format_wan(auction.current_price_fen) if auction.current_price_fen is not None else "—"
    people: dict[int, object] = {}
    for registration in auction.registrations:
        for user in [registration.user, *[b.user for b in auction.bids if b.registration_id == registration.id]]:
            if user is not None:
                people.setdefault(user.id, (user, registration))
    for user, registration in people.values():
        if auction.outcome is AuctionOutcome.FAILED:
            message = _("The auction of “%(title)s” ended without a sale (流拍).", title=title)
        elif registration.organisation_id == auction.winner_org_id:
            message = _("Your organisation won the auction of “%(title)s” at %(price)s; the seller prepares the "
                        "contract.", title=title, price=price)
        else:
            message = _("The auction of “%(title)s” closed at %(price)s; another bidder won.", title=title,
                        price=price)
        alerts.notify(user, KIND, auction.id, message, mail_subject=_("Auction closed"))
    if auction.created_by is not None:
        alerts.notify(auction.created_by, KIND, auction.id,
                      _("Your auction of “%(title)s” closed: %(outcome)s, %(price)s.", title=title,
                        outcome=auction.outcome.label, price=price), mail_subject=_("Auction closed"))


def close_due(now: dt.datetime | None = None) -> int:
    """`flask trading close`: every auction past its end gets its outcome recorded."""
    due = list(db.session.scalars(sa.select(Auction).where(
        Auction.status == NoticeStatus.ACTIVE, Auction.outcome.is_(None), Auction.ends_at <= (now or utcnow()))))
    return sum(1 for auction in due if close(auction, now=now) is not None)


def close_if_due(auction: Auction) -> bool:
    """On read: a page past the auction's end makes the close durable. True when it did (the caller commits)."""
    if auction.outcome is None and auction.status is NoticeStatus.ACTIVE and outcome_of(auction) is not None:
        return close(auction) is not None
    return False


def close_now(user, auction: Auction) -> AuctionOutcome:
    """The seller or an operator records the close by hand (as the cron command would); never before the end."""
    if not (is_operator(user) or is_seller(user, auction)):
        raise NotAllowed(_("The seller and operators record the close."))
    outcome = close(auction, user)
    if outcome is None:
        raise TradingError(_("The auction runs until %(end)s (Beijing time).",
                             end=auction.ends_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")))
    return outcome


def draft_contract(user, auction: Auction) -> Contract:
    """The winner's contract at the winning bid, into the registration flow."""
    _require_seller(user, auction)
    if auction.status is not NoticeStatus.ACTIVE:
        raise TradingError(_("This auction is closed already."))
    outcome = close(auction, user) if auction.outcome is None else auction.outcome
    if outcome is not AuctionOutcome.SOLD:
        raise TradingError(_("A contract needs a winning bid at or above the reserve price."))
    if auction.status is not NoticeStatus.ACTIVE:  # the close drafted it already
        return db.session.get(Contract, auction.contract_id)
    contract = deal_contract(user, auction, buyer=auction.winner_org, price_fen=auction.current_price_fen,
                             payment_mode=auction.payment_mode, route="拍卖")
    db.session.refresh(auction)
    auction.contract_id = contract.id
    db.session.flush()
    audit.record(user, ENTITY, auction.id, "contracted", from_status="active", to_status="contracted",
                 data={"contract": contract.id})
    return contract


def trail(auction: Auction):
    return audit.trail(ENTITY, auction.id)


def link(auction_id: int) -> str:
    return url_for("trading.auction", auction_id=auction_id, _external=True)
