"""The protocol every search backend implements (embedded tantivy, Elasticsearch)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from search.documents import Filters, Listing


class BackendUnavailable(Exception):
    """The engine cannot be reached or opened; callers keep working and retry later."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    doc_id: str
    score: float


@dataclass(frozen=True, slots=True)
class TextQuery:
    """Pre-analysed text: weighted words and bigrams (see search.analysis)."""

    words: dict[str, float]
    bigrams: dict[str, float]


@dataclass(slots=True)
class ResultPage:
    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class SearchBackend(Protocol):
    name: str

    def upsert(self, listings: Iterable[Listing]) -> int: ...

    def delete(self, doc_ids: Iterable[str]) -> int: ...

    def commit(self) -> None: ...

    def discard(self) -> None:
        """Forget the upserts and deletes not committed yet (the caller's transaction failed)."""

    def lexical(self, query: TextQuery, filters: Filters, k: int, *, channel: str = "words") -> list[SearchHit]: ...

    def search_page(self, query: Sequence[TextQuery] | None, filters: Filters, *, offset: int, limit: int,
                    sort: str, facets: Sequence[str]) -> ResultPage: ...

    def get(self, doc_id: str) -> Listing | None: ...

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, Listing]: ...

    def versions(self) -> dict[str, str]: ...

    def count(self) -> int: ...

    def clear(self) -> None: ...

    def begin_rebuild(self) -> None: ...

    def finish_rebuild(self) -> None: ...
