"""Keeping the search index equal to the database: drain the outbox, rebuild, reconcile.

drain: take pending outbox rows in id order, collapse them per entity, rebuild each document from
the current database state (a missing row means delete), send one batch, mark the rows processed.
If the engine is down nothing is marked and the next drain retries: writes never wait on search.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from search.backends.base import BackendUnavailable
from search.documents import doc_id
from tt_platform.database import db, utcnow
from tt_platform.indexing import registry
from tt_platform.indexing.engine import get_backend, get_vectors, open_for_rebuild
from tt_platform.indexing.outbox import SearchOutbox, pending_count

log = logging.getLogger(__name__)
BATCH = 500
#: Documents handed to the engine per step of a rebuild (big enough for its analysis pool).
REBUILD_BATCH = 10_000


@dataclass
class DrainReport:
    rows: int = 0
    upserted: int = 0
    deleted: int = 0
    failed: bool = False
    #: the documents sent to the engine (for the vectors of fresh listings, `embed_fresh`)
    documents: list = field(default_factory=list)


def _documents(entity, ids: list[int]) -> dict[int, object]:
    model = entity.model
    rows = db.session.scalars(sa.select(model).where(model.id.in_(ids))).all()
    return {row.id: entity.to_document(row) for row in rows}


#: One drain at a time per process: a drain that read a listing before another drain read its newer
#: version must not write the index after it (the older document would win until the next reconcile).
_DRAINING = threading.Lock()
#: The PostgreSQL advisory lock that does the same across processes (`flask search drain --loop` workers,
#: web workers draining after their requests): held until the drain's transaction ends.
DRAIN_LOCK_KEY = 0x74745F6472  # "tt_dr"


def drain(limit: int = 10_000) -> DrainReport:
    """Apply pending outbox rows to the index (caller commits the processed marks). Drains run one after
    the other (see `_DRAINING`); a second one waits for the first, then finds what is left."""
    with _DRAINING:
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(DRAIN_LOCK_KEY)))
        return _drain(limit)


def _drain(limit: int) -> DrainReport:
    report = DrainReport()
    stmt = sa.select(SearchOutbox).where(SearchOutbox.processed_at.is_(None)).order_by(SearchOutbox.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # two drains never take the same rows
    rows = db.session.scalars(stmt).all()
    if not rows:
        return report
    report.rows = len(rows)
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.entity_type, set()).add(row.entity_id)
    try:
        backend = get_backend()
        for name, ids in wanted.items():
            entity = registry.entities().get(name)
            if entity is None:
                continue
            docs = _documents(entity, sorted(ids))
            report.upserted += backend.upsert(docs.values())
            report.documents.extend(docs.values())
            report.deleted += backend.delete(doc_id(name, i) for i in ids if i not in docs)
        backend.commit()
    except BackendUnavailable as exc:
        log.warning("search index not updated, %d outbox rows stay pending: %s", len(rows), exc)
        report.failed = True
        return report
    now = utcnow()
    for row in rows:
        row.processed_at = now
    return report


def purge_processed(older_than: dt.timedelta) -> int:
    """Delete outbox rows processed before `older_than` ago (pending rows are never touched); returns how
    many. Processed rows only serve as a recent history, and every write adds one."""
    cutoff = utcnow() - older_than
    return db.session.execute(sa.delete(SearchOutbox).where(
        SearchOutbox.processed_at.isnot(None), SearchOutbox.processed_at < cutoff)).rowcount or 0


class BulkIndexer:
    """Indexing for a bulk write (an import) that builds its documents itself.

    Documents are handed to the engine while the rows are still being written, so the engine can start
    analysing them; they become searchable in `finish`, after the database commit. If the engine is
    unavailable, the outbox rows stay pending and the next drain indexes them from the database."""

    def __init__(self):
        self.error: BackendUnavailable | None = None
        self.backend = None
        try:
            self.backend = get_backend()
        except BackendUnavailable as exc:
            self.error = exc

    def add(self, documents) -> None:
        if self.error is None:
            try:
                self.backend.upsert(documents)
            except BackendUnavailable as exc:
                self.error = exc

    def abandon(self) -> None:
        """The write was rolled back (or the engine failed): nothing handed over may reach the index."""
        if self.backend is not None:
            self.backend.discard()

    def finish(self, outbox_ids) -> bool:
        """Commit the engine and mark the write's outbox rows processed (the caller commits those)."""
        if self.error is None:
            try:
                self.backend.commit()
            except BackendUnavailable as exc:
                self.error = exc
        if self.error is not None:
            log.warning("import not indexed now, outbox rows stay pending: %s", self.error)
            self.abandon()
            return False
        for start in range(0, len(outbox_ids), 1000):
            db.session.execute(sa.update(SearchOutbox).where(SearchOutbox.id.in_(outbox_ids[start:start + 1000]))
                               .values(processed_at=utcnow()))
        return True


def all_documents(progress: Callable[[int], None] | None = None):
    """Every indexed entity's document, straight from the database, in batches."""
    for name, entity in registry.entities().items():
        model = entity.model
        last = 0
        while True:
            rows = db.session.scalars(sa.select(model).where(model.id > last).order_by(model.id).limit(BATCH)).all()
            if not rows:
                break
            for row in rows:
                yield name, entity.to_document(row)
            last = rows[-1].id
            if progress:
                progress(len(rows))


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Re-index everything from the database and mark the outbox processed (repairs any drift, and an
    index directory that is missing or unreadable: see `open_for_rebuild`)."""
    backend = open_for_rebuild()
    backend.begin_rebuild()
    n = 0
    try:
        for _name, doc in all_documents(progress):
            backend.upsert([doc])
            n += 1
            if n % REBUILD_BATCH == 0:
                backend.commit()  # hands the batch over; readers see the old index until finish_rebuild
        backend.commit()
        backend.finish_rebuild()
    except BaseException:
        backend.discard()  # the old index stays as it was
        raise
    db.session.execute(sa.update(SearchOutbox).where(SearchOutbox.processed_at.is_(None))
                       .values(processed_at=utcnow()))
    return n


@dataclass
class ReconcileReport:
    missing: int = 0
    stale: int = 0
    orphans: int = 0


def reconcile(*, repair: bool = True) -> ReconcileReport:
    """Compare the database's documents with the index (by version hash) and repair the difference."""
    backend = get_backend()
    indexed = backend.versions()
    report = ReconcileReport()
    expected_ids = set()
    to_upsert = []
    for _name, doc in all_documents():
        expected_ids.add(doc.doc_id)
        have = indexed.get(doc.doc_id)
        if have is None:
            report.missing += 1
            to_upsert.append(doc)
        elif have != doc.version:
            report.stale += 1
            to_upsert.append(doc)
    orphans = [doc_id for doc_id in indexed if doc_id not in expected_ids]
    report.orphans = len(orphans)
    if repair and (to_upsert or orphans):
        backend.upsert(to_upsert)
        backend.delete(orphans)
        backend.commit()
    if repair and getattr(backend, "incomplete", None) is not None:
        backend.mark_complete()  # it holds every listing of the database now
    return report


@dataclass
class EmbedReport:
    embedded: int = 0
    stored: int = 0
    removed: int = 0


def embed(progress: Callable[[int], None] | None = None, batch: int = 256) -> EmbedReport:
    """Give every listing whose text changed a vector (cached texts cost nothing); drop vectors of
    listings that are gone. Outside the request path: run it from cron or after imports."""
    report = EmbedReport()
    vectors = get_vectors()
    if vectors is None:
        return report
    store = vectors.store
    present = set()
    pending = []
    for _name, doc in all_documents():
        present.add(doc.doc_id)
        pending.append(doc)
        if len(pending) >= batch:
            report.embedded += _embed_batch(store, vectors.embedder, pending, report)
            if progress:
                progress(len(pending))
            pending = []
    report.embedded += _embed_batch(store, vectors.embedder, pending, report)
    if progress and pending:
        progress(len(pending))
    gone = [doc_id for doc_id in store.hashes if doc_id not in present]
    store.remove(gone)
    report.removed = len(gone)
    store.build_ann()
    store.save()
    return report


#: a vector store this small is saved after each in-request embedding (at 100k vectors a save writes ~80 MB:
#: there the cron `flask search embed` persists them)
SAVE_AFTER_FRESH_MAX = 20_000


def embed_fresh(documents, limit: int) -> int:
    """Vectors for listings just written (a request's drain), so that a new listing is matched by every
    channel at once rather than after the next `flask search embed`. Only when there are at most `limit`
    of them (the model takes ~70 ms a listing on the CPU); more, as after an import, are left to cron."""
    vectors = get_vectors()
    if vectors is None or not documents or limit <= 0:
        return 0
    todo = vectors.store.missing(documents)
    if not todo or len(todo) > limit:
        return 0
    computed = _embed_batch(vectors.store, vectors.embedder, todo, EmbedReport())
    if len(vectors.store) <= SAVE_AFTER_FRESH_MAX:
        vectors.store.save()
    return computed


def _embed_batch(store, embedder, docs, report) -> int:
    todo = store.missing(docs)
    report.stored += len(todo)
    if not todo:
        return 0
    computed = store.put(todo, embedder)
    try:
        backend = get_backend()
        if backend.name == "elasticsearch":  # its documents carry the vectors: send the changed ones again
            backend.upsert(todo)
            backend.commit()
    except BackendUnavailable as exc:
        log.warning("vectors stored, but not sent to the search engine (%s); `flask search rebuild` sends them", exc)
    return computed


def status() -> dict:
    pending = pending_count()
    incomplete = None
    try:
        backend = get_backend()
        indexed, name = backend.count(), backend.name
        incomplete = getattr(backend, "incomplete", None)  # the embedded index needs a rebuild (why)
    except BackendUnavailable as exc:
        indexed, name = None, f"unavailable ({exc})"
    in_db = sum(db.session.scalar(sa.select(sa.func.count()).select_from(e.model)) or 0
                for e in registry.entities().values())
    vectors = get_vectors()
    dense = f"{vectors.embedder.name}: {len(vectors.store)} vectors" if vectors else "off"
    return {"backend": name, "indexed": indexed, "in_database": in_db, "outbox_pending": pending, "dense": dense,
            "incomplete": incomplete}
