"""Research results (科技成果) offered by universities and institutes, with their IP records."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import Role
from tt_platform.database import db
from tt_platform.listings.models import ListingMixin

ENTITY = "achievement"


class Achievement(ListingMixin, db.Model):
    __tablename__ = "achievement"
    entity_type = ENTITY
    #: Only members with this role, of the owning organisation, change the listing.
    publisher_role = Role.RESEARCH

    #: 成果详细介绍 (technical content, advantages, application prospects); restricted like contacts.
    description: Mapped[str] = mapped_column(sa.Text)
    #: Technology readiness level 1–9.
    trl: Mapped[int | None]
    #: 5-step maturity code M1–M5/M9 (achievement_maturity_5.csv).
    maturity: Mapped[str | None] = mapped_column(sa.String(3))
    #: Asking price in 万元; empty with price_negotiable → 面议.
    asking_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    price_negotiable: Mapped[bool] = mapped_column(default=False)
    #: Team / inventors, one per line.
    team: Mapped[str] = mapped_column(sa.Text, default="")
    #: External reference (e.g. the CSL record id of a demo listing); unique when present.
    external_ref: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Where a demo listing's text comes from.
    source_note: Mapped[str | None] = mapped_column(sa.String(300))

    ip_records: Mapped[list[IPRecord]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan", order_by="IPRecord.id"
    )


class IPRecord(db.Model):
    __tablename__ = "ip_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    #: taxonomy.IP_TYPES code
    ip_type: Mapped[str] = mapped_column(sa.String(30))
    #: patent / registration number (e.g. ZL202010123456.7); empty for trade secrets
    number: Mapped[str] = mapped_column(sa.String(60), default="")
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    #: taxonomy.IP_STATUSES code
    status: Mapped[str] = mapped_column(sa.String(20))

    achievement: Mapped[Achievement] = relationship(back_populates="ip_records")
