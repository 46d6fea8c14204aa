"""Brokerage: technology brokers' matchmaking cases (撮合案例) with their pipeline, notes, tasks and documents."""
from __future__ import annotations

from flask import url_for

from search.documents import doc_id
from tt_platform.brokerage import services
from tt_platform.brokerage.models import Stage
from tt_platform.contracts import origins
from tt_platform.judgments import signals


def _case_origin(case_id: int, viewer) -> origins.DealOrigin | None:
    case = services.get_visible(case_id, viewer)
    if case is None:
        return None
    return origins.DealOrigin(
        kind=origins.CASE, id=case.id, title=case.title, url=url_for("brokerage.detail", case_id=case.id),
        roadshow_id=case.roadshow_id, demand_id=case.demands[0].id if case.demands else None,
        achievement_id=case.results[0].id if case.results else None)


def stage_label(value: str) -> str:
    return Stage(value).label if value in Stage.__members__.values() else value


def _pair_signals():
    """Relevance signals for matching: each demand–result pair a case brought together (and whether a
    contract was signed in that case), both directions."""
    for action, demand_id, achievement_id in services.case_pairs():
        yield doc_id("demand", demand_id), doc_id("achievement", achievement_id), action
        yield doc_id("achievement", achievement_id), doc_id("demand", demand_id), action


def init_app(app) -> None:
    origins.register(origins.CASE, _case_origin)
    signals.register(_pair_signals)
    app.jinja_env.globals.update(stage_label=stage_label)
