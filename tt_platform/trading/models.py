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
