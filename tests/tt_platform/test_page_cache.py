"""The response cache of the anonymous list pages (tt_platform/page_cache.py): served from the cache while
the index and the term table are unchanged, never to a logged-in user, one copy per locale, invalidated
by a publication or a withdrawal (the change shows on the next request after the drain), with the
headers that keep shared caches from mixing visitors."""
import pytest

from tests.factories import make_demand, make_operator, make_user
from tt_platform import page_cache
from tt_platform.listings.models import ListingStatus
from tt_platform.vocabulary import services as vocabulary


@pytest.fixture
def caching(app, monkeypatch):
    """The caches switched on (the test configuration has them off) and empty."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_ENTRIES", 100)
    with app.app_context():
        page_cache.clear_all()
    yield
    with app.app_context():
        page_cache.clear_all()


def test_lru_bounds_entries_bytes_and_age(monkeypatch):
    lru = page_cache.LRU(max_entries=2, max_bytes=400, ttl=10)
    lru.put("a", 1, 10)
    lru.put("b", 2, 10)
    assert lru.get("a") == 1  # "a" is now the most recent: "b" goes first
    lru.put("c", 3, 10)
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, None, 3)
    assert not lru.put("big", 4, 101)  # over a quarter of the byte bound: not kept
    lru.put("d", 4, 100)
    lru.put("e", 5, 100)
    lru.put("f", 6, 100)
    assert len(lru) == 2 and lru.bytes == 200
    clock = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: clock[0])
    lru.put("g", 7, 1)
    clock[0] += 11
    assert lru.get("g") is None and "g" not in lru._data


def test_anonymous_list_page_is_cached_until_a_publication_or_withdrawal(client, login, db, index, caching):
    shown = make_demand(title="缓存可见需求")
    pending = make_demand(shown.organisation, title="待审核缓存需求", status=ListingStatus.PENDING)
    from tt_platform.indexing import sync
    sync.rebuild()

    first = client.get("/demands/")
    assert first.headers[page_cache.HEADER] == "miss"
    second = client.get("/demands/")
    assert second.headers[page_cache.HEADER] == "hit"
    assert second.get_data() == first.get_data()
    assert shown.title in second.get_data(as_text=True) and pending.title not in second.get_data(as_text=True)

    # an operator publishes the pending demand: the request's drain commits the index, a new generation
    assert login(make_operator()).post(f"/review/demand/{pending.id}", data={"decision": "approve"}).status_code == 302
    after = client.get("/demands/")
    assert after.headers[page_cache.HEADER] == "miss" and pending.title in after.get_data(as_text=True)

    # its owner withdraws the other one: gone from the next anonymous page
    owner = login(make_user(shown.organisation))
    assert owner.post(f"/demands/{shown.id}/status", data={"status": "closed"}).status_code == 302
    html = client.get("/demands/").get_data(as_text=True)
    assert shown.title not in html and pending.title in html


def test_a_new_term_table_version_is_a_new_generation(client, db, index, caching):
    make_demand(title="术语缓存需求")
    from tt_platform.indexing import sync
    sync.rebuild()
    assert client.get("/demands/").headers[page_cache.HEADER] == "miss"
    assert client.get("/demands/").headers[page_cache.HEADER] == "hit"
    vocabulary.save(make_operator(), "锂电池,锂离子电池")
    db.session.commit()
    assert client.get("/demands/").headers[page_cache.HEADER] == "miss"


def test_logged_in_users_never_get_a_cached_page(client, login, db, index, caching):
    demand = make_demand(title="登录不缓存需求")
    from tt_platform.indexing import sync
    sync.rebuild()
    assert client.get("/results/").headers[page_cache.HEADER] == "miss"
    assert client.get("/results/").headers[page_cache.HEADER] == "hit"
    member = login(make_user(demand.organisation))
    for _ in range(2):
        response = member.get("/results/")
        assert page_cache.HEADER not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
        assert "csrf_token" in response.get_data(as_text=True)  # the log-out form: this member's own token
    # and what a member's page rendered was not kept for visitors
    assert "csrf_token" not in client.get("/results/").get_data(as_text=True)


def test_each_locale_has_its_own_copy(client, db, index, caching):
    make_demand(title="语言缓存需求")
    from tt_platform.indexing import sync
    sync.rebuild()
    chinese = client.get("/demands/")
    assert chinese.headers[page_cache.HEADER] == "miss" and 'lang="zh-CN"' in chinese.get_data(as_text=True)
    client.get("/lang/en")
    english = client.get("/demands/")
    assert english.headers[page_cache.HEADER] == "miss" and '<html lang="en">' in english.get_data(as_text=True)
    assert client.get("/demands/").headers[page_cache.HEADER] == "hit"
    client.get("/lang/zh_CN")
    again = client.get("/demands/")
    assert again.headers[page_cache.HEADER] == "hit" and again.get_data() == chinese.get_data()
    # another URL (a filter, a page) is another entry
    assert client.get("/demands/?sort=oldest").headers[page_cache.HEADER] == "miss"


def test_headers_etag_and_304(client, db, index, caching):
    make_demand(title="标头缓存需求")
    from tt_platform.indexing import sync
    sync.rebuild()
    first = client.get("/demands/")
    assert first.headers["Cache-Control"] == "no-cache"
    assert "Cookie" in first.headers["Vary"]
    assert "Set-Cookie" not in first.headers
    etag = first.headers["ETag"]
    revalidated = client.get("/demands/", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304 and revalidated.get_data() == b""
    assert client.get("/demands/", headers={"If-None-Match": '"other"'}).status_code == 200


def test_pages_with_a_flashed_message_or_from_the_database_are_not_cached(client, db, index, caching, monkeypatch):
    make_demand(title="闪现缓存需求")
    from tt_platform.indexing import sync
    sync.rebuild()
    with client.session_transaction() as sess:
        sess["_flashes"] = [("info", "一条只给这位访客的消息")]
    flashed = client.get("/demands/")
    assert page_cache.HEADER not in flashed.headers and "一条只给这位访客的消息" in flashed.get_data(as_text=True)
    assert "一条只给这位访客的消息" not in client.get("/demands/").get_data(as_text=True)

    from search.backends.base import BackendUnavailable
    from tt_platform.listings import search

    def unavailable(*args, **kwargs):
        raise BackendUnavailable("switched off for this test")

    page_cache.clear_all()
    monkeypatch.setattr(search, "search_page", unavailable)  # the generation is known, the search fails
    for _ in range(2):
        assert page_cache.HEADER not in client.get("/demands/?q=闪现").headers
