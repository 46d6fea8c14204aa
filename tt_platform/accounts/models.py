"""Organisations, people and their memberships (the role lives on the membership)."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.database import UTCDateTime, db, utcnow


def enum_column(enum_cls: type[enum.Enum], length: int = 20) -> sa.Enum:
    """Store an enum by its value as a plain VARCHAR (portable, readable in SQL)."""
    return sa.Enum(
        enum_cls, native_enum=False, length=length, validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


class OrgKind(enum.StrEnum):
    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    AGENCY = "agency"
    OPERATOR = "operator"

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])


ORG_KIND_LABELS = {
    OrgKind.ENTERPRISE: _l("Enterprise"),
    OrgKind.UNIVERSITY: _l("University"),
    OrgKind.INSTITUTE: _l("Research institute"),
    OrgKind.AGENCY: _l("Technology transfer agency"),
    OrgKind.OPERATOR: _l("Science authority / platform operator"),
}


class Verification(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(VERIFICATION_LABELS[self])


VERIFICATION_LABELS = {
    Verification.PENDING: _l("Awaiting verification"),
    Verification.VERIFIED: _l("Verified"),
    Verification.REJECTED: _l("Verification rejected"),
}


class Role(enum.StrEnum):
    ENTERPRISE = "enterprise"  #: publishes demands
    RESEARCH = "research"  #: university / institute member, publishes results
    BROKER = "broker"  #: technology broker / manager at an agency
    OPERATOR = "operator"  #: reviews listings, verifies organisations

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ENTERPRISE: _l("Enterprise member"),
    Role.RESEARCH: _l("University / institute member"),
    Role.BROKER: _l("Technology broker"),
    Role.OPERATOR: _l("Operator"),
}

#: The role a member of each kind of organisation holds.
ROLE_FOR_KIND = {
    OrgKind.ENTERPRISE: Role.ENTERPRISE,
    OrgKind.UNIVERSITY: Role.RESEARCH,
    OrgKind.INSTITUTE: Role.RESEARCH,
    OrgKind.AGENCY: Role.BROKER,
    OrgKind.OPERATOR: Role.OPERATOR,
}


class BrokerLevel(enum.StrEnum):
    JUNIOR = "junior"
    INTERMEDIATE = "intermediate"
    SENIOR = "senior"

    @property
    def label(self) -> str:
        return str(BROKER_LEVEL_LABELS[self])


BROKER_LEVEL_LABELS = {
    BrokerLevel.JUNIOR: "初级技术经纪人",
    BrokerLevel.INTERMEDIATE: "中级技术经纪人",
    BrokerLevel.SENIOR: "高级技术经理人",
}


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind))
    #: 统一社会信用代码 (GB 32100-2015), 18 characters, check character validated.
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    #: 6-digit administrative division code (admin_divisions_cn.csv).
    region_code: Mapped[str] = mapped_column(sa.String(6))
    #: 技术交易主体 party type for statistics (tech_trade_entity_types.csv local_code).
    party_type: Mapped[str] = mapped_column(sa.String(4))
    contact_name: Mapped[str] = mapped_column(sa.String(100))
    contact_phone: Mapped[str] = mapped_column(sa.String(40))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    introduction: Mapped[str | None] = mapped_column(sa.Text)
    verification: Mapped[Verification] = mapped_column(enum_column(Verification), default=Verification.PENDING)
    #: Why an operator rejected the organisation; shown to its members.
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: A registration office (登记机构) registers technology contracts for its region.
    is_registration_office: Mapped[bool] = mapped_column(default=False)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def is_verified(self) -> bool:
        return self.verification is Verification.VERIFIED


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    #: Bumped on logout-everywhere and password change: old session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def membership(self) -> Membership | None:
        """The membership the UI acts through (people belong to one organisation in practice)."""
        return self.memberships[0] if self.memberships else None

    @property
    def organisation(self) -> Organisation | None:
        return self.membership.organisation if self.membership else None

    @property
    def role(self) -> Role | None:
        return self.membership.role if self.membership else None

    @property
    def is_operator(self) -> bool:
        return any(m.role is Role.OPERATOR for m in self.memberships)

    @property
    def is_registrar(self) -> bool:
        return any(m.is_registrar and m.organisation.is_registration_office for m in self.memberships)


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    #: Organisation admins invite colleagues and edit the organisation.
    is_org_admin: Mapped[bool] = mapped_column(default=False)
    #: Registrars of a registration office register technology contracts.
    is_registrar: Mapped[bool] = mapped_column(default=False)
    broker_level: Mapped[BrokerLevel | None] = mapped_column(enum_column(BrokerLevel))
    broker_certificate_no: Mapped[str | None] = mapped_column(sa.String(50))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Invitation(db.Model):
    """An organisation admin's invitation; the link carries a signed token naming this row."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    is_org_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
