"""The embedded engine's side of the index faults (issue 21): an index marked incomplete refuses ranked reads
(so callers fall back) until a rebuild; an unreadable directory is reported, and moved aside for a new one."""
import pytest

from search.backends.base import BackendUnavailable
from search.backends.embedded import INCOMPLETE, EmbeddedBackend, schema
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


def _count(engine) -> int:
    return len(engine.versions())


def test_a_half_written_version_marker_never_drops_the_index(tmp_path):
    """Another process opening the directory while the marker was being rewritten read it empty and
    deleted the whole index (seen once in a load run: 29 documents left of 100,029)."""
    engine = EmbeddedBackend(tmp_path / "index")
    engine.upsert([listing(1), listing(2)])
    engine.commit()
    marker = tmp_path / "index" / "SCHEMA_VERSION"
    marker.write_text("")  # what a reader saw half-way through the old truncate-and-write
    again = EmbeddedBackend(tmp_path / "index")
    assert _count(again) == 2 and not again.created
    assert marker.read_text() == schema.SCHEMA_VERSION


def test_opening_leaves_a_current_marker_alone(tmp_path):
    EmbeddedBackend(tmp_path / "index")
    marker = tmp_path / "index" / "SCHEMA_VERSION"
    before = marker.stat()
    for _ in range(3):
        EmbeddedBackend(tmp_path / "index")
    after = marker.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    assert not list((tmp_path / "index").glob("SCHEMA_VERSION.*.tmp"))


def test_an_index_of_an_older_layout_is_dropped_for_a_rebuild(tmp_path):
    engine = EmbeddedBackend(tmp_path / "index")
    engine.upsert([listing(1)])
    engine.commit()
    (tmp_path / "index" / "SCHEMA_VERSION").write_text("1")
    fresh = EmbeddedBackend(tmp_path / "index")
    assert fresh.created and _count(fresh) == 0
