"""Notifications and saved-search alerts."""
from __future__ import annotations

from flask_login import current_user

from tt_platform.alerts.services import unread_count


def _unread() -> int:
    """Unread notifications of the current user (called by the navbar only when logged in)."""
    return unread_count(current_user) if current_user.is_authenticated else 0


def init_app(app) -> None:
    @app.context_processor
    def unread_notifications():
        return {"unread_notifications": _unread}
