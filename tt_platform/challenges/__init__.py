"""揭榜挂帅 challenges: 发榜 → 揭榜申报 → 形式审查 → 专家评审 → 择优/赛马 → 公示 → 任务书 → 验收."""
from __future__ import annotations

from flask_login import current_user

from tt_platform.alerts import services as alerts
from tt_platform.challenges import outreach, services


def _challenge_of_demand(demand):
    """The challenge made from a demand that the current user may see (the newest), or None."""
    return services.challenge_of_demand(demand, current_user)


def _may_issue_challenge(demand) -> bool:
    return services.may_issue_from(current_user, demand)


def init_app(app) -> None:
    # Invitations and reminders are notifications about a challenge: alerts links them here.
    alerts.register_link(outreach.KIND, outreach.link)
    # A demand's page shows its challenge (demands stand below challenges and never import them).
    app.jinja_env.globals.update(challenge_of_demand=_challenge_of_demand, may_issue_challenge=_may_issue_challenge)
