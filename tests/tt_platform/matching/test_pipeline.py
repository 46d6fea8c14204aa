"""A match page costs a fixed number of database queries and engine calls, whatever it lists.

The page runs one pipeline (one term-table read, one prepared query, one row fetch per list);
these tests count the real SQL statements and the real backend's calls (a counting wrapper that
delegates to the embedded engine, not a stand-in) and fail on an N+1 or a second pipeline.
"""
from __future__ import annotations

import collections
import contextlib

import sqlalchemy as sa

from tests.factories import make_achievement, make_demand, make_org
from tt_platform.accounts.models import OrgKind
from tt_platform.indexing import sync
from tt_platform.vocabulary import services as vocabulary

BACKEND_CALLS = ("lexical", "knn", "get", "get_many", "search_page")


@contextlib.contextmanager
def counting(db, backend, monkeypatch):
    counts: collections.Counter = collections.Counter()

    def on_execute(conn, cursor, statement, *args):
        counts["sql"] += 1
        if "term_table_version" in statement:
            counts["sql:term_table"] += 1

    for name in BACKEND_CALLS:
        original = getattr(backend, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):
            counts[_name] += 1
            return _original(*args, **kwargs)
        monkeypatch.setattr(backend, name, wrapper)
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counts
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def _results(n, start=0):
    # each result from its own university, so that a lazy load per row would show as extra queries
    for i in range(start, start + n):
        make_achievement(make_org(OrgKind.UNIVERSITY, region_code="110100"), title=f"风电叶片覆冰监测方法{i}",
                         keywords="覆冰,叶片,监测",
                         description=f"叶片结冰在线监测与除冰，第{i}种方案", field_code="T06")
        make_demand(make_org(region_code="150100"), title=f"风机叶片结冰预警{i}", keywords="结冰,叶片",
                    problem="冬季叶片覆冰停机", field_code="T06")


def _page_cost(client, db, index, monkeypatch, url):
    # The term table's version is re-read once a second (vocabulary.services.VERSION_RECHECK): whether the
    # measured request fell in a new second is timing, not cost, so the warm-up reads it and the measured
    # request trusts it.
    monkeypatch.setattr(vocabulary, "VERSION_RECHECK", 3600.0)
    client.application.extensions.pop("tt_term_version", None)
    client.get(url)  # first request warms per-process caches (code lists, templates, the table's version)
    db.session.expunge_all()  # nothing served from the test's identity map
    with counting(db, index, monkeypatch) as counts:
        html = client.get(url).get_data(as_text=True)
    monkeypatch.undo()
    return counts, html


def test_a_match_page_costs_the_same_with_three_or_twelve_matches(client, db, index, monkeypatch):
    demand = make_demand(make_org(region_code="150100"), title="风电叶片结冰监测与除冰", keywords="结冰,除冰,叶片",
                         problem="冬季风机叶片覆冰导致停机", field_code="T06")
    _results(3)
    sync.rebuild()
    few, html = _page_cost(client, db, index, monkeypatch, f"/matches/demand/{demand.id}")
    assert html.count('href="/results/') >= 3

    _results(9, start=3)
    sync.rebuild()
    many, html = _page_cost(client, db, index, monkeypatch, f"/matches/demand/{demand.id}")
    assert html.count('href="/results/') >= 12

    assert many == few  # no query or engine call per listed row
    assert few["sql:term_table"] <= 1  # the related-term table is read once for both lists
    assert few["get"] + few["get_many"] <= 2  # the stored listing's document, fetched once per list at most


def test_the_result_side_runs_one_pipeline_too(client, db, index, monkeypatch):
    _results(3)
    result = make_achievement(make_org(OrgKind.UNIVERSITY, region_code="110100"), title="叶片覆冰光纤监测",
                              keywords="覆冰,叶片", field_code="T06")
    sync.rebuild()
    few, _html = _page_cost(client, db, index, monkeypatch, f"/matches/result/{result.id}")
    _results(6, start=3)
    sync.rebuild()
    many, _html = _page_cost(client, db, index, monkeypatch, f"/matches/result/{result.id}")
    assert many == few
    assert few["sql:term_table"] <= 1
