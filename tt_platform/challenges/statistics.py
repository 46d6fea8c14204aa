"""揭榜挂帅 statistics: challenges published, applications per challenge, success rate, bounty committed
and paid, by technology field or by the issuer's province. Sums in fen, counted by SQL."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import money, taxonomy
from tt_platform.challenges.models import (
    PUBLIC_STATES,
    Application,
    ApplicationStatus,
    Challenge,
    ChallengeState,
    Milestone,
    Payment,
)
from tt_platform.database import CHINA, db

#: A challenge "succeeded" once a winner was selected; "ended" once selected or 流榜.
WON = (ChallengeState.SELECTED, ChallengeState.IMPLEMENTING, ChallengeState.ACCEPTED)
GROUPINGS = ("field", "region")


@dataclass
class Row:
    key: str
    label: str
    published: int = 0
    applications: int = 0
    won: int = 0
    failed: int = 0
    committed_fen: int = 0  #: bounties of challenges with a winner
    paid_fen: int = 0  #: payments recorded against their milestones

    @property
    def per_challenge(self) -> Decimal:
        return (Decimal(self.applications) / self.published if self.published else Decimal(0)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def success_rate(self) -> Decimal | None:
        """Per cent of the challenges that ended (a winner or 流榜) which found a winner."""
        ended = self.won + self.failed
        return (Decimal(100 * self.won) / ended).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if ended else None


@dataclass
class Table:
    grouping: str
    rows: list[Row] = field(default_factory=list)
    totals: Row = field(default_factory=lambda: Row("", ""))


def table(grouping: str, *, start: dt.date | None = None, end: dt.date | None = None, region: str | None = None,
          field_code: str | None = None, demo: bool | None = None) -> Table:
    """One row per field (or province) with any public challenge, and the totals; optionally only the
    challenges published from `start` to `end` (Beijing dates), of issuers in `region` (a province or
    city code prefix), in `field_code`, demo ones or not (the statistics dashboard's filters)."""
    key = (Challenge.field_code if grouping == "field"
           else sa.func.substr(Challenge.region_code, 1, 2))
    conditions = [Challenge.state.in_(PUBLIC_STATES)]
    if start is not None:
        conditions.append(Challenge.published_at >= dt.datetime.combine(start, dt.time(), CHINA))
    if end is not None:
        conditions.append(Challenge.published_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CHINA))
    if region:
        conditions.append(sa.func.substr(Challenge.region_code, 1, len(region)) == region)
    if field_code:
        conditions.append(Challenge.field_code == field_code)
    if demo is not None:
        conditions.append(Challenge.is_demo.is_(demo))
    public = sa.and_(*conditions)
    counted = ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED, ApplicationStatus.COMPLETE
    base = db.session.execute(sa.select(
        key, sa.func.count(Challenge.id),
        sa.func.count(Challenge.id).filter(Challenge.state.in_(WON)),
        sa.func.count(Challenge.id).filter(Challenge.state == ChallengeState.FAILED),
        sa.func.coalesce(sa.func.sum(Challenge.bounty_fen).filter(Challenge.state.in_(WON)), 0),
    ).where(public).group_by(key)).all()
    applications = dict(db.session.execute(sa.select(key, sa.func.count(Application.id)).join(
        Application, Application.challenge_id == Challenge.id).where(public, Application.status.in_(counted))
        .group_by(key)).all())
    paid = dict(db.session.execute(sa.select(key, sa.func.coalesce(sa.func.sum(Payment.amount_fen), 0))
                                   .join(Application, Application.challenge_id == Challenge.id)
                                   .join(Milestone, Milestone.application_id == Application.id)
                                   .join(Payment, Payment.milestone_id == Milestone.id)
                                   .where(public).group_by(key)).all())
    result = Table(grouping)
    for code, published, won, failed, committed in base:
        label = (taxonomy.field_label(code) if grouping == "field"
                 else taxonomy.region_label(f"{code}0000"))
        row = Row(code, label, published, int(applications.get(code, 0)), won, failed, int(committed),
                  int(paid.get(code, 0)))
        result.rows.append(row)
    result.rows.sort(key=lambda r: r.key)
    totals = result.totals
    totals.label = _("Total")
    for row in result.rows:
        for name in ("published", "applications", "won", "failed", "committed_fen", "paid_fen"):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    return result


def export_rows(result: Table) -> tuple[list[str], list[list]]:
    headers = [_("Code"), _("Technology field") if result.grouping == "field" else _("Province"),
               _("Challenges published"), _("Applications"), _("Applications per challenge"),
               _("With a winner"), _("No winner (流榜)"), _("Success rate (per cent)"),
               _("Bounty committed (万元)"), _("Bounty paid (万元)")]
    rows = [[r.key, r.label, r.published, r.applications, r.per_challenge, r.won, r.failed, r.success_rate,
             money.fen_to_wan(r.committed_fen), money.fen_to_wan(r.paid_fen)]
            for r in [*result.rows, result.totals]]
    return headers, rows
