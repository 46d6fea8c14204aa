"""The embedded engine's side of the index faults (issue 21): an index marked incomplete refuses ranked reads
(so callers fall back) until a rebuild; an unreadable directory is reported, and moved aside for a new one."""
import pytest

from search.backends.base import BackendUnavailable
from search.backends.embedded import INCOMPLETE, EmbeddedBackend
from search.documents import Filters, Listing, MatchQuery
from search.matching import text_query

QUERY = text_query(MatchQuery(title="超导电缆", text=""))


def listing(n: int) -> Listing:
    return Listing(doc_id=f"achievement:{n}", kind="achievement", title=f"超导电缆接头{n}", text="低温绝缘",
                   version=f"v{n}")


def test_an_incomplete_index_refuses_ranked_reads_until_rebuilt(tmp_path):
    engine = EmbeddedBackend(tmp_path / "index")
    assert engine.created and engine.incomplete is None
    engine.upsert([listing(1)])
    engine.commit()
    engine.mark_incomplete("created empty while the database held 7 listings")
    assert (tmp_path / "index" / INCOMPLETE).exists()
    # every process sharing the directory sees it
    other = EmbeddedBackend(tmp_path / "index")
    assert not other.created and other.incomplete == "created empty while the database held 7 listings"
    for read in (lambda e: e.lexical(QUERY, Filters(), 5),
                 lambda e: e.search_page([QUERY], Filters(), offset=0, limit=5, sort="relevance")):
        with pytest.raises(BackendUnavailable, match="needs a rebuild"):
            read(other)
    assert other.versions() == {"achievement:1": "v1"}  # reconcile and status still read it
    engine.begin_rebuild()
    engine.upsert([listing(1), listing(2)])
    engine.finish_rebuild()
    assert other.incomplete is None
    assert [h.doc_id for h in other.lexical(QUERY, Filters(), 5)]


def test_clearing_an_index_is_wanting_it_empty(tmp_path):
    engine = EmbeddedBackend(tmp_path / "index")
    engine.mark_incomplete("lost")
    engine.clear()
    assert engine.incomplete is None


def test_an_unreadable_directory_is_reported_and_can_be_moved_aside(tmp_path):
    path = tmp_path / "index"
    engine = EmbeddedBackend(path)
    engine.upsert([listing(1)])
    engine.commit()
    (path / "meta.json").write_text("{not json")
    with pytest.raises(BackendUnavailable):
        EmbeddedBackend(path)
    moved = EmbeddedBackend.set_aside(path)
    assert moved is not None and moved.name.startswith("index.unreadable-") and (moved / "meta.json").exists()
    fresh = EmbeddedBackend(path)
    assert fresh.created and fresh.count() == 0
    assert EmbeddedBackend.set_aside(tmp_path / "nothing-here") is None
