"""Search index upkeep: the outbox, the entity registry, drain/rebuild/reconcile, the in-process drain.

Feature packages register their entity → document mapping here from their own `init_app`
(`registry.register`), so this layer knows entity names, never features."""
from __future__ import annotations

import logging

from flask import g, has_request_context
from sqlalchemy import event

from tt_platform.database import db
from tt_platform.indexing import sync
from tt_platform.indexing.outbox import SearchOutbox

log = logging.getLogger(__name__)


def _note_outbox(session, flush_context):
    if any(isinstance(obj, SearchOutbox) for obj in session.new):
        session.info["tt_outbox_dirty"] = True


def _after_commit(session):
    if session.info.pop("tt_outbox_dirty", False) and has_request_context():
        g.tt_drain_index = True


def _after_rollback(session):
    session.info.pop("tt_outbox_dirty", None)


_LISTENERS = (("after_flush", _note_outbox), ("after_commit", _after_commit), ("after_rollback", _after_rollback))


def init_app(app) -> None:
    # On the app's own session factory (not every SQLAlchemy Session in the process); once, however
    # many apps the process builds (tests build one per test module).
    for name, listener in _LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)

    @app.after_request
    def drain_after_commit(response):
        # The embedded default drains right after the request's commit, in-process; bigger
        # installs turn this off (TT_SEARCH_DRAIN_IN_REQUEST=0) and run `flask search drain` workers.
        if g.pop("tt_drain_index", False) and app.config["SEARCH_DRAIN_IN_REQUEST"]:
            try:
                report = sync.drain()
                db.session.commit()
            except Exception:  # the change is committed; the outbox keeps it for the next drain
                db.session.rollback()
                log.exception("in-request index drain failed; rows stay in the outbox")
            else:
                try:  # a fresh listing's vector now, so every channel can rank it (cron catches up otherwise)
                    sync.embed_fresh(report.documents, app.config["SEARCH_EMBED_IN_REQUEST"])
                except Exception:
                    log.exception("in-request embedding failed; `flask search embed` will add the vectors")
        return response
