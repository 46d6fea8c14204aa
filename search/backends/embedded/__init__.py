"""Embedded backend: a tantivy index in a directory (BM25, field boosts, filters, facets).

Text arrives pre-analysed (search.analysis): words and character bigrams are indexed as
whitespace-separated tokens, so this engine and Elasticsearch share one Chinese pipeline.
Tantivy allows one writer per directory: writes open the writer, commit in a batch and release
it; a second process that finds the lock held gets BackendUnavailable and the outbox keeps the
change for the next drain.

The engine's three concerns live apart: `schema` (fields, documents, opening the directory),
`writer` (upsert, delete, commit, discard, rebuild, clear) and `queries` (the reads).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from search.backends.embedded.queries import IndexQueries
from search.backends.embedded.schema import build_schema, open_index, outdated
from search.backends.embedded.writer import IndexWriter

__all__ = ["INCOMPLETE", "EmbeddedBackend"]

#: A file in the index directory whose presence means: this index lacks listings the database holds
#: (it was created empty while the database had some); ranked reads are refused until a rebuild.
INCOMPLETE = "INCOMPLETE"


class EmbeddedBackend(IndexWriter, IndexQueries):
    """The `SearchBackend` over one index directory: its writing and reading parts share the opened
    index."""

    name = "embedded"

    def __init__(self, path: str | Path, *, writer_heap: int = 64_000_000, writer_threads: int = 1,
                 analysis_workers: int | None = None):
        self.path = Path(path)
        self.schema = build_schema()
        self._init_writer(writer_heap=writer_heap, writer_threads=writer_threads, analysis_workers=analysis_workers)
        self._init_queries()
        #: True when this opening found no index in the directory (missing, emptied, or an old layout)
        #: and created an empty one: the caller decides whether that empty index can serve readers.
        self.created = not (self.path / "meta.json").exists() or outdated(self.path)
        self._index = open_index(self.path, self.schema)

    # --- an index that does not yet hold what it should (see INCOMPLETE) ---------------------------
    @property
    def incomplete(self) -> str | None:
        """Why ranked reads are refused until a rebuild (the marker's text), or None. A file in the
        directory, so every process sharing the index sees it; one stat() per ranked read."""
        try:
            return (self.path / INCOMPLETE).read_text(encoding="utf-8").strip() or "incomplete"
        except FileNotFoundError:
            return None

    def mark_incomplete(self, reason: str) -> None:
        """Refuse ranked reads (BackendUnavailable, so pages fall back to the database) until a rebuild:
        an index created empty while the database held listings would answer with nothing."""
        (self.path / INCOMPLETE).write_text(reason + "\n", encoding="utf-8")

    def mark_complete(self) -> None:
        (self.path / INCOMPLETE).unlink(missing_ok=True)

    @staticmethod
    def set_aside(path: str | Path) -> Path | None:
        """Move an unreadable index directory out of the way (renamed beside itself, kept for a post-mortem)
        so that a rebuild can start afresh; returns where it went, or None when there was nothing."""
        path = Path(path)
        if not path.exists():
            return None
        target = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
        path.rename(target)
        return target
