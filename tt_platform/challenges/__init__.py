"""揭榜挂帅 challenges: 发榜 → 揭榜申报 → 形式审查 → 专家评审 → 择优/赛马 → 公示 → 任务书 → 验收."""
from __future__ import annotations

from tt_platform.alerts import services as alerts
from tt_platform.challenges import outreach


def init_app(app) -> None:
    # Invitations and reminders are notifications about a challenge: alerts links them here.
    alerts.register_link(outreach.KIND, outreach.link)
