"""Following listings, saving searches, and turning new listings into notifications (and e-mail).

`run()` is idempotent (one notification per subscription and listing) and is what the cron command
`flask alerts run` calls; it never runs inside a request.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from search.backends.base import BackendUnavailable
from tt_platform import mail
from tt_platform.accounts.models import User
from tt_platform.alerts.models import Notification, Subscription
from tt_platform.database import db, utcnow
from tt_platform.indexing import registry
from tt_platform.listings import browse, search
from tt_platform.listings import services as listings
from tt_platform.matching import services as matching
from tt_platform.security import NotAllowed, NotFound

log = logging.getLogger(__name__)
MAX_PER_USER = 100
ENDPOINTS = {"demand": "demands.detail", "achievement": "achievements.detail"}
#: Where notifications about other things link to (a challenge, a milestone…), registered by the feature
#: that owns them from its init_app: kind → function(object id) → URL.
_LINKS: dict = {}


def register_link(kind: str, build) -> None:
    """A feature's notifications of `kind` link to `build(object_id)`; alerts never imports the feature."""
    _LINKS[kind] = build


def notification_url(notification: Notification) -> str:
    if notification.listing_type in _LINKS:
        return _LINKS[notification.listing_type](notification.listing_id)
    return url_for(ENDPOINTS[notification.listing_type], listing_id=notification.listing_id)


def notify(user: User, kind: str, object_id: int, message: str, *, mail_subject: str | None = None) -> bool:
    """A notification about something a feature registered a link for; once per user, object and
    message (so a command that runs from cron can call it again safely). With `mail_subject`, an e-mail
    too (unless mail goes to the console). True when it was new. The caller commits."""
    message = message[:500]
    exists = db.session.scalar(sa.select(Notification.id).where(
        Notification.user_id == user.id, Notification.listing_type == kind, Notification.listing_id == object_id,
        Notification.message == message))
    if exists is not None:
        return False
    db.session.add(Notification(user_id=user.id, listing_type=kind, listing_id=object_id, message=message))
    if mail_subject and current_app.config["MAIL_BACKEND"] != "console":
        with force_locale(user.locale or current_app.config["DEFAULT_LOCALE"]):
            url = _LINKS[kind](object_id) if kind in _LINKS else ""
            mail.send(user.email, mail_subject, f"{message}\n{url}")
    return True


class AlertError(Exception):
    pass


def _count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Subscription.user_id == user.id)) or 0


def follow(user: User, listing) -> Subscription:
    """Follow a listing the user can see: new matching listings will be notified."""
    if not listings.can_view(user, listing):
        raise NotFound()
    existing = db.session.scalar(sa.select(Subscription).where(
        Subscription.user_id == user.id, Subscription.kind == "follow",
        Subscription.listing_type == listing.entity_type, Subscription.listing_id == listing.id))
    if existing is not None:
        return existing
    if _count(user) >= MAX_PER_USER:
        raise AlertError(_("You already have %(n)d subscriptions; remove some first.", n=MAX_PER_USER))
    sub = Subscription(user_id=user.id, kind="follow", listing_type=listing.entity_type, listing_id=listing.id,
                       name=listing.title[:200])
    db.session.add(sub)
    return sub


def save_search(user: User, search_kind: str, args, name: str | None = None) -> Subscription:
    """Save the filters of a list page; listings published later that it finds will be notified."""
    if search_kind not in ENDPOINTS:
        raise AlertError(_("Unknown kind of listing."))
    params = browse.parse(args)
    query = params.query_args(page="", sort="")
    if not query:
        raise AlertError(_("Choose a keyword or a filter before saving a search."))
    if _count(user) >= MAX_PER_USER:
        raise AlertError(_("You already have %(n)d subscriptions; remove some first.", n=MAX_PER_USER))
    label = (name or "").strip()[:200] or " · ".join(str(v) for v in query.values())[:200]
    sub = Subscription(user_id=user.id, kind="search", search_kind=search_kind, query=query, name=label)
    db.session.add(sub)
    return sub


def own_subscription(user: User, subscription_id: int) -> Subscription:
    sub = db.session.get(Subscription, subscription_id)
    if sub is None:
        raise NotFound()
    if sub.user_id != user.id:
        raise NotAllowed(_("This subscription belongs to someone else."))
    return sub


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user: User) -> int:
    result = db.session.execute(sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount or 0


@dataclass
class RunReport:
    subscriptions: int = 0
    notifications: int = 0
    mails: int = 0
    failed: int = 0


def _new_listings(sub: Subscription) -> list:
    """Listings published after the subscription was last checked that it would show."""
    if sub.kind == "follow":
        model = registry.model(sub.listing_type)
        followed = db.session.get(model, sub.listing_id) if model else None
        if followed is None or not listings.can_view(sub.user, followed):
            return []
        # a match counts when it shares technical terms with the followed listing (the funnel's rule):
        # the top 20 of a listing with no real counterpart yet are only the least unrelated
        found = [row.listing for row in matching.matches_for(followed, limit=20) if row.match.shared_terms]
    else:
        params = browse.parse(MultiDict(sub.query or {}))
        params.sort, params.page = "newest", 1
        # a saved search alerts on listings that hold every word, never on near misses
        page, _facets, _terms = search.search_page(sub.search_kind, params, per_page=50, relax=False)
        found = page.items
    return [item for item in found if item.published_at and item.published_at > sub.checked_at
            and listings.can_view(sub.user, item)]


def run(now=None, *, send_mail: bool = True) -> RunReport:
    """Check every subscription once; notify each new listing once; e-mail when SMTP is configured
    (and `send_mail`: the demo's first run writes in-app notifications only)."""
    if not has_request_context():  # cron: links in e-mails are built against the public address
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return run(now, send_mail=send_mail)
    now = now or utcnow()
    report = RunReport()
    subs = db.session.scalars(sa.select(Subscription).order_by(Subscription.id)).all()
    for sub in subs:
        report.subscriptions += 1
        try:
            fresh = _new_listings(sub)
        except BackendUnavailable as exc:
            log.warning("alerts: search unavailable for subscription %s: %s", sub.id, exc)
            report.failed += 1
            continue  # checked_at stays: the next run catches up
        lines = []
        for item in fresh:
            exists = db.session.scalar(sa.select(Notification.id).where(
                Notification.subscription_id == sub.id, Notification.listing_type == item.entity_type,
                Notification.listing_id == item.id))
            if exists:
                continue
            with force_locale(sub.user.locale or current_app.config["DEFAULT_LOCALE"]):
                message = (_("New match for “%(name)s”: %(title)s", name=sub.name, title=item.title)
                           if sub.kind == "follow" else
                           _("New listing for your saved search “%(name)s”: %(title)s", name=sub.name,
                             title=item.title))
            db.session.add(Notification(user_id=sub.user_id, subscription_id=sub.id, listing_type=item.entity_type,
                                        listing_id=item.id, message=message[:500]))
            lines.append(f"{message}\n{url_for(ENDPOINTS[item.entity_type], listing_id=item.id, _external=True)}")
            report.notifications += 1
        sub.checked_at = now
        if lines and send_mail and current_app.config["MAIL_BACKEND"] != "console":
            with force_locale(sub.user.locale or current_app.config["DEFAULT_LOCALE"]):
                mail.send(sub.user.email, _("New listings for your subscriptions"), "\n\n".join(lines))
            report.mails += 1
    return report
