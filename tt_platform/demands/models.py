"""Technology demands (技术需求), challenges (揭榜挂帅) and demand lists (需求清单)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import Organisation, Role
from tt_platform.database import UTCDateTime, db, utcnow
from tt_platform.listings.models import ListingMixin

ENTITY = "demand"

demand_list_item = sa.Table(
    "demand_list_item",
    db.metadata,
    sa.Column("demand_list_id", sa.ForeignKey("demand_list.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("demand_id", sa.ForeignKey("demand.id", ondelete="CASCADE"), primary_key=True),
)


class Demand(ListingMixin, db.Model):
    __tablename__ = "demand"
    entity_type = ENTITY
    #: Only members with this role, of the owning organisation, change the listing.
    publisher_role = Role.ENTERPRISE

    #: 存在的问题 / 需解决的技术难题
    problem: Mapped[str] = mapped_column(sa.Text)
    #: 现状 (what has been tried, current level)
    current_situation: Mapped[str] = mapped_column(sa.Text, default="")
    #: 预期目标 / 技术指标
    target_indicators: Mapped[str] = mapped_column(sa.Text, default="")
    #: GB/T 4754-2017 section letter and (optional) 2-digit division.
    industry_section: Mapped[str | None] = mapped_column(sa.String(1))
    industry_division: Mapped[str | None] = mapped_column(sa.String(2))
    #: Budget range in 万元 (exact decimals); both empty and budget_negotiable → 面议.
    budget_min: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    budget_max: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    budget_negotiable: Mapped[bool] = mapped_column(default=False)
    #: Minimum technology readiness level (1–9) the enterprise needs.
    required_trl: Mapped[int | None]
    #: 揭榜挂帅: an open challenge with a bounty (万元).
    is_challenge: Mapped[bool] = mapped_column(default=False)
    bounty: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))

    lists: Mapped[list[DemandList]] = relationship(secondary=demand_list_item, back_populates="demands")


class DemandList(db.Model):
    """需求清单: a named, dated collection of demands gathered from a park or region."""

    __tablename__ = "demand_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The park, zone or bureau the demands were gathered from.
    source: Mapped[str] = mapped_column(sa.String(200))
    region_code: Mapped[str] = mapped_column(sa.String(6))
    issued_on: Mapped[dt.date]
    #: Date until which solutions are collected (optional).
    deadline: Mapped[dt.date | None]
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    is_published: Mapped[bool] = mapped_column(default=False)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    demands: Mapped[list[Demand]] = relationship(
        secondary=demand_list_item, back_populates="lists", order_by="Demand.id"
    )
