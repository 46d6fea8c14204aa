"""Which entity types are indexed and how each becomes a search document.

Feature packages register their mapping at start-up (demands/indexing.py, achievements/indexing.py),
so this shared layer knows entity names only, and search/ knows documents only.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from search.documents import Listing, doc_id, split_doc_id
from tt_platform.database import db


@dataclass(frozen=True)
class IndexedEntity:
    name: str
    model: type
    to_document: Callable[[object], Listing]


_ENTITIES: dict[str, IndexedEntity] = {}


def register(name: str, model: type, to_document: Callable[[object], Listing]) -> None:
    _ENTITIES[name] = IndexedEntity(name, model, to_document)


def entities() -> dict[str, IndexedEntity]:
    return dict(_ENTITIES)


def model(name: str) -> type | None:
    """The model of an indexed entity type ('demand', 'achievement'), or None."""
    entity = _ENTITIES.get(name)
    return entity.model if entity else None


def rows(entity_type: str, doc_ids: list[str]) -> dict[str, object]:
    """The database rows behind search hits of one entity type, by document id, in one query."""
    entity_model = model(entity_type)
    ids = [split_doc_id(d)[1] for d in doc_ids]
    found = db.session.scalars(sa.select(entity_model).where(entity_model.id.in_(ids))).all() if ids else []
    return {doc_id(entity_type, r.id): r for r in found}
