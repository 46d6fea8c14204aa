"""Trading: confidential parts of listings behind an NDA (their own tables, so that the search documents,
the API and the exports, which read the listing rows, never see them)."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import Organisation, User, enum_column
from tt_platform.achievements.models import Achievement
from tt_platform.database import UTCDateTime, db, utcnow
from tt_platform.demands.models import Demand


class AccessMode(enum.StrEnum):
    CLICK = "click"  #: anyone logged in who accepts the NDA
    APPROVAL = "approval"  #: the NDA, then the holder approves each request

    @property
    def label(self) -> str:
        return str(ACCESS_MODE_LABELS[self])


ACCESS_MODE_LABELS = {
    AccessMode.CLICK: _l("Click-through: anyone logged in who accepts the NDA"),
    AccessMode.APPROVAL: _l("On approval: the NDA, then we approve each request"),
}


class GrantStatus(enum.StrEnum):
    REQUESTED = "requested"  #: NDA accepted, waiting for the holder's approval
    GRANTED = "granted"
    REFUSED = "refused"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return str(GRANT_STATUS_LABELS[self])


GRANT_STATUS_LABELS = {
    GrantStatus.REQUESTED: _l("Awaiting approval"),
    GrantStatus.GRANTED: _l("Access granted"),
    GrantStatus.REFUSED: _l("Request refused"),
    GrantStatus.REVOKED: _l("Access revoked"),
}


class ConfidentialPart(db.Model):
    """The confidential part of one result or one demand: detail text and attachments, the holder's NDA
    (versioned) and how access is given."""

    __tablename__ = "confidential_part"
    __table_args__ = (
        sa.CheckConstraint("(achievement_id IS NULL) <> (demand_id IS NULL)", name="one_listing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("achievement.id", ondelete="CASCADE"), unique=True)
    demand_id: Mapped[int | None] = mapped_column(sa.ForeignKey("demand.id", ondelete="CASCADE"), unique=True)
    #: the holder: the organisation that published the listing
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: technical data shown only to those with access
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    access_mode: Mapped[AccessMode] = mapped_column(enum_column(AccessMode), default=AccessMode.CLICK)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    achievement: Mapped[Achievement | None] = relationship()
    demand: Mapped[Demand | None] = relationship()
    organisation: Mapped[Organisation] = relationship()
    versions: Mapped[list[NdaVersion]] = relationship(
        back_populates="part", cascade="all, delete-orphan", order_by="NdaVersion.number")
    attachments: Mapped[list[ConfidentialAttachment]] = relationship(
        back_populates="part", cascade="all, delete-orphan", order_by="ConfidentialAttachment.id")
    grants: Mapped[list[AccessGrant]] = relationship(
        back_populates="part", cascade="all, delete-orphan", order_by="AccessGrant.id")

    @property
    def listing(self):
        return self.achievement if self.achievement_id is not None else self.demand

    @property
    def current_version(self) -> NdaVersion | None:
        return self.versions[-1] if self.versions else None


class NdaVersion(db.Model):
    """One wording of the holder's NDA; a new wording is a new version and asks everyone again."""

    __tablename__ = "nda_version"
    __table_args__ = (sa.UniqueConstraint("part_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("confidential_part.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    #: SHA-256 (hex) of the text's UTF-8 bytes: what an acceptance records
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    part: Mapped[ConfidentialPart] = relationship(back_populates="versions")


class AccessGrant(db.Model):
    """One person's acceptance of one NDA version, and what became of it (granted at once, waiting for the
    holder, refused, revoked)."""

    __tablename__ = "nda_acceptance"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("confidential_part.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: the organisation the person acted for when accepting
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    nda_version_id: Mapped[int] = mapped_column(sa.ForeignKey("nda_version.id", ondelete="CASCADE"))
    #: the hash of the exact text accepted (equal to the version's at the time of acceptance)
    text_sha256: Mapped[str] = mapped_column(sa.String(64))
    client_address: Mapped[str] = mapped_column(sa.String(45), default="")
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[GrantStatus] = mapped_column(enum_column(GrantStatus))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    part: Mapped[ConfidentialPart] = relationship(back_populates="grants")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
    version: Mapped[NdaVersion] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ConfidentialAttachment(db.Model):
    """A file of the confidential part (drawings, test reports), always served as a download."""

    __tablename__ = "confidential_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("confidential_part.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    part: Mapped[ConfidentialPart] = relationship(back_populates="attachments")


# --- 协议定价 with 公示 -------------------------------------------------------------------------------

#: the notice period when the seller's organisation has not set one (days)
DEFAULT_NOTICE_DAYS = 15


class TradingSettings(db.Model):
    """An organisation's own defaults for the trading routes."""

    __tablename__ = "trading_settings"

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"),
                                                 primary_key=True)
    #: 公示期 of its 协议定价 notices, in calendar days
    notice_days: Mapped[int] = mapped_column(default=DEFAULT_NOTICE_DAYS)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NoticeStatus(enum.StrEnum):
    ACTIVE = "active"  #: posted; on notice until `ends_at`, then waiting for the contract
    WITHDRAWN = "withdrawn"  #: the seller took it back
    CONTRACTED = "contracted"  #: the contract draft was created from it

    @property
    def label(self) -> str:
        return str(NOTICE_STATUS_LABELS[self])


NOTICE_STATUS_LABELS = {
    NoticeStatus.ACTIVE: _l("Posted"),
    NoticeStatus.WITHDRAWN: _l("Withdrawn"),
    NoticeStatus.CONTRACTED: _l("Contract drafted"),
}


class PriceNotice(db.Model):
    """协议定价公示: the seller organisation's public notice of an agreed price for one of its results, with
    the intended buyer, for a notice period in which anyone logged in may object."""

    __tablename__ = "price_notice"
    __table_args__ = (sa.CheckConstraint("price_fen > 0", name="price"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    seller_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    buyer_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: the contract sub-type the deal will be (技术转让 TRF-xx or 技术许可 LIC-xx)
    subtype_code: Mapped[str] = mapped_column(sa.String(6))
    price_fen: Mapped[int] = mapped_column(sa.BigInteger)
    notice_days: Mapped[int]
    #: the period: from posting until midnight Beijing time after its last day
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    #: whom to contact with an objection (name, phone, e-mail), public
    contact: Mapped[str] = mapped_column(sa.Text)
    #: anything else the seller states publicly (how the price was reached)
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[NoticeStatus] = mapped_column(enum_column(NoticeStatus), default=NoticeStatus.ACTIVE)
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contract.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    achievement: Mapped[Achievement] = relationship()
    seller_org: Mapped[Organisation] = relationship(foreign_keys=[seller_org_id])
    buyer_org: Mapped[Organisation] = relationship(foreign_keys=[buyer_org_id])
    objections: Mapped[list[NoticeObjection]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeObjection.id")


class ObjectionStatus(enum.StrEnum):
    OPEN = "open"  #: lodged; the seller answers, an operator resolves
    UPHELD = "upheld"  #: the operator agreed: the deal may not proceed on this notice
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return str(OBJECTION_STATUS_LABELS[self])


OBJECTION_STATUS_LABELS = {
    ObjectionStatus.OPEN: _l("Awaiting an operator"),
    ObjectionStatus.UPHELD: _l("Upheld: the deal may not proceed on this notice"),
    ObjectionStatus.DISMISSED: _l("Dismissed"),
}


class NoticeObjection(db.Model):
    """An objection lodged during the notice period (公示期异议): the seller answers, an operator resolves."""

    __tablename__ = "price_notice_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("price_notice.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    lodged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[ObjectionStatus] = mapped_column(enum_column(ObjectionStatus), default=ObjectionStatus.OPEN)
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    notice: Mapped[PriceNotice] = relationship(back_populates="objections")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()


# --- 挂牌交易 -----------------------------------------------------------------------------------------

#: the listing period when the seller gives none (working days)
DEFAULT_LISTING_WORKING_DAYS = 20


class ListingOutcome(enum.StrEnum):
    SOLD = "sold"  #: one intending buyer: a contract at the listed price
    UNSOLD = "unsold"  #: nobody registered: the seller may relist (extended, or at a lower price)
    CONTESTED = "contested"  #: two or more registered: the rules send it to an auction among them

    @property
    def label(self) -> str:
        return str(LISTING_OUTCOME_LABELS[self])


LISTING_OUTCOME_LABELS = {
    ListingOutcome.SOLD: _l("One intending buyer: deal at the listed price"),
    ListingOutcome.UNSOLD: _l("No intending buyer"),
    ListingOutcome.CONTESTED: _l("Several intending buyers: to auction"),
}


class PriceListing(db.Model):
    """挂牌交易: a result listed at a stated price (挂牌价) for a period, with its conditions; verified
    organisations register as intending buyers (意向受让方) until the close."""

    __tablename__ = "price_listing"
    __table_args__ = (sa.CheckConstraint("price_fen > 0", name="price"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    seller_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: 技术转让 TRF-xx or 技术许可 LIC-xx
    subtype_code: Mapped[str] = mapped_column(sa.String(6))
    price_fen: Mapped[int] = mapped_column(sa.BigInteger)
    exclusive: Mapped[bool] = mapped_column(default=True)
    #: contracts.models.PAYMENT_MODES
    payment_mode: Mapped[str] = mapped_column(sa.String(20))
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    contact: Mapped[str] = mapped_column(sa.Text)
    working_days: Mapped[int]
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: midnight Beijing time after the period's last working day
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[NoticeStatus] = mapped_column(enum_column(NoticeStatus), default=NoticeStatus.ACTIVE)
    #: set when the close is made durable (on the seller's next step or by `flask trading close`)
    outcome: Mapped[ListingOutcome | None] = mapped_column(enum_column(ListingOutcome))
    buyer_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contract.id", ondelete="SET NULL"), index=True)
    #: the listing this one extends or lowers (each change is a new notice)
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("price_listing.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    achievement: Mapped[Achievement] = relationship()
    seller_org: Mapped[Organisation] = relationship(foreign_keys=[seller_org_id])
    buyer_org: Mapped[Organisation | None] = relationship(foreign_keys=[buyer_org_id])
    previous: Mapped[PriceListing | None] = relationship(remote_side=[id])
    interests: Mapped[list[ListingInterest]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ListingInterest.id")


class ListingInterest(db.Model):
    """An organisation's registration as intending buyer (意向受让方) of a price listing."""

    __tablename__ = "price_listing_interest"
    __table_args__ = (sa.UniqueConstraint("listing_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("price_listing.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    listing: Mapped[PriceListing] = relationship(back_populates="interests")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()


# --- 拍卖/竞价: English auctions ------------------------------------------------------------------

class AuctionOutcome(enum.StrEnum):
    SOLD = "sold"  #: the highest bid reached the reserve: a winner and a contract at that price
    FAILED = "failed"  #: 流拍: no bid, or the highest below the reserve; the seller may relist

    @property
    def label(self) -> str:
        return str(AUCTION_OUTCOME_LABELS[self])


AUCTION_OUTCOME_LABELS = {
    AuctionOutcome.SOLD: _l("Sold to the highest bidder"),
    AuctionOutcome.FAILED: _l("No sale (流拍)"),
}


class Auction(db.Model):
    """拍卖/竞价: an English auction of a result. Bids go up by at least the increment from the start price;
    a bid in the last `extension_minutes` moves the end that many minutes later (anti-sniping); at the close
    the highest bid wins if it reaches the reserve. `version` is the compare-and-set guard every bid moves."""

    __tablename__ = "auction"
    __table_args__ = (
        sa.CheckConstraint("start_price_fen > 0", name="start_price"),
        sa.CheckConstraint("increment_fen > 0", name="increment"),
        sa.CheckConstraint("reserve_fen IS NULL OR reserve_fen >= start_price_fen", name="reserve"),
        sa.CheckConstraint("ends_at > starts_at", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    seller_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: the contested price listing this auction continues (its intending buyers only), if any
    listing_id: Mapped[int | None] = mapped_column(sa.ForeignKey("price_listing.id", ondelete="SET NULL"),
                                                   index=True)
    #: the failed auction this one relists
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("auction.id", ondelete="SET NULL"))
    #: 技术转让 TRF-xx or 技术许可 LIC-xx
    subtype_code: Mapped[str] = mapped_column(sa.String(6))
    payment_mode: Mapped[str] = mapped_column(sa.String(20))
    start_price_fen: Mapped[int] = mapped_column(sa.BigInteger)
    increment_fen: Mapped[int] = mapped_column(sa.BigInteger)
    #: 保留价: below it the auction fails; None: the start price is the reserve
    reserve_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    reserve_shown: Mapped[bool] = mapped_column(default=False)
    #: 竞买保证金 a bidder pays before bidding; the platform records that an operator confirmed it
    deposit_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: anti-sniping: a bid in the last N minutes moves the end N minutes later
    extension_minutes: Mapped[int] = mapped_column(default=5)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: the end as announced; `ends_at` is the end after extensions
    scheduled_end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    contact: Mapped[str] = mapped_column(sa.Text)
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    #: the highest bid so far (None before the first)
    current_price_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    bid_count: Mapped[int] = mapped_column(default=0)
    #: moved by every accepted bid and every close: the compare-and-set guard and the live page's ETag
    version: Mapped[int] = mapped_column(default=0)
    status: Mapped[NoticeStatus] = mapped_column(enum_column(NoticeStatus), default=NoticeStatus.ACTIVE)
    outcome: Mapped[AuctionOutcome | None] = mapped_column(enum_column(AuctionOutcome))
    winner_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contract.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    achievement: Mapped[Achievement] = relationship()
    seller_org: Mapped[Organisation] = relationship(foreign_keys=[seller_org_id])
    winner_org: Mapped[Organisation | None] = relationship(foreign_keys=[winner_org_id])
    listing: Mapped[PriceListing | None] = relationship()
    previous: Mapped[Auction | None] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    registrations: Mapped[list[AuctionRegistration]] = relationship(
        back_populates="auction", cascade="all, delete-orphan", order_by="AuctionRegistration.number")
    bids: Mapped[list[Bid]] = relationship(back_populates="auction", cascade="all, delete-orphan",
                                           order_by="Bid.sequence")

    @property
    def effective_reserve_fen(self) -> int:
        return self.reserve_fen if self.reserve_fen is not None else self.start_price_fen


class AuctionRegistration(db.Model):
    """An organisation's registration as bidder (竞买登记): its number (竞买人1, 2 …, in order of
    registration) and the deposit an operator confirmed as received."""

    __tablename__ = "auction_registration"
    __table_args__ = (sa.UniqueConstraint("auction_id", "organisation_id", name="uq_auction_registration_org"),
                      sa.UniqueConstraint("auction_id", "number", name="uq_auction_registration_number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    auction_id: Mapped[int] = mapped_column(sa.ForeignKey("auction.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    #: the pseudonym shown on the live page: 竞买人<number>
    number: Mapped[int]
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deposit_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deposit_confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id",
                                                                              ondelete="SET NULL"))
    #: the bank's receipt number or similar, as the operator recorded it
    deposit_reference: Mapped[str] = mapped_column(sa.String(100), default="")

    auction: Mapped[Auction] = relationship(back_populates="registrations")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    deposit_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[deposit_confirmed_by_id])


class Bid(db.Model):
    """An accepted bid. Bids are never changed or deleted; `sequence` is the auction's version the bid made,
    and the unique constraints make two bids of one auction at one amount or one sequence impossible."""

    __tablename__ = "auction_bid"
    __table_args__ = (sa.UniqueConstraint("auction_id", "sequence", name="uq_auction_bid_sequence"),
                      sa.UniqueConstraint("auction_id", "amount_fen", name="uq_auction_bid_amount"),
                      sa.CheckConstraint("amount_fen > 0", name="amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    auction_id: Mapped[int] = mapped_column(sa.ForeignKey("auction.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("auction_registration.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    sequence: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: the end before and after this bid (equal unless the bid fell in the extension window)
    ends_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: "web" or "api"
    channel: Mapped[str] = mapped_column(sa.String(10), default="web")

    auction: Mapped[Auction] = relationship(back_populates="bids")
    registration: Mapped[AuctionRegistration] = relationship()
    user: Mapped[User | None] = relationship()
