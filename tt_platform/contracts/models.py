"""Technology contracts (技术合同) and their registration (认定登记).

Money is integer fen (分) everywhere: 成交额 is the sum of the line items, 技术交易额 the sum of the
technical ones; both are recomputed by the service whenever items change and never typed in.
"""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import Organisation, User, enum_column
from tt_platform.database import UTCDateTime, db, utcnow


class ContractStatus(enum.StrEnum):
    DRAFT = "draft"  #: being recorded by a party or broker
    SUBMITTED = "submitted"  #: awaiting the registrar (待认定)
    RETURNED = "returned"  #: sent back for correction, with reasons the seller sees
    REGISTERED = "registered"  #: 已认定登记, has a registration number
    REFUSED = "refused"  #: 不予登记: not a technology contract
    CANCELLED = "cancelled"  #: registration cancelled (注销); leaves the statistics

    @property
    def label(self) -> str:
        return str(CONTRACT_STATUS_LABELS[self])


CONTRACT_STATUS_LABELS = {
    ContractStatus.DRAFT: _l("Draft"),
    ContractStatus.SUBMITTED: _l("Awaiting registration"),
    ContractStatus.RETURNED: _l("Returned for correction"),
    ContractStatus.REGISTERED: _l("Registered"),
    ContractStatus.REFUSED: _l("Refused registration"),
    ContractStatus.CANCELLED: _l("Registration cancelled"),
}

#: 支付方式
PAYMENT_MODES = {
    "lump_sum": "一次总付",
    "instalments": "分期支付",
    "royalty": "提成支付",
    "entry_fee_royalty": "入门费加提成",
}
PAYMENT_MODES_EN = {
    "lump_sum": "Lump sum", "instalments": "Instalments", "royalty": "Royalty",
    "entry_fee_royalty": "Entry fee plus royalty",
}

#: Fixed reasons a registrar gives when returning or refusing (plus free text).
RETURN_REASONS = {
    "missing_pages": "合同文本不完整或缺少签章页",
    "amount_mismatch": "成交额、技术交易额与合同约定不一致",
    "party_info": "当事人信息(名称、类型、所在地)有误",
    "type_wrong": "合同类型或子类型填写有误",
    "attachments": "缺少必要的附件(如专利证书、许可备案)",
    "other": "其他",
}
REFUSAL_REASONS = {
    "no_technology": "合同标的不涉及技术内容",
    "goods_sale": "以技术合同名义进行的一般货物买卖或工程承包",
    "labour": "一般劳务或加工承揽",
    "duplicate": "同一合同已在其他登记机构登记",
    "other": "其他",
}


class Contract(db.Model):
    __tablename__ = "contract"
    __table_args__ = (
        sa.Index("ix_contract_status_registered_on", "status", "registered_on"),
        sa.CheckConstraint("total_fen >= 0 AND tech_fen >= 0 AND tech_fen <= total_fen", name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: tech_contract_types.csv: DEV / TRF / LIC / CON / SRV and the sub-type code (DEV-01 …)
    type_code: Mapped[str] = mapped_column(sa.String(3))
    subtype_code: Mapped[str] = mapped_column(sa.String(6))
    field_code: Mapped[str] = mapped_column(sa.String(3))
    ip_type: Mapped[str | None] = mapped_column(sa.String(30))
    payment_mode: Mapped[str] = mapped_column(sa.String(20))
    signed_on: Mapped[dt.date]
    valid_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]

    # Parties. An organisation on the platform, or a name typed in (a person as seller, or an
    # organisation not on the platform); type and region are kept on the contract as registered.
    seller_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    seller_name: Mapped[str] = mapped_column(sa.String(200))
    seller_party_type: Mapped[str] = mapped_column(sa.String(4))
    seller_region_code: Mapped[str] = mapped_column(sa.String(6))
    buyer_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    buyer_name: Mapped[str] = mapped_column(sa.String(200))
    buyer_party_type: Mapped[str] = mapped_column(sa.String(4))
    buyer_region_code: Mapped[str] = mapped_column(sa.String(6))

    #: 成交额 and 技术交易额 in fen, computed from the items by the service
    total_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tech_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    # Where the deal came from
    demand_id: Mapped[int | None] = mapped_column(sa.ForeignKey("demand.id", ondelete="SET NULL"))
    achievement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("achievement.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("matchmaking_case.id", ondelete="SET NULL"), index=True)
    roadshow_id: Mapped[int | None] = mapped_column(sa.ForeignKey("roadshow.id", ondelete="SET NULL"))
    broker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)

    status: Mapped[ContractStatus] = mapped_column(enum_column(ContractStatus), default=ContractStatus.DRAFT)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Registration
    office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    registration_number: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    registered_on: Mapped[dt.date | None]
    registrar_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: the latest registrar decision: reason code + text (seen by the parties)
    decision_code: Mapped[str | None] = mapped_column(sa.String(30))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_on: Mapped[dt.date | None]
    #: a change the seller asked for after registration, waiting for the registrar
    change_request: Mapped[str | None] = mapped_column(sa.Text)
    is_demo: Mapped[bool] = mapped_column(default=False)

    items: Mapped[list[ContractItem]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractItem.position")
    seller_org: Mapped[Organisation | None] = relationship(foreign_keys=[seller_org_id])
    buyer_org: Mapped[Organisation | None] = relationship(foreign_keys=[buyer_org_id])
    agency: Mapped[Organisation | None] = relationship(foreign_keys=[agency_id])
    office: Mapped[Organisation | None] = relationship(foreign_keys=[office_id])
    broker: Mapped[User | None] = relationship(foreign_keys=[broker_id])
    registrar: Mapped[User | None] = relationship(foreign_keys=[registrar_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    @property
    def non_tech_fen(self) -> int:
        return self.total_fen - self.tech_fen


class ContractItem(db.Model):
    """One line of 成交额: technical (the technology itself, its fees and royalties) or not
    (equipment, materials, construction… which 技术交易额 leaves out)."""

    __tablename__ = "contract_item"
    __table_args__ = (sa.CheckConstraint("amount_fen >= 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.String(200))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    is_technical: Mapped[bool] = mapped_column(default=True)

    contract: Mapped[Contract] = relationship(back_populates="items")


class RegistrationCounter(db.Model):
    """Last serial used per registration office and year: the source of gap-free numbers."""

    __tablename__ = "registration_counter"

    office_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_serial: Mapped[int] = mapped_column(default=0)
