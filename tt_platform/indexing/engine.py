"""The configured search backend, one per application."""
from __future__ import annotations

from flask import current_app

from search.backends.base import BackendUnavailable, SearchBackend


def get_backend() -> SearchBackend:
    """The backend named by TT_SEARCH_BACKEND, opened once per app; raises BackendUnavailable."""
    ext = current_app.extensions
    backend = ext.get("tt_search_backend")
    if backend is None:
        name = current_app.config["SEARCH_BACKEND"]
        if name == "embedded":
            from search.backends.embedded import EmbeddedBackend

            backend = EmbeddedBackend(current_app.config["SEARCH_INDEX_DIR"])
        else:
            raise BackendUnavailable("the Elasticsearch backend is not available in this version")
        ext["tt_search_backend"] = backend
    return backend


def reset_backend() -> None:
    """Forget the opened backend (tests, and after a rebuild that replaced the directory)."""
    current_app.extensions.pop("tt_search_backend", None)
