"""Shared set-up of the trading tests: a result with a confidential part, its holder and strangers."""
from __future__ import annotations

from tests.factories import make_achievement, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.trading import confidential

SECRET = "机密配方XQ7731：烧结温度曲线与掺杂比例"
NDA = "保密协议第一版：接收方不得向第三方披露本成果的任何技术资料。"


def confidential_result(mode: str = "click", secret: str = SECRET):
    """A published result whose holder wrote a confidential part; returns (result, holder, part)."""
    result = make_achievement(make_org(OrgKind.UNIVERSITY))
    holder = make_user(result.organisation)
    part = confidential.save_part(holder, result, confidential.PartData(detail=secret, access_mode=mode, nda_text=NDA))
    return result, holder, part
