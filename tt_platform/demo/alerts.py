"""Demo follows and saved searches, so the notification page shows what alerts do.

They are dated back: the first start's alert run (`flask bootstrap`) then notifies the matching
listings published since, exactly as the cron job would for a real subscriber."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from tt_platform.accounts.models import User
from tt_platform.achievements.models import Achievement
from tt_platform.alerts import services as alerts
from tt_platform.database import db, utcnow
from tt_platform.demands.models import Demand
from tt_platform.listings.models import ListingStatus

#: How far back each demo subscription was "last checked", by what it notifies: a third of the demo's
#: results (published over a year) and half of its demands (over four months) are newer, so a
#: follow's top 20 matches hold some new ones whatever the ranking, and not all of them.
CHECKED_DAYS_AGO = {"achievement": 120, "demand": 60}


def load_alerts(users: dict[str, User]) -> int:
    now = utcnow()
    subscriptions = []
    enterprise, university = users["enterprise@demo.example.cn"], users["university@demo.example.cn"]
    for user, model, notified in ((enterprise, Demand, "achievement"), (university, Achievement, "demand")):
        own = db.session.scalars(sa.select(model).where(
            model.organisation_id == user.memberships[0].organisation_id, model.status == ListingStatus.PUBLISHED)
            .order_by(model.id).limit(1)).first()
        if own is not None:
            subscriptions.append((alerts.follow(user, own), notified))
    subscriptions += [
        (alerts.save_search(enterprise, "achievement", MultiDict({"q": "电池"}), name="电池相关的新成果"),
         "achievement"),
        (alerts.save_search(university, "demand", MultiDict({"q": "检测"}), name="检测类技术需求"), "demand"),
    ]
    for subscription, notified in subscriptions:
        subscription.created_at = subscription.checked_at = now - dt.timedelta(days=CHECKED_DAYS_AGO[notified])
    db.session.flush()
    return len(subscriptions)
