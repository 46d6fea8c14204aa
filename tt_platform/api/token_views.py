"""Account page for personal API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform.api import tokens
from tt_platform.database import db, parse_id
from tt_platform.security import LOGIN, permission

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


@bp.route("/", methods=["GET", "POST"])
@permission(LOGIN)
def index():
    secret = None
    if request.method == "POST":
        try:
            if request.form.get("revoke"):
                tokens.revoke(current_user, parse_id(request.form["revoke"]) or 0)
                flash(_("Token revoked."), "success")
            else:
                _token, secret = tokens.issue(current_user, request.form.get("name", ""))
        except (tokens.TokenError, ValueError) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("api_tokens.index"))
        db.session.commit()
        if secret is None:
            return redirect(url_for("api_tokens.index"))
    # a new secret is shown once, on this response only, and never stored
    return render_template("api/tokens.html", tokens=tokens.of(current_user), secret=secret)
