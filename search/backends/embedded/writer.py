"""Writes to the embedded engine: queued upserts and deletes, committed in one writer session.

Segmentation is the costly part of indexing: small batches are analysed in-process at commit, bulk
writes in a pool of processes as soon as they are queued (`_AnalysisQueue`). Tantivy allows one
writer per directory: a second process that finds the lock held gets BackendUnavailable.
"""
from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor

import tantivy

from search import analysis
from search.backends.base import BackendUnavailable
from search.backends.embedded.schema import document
from search.documents import Listing

#: Below this many documents a commit analyses them in-process; above, in a pool of processes.
POOL_THRESHOLD = 4000
#: Queued upserts go to the pool in batches of this size as soon as they are queued (bulk writes only).
EAGER_BATCH = 5000
#: From this many changes a commit uses the bulk writer settings.
BULK_COMMIT = 10_000


#: Queued in place of a document id: delete every document (the start of a rebuild).
_EVERYTHING = "*"
#: Listings per pool task.
POOL_CHUNK = 500


def _analysed_parts(parts: tuple[str, tuple[str, ...], str]) -> tuple[str, str, str, str, str]:
    """The five analysed text fields (words and bigrams, as whitespace-joined tokens) of a listing's
    title, keywords and text. Only these cross to a pool worker: pickling whole listings costs 5×."""
    title, keywords, text = (analysis.normalise(part) for part in (parts[0], " ".join(parts[1]), parts[2]))
    return (" ".join(analysis.tokens(title, for_index=True, normalised=True)),
            " ".join(analysis.tokens(keywords, for_index=True, normalised=True)),
            " ".join(analysis.tokens(text, for_index=True, normalised=True)),
            " ".join(analysis.bigrams(title, normalised=True)),
            " ".join(analysis.bigrams(keywords + " " + text, normalised=True)))


def _start_worker(taught: list[str]) -> None:
    """A pool worker segments exactly as its parent: the same dictionary, the same taught terms."""
    analysis.teach(taught)


def _analysed_chunk(chunk: list[tuple[str, tuple[str, ...], str]]) -> list[tuple[str, str, str, str, str]]:
    return [_analysed_parts(parts) for parts in chunk]


class _AnalysisQueue:
    """Analysed fields of queued listings, handed back in queue order.

    Segmentation is the costly part of indexing. Small batches (everyday drains) are analysed in-process
    at commit. Bulk writes go to a pool of processes on all cores, batch by batch, as soon as they are
    queued: analysis then overlaps whatever the caller does before it commits (an import writing its
    next rows), and results can be taken as they are ready (`ready`) to feed the index writer early."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = None
        self._chunks: collections.deque = collections.deque()  # futures (pool) or lists (in-process)
        self._current: list[tuple[str, str, str, str, str]] = []
        self._position = 0
        self._waiting: list[tuple[str, tuple[str, ...], str]] = []

    @property
    def pooled(self) -> bool:
        return self._pool is not None

    def add(self, listing: Listing) -> None:
        self._waiting.append((listing.title, listing.keywords, listing.text))
        if self.workers > 1 and len(self._waiting) >= EAGER_BATCH:
            self._send()

    def ready(self) -> bool:
        """Whether `next()` would return without waiting."""
        if self._position < len(self._current):
            return True
        return bool(self._chunks) and (isinstance(self._chunks[0], list) or self._chunks[0].done())

    def next(self) -> tuple[str, str, str, str, str]:
        """The fields of the next queued listing, waiting for (or doing) its analysis if needed."""
        while self._position >= len(self._current):
            if not self._chunks:
                self._flush()
            chunk = self._chunks.popleft()
            self._current, self._position = (chunk if isinstance(chunk, list) else chunk.result()), 0
        self._position += 1
        return self._current[self._position - 1]

    def discard(self) -> None:
        self._chunks.clear()
        self._current, self._position, self._waiting = [], 0, []
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _flush(self) -> None:
        if self._pool is not None or (self.workers > 1 and len(self._waiting) >= POOL_THRESHOLD):
            self._send()
        else:
            self._chunks.append(_analysed_chunk(self._waiting))
            self._waiting = []

    def _send(self) -> None:
        if self._pool is None:
            # Not "fork": a child forked while another thread holds one of tantivy's lock files keeps
            # that lock (flock follows the open file) and the parent's next commit waits forever. The
            # forkserver starts from a fresh interpreter, where tantivy's close-on-exec files are gone.
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("forkserver"),
                                             initializer=_start_worker, initargs=(analysis.taught_terms(),))
        waiting = self._waiting
        self._chunks.extend(self._pool.submit(_analysed_chunk, waiting[i:i + POOL_CHUNK])
                            for i in range(0, len(waiting), POOL_CHUNK))
        self._waiting = []


class _Writer:
    """Context manager that always releases tantivy's writer lock."""

    def __init__(self, writer):
        self.writer = writer

    def __enter__(self):
        return self.writer

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self) -> None:
        # The lock is released when the writer is dropped, whether or not merging finished cleanly.
        with contextlib.suppress(Exception):
            self.writer.wait_merging_threads()
        del self.writer


class IndexWriter:
    """The writing part of EmbeddedBackend: upsert, delete, commit, discard, rebuild, clear."""

    #: the opened index (set by EmbeddedBackend)
    _index: tantivy.Index

    def _init_writer(self, *, writer_heap: int, writer_threads: int, analysis_workers: int | None) -> None:
        self.analysis_workers = analysis_workers or os.cpu_count() or 1
        self.writer_heap = writer_heap
        self.writer_threads = writer_threads
        self._lock = threading.Lock()
        self._pending: collections.deque[tuple[str, Listing | None]] = collections.deque()
        self._analysis = _AnalysisQueue(self.analysis_workers)
        self._bulk: _Writer | None = None  # the writer of the write in progress
        self._rebuilding = False

    # --- index lifecycle ---------------------------------------------------------------------------
    def begin_rebuild(self) -> None:
        """A rebuild refills this directory in one writer session: everything is deleted and re-added,
        and readers keep seeing the old documents until `finish_rebuild` commits (tantivy publishes a
        commit atomically). Commits in between only hand documents to the writer."""
        with self._lock:
            self._end_write(rollback=True)
            self._rebuilding = True
            self._pending.append((_EVERYTHING, None))

    def finish_rebuild(self) -> None:
        with self._lock:
            self._rebuilding = False
        self.commit()
        self.mark_complete()  # the index holds the database's listings again

    def clear(self) -> None:
        with self._lock, self._writer() as writer:
            writer.delete_all_documents()
            writer.commit()
        self._index.reload()
        self.mark_complete()  # emptied on purpose: an empty index is what is wanted

    def _writer(self, bulk: bool = False):
        # Bulk commits (imports, rebuilds) get a bigger heap and two indexing threads: fewer, larger
        # segments and both cores; everyday commits stay small.
        heap, threads = (max(self.writer_heap, 256_000_000), max(self.writer_threads, 2)) if bulk else \
            (self.writer_heap, self.writer_threads)
        try:
            return _Writer(self._index.writer(heap_size=heap, num_threads=threads))
        except (ValueError, OSError, RuntimeError) as exc:  # the lock is held by another process
            raise BackendUnavailable(f"index writer unavailable: {exc}") from exc

    # --- writes ------------------------------------------------------------------------------------
    # Changes queue up in `_pending` and become visible at `commit`. A bulk write (its listings analysed
    # in the pool) opens the writer early and feeds it whatever the pool has finished at each upsert:
    # tantivy's indexing threads then work while the caller is still producing listings. Nothing is
    # visible before commit; `discard` rolls the writer back.
    def upsert(self, listings: Iterable[Listing]) -> int:
        n = 0
        with self._lock:
            for listing in listings:
                self._pending.append(("upsert", listing))
                self._analysis.add(listing)
                n += 1
            if self._analysis.pooled:
                try:
                    self._feed(wait=False)
                except BackendUnavailable:
                    self._end_write(rollback=True)
                    raise
        return n

    def delete(self, doc_ids: Iterable[str]) -> int:
        n = 0
        with self._lock:
            for doc_id in doc_ids:
                self._pending.append((doc_id, None))
                n += 1
        return n

    def discard(self) -> None:
        with self._lock:
            self._end_write(rollback=True)

    def commit(self) -> None:
        """Apply the queued upserts and deletes in one writer session."""
        with self._lock:
            if not self._pending and self._bulk is None:
                return
            try:
                self._feed(wait=True)
                if self._rebuilding:
                    return  # published by finish_rebuild
                self._bulk.writer.commit()
            except BaseException:
                self._end_write(rollback=True)
                raise
            self._end_write(rollback=False)
            self._index.reload()

    def _feed(self, *, wait: bool) -> None:
        """Hand queued changes to the writer in order, as far as their analysis is done (or all)."""
        if self._bulk is None:
            self._bulk = self._writer(
                bulk=self._rebuilding or self._analysis.pooled or len(self._pending) >= BULK_COMMIT)
        writer, pending = self._bulk.writer, self._pending
        while pending:
            key, listing = pending[0]
            if listing is not None and not wait and not self._analysis.ready():
                return
            pending.popleft()
            if key == _EVERYTHING:
                writer.delete_all_documents()
                continue
            writer.delete_documents_by_term("id", listing.doc_id if listing is not None else key)
            if listing is not None:
                writer.add_document(document(listing, self._analysis.next()))

    def _end_write(self, *, rollback: bool) -> None:
        self._pending.clear()
        self._rebuilding = False
        self._analysis.discard()
        if self._bulk is not None:
            if rollback:
                with contextlib.suppress(Exception):
                    self._bulk.writer.rollback()
            self._bulk.close()
            self._bulk = None
