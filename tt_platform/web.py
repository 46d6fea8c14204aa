"""Request-level wiring: security headers, sessions, user loading, template helpers."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g, redirect, request
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from tt_platform.accounts.models import User
from tt_platform.database import MAX_ID, db, parse_id
from tt_platform.extensions import login_manager, talisman
from tt_platform.security import NotAllowed

CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _digits_up_to(limit: int) -> str:
    """A regular expression for the decimal numbers 0 … limit (ASCII digits, as many as limit has)."""
    top = str(limit)
    parts = [f"[0-9]{{1,{len(top) - 1}}}"] if len(top) > 1 else []
    parts += [f"{top[:i]}[0-{int(d) - 1}][0-9]{{{len(top) - i - 1}}}" for i, d in enumerate(top) if d != "0"]
    return "(?:" + "|".join([*parts, top]) + ")"


class IdConverter(IntegerConverter):
    """The app's `<int:…>`: ASCII digits up to `MAX_ID`. Every URL number names a row, and a larger one
    (99999999999999999999) would overflow the database driver: here it matches no route, a 404 in every
    method. The bound is in the pattern itself, not only in `max=`: Werkzeug compares the method before
    it converts, so a number refused by conversion alone answers 405 where the path has other methods."""

    regex = _digits_up_to(MAX_ID)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_converters(app) -> None:
    """Before any route is added (create_app calls it before the blueprints): rules compile their
    converters when they are added."""
    app.url_map.converters["int"] = IdConverter


def init_app(app) -> None:
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=app.config["FORCE_HTTPS"],
    )
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    # The "keep me logged in" cookie gets the session cookie's flags (Secure and HttpOnly come from config).
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")

    @app.before_request
    def remember_user_id():
        # Resolve the user from this request's session cookie: when a request runs inside an
        # already-active app context (Flask's test client does that), `g` would carry the last one's.
        g.pop("_login_user", None)
        refresh()  # the same for Flask-Babel's cached locale
        g.user_id = current_user.get_id() if current_user.is_authenticated else None

    @app.after_request
    def no_store_for_logged_in(response):
        # Pages rendered for a logged-in user may carry contact details, deal amounts, confidential
        # parts; downloads (exports, uploaded files) carry them whoever asks: no cache keeps either.
        # One rule here rather than per view (ASVS 8.2.1). `send_file` marks files "no-cache", which
        # still lets a cache store them, so that is replaced too. Vendored static assets stay cacheable.
        if request.endpoint == "static":
            return response
        download = "attachment" in response.headers.get("Content-Disposition", "")
        # who the request was for is known since before_request (g.user_id): asking current_user again
        # here would reload a user the request's commit has expired, one more query per write
        logged_in = g.get("user_id") is not None or current_user.is_authenticated
        if (download or logged_in) and "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "private, no-store" if download else "no-store"
        return response


@login_manager.user_loader
def load_user(user_id: str):
    try:
        raw_id, version = user_id.split(":", 1)
        user_id_number = parse_id(raw_id)
    except (ValueError, TypeError):
        return None
    user = db.session.get(User, user_id_number) if user_id_number else None
    if user is None or str(user.session_version) != version or not user.active:
        return None
    return user



def rate_limit_key() -> str:
    """Whom a rate limit counts: an API token, else the logged-in account, else the client's address."""
    if not current_user.is_authenticated:
        return "address:" + (request.remote_addr or "?")
    token_id = g.get("api_token_id")
    return f"token:{token_id}" if token_id else f"user:{current_user.id}"


def commit_action(action: Callable[[], str | None], *, errors: type[Exception] | tuple, next_url: str):
    """One state-changing POST: run the service call, commit once and flash its message; on a
    broken rule roll back and flash the rule's message; on a permission refusal roll back and 403.
    Services never commit, so this is the one place a view's change is made durable."""
    try:
        message = action()
    except errors as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    except NotAllowed:
        db.session.rollback()
        abort(403)
    else:
        db.session.commit()
        if message:
            flash(message, "success")
    return redirect(next_url)
