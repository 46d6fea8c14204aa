"""Each organisation's public page with its published listings."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template

from tt_platform.accounts.models import Organisation, OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.database import db
from tt_platform.demands.models import Demand
from tt_platform.listings.services import public_filter
from tt_platform.security import PUBLIC, permission

bp = Blueprint("orgs", __name__, url_prefix="/orgs")


@bp.route("/<int:org_id>")
@permission(PUBLIC)
def detail(org_id: int):
    org = db.session.get(Organisation, org_id)
    if org is None or org.kind is OrgKind.OPERATOR and not org.is_verified:
        abort(404)
    demands = db.session.scalars(
        sa.select(Demand).where(Demand.organisation_id == org.id, public_filter(Demand))
        .order_by(Demand.published_at.desc()).limit(50)).all()
    results = db.session.scalars(
        sa.select(Achievement).where(Achievement.organisation_id == org.id, public_filter(Achievement))
        .order_by(Achievement.published_at.desc()).limit(50)).all()
    return render_template("orgs/detail.html", org=org, demands=demands, results=results)
