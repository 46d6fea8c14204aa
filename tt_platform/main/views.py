"""Home page, personal dashboard, health checks."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from tt_platform.accounts.models import Organisation, Verification
from tt_platform.achievements.models import Achievement
from tt_platform.database import db
from tt_platform.demands.models import Demand
from tt_platform.listings.models import ListingStatus
from tt_platform.listings.services import public_filter
from tt_platform.security import LOGIN, PUBLIC, permission

bp = Blueprint("main", __name__)


@bp.route("/")
@permission(PUBLIC)
def index():
    def latest(model, n=6):
        return db.session.scalars(
            sa.select(model).where(public_filter(model)).order_by(model.published_at.desc(), model.id.desc())
            .limit(n)).all()

    def count(model):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(public_filter(model)))

    return render_template(
        "main/index.html", demands=latest(Demand), results=latest(Achievement),
        demand_count=count(Demand), result_count=count(Achievement),
        org_count=db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)
                                    .where(Organisation.verification == Verification.VERIFIED)),
    )


@bp.route("/dashboard")
@permission(LOGIN)
def dashboard():
    org = current_user.organisation
    mine = {}
    if org is not None:
        for name, model in (("demands", Demand), ("results", Achievement)):
            mine[name] = db.session.scalars(
                sa.select(model).where(model.organisation_id == org.id).order_by(model.updated_at.desc()).limit(100)
            ).all()
    pending_reviews = 0
    if current_user.is_operator:
        pending_reviews = sum(
            db.session.scalar(sa.select(sa.func.count()).select_from(m).where(m.status == ListingStatus.PENDING))
            for m in (Demand, Achievement))
    return render_template("main/dashboard.html", org=org, mine=mine, pending_reviews=pending_reviews)


@bp.route("/healthz")
@permission(PUBLIC)
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
@permission(PUBLIC)
def readyz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="database unavailable"), 503
    return jsonify(status="ok")
