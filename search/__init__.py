"""Search and matching, framework-free: Chinese analysis, documents, ranking, and backends.

Nothing here imports Flask or tt_platform (a test checks it); the app feeds documents in and asks
questions through the `SearchBackend` protocol.
"""
from search.backends.base import SearchBackend, SearchHit
from search.documents import Listing, MatchQuery

__all__ = ["Listing", "MatchQuery", "SearchBackend", "SearchHit"]
