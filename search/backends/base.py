"""The protocol every search backend implements (embedded tantivy, Elasticsearch)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from search.documents import Filters, Listing

if TYPE_CHECKING:
    from pathlib import Path

    from search.analysis import SynonymTable


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """A file as stat() sees it (time, inode, size), None when it is absent: the way a process sees that
    another one replaced a file it holds in memory. Files written aside and renamed into place (tantivy's
    meta file, the vector store's) get a new inode at every write, so even two writes within one tick of
    the file system's clock differ."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_mtime_ns, found.st_ino, found.st_size


class BackendUnavailable(Exception):
    """The engine cannot be reached or opened; callers keep working and retry later."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    doc_id: str
    score: float


@dataclass(frozen=True, slots=True)
class Concept:
    """One word of a search box: a listing has it when it contains any of `words` (the word and its
    related terms) or all of `bigrams` (the word's own characters, for text segmented otherwise). A
    single character (锂, 氢) is neither a word nor a bigram: `char` is found in any bigram holding it."""

    words: tuple[str, ...] = ()
    bigrams: tuple[str, ...] = ()
    char: str = ""


@dataclass(frozen=True, slots=True)
class TextQuery:
    """Pre-analysed text: weighted words and bigrams (see search.analysis). On a search page a part
    with `concepts` finds only the listings that have every one of them (one is enough with
    `any_concept`: a relaxed search); its words and bigrams rank."""

    words: dict[str, float]
    bigrams: dict[str, float]
    concepts: tuple[Concept, ...] = ()
    any_concept: bool = False


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

    @property
    def knn_available(self) -> bool:
        """Whether `knn` answers: the engine holds the listings' dense vectors. Otherwise the dense
        channel asks the application's vector store (search.embeddings.VectorStore)."""

    def knn(self, vector, filters: Filters, k: int) -> list[SearchHit]:
        """The k listings nearest to `vector` (a sequence of floats) under `filters`; only where
        `knn_available`."""

    def generation(self) -> object | None:
        """A value that changes whenever a commit (from any process) may change what reads return, read
        cheaply (the embedded engine: one stat() of its meta file); None where the engine cannot say
        (Elasticsearch: refreshes are not observable without a request), and then nothing may be cached
        on it (the app's page and match caches key on it)."""

    def use_synonyms(self, table: SynonymTable) -> None:
        """The search-time related-term table changed: an engine that keeps its own copy of it
        takes the new one (no reindex: the table applies to queries, not to indexed text)."""
