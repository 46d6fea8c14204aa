"""Follow a listing, save a search, read notifications."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform.alerts import services
from tt_platform.alerts.models import Notification, Subscription
from tt_platform.database import db
from tt_platform.indexing import registry
from tt_platform.security import LOGIN, permission

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
LIST_ENDPOINTS = {"demand": "demands.index", "achievement": "achievements.index"}


@bp.route("/")
@permission(LOGIN)
def index():
    subs = db.session.scalars(sa.select(Subscription).where(Subscription.user_id == current_user.id)
                              .order_by(Subscription.created_at.desc())).all()
    notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == current_user.id)
                               .order_by(Notification.created_at.desc()).limit(200)).all()
    return render_template("alerts/index.html", subscriptions=subs, notifications=notes,
                           listing_endpoints=services.ENDPOINTS, list_endpoints=LIST_ENDPOINTS,
                           notification_url=services.notification_url)


@bp.route("/follow/<kind>/<int:listing_id>", methods=["POST"])
@permission(LOGIN)
def follow(kind: str, listing_id: int):
    model = registry.model(kind)
    listing = db.session.get(model, listing_id) if model else None
    if listing is None:
        abort(404)
    try:
        services.follow(current_user, listing)
    except services.AlertError as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(_("You follow this listing: new matches will appear in your notifications."), "success")
    return redirect(url_for(services.ENDPOINTS[kind], listing_id=listing_id))


@bp.route("/searches", methods=["POST"])
@permission(LOGIN)
def save_search():
    kind = request.form.get("kind", "")
    try:
        services.save_search(current_user, kind, request.form, request.form.get("name"))
    except services.AlertError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(LIST_ENDPOINTS.get(kind, "demands.index")))
    db.session.commit()
    flash(_("Search saved: new listings it finds will appear in your notifications."), "success")
    return redirect(url_for("alerts.index"))


@bp.route("/<int:subscription_id>/delete", methods=["POST"])
@permission(LOGIN)
def delete(subscription_id: int):
    sub = services.own_subscription(current_user, subscription_id)
    db.session.delete(sub)
    db.session.commit()
    flash(_("Subscription removed."), "info")
    return redirect(url_for("alerts.index"))


@bp.route("/read", methods=["POST"])
@permission(LOGIN)
def mark_read():
    services.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("alerts.index"))
