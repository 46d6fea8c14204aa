"""Columns and lifecycle states shared by demands and research results."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from tt_platform.accounts.models import Organisation, User, enum_column
from tt_platform.database import UTCDateTime, china_today, utcnow


class ListingStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  #: waiting for an operator's review
    RETURNED = "returned"  #: sent back for changes, with a reason
    REJECTED = "rejected"
    PUBLISHED = "published"
    NEGOTIATING = "negotiating"
    SOLVED = "solved"
    CLOSED = "closed"
    EXPIRED = "expired"  #: past its validity date (computed on read, persisted by `flask listings expire`)

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    ListingStatus.DRAFT: _l("Draft"),
    ListingStatus.PENDING: _l("Pending review"),
    ListingStatus.RETURNED: _l("Returned for changes"),
    ListingStatus.REJECTED: _l("Rejected"),
    ListingStatus.PUBLISHED: _l("Published"),
    ListingStatus.NEGOTIATING: _l("In negotiation"),
    ListingStatus.SOLVED: _l("Solved"),
    ListingStatus.CLOSED: _l("Closed"),
    ListingStatus.EXPIRED: _l("Expired"),
}

#: States in which the public sees a listing.
PUBLIC_STATES = (ListingStatus.PUBLISHED, ListingStatus.NEGOTIATING, ListingStatus.SOLVED)
#: States that end when the validity date passes.
LIVE_STATES = (ListingStatus.PUBLISHED, ListingStatus.NEGOTIATING)


class ListingMixin:
    """Columns common to Demand and Achievement."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Public summary, shown to everyone.
    summary: Mapped[str] = mapped_column(sa.Text)
    #: Comma-separated keywords (关键词).
    keywords: Mapped[str] = mapped_column(sa.String(500), default="")
    #: 技术领域 code T01–T11.
    field_code: Mapped[str] = mapped_column(sa.String(3), index=True)
    region_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    #: Cooperation / transfer mode codes (taxonomy.COOPERATION_MODES).
    cooperation_modes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[ListingStatus] = mapped_column(enum_column(ListingStatus), default=ListingStatus.DRAFT, index=True)
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    contact_name: Mapped[str] = mapped_column(sa.String(100))
    contact_phone: Mapped[str] = mapped_column(sa.String(40))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    #: The last reason an operator gave when returning or rejecting; shown to the owner.
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Demo listings are labelled as such on every page.
    is_demo: Mapped[bool] = mapped_column(default=False)

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    @declared_attr
    def organisation(cls) -> Mapped[Organisation]:
        return relationship(Organisation, lazy="joined")

    @declared_attr
    def created_by(cls) -> Mapped[User | None]:
        return relationship(User)

    @property
    def effective_status(self) -> ListingStatus:
        """The status as users should see it today: live listings past their date are expired."""
        if self.status in LIVE_STATES and self.valid_until is not None and self.valid_until < china_today():
            return ListingStatus.EXPIRED
        return self.status

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in (self.keywords or "").split(",") if k.strip()]
