"""Trading (issue 18): confidential details behind an NDA and the legal pricing routes, each ending in a
contract in the existing registration flow."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user

from tt_platform.trading import confidential


def confidential_panel(listing):
    """The panel of a result or demand page: None when the listing has no confidential part and the viewer
    is not its holder (listing pages are below this package, so they reach it only through this global)."""
    part = confidential.part_for(listing)
    kind = confidential.kind_of(listing)
    url = url_for("trading.confidential_page", kind=kind, listing_id=listing.id)
    if part is None:
        if not confidential.can_manage(current_user, listing):
            return None
        url = url_for("trading.edit_confidential", kind=kind, listing_id=listing.id)
    return {"part": part, "url": url, "access": confidential.has_access(current_user, part)}


def init_app(app) -> None:
    app.jinja_env.globals.update(confidential_panel=confidential_panel)
