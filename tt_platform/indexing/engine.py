"""The configured search backend, one per application."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from search.backends.base import BackendUnavailable, SearchBackend
from tt_platform.database import db
from tt_platform.indexing import registry
from tt_platform.indexing.outbox import SearchOutbox

log = logging.getLogger(__name__)


def get_backend() -> SearchBackend:
    """The backend named by TT_SEARCH_BACKEND, opened once per app; raises BackendUnavailable."""
    ext = current_app.extensions
    backend = ext.get("tt_search_backend")
    if backend is None:
        name = current_app.config["SEARCH_BACKEND"]
        # Each backend's module is imported only when it is chosen: an Elasticsearch deployment
        # never loads tantivy, an embedded one never the Elasticsearch client.
        if name == "embedded":
            backend = _embedded(current_app.config["SEARCH_INDEX_DIR"])
        else:
            backend = _elasticsearch(current_app.config)
        ext["tt_search_backend"] = backend
    return backend


#: the command that repairs a missing, unreadable or incomplete index (named in log lines and the README)
REPAIR = "flask --app tt_platform search rebuild"


def _embedded(path: str):
    """Open the embedded index. An unreadable directory is logged with its repair and raises
    BackendUnavailable (list pages then read the database); an index created empty here while the
    database holds listings (the directory was deleted or lost) is marked incomplete, so that pages
    read the database rather than an index that would find nothing, until the rebuild."""
    from search.backends.embedded import EmbeddedBackend

    try:
        backend = EmbeddedBackend(path)
    except BackendUnavailable as exc:
        log.error("search index at %s cannot be opened (%s): list pages are served from the database and "
                  "matching is unavailable until `%s`", path, exc, REPAIR)
        raise
    if backend.created and backend.incomplete is None:
        try:
            held = _listings_in_database()
        except Exception:  # noqa: BLE001 - the database is down: nothing to compare, the next opening checks
            held = 0
        if held:
            backend.mark_incomplete(f"created empty while the database held {held} listings")
            log.error("search index at %s was missing: an empty one was created, but the database holds %d "
                      "listings; list pages are served from the database until `%s`", path, held, REPAIR)
    if backend.incomplete is not None:
        log.warning("search index at %s is incomplete (%s): run `%s`", path, backend.incomplete, REPAIR)
    return backend


def _listings_in_database() -> int:
    """Listings the database holds that no pending outbox row will bring to a new index: those an index
    created now would lack for good. (A fresh install's first listings are still queued: not counted.)"""
    held = 0
    for name, entity in registry.entities().items():
        model = entity.model
        queued = sa.select(SearchOutbox.id).where(SearchOutbox.processed_at.is_(None),
                                                  SearchOutbox.entity_type == name, SearchOutbox.entity_id == model.id)
        held += db.session.scalar(sa.select(sa.func.count()).select_from(model).where(~queued.exists())) or 0
    return held


def open_for_rebuild() -> SearchBackend:
    """The backend a rebuild writes into. An embedded index that cannot be opened (corrupt files) is
    moved aside — renamed beside itself, for a post-mortem — and a new one is created: the database
    holds everything the index is built from."""
    try:
        return get_backend()
    except BackendUnavailable:
        if current_app.config["SEARCH_BACKEND"] != "embedded":
            raise
        from search.backends.embedded import EmbeddedBackend

        moved = EmbeddedBackend.set_aside(current_app.config["SEARCH_INDEX_DIR"])
        log.warning("unreadable search index moved to %s; building a new one from the database", moved)
        return get_backend()


#: Precomputed vectors shipped with the demo (text hash → vector), per model.
SHIPPED_VECTORS = Path(__file__).resolve().parent.parent / "demo" / "data"


@dataclass
class Vectors:
    store: object
    embedder: object | None


#: how often (seconds) a process looks whether another one saved the vector store (one `stat`)
VECTOR_RELOAD_CHECK_SECONDS = 1.0


def get_vectors() -> Vectors | None:
    """The vector store and embedder of the dense channel, or None when it is off.

    With several processes (web workers, and the `flask search drain --loop` process that embeds new
    listings), each holds the store in memory: a worker opens it again when another process saved it,
    looked at once a second at most, so a listing embedded by the drain is matched by its vector there
    too, not only after a restart."""
    ext = current_app.extensions
    if "tt_vectors" not in ext:
        # Imported on first use: the ONNX runtime costs start-up time that pages without matching don't need.
        from search import embeddings

        embedder = embeddings.load_embedder(current_app.config["SEARCH_EMBEDDINGS"])
        ext["tt_vectors"] = None if embedder is None else Vectors(_open_store(embedder), embedder)
        ext["tt_vectors_checked"] = time.monotonic()
    vectors = ext["tt_vectors"]
    if vectors is not None and time.monotonic() - ext.get("tt_vectors_checked", 0.0) >= VECTOR_RELOAD_CHECK_SECONDS:
        ext["tt_vectors_checked"] = time.monotonic()
        if vectors.store.changed_on_disk():
            try:
                vectors = ext["tt_vectors"] = Vectors(_open_store(vectors.embedder), vectors.embedder)
            except (OSError, ValueError) as exc:  # caught mid-save: keep the vectors held, look again later
                log.warning("vector store not reopened (%s); keeping the vectors held", exc)
    return vectors


def _open_store(embedder):
    from search import embeddings

    store = embeddings.VectorStore(current_app.config["SEARCH_VECTOR_DIR"], embedder.dims, embedder.name)
    store.seed_cache(SHIPPED_VECTORS / f"vectors-{embedder.name}.npz")
    return store


def _elasticsearch(cfg):
    from elasticsearch import Elasticsearch

    from search import analysis
    from search.backends.elasticsearch import ElasticsearchBackend, EsSettings

    client = Elasticsearch(cfg["ELASTICSEARCH_URL"], request_timeout=10, retry_on_timeout=True, max_retries=2)
    vectors = get_vectors()
    settings = EsSettings(
        alias=cfg["ELASTICSEARCH_ALIAS"], index_tokenizer=cfg["ELASTICSEARCH_INDEX_TOKENIZER"],
        search_tokenizer=cfg["ELASTICSEARCH_SEARCH_TOKENIZER"], synonyms_set=cfg["ELASTICSEARCH_SYNONYMS_SET"] or None,
        shards=int(cfg["ELASTICSEARCH_SHARDS"]), replicas=int(cfg["ELASTICSEARCH_REPLICAS"]),
        dims=vectors.embedder.dims if vectors else None,
    )
    return ElasticsearchBackend(client, settings, synonyms=analysis.default_synonyms(),
                                vector_of=_held_vector if vectors else None)


def _held_vector(doc_id: str):
    """A listing's vector from the store this process holds now (reopened when another process saved it)."""
    vectors = get_vectors()
    return vectors.store.vector(doc_id) if vectors is not None else None


def reset_backend() -> None:
    """Forget the opened backend and vectors (tests, and after a rebuild that replaced them)."""
    current_app.extensions.pop("tt_search_backend", None)
    current_app.extensions.pop("tt_vectors", None)
