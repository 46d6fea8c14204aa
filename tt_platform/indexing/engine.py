"""The configured search backend, one per application."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from search.backends.base import SearchBackend


def get_backend() -> SearchBackend:
    """The backend named by TT_SEARCH_BACKEND, opened once per app; raises BackendUnavailable."""
    ext = current_app.extensions
    backend = ext.get("tt_search_backend")
    if backend is None:
        name = current_app.config["SEARCH_BACKEND"]
        # Each backend's module is imported only when it is chosen: an Elasticsearch deployment
        # never loads tantivy, an embedded one never the Elasticsearch client.
        if name == "embedded":
            from search.backends.embedded import EmbeddedBackend

            backend = EmbeddedBackend(current_app.config["SEARCH_INDEX_DIR"])
        else:
            backend = _elasticsearch(current_app.config)
        ext["tt_search_backend"] = backend
    return backend


#: Precomputed vectors shipped with the demo (text hash → vector), per model.
SHIPPED_VECTORS = Path(__file__).resolve().parent.parent / "demo" / "data"


@dataclass
class Vectors:
    store: object
    embedder: object | None


def get_vectors() -> Vectors | None:
    """The vector store and embedder of the dense channel, or None when it is off."""
    ext = current_app.extensions
    if "tt_vectors" not in ext:
        # Imported on first use: the ONNX runtime costs start-up time that pages without matching don't need.
        from search import embeddings

        embedder = embeddings.load_embedder(current_app.config["SEARCH_EMBEDDINGS"])
        if embedder is None:
            ext["tt_vectors"] = None
        else:
            store = embeddings.VectorStore(current_app.config["SEARCH_VECTOR_DIR"], embedder.dims, embedder.name)
            store.seed_cache(SHIPPED_VECTORS / f"vectors-{embedder.name}.npz")
            ext["tt_vectors"] = Vectors(store, embedder)
    return ext["tt_vectors"]


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
                                vector_of=vectors.store.vector if vectors else None)


def reset_backend() -> None:
    """Forget the opened backend and vectors (tests, and after a rebuild that replaced them)."""
    current_app.extensions.pop("tt_search_backend", None)
    current_app.extensions.pop("tt_vectors", None)
