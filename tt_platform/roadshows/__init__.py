"""Roadshows (路演, 科技成果直通车): agendas of results, enterprises' registrations, intentions, outcomes."""
from __future__ import annotations

from flask import url_for

from tt_platform.contracts import origins
from tt_platform.database import db
from tt_platform.roadshows import services
from tt_platform.roadshows.models import Roadshow


def _roadshow_origin(roadshow_id: int, viewer) -> origins.DealOrigin | None:
    roadshow = db.session.get(Roadshow, roadshow_id)
    if roadshow is None or not services.can_view(viewer, roadshow):
        return None
    return origins.DealOrigin(kind=origins.ROADSHOW, id=roadshow.id, title=roadshow.title,
                              url=url_for("roadshows.detail", roadshow_id=roadshow.id))


def init_app(app) -> None:
    origins.register(origins.ROADSHOW, _roadshow_origin)
