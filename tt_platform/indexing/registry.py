"""Which entity types are indexed and how each becomes a search document.

Feature packages register their mapping at start-up (demands/indexing.py, achievements/indexing.py),
so this shared layer knows entity names only, and search/ knows documents only.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from search.documents import Listing


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


def doc_id(entity_type: str, entity_id: int) -> str:
    return f"{entity_type}:{entity_id}"
