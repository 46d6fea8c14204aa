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

from pathlib import Path

from search.backends.embedded.queries import IndexQueries
from search.backends.embedded.schema import build_schema, open_index
from search.backends.embedded.writer import IndexWriter

__all__ = ["EmbeddedBackend"]


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
        self._index = open_index(self.path, self.schema)
