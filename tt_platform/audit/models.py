"""Append-only audit trail: who changed what, when; written in the same transaction as the change."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.database import UTCDateTime, db, utcnow

if TYPE_CHECKING:  # the trail sits below accounts: users are named, not imported
    from tt_platform.accounts.models import User


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    #: 'demand', 'achievement', 'organisation', …
    entity_type: Mapped[str] = mapped_column(sa.String(30))
    entity_id: Mapped[int]
    #: machine-readable verb: created, updated, submitted, approved, returned, rejected, status, …
    action: Mapped[str] = mapped_column(sa.String(30))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str | None] = mapped_column(sa.String(20))
    #: the reason an operator gave, or a short summary of the change
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: changed field names and similar structured detail
    data: Mapped[dict | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship("User")


def record(actor: User | None, entity_type: str, entity_id: int, action: str, *, from_status: str | None = None,
           to_status: str | None = None, note: str | None = None, data: dict | None = None) -> AuditEntry:
    """Add an audit row to the current transaction (the caller commits)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None, entity_type=entity_type, entity_id=entity_id,
        action=action, from_status=from_status, to_status=to_status, note=note, data=data,
    )
    db.session.add(entry)
    return entry


def record_many(rows: list[dict]) -> None:
    """Insert many audit rows (each a dict of `record`'s fields, with `actor_id`) in one statement; for
    bulk operations that already checked each change with the same rules."""
    if rows:
        now = utcnow()
        # a Core insert of the table: one executemany, where the ORM's bulk path sent a statement per row
        keys = ("actor_id", "entity_type", "entity_id", "action", "from_status", "to_status", "note", "data")
        db.session.execute(AuditEntry.__table__.insert(),
                           [{"at": now, **dict.fromkeys(keys), **row} for row in rows])


def trail(entity_type: str, entity_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id)
    ))
