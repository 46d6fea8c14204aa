"""Route-level permission declarations.

Every view carries exactly one `@permission(...)` decorator. It both enforces the coarse rule
(anonymous, logged in, operator…) and records it on the function, so a test can walk
`app.url_map` and fail on any endpoint that declared nothing. Object-level rules (is this *your*
demand?) live in the services, which raise `NotAllowed`; views never decide them alone.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import abort, request
from flask_login import current_user

from tt_platform.extensions import login_manager

log = logging.getLogger(__name__)

PUBLIC = "public"  #: anyone, logged in or not
LOGIN = "login"  #: any logged-in user; the service checks ownership
OPERATOR = "operator"  #: members of an operator (platform / bureau) organisation
KNOWN = (PUBLIC, LOGIN, OPERATOR)


class NotAllowed(Exception):
    """The acting user may not see or change this object (rendered as 403)."""


class NotFound(Exception):
    """The object does not exist or must not be revealed to this user (rendered as 404)."""


class Conflict(Exception):
    """Mixed into a feature's error for the refusals that come from the object's current state, not from the
    request: someone else moved it first, it is closed or decided, or the caller did this already. The API
    answers them 409 Conflict (its other refusals are 400: the request itself is wrong); pages show the
    message like any other refusal."""


def permission(kind: str) -> Callable:
    if kind not in KNOWN:
        raise ValueError(f"unknown permission {kind!r}")

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if kind != PUBLIC and not current_user.is_authenticated:
                if request.path.startswith("/api/"):
                    abort(401)  # API clients get a status, not the login page
                return login_manager.unauthorized()
            if kind == OPERATOR and not current_user.is_operator:
                log.info("403 for %s on %s (operators only)", current_user.get_id(), request.path)
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_permission = kind
        return wrapper

    return decorate
