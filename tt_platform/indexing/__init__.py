"""Search index upkeep: the outbox, document mappings, drain/rebuild/reconcile, the in-process drain."""
from __future__ import annotations

import logging

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@event.listens_for(Session, "after_flush")
def _note_outbox(session, flush_context):
    from tt_platform.indexing.outbox import SearchOutbox

    if any(isinstance(obj, SearchOutbox) for obj in session.new):
        session.info["tt_outbox_dirty"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop("tt_outbox_dirty", False) and has_request_context():
        g.tt_drain_index = True


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("tt_outbox_dirty", None)


def init_app(app) -> None:
    from tt_platform.achievements.indexing import achievement_document
    from tt_platform.achievements.models import Achievement
    from tt_platform.database import db
    from tt_platform.demands.indexing import demand_document
    from tt_platform.demands.models import Demand
    from tt_platform.indexing import registry

    registry.register("demand", Demand, demand_document)
    registry.register("achievement", Achievement, achievement_document)

    @app.after_request
    def drain_after_commit(response):
        # The embedded default drains right after the request's commit, in-process; bigger
        # installs turn this off (TT_SEARCH_DRAIN_IN_REQUEST=0) and run `flask search drain` workers.
        if g.pop("tt_drain_index", False) and app.config["SEARCH_DRAIN_IN_REQUEST"]:
            from tt_platform.indexing import sync

            try:
                sync.drain()
                db.session.commit()
            except Exception:  # the change is committed; the outbox keeps it for the next drain
                db.session.rollback()
                log.exception("in-request index drain failed; rows stay in the outbox")
        return response
