"""The match pages' caches (tt_platform/page_cache.py): the ranking and each suggestion's card are kept per
worker, and what belongs to the viewer (grades, grade forms with their CSRF token, the right to see the
page at all) is built for every request; an edit, a withdrawal or a new listing shows at once after the
drain, and each locale has its own cards."""
import re

import pytest
from flask import g

from tests.corpus import ice_corpus as corpus
from tests.factories import make_achievement, make_broker, make_operator, make_org, make_user
from tt_platform import page_cache
from tt_platform.accounts.models import OrgKind
from tt_platform.indexing import outbox, sync
from tt_platform.listings.models import ListingStatus
from tt_platform.matching import services


@pytest.fixture
def caching(app, monkeypatch):
    """The caches switched on (the test configuration has them off) and empty; counts the rankings the
    pipeline computes."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_ENTRIES", 100)
    with app.app_context():
        page_cache.clear_all()
    computed = []
    original = services._Pipeline.candidates_for

    def counting(self, target, limit, **kw):
        computed.append(target)
        return original(self, target, limit, **kw)

    monkeypatch.setattr(services._Pipeline, "candidates_for", counting)
    yield computed
    with app.app_context():
        page_cache.clear_all()


def _cards(html: str) -> list[str]:
    return re.findall(r'id="m-(achievement-\d+|demand-\d+)"', html)


def test_a_second_view_reuses_the_ranking_and_the_cards(client, db, index, caching):
    ice, _battery, _hidden, demand = corpus(db)
    first = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert caching == ["achievement", "demand"]  # the other side, and similar listings
    fragments = page_cache.cache("fragments")
    hits, misses = fragments.hits, fragments.misses
    second = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert caching == ["achievement", "demand"]  # nothing ranked again
    assert fragments.misses == misses and fragments.hits - hits > len(_cards(first)) > 0  # the cards and the head
    assert second == first and f'href="/results/{ice.id}"' in second


def test_cached_cards_never_carry_a_viewers_grade_or_token(login, client, db, index, caching):
    ice, _battery, _hidden, demand = corpus(db)
    broker_user = make_broker()
    broker = login(broker_user)
    broker.post(f"/matches/demand/{demand.id}/grade",
                data={"target": f"achievement:{ice.id}", "grade": "3", "reason": "经纪人甲的理由"})
    mine = broker.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert "my-grade" in mine and 'value="经纪人甲的理由"' in mine
    token = re.search(r'name="csrf_token" value="([^"]+)"', mine).group(1)
    g.pop("csrf_token", None)  # the test clients' requests share the test's `g`; a server's requests do not

    other = login(make_broker()).get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert "my-grade" not in other and 'value="经纪人甲的理由"' not in other  # not this broker's grade
    assert "grade-form" in other and token not in other  # its own forms, with its own token
    assert caching == ["achievement", "demand"]  # from the cache all the same
    anonymous = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert "grade-form" not in anonymous and "csrf_token" not in anonymous and "Open a case" not in anonymous
    assert _cards(anonymous) == _cards(mine)


def test_a_cached_ranking_is_no_permission(login, client, db, index, caching):
    _ice, _battery, hidden, _demand = corpus(db)
    owner = login(make_user(hidden.organisation))
    assert owner.get(f"/matches/result/{hidden.id}").status_code == 200  # the draft's ranking is now kept
    assert client.get(f"/matches/result/{hidden.id}").status_code == 404
    assert login(make_user(make_org(OrgKind.UNIVERSITY))).get(f"/matches/result/{hidden.id}").status_code == 404


def test_each_locale_gets_its_own_cards(client, db, index, caching):
    _ice, _battery, _hidden, demand = corpus(db)
    chinese = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert "相同技术领域" in chinese and "Same technology field" not in chinese
    assert "Same technology field" in english and "相同技术领域" not in english
    assert caching == ["achievement", "demand"]  # the ranking itself is the same in both


def test_an_edit_a_withdrawal_and_a_new_listing_show_at_once_after_the_drain(login, client, db, index, caching):
    ice, _battery, _hidden, demand = corpus(db)
    url = f"/matches/demand/{demand.id}"
    assert f'href="/results/{ice.id}"' in client.get(url).get_data(as_text=True)

    ice.title = "风力发电机叶片覆冰在线监测系统（改）"
    outbox.enqueue(ice.entity_type, ice.id)
    db.session.commit()
    sync.drain()
    assert "系统（改）</a>" in client.get(url).get_data(as_text=True)

    newcomer = make_achievement(make_org(OrgKind.UNIVERSITY), title="叶片除冰与结冰监测装置", keywords="结冰,除冰,风电",
                                field_code="T06", status=ListingStatus.PENDING)
    assert login(make_operator()).post(f"/review/achievement/{newcomer.id}",
                                       data={"decision": "approve"}).status_code == 302
    assert f'href="/results/{newcomer.id}"' in client.get(url).get_data(as_text=True)

    owner = login(make_user(ice.organisation, kind=OrgKind.UNIVERSITY))
    assert owner.post(f"/results/{ice.id}/status", data={"status": "closed"}).status_code == 302
    assert f'href="/results/{ice.id}"' not in client.get(url).get_data(as_text=True)
    assert len(caching) == 8  # ranked again after each of the three changes
