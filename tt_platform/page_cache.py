"""Caches of rendered pages and fragments, in each worker process (issue 21's load targets).

Why in-process: there is no shared cache server in this deployment (no Redis, no memcached), the pages
cached are cheap to hold (a list page is ~25 KB) and each of the few workers fills its own copy in
seconds. Each cache is a least-recently-used map bounded both by entries and by bytes, with a time
limit on every entry: correctness never depends on it, because every key carries a *generation* that
changes whenever what the page shows can change (the search index's commit, the related-term table's
version, ...); the time limit only bounds how long data the generation does not cover (an organisation's
new name on a card) can lag behind.

Three users:
- `anonymous_page`: a whole GET response of a public page for visitors who are not logged in, keyed by
  the full URL, the locale and the page's generation, with an ETag (a repeat visit revalidates to a 304);
- `fragment`: a piece of a template that does not depend on the viewer (`{% call fragment(key) %}`);
- `LRU` itself, for computed values (the match pages' rankings).
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps

from flask import current_app, g, make_response, request, session
from flask_login import current_user
from markupsafe import Markup

from tt_platform.i18n import locale_code

#: the response header that says whether a page came from the cache (benchmarks and tests read it)
HEADER = "X-Page-Cache"


class LRU:
    """A thread-safe least-recently-used map bounded by entries and by bytes; entries expire after
    `ttl` seconds. A value larger than a quarter of the byte bound is not kept."""

    def __init__(self, max_entries: int, max_bytes: int, ttl: float):
        self.max_entries, self.max_bytes, self.ttl = max_entries, max_bytes, ttl
        self._data: OrderedDict[Hashable, tuple[object, int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Hashable):
        """The value, or None when absent or expired."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None or entry[2] < time.monotonic():
                if entry is not None:
                    self._drop(key)
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: object, size: int) -> bool:
        """Keep `value` (`size` bytes, as the caller counts them); False when it is too large to keep."""
        if self.max_entries <= 0 or size > self.max_bytes // 4:
            return False
        with self._lock:
            if key in self._data:
                self._drop(key)
            self._data[key] = (value, size, time.monotonic() + self.ttl)
            self.bytes += size
            while len(self._data) > self.max_entries or self.bytes > self.max_bytes:
                self._drop(next(iter(self._data)))
        return True

    def _drop(self, key: Hashable) -> None:
        _value, size, _expires = self._data.pop(key)
        self.bytes -= size

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.bytes = 0


def cache(name: str) -> LRU:
    """The app's cache called `name`, made on first use with the PAGE_CACHE_* settings."""
    caches = current_app.extensions.setdefault("tt_page_caches", {})
    cfg = current_app.config
    settings = (int(cfg["PAGE_CACHE_ENTRIES"]), int(cfg["PAGE_CACHE_BYTES"]), float(cfg["PAGE_CACHE_TTL"]))
    found = caches.get(name)
    if found is None or (found.max_entries, found.max_bytes, found.ttl) != settings:  # new settings: a new cache
        found = caches[name] = LRU(*settings)
    return found


def clear_all() -> None:
    """Empty every cache of this process (tests; an operator's repair)."""
    for lru in current_app.extensions.get("tt_page_caches", {}).values():
        lru.clear()


def skip() -> None:
    """This response must not be cached (e.g. a list page served from the database because the search
    engine was unavailable: no generation describes it)."""
    g.tt_page_cache_skip = True


def _anonymous_get() -> bool:
    return (request.method == "GET" and current_app.config["PAGE_CACHE_ENTRIES"] > 0
            and not current_user.is_authenticated and not session.get("_flashes"))


def _session_state() -> dict:
    # Flask-Login marks the session of a visitor who is not logged in "not fresh" on every request (its
    # basic session protection): that is no change of what a page shows.
    return {k: v for k, v in session.items() if k != "_fresh"}


def _storable(response, session_before: dict) -> bool:
    """Only a plain 200 HTML page that holds nothing of this visitor's: the view set no cookie, changed
    nothing in the session (a login, a flashed message), generated no CSRF token (it would be served to
    everyone), and did not say `skip()`. (The session cookie Flask may send back is added to this
    visitor's response after the view; it is never part of what is kept.)"""
    return (response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough
            and "Set-Cookie" not in response.headers and _session_state() == session_before
            and "csrf_token" not in g and not g.get("tt_page_cache_skip") and not current_user.is_authenticated)


def _finish(response, etag: str, state: str):
    # no-cache: a browser (or proxy) may keep the page but asks again each time, with If-None-Match;
    # Vary: Cookie, because the session cookie carries the login and the chosen language.
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")
    response.set_etag(etag)
    response.headers[HEADER] = state
    return response.make_conditional(request)


def anonymous_page(generation: Callable[[], Hashable | None]):
    """Serve a public GET page to visitors who are not logged in from the cache while `generation()`
    (read before the page is built, so a cached page is never older than its key) is unchanged. A
    generation of None means: cannot tell, do not cache. Logged-in users always get a fresh page."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not _anonymous_get():
                return view(*args, **kwargs)
            # what `_storable` reads of `g` must be this request's (a test client's requests share one `g`)
            g.pop("tt_page_cache_skip", None)
            g.pop("csrf_token", None)
            gen = generation()
            if gen is None:
                return view(*args, **kwargs)
            pages = cache("pages")
            key = (request.url, locale_code(), gen)
            hit = pages.get(key)
            if hit is not None:
                body, content_type, etag = hit
                return _finish(current_app.response_class(body, 200, content_type=content_type), etag, "hit")
            before = _session_state()
            response = make_response(view(*args, **kwargs))
            if not _storable(response, before):
                return response
            body = response.get_data()
            etag = hashlib.blake2b(body, digest_size=12).hexdigest()
            pages.put(key, (body, response.content_type, etag), len(body) + len(request.url) + 200)
            return _finish(response, etag, "miss")

        return wrapper

    return decorate


def fragment(*key: Hashable, caller) -> Markup:
    """`{% call cached_fragment('name', part, ...) %}…{% endcall %}`: the block's rendered HTML, kept per
    key and locale. The key must name everything the block reads; the block must not depend on the viewer.
    A key with a None part, or caching off (PAGE_CACHE_ENTRIES = 0), renders the block every time."""
    if any(part is None for part in key):
        return caller()
    full = ("fragment", locale_code(), *key)
    frags = cache("fragments")
    found = frags.get(full)
    if found is None:
        found = caller()  # Markup: the block is rendered by the autoescaping environment
        frags.put(full, found, len(found) * 2 + 100)
    return found


def init_app(app) -> None:
    app.jinja_env.globals["cached_fragment"] = fragment
