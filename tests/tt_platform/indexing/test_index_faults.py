"""Starting with a missing or a corrupt search index directory (issue 21): a clear log line naming the
repair, pages that keep working from the database (never an empty result list or an error page), nothing
lost, and the documented repair — `flask search rebuild` (also run by `flask bootstrap`) — brings the engine
back. Each test opens its app on a database of its own, as a freshly started process would."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import sqlalchemy as sa

from tests.factories import make_achievement, make_org
from tests.own_database import own_app
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.database import db
from tt_platform.indexing import engine, sync
from tt_platform.indexing.outbox import enqueue, pending_count

TITLE = "高温超导电缆接头"
REPAIR = "flask --app tt_platform search rebuild"
MATCHING_OFF = "匹配服务暂时不可用"


def listings_in(app, n: int = 3) -> list[int]:
    with app.app_context():
        org = make_org(OrgKind.UNIVERSITY)
        ids = [make_achievement(org, title=f"{TITLE}{i}").id for i in range(n)]
        db.session.commit()
    return ids


def indexed_listings(app) -> list[int]:
    """Three listings, indexed; then the process "restarts" (nothing opened)."""
    ids = listings_in(app)
    with app.app_context():
        sync.rebuild()
        db.session.commit()
    restart(app)
    return ids


def restart(app) -> None:
    """What a new process has: no backend opened yet."""
    with app.app_context():
        backend = app.extensions.get("tt_search_backend")
        if backend is not None:
            backend.discard()
        engine.reset_backend()


def served_from_the_database(app) -> str:
    page = app.test_client().get(f"/results/?q={TITLE}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "共找到 3 项成果" in body  # all found, although the index holds nothing usable
    return body


def test_a_missing_index_directory(tmp_path, caplog):
    with own_app(tmp_path) as app:
        ids = indexed_listings(app)
        shutil.rmtree(app.config["SEARCH_INDEX_DIR"])  # lost: deleted by hand, a new disk, a bad deploy

        with caplog.at_level(logging.ERROR, logger="tt_platform.indexing.engine"):
            served_from_the_database(app)
        assert any("was missing" in r.getMessage() and REPAIR in r.getMessage() for r in caplog.records)
        # the match page says matching is unavailable rather than showing no matches
        matches = app.test_client().get(f"/matches/result/{ids[0]}")
        assert matches.status_code == 200 and MATCHING_OFF in matches.get_data(as_text=True)
        status = app.test_cli_runner().invoke(args=["search", "status"])
        assert "incomplete: created empty while the database held 3 listings" in status.output

        result = app.test_cli_runner().invoke(args=["search", "rebuild"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            backend = engine.get_backend()
            assert backend.incomplete is None and backend.count() == 3
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Achievement)) == 3  # nothing lost


def test_a_fresh_install_creates_its_index_quietly(tmp_path, caplog):
    """No listings yet: an index created empty is simply right, and serves at once."""
    with own_app(tmp_path) as app, app.app_context(), caplog.at_level(logging.WARNING):
        backend = engine.get_backend()
        assert backend.created and backend.incomplete is None
        assert not [r for r in caplog.records if r.name == "tt_platform.indexing.engine"]


def test_a_corrupt_index_directory(tmp_path, caplog):
    with own_app(tmp_path) as app:
        ids = indexed_listings(app)
        index_dir = Path(app.config["SEARCH_INDEX_DIR"])
        (index_dir / "meta.json").write_text('{"segments": [truncated')  # a torn write, a bad disk block

        with caplog.at_level(logging.ERROR, logger="tt_platform.indexing.engine"):
            served_from_the_database(app)
        assert any("cannot be opened" in r.getMessage() and REPAIR in r.getMessage() for r in caplog.records)
        assert MATCHING_OFF in app.test_client().get(f"/matches/result/{ids[0]}").get_data(as_text=True)
        assert app.test_client().get(f"/results/{ids[0]}").status_code == 200

        # a listing written while the index is unreadable waits in the outbox: nothing is lost
        with app.app_context():
            listing = db.session.get(Achievement, ids[1])
            listing.title = f"{TITLE}已更新"
            enqueue("achievement", listing.id)
            db.session.commit()
            assert sync.drain().failed is True
            db.session.commit()
            assert pending_count() == 1

        result = app.test_cli_runner().invoke(args=["search", "rebuild"])
        assert result.exit_code == 0, result.output
        kept = list(index_dir.parent.glob(f"{index_dir.name}.unreadable-*"))
        assert len(kept) == 1 and (kept[0] / "meta.json").read_text().startswith('{"segments": [truncated')
        with app.app_context():
            backend = engine.get_backend()
            assert backend.count() == 3
            assert backend.get(f"achievement:{ids[1]}").title == f"{TITLE}已更新"
            assert sync.reconcile(repair=False).__dict__ == {"missing": 0, "stale": 0, "orphans": 0}
        assert "共找到 3 项成果" in app.test_client().get(f"/results/?q={TITLE}").get_data(as_text=True)


def test_bootstrap_repairs_an_unreadable_index(tmp_path):
    """`flask bootstrap` (what `make run` and a deploy run) rebuilds an unreadable index by itself."""
    with own_app(tmp_path) as app:
        listings_in(app, 2)
        restart(app)
        index_dir = Path(app.config["SEARCH_INDEX_DIR"])
        index_dir.mkdir(parents=True, exist_ok=True)
        (index_dir / "meta.json").write_text("garbage")
        with app.app_context():  # as `flask bootstrap` runs it
            result = app.test_cli_runner().invoke(args=["bootstrap"])
        assert result.exit_code == 0, result.output
        assert "search index: building (2 listings)" in result.output
        with app.app_context():
            assert engine.get_backend().count() == 2


def test_the_first_listings_of_a_new_install_are_not_taken_for_a_lost_index(tmp_path):
    """Listings written before the index was ever opened still wait in the outbox: the new index gets them
    from the next drain, so it is not marked incomplete (pages keep using the engine)."""
    with own_app(tmp_path) as app, app.app_context():
        listing = make_achievement(make_org(OrgKind.UNIVERSITY), title=f"{TITLE}新装")
        enqueue("achievement", listing.id)
        db.session.commit()
        backend = engine.get_backend()
        assert backend.created and backend.incomplete is None
        sync.drain()
        db.session.commit()
        assert backend.count() == 1
