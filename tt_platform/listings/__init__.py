"""What demands (技术需求) and results (科技成果) share: columns, lifecycle, visibility, browsing."""
from __future__ import annotations

from tt_platform.accounts.models import Verification
from tt_platform.listings.models import PUBLIC_STATES, ListingStatus


def status_label(value: str) -> str:
    """A listing's or an organisation's status in the reader's language (the code when unknown)."""
    for statuses in (ListingStatus, Verification):
        try:
            return statuses(value).label
        except ValueError:
            continue
    return value


def init_app(app) -> None:
    app.jinja_env.globals.update(status_label=status_label, public_statuses=PUBLIC_STATES)
