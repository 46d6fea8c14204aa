"""Error pages (HTML or JSON), and domain exceptions mapped to HTTP status codes."""
from __future__ import annotations

import contextlib
import logging
import time
import uuid

import sqlalchemy as sa
from flask import g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, TooManyRequests

from tt_platform import uploads
from tt_platform.database import db
from tt_platform.extensions import limiter, login_manager
from tt_platform.security import NotAllowed, NotFound

log = logging.getLogger(__name__)


def _messages():
    return {
        400: _("The request could not be understood."),
        401: _("Log in, or send a personal API token as “Authorization: Bearer …”."),
        403: _("You do not have permission to do this."),
        404: _("The page you asked for does not exist or is not visible to you."),
        405: _("This action is not allowed here."),
        413: _("The upload or form is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
        503: _("The service is unavailable right now. Please try again in a few minutes."),
    }


def render_error(code: int, message: str | None = None):
    message = message or _messages().get(code, _("The request could not be completed."))
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        if code >= 500:  # the id support staff look up in the log (ASVS 7.4.1)
            return jsonify(error=message, status=code, request_id=g.get("request_id")), code
        return jsonify(error=message, status=code), code
    return render_template("errors/error.html", code=code, message=message, request_id=g.get("request_id")), code


def init_app(app) -> None:
    @app.before_request
    def assign_request_id():
        g.request_id = uuid.uuid4().hex[:12]

    @app.errorhandler(NotAllowed)
    def not_allowed(exc):
        log.info("403 for %s on %s", getattr(g, "user_id", None), request.path)
        return render_error(403, str(exc) or None)

    @app.errorhandler(NotFound)
    def not_found(exc):
        return render_error(404)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(
            400, _("The form expired or was sent from elsewhere. Please reload the page and try again."))

    @app.errorhandler(TooManyRequests)
    def too_many_requests(exc):
        # Say when to come back, in words and in Retry-After (seconds): the limit that was hit knows
        # when its window resets.
        hit = limiter.current_limit
        wait = max(1, int(hit.reset_at - time.time()) + 1) if hit is not None else 60
        body, code = render_error(429, _("Too many requests. Please try again in %(n)d seconds.", n=wait))
        return body, code, {"Retry-After": str(wait)}

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return render_error(exc.code or 500)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unavailable(exc):
        # The database refused or dropped the connection (down, unreachable, out of connections; on
        # SQLite, locked by another writer past the busy timeout). Nothing of the request was saved: its
        # transaction never committed. The page says so and names no internals; the log names the cause.
        log.error("database unavailable (request %s): %s", g.get("request_id"),
                  str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            db.session.rollback()
        g._login_user = login_manager.anonymous_user()  # the page must not ask the database who is logged in
        if "database is locked" in str(exc):  # SQLite: another write held its single lock past the busy timeout
            return render_error(503, _("The platform is busy with another change, so nothing was saved. Please "
                                       "try again in a moment."))
        return render_error(503, _("The database cannot be reached right now, so nothing was saved. Please try "
                                   "again in a few minutes."))

    @app.errorhandler(uploads.StorageUnavailable)
    def storage_unavailable(exc):
        # logged by uploads.write_file with the directory and the cause; the request's rows roll back
        return render_error(503, _("The file could not be stored: the server's storage is full or unavailable. "
                                   "Nothing was saved; please try again later."))

    @app.errorhandler(500)
    def server_error(exc):
        # Flask passes unhandled exceptions here (outside testing); the session is rolled back
        # at teardown, so a failed request leaves no half-written rows.
        log.error("unhandled error (request %s)", g.get("request_id"), exc_info=getattr(exc, "original_exception", exc))
        return render_error(500)
