"""The JSON API (/api/v1): listings, matches and personal API tokens."""
from __future__ import annotations

from flask import g

from tt_platform.api import tokens
from tt_platform.database import db
from tt_platform.extensions import login_manager


def load_user_from_token(request):
    """`Authorization: Bearer ttp_…` on /api/ paths: a personal API token instead of a session."""
    header = request.headers.get("Authorization", "")
    if not request.path.startswith("/api/") or not header.startswith("Bearer "):
        return None
    token = tokens.token_for(header[len("Bearer "):].strip())
    user = token.user if token is not None else None
    if user is not None:
        g.api_token_auth, g.api_token_id = True, token.id
        if db.session.dirty:
            db.session.commit()  # last_used_at; nothing else is pending this early in the request
    return user


def init_app(app) -> None:
    login_manager.request_loader(load_user_from_token)
