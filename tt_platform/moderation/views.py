"""Operators' desk: review pending listings, verify organisations."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import Organisation, OrgKind, Verification
from tt_platform.database import db
from tt_platform.indexing import registry
from tt_platform.listings import services as listings
from tt_platform.listings.models import ListingStatus
from tt_platform.security import OPERATOR, permission

bp = Blueprint("moderation", __name__, url_prefix="/review")



@bp.route("/")
@permission(OPERATOR)
def queue():
    pending = {
        name: db.session.scalars(
            sa.select(e.model).where(e.model.status == ListingStatus.PENDING).order_by(e.model.updated_at).limit(200)
        ).all()
        for name, e in registry.entities().items()
    }
    org_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation).where(Organisation.verification == Verification.PENDING))
    return render_template("moderation/queue.html", pending=pending, org_count=org_count)


@bp.route("/<entity>/<int:listing_id>", methods=["POST"])
@permission(OPERATOR)
def decide(entity: str, listing_id: int):
    model = registry.model(entity)
    listing = db.session.get(model, listing_id) if model else None
    if listing is None:
        abort(404)
    try:
        listings.review(listing, current_user, request.form.get("decision", ""), request.form.get("reason"))
    except listings.InvalidTransition as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(_("Decision recorded: “%(title)s” is now %(status)s.", title=listing.title,
                status=listing.status.label), "success")
    return redirect(request.form.get("back") == "detail" and url_for(
        "demands.detail" if entity == "demand" else "achievements.detail", listing_id=listing.id)
        or url_for("moderation.queue"))


@bp.route("/organisations")
@permission(OPERATOR)
def organisations():
    state = request.args.get("state", "pending")
    if state not in {v.value for v in Verification}:
        state = "pending"
    orgs = db.session.scalars(
        sa.select(Organisation).where(Organisation.verification == Verification(state),
                                      Organisation.kind != OrgKind.OPERATOR)
        .order_by(Organisation.created_at).limit(500)
    ).all()
    return render_template("moderation/organisations.html", orgs=orgs, state=state)


@bp.route("/organisations/<int:org_id>", methods=["POST"])
@permission(OPERATOR)
def verify_organisation(org_id: int):
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    try:
        accounts.decide_verification(current_user, org, request.form.get("decision") == "verify",
                                     request.form.get("reason"))
    except accounts.AccountError as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(_("%(org)s: %(state)s.", org=org.name, state=org.verification.label), "success")
    return redirect(url_for("moderation.organisations"))
