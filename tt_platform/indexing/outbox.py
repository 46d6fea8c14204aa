"""Transactional outbox: listing changes leave a row here in the same transaction as the change.

The search engine is never called from a request's write path. A drain (next issue: the search
engine) reads pending rows, collapses them per entity, rebuilds each document from the database
and marks the rows processed, so an engine outage loses nothing.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tt_platform.database import UTCDateTime, db, utcnow


class SearchOutbox(db.Model):
    __tablename__ = "search_outbox"
    __table_args__ = (sa.Index("ix_search_outbox_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(sa.String(30))
    entity_id: Mapped[int]
    op: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def enqueue(entity_type: str, entity_id: int, op: Literal["upsert", "delete"] = "upsert") -> None:
    """Record that a search document must be rebuilt; committed with the caller's data."""
    db.session.add(SearchOutbox(entity_type=entity_type, entity_id=entity_id, op=op))


def enqueue_many(entities: list[tuple[str, int]]) -> None:
    """`enqueue` for many (entity_type, id) pairs in one statement (bulk imports)."""
    if entities:
        now = utcnow()
        db.session.execute(SearchOutbox.__table__.insert(), [
            {"entity_type": kind, "entity_id": entity_id, "op": "upsert", "created_at": now}
            for kind, entity_id in entities])


def pending_ids(entities: list[tuple[str, int]]) -> list[int]:
    """Ids of the pending outbox rows of these (entity_type, id) pairs."""
    by_type: dict[str, list[int]] = {}
    for kind, entity_id in entities:
        by_type.setdefault(kind, []).append(entity_id)
    found: list[int] = []
    for kind, ids in by_type.items():
        for start in range(0, len(ids), 900):  # below SQLite's limit on bound parameters
            found.extend(db.session.scalars(sa.select(SearchOutbox.id).where(
                SearchOutbox.processed_at.is_(None), SearchOutbox.entity_type == kind,
                SearchOutbox.entity_id.in_(ids[start:start + 900]))))
    return found


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(SearchOutbox.processed_at.is_(None))) or 0
