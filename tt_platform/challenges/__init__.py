"""揭榜挂帅 challenges: 发榜 → 揭榜申报 → 形式审查 → 专家评审 → 择优/赛马 → 公示 → 任务书 → 验收."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform.alerts import services as alerts
from tt_platform.challenges import outreach, services
from tt_platform.challenges.models import Challenge
from tt_platform.contracts import origins
from tt_platform.database import db

CHALLENGE = "challenge"


def _challenge_of_demand(demand):
    """The challenge made from a demand that the current user may see (the newest), or None."""
    return services.challenge_of_demand(demand, current_user)


def _may_issue_challenge(demand) -> bool:
    return services.may_issue_from(current_user, demand)


def _challenge_origin(contract, viewer) -> origins.DealOrigin | None:
    """The challenge whose final acceptance drafted the contract, when the viewer may see it."""
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.contract_id == contract.id))
    if challenge is None or not services.can_view(viewer, challenge):
        return None
    return origins.DealOrigin(kind=CHALLENGE, id=challenge.id, title=challenge.title,
                              url=url_for("challenges.detail", challenge_id=challenge.id),
                              demand_id=challenge.demand_id, label=_("Challenges (揭榜挂帅)"))


def init_app(app) -> None:
    # Invitations and reminders are notifications about a challenge: alerts links them here.
    alerts.register_link(outreach.KIND, outreach.link)
    # A demand's page shows its challenge (demands stand below challenges and never import them).
    app.jinja_env.globals.update(challenge_of_demand=_challenge_of_demand, may_issue_challenge=_may_issue_challenge)
    # A contract drafted at final acceptance shows the challenge it came from (contracts never import us).
    origins.register_for_contract(CHALLENGE, _challenge_origin)
