"""View helpers that demands and results share: browsing, detail, submit and status changes."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from search.backends.base import BackendUnavailable
from tt_platform import page_cache, spreadsheets
from tt_platform.accounts.models import Role
from tt_platform.audit.models import trail
from tt_platform.database import db
from tt_platform.listings import browse, search
from tt_platform.listings import export as listing_export
from tt_platform.listings import services as listings
from tt_platform.listings.models import ListingStatus

#: The list pages' decorator: visitors who are not logged in get a cached page while the index and the
#: term table are unchanged (tt_platform/page_cache.py).
cached_list_page = page_cache.anonymous_page(search.generation)


def browse_page(browsing: browse.Browsing, template: str):
    """The list page: from the search engine (relevance, facets, highlights); from the database
    when the engine is unavailable, so browsing never depends on it."""
    params = browse.parse(request.args)
    per_page = current_app.config["PER_PAGE"]
    if not params.challenge:
        try:
            page, facets, terms = search.search_page(browsing.model.entity_type, params, per_page)
        except BackendUnavailable:
            current_app.logger.warning("search engine unavailable; list page served from the database")
        else:
            return render_template(template, page=page, params=params, facets=facets, terms=terms)
    page_cache.skip()  # the database's page: no index generation describes it
    stmt = browse.public_select(browsing, params)
    page = db.paginate(stmt, page=params.page, per_page=per_page, error_out=False, max_per_page=100)
    terms = [t for t in params.q.split() if t]
    return render_template(template, page=page, params=params, facets={}, terms=terms)


def export_page(browsing: browse.Browsing, fmt: str, columns: list[listing_export.Column], name: str):
    """The public list with the page's filters, every matching row (up to spreadsheets.MAX_ROWS, then
    a note), as a spreadsheet: the database query of the list page, without its paging."""
    stmt = browse.public_select(browsing, browse.parse(request.args)).limit(spreadsheets.MAX_ROWS + 1)
    headers, rows = listing_export.table(columns, db.session.scalars(stmt).unique())
    return spreadsheets.list_download(name, fmt, headers, rows)


def detail_page(model, listing_id: int, template: str, **context):
    listing = listings.get_visible(model, listing_id, current_user)
    owner = listings.is_owner(current_user, listing)
    history = trail(listing.entity_type, listing.id) if owner or current_user_is_operator() else []
    return render_template(
        template, listing=listing, owner=owner, details=listings.can_view_details(current_user, listing),
        history=history, transitions=listings.owner_transitions(listing) if owner else [], **context,
    )


def current_user_is_operator() -> bool:
    return current_user.is_authenticated and current_user.is_operator


def submit_action(model, listing_id: int, endpoint: str):
    listing = listings.get_visible(model, listing_id, current_user)
    try:
        listings.submit(listing, current_user)
    except listings.InvalidTransition as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(_("Submitted for review. An operator will look at it shortly."), "success")
    return redirect(url_for(endpoint, listing_id=listing.id))


def status_action(model, listing_id: int, endpoint: str):
    listing = listings.get_visible(model, listing_id, current_user)
    try:
        target = ListingStatus(request.form.get("status", ""))
        listings.change_status(listing, current_user, target)
    except ValueError:
        flash(_("This status change is not possible."), "danger")
    except listings.InvalidTransition as exc:  # the rule's own message (a concurrent change says so)
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(_("Status changed to “%(status)s”.", status=target.label), "success")
    return redirect(url_for(endpoint, listing_id=listing.id))


def prefill_contact(form) -> None:
    """A new listing starts with the publisher's region and contact details."""
    org = current_user.organisation
    form.region_code.data = org.region_code
    form.contact_name.data = current_user.name
    form.contact_phone.data = current_user.phone or org.contact_phone
    form.contact_email.data = current_user.email


def flash_form_errors(form) -> None:
    if form.errors:
        flash(_("Please correct the highlighted fields."), "danger")


@dataclass(frozen=True)
class ListingPages:
    """What differs between the demand and the result publishing pages; the flow is one."""

    model: type
    form: type  #: a ListingFields form: to_data(), load(listing), before_render()
    template: str
    detail_endpoint: str
    context_name: str  #: the template's name for the listing being edited (None on the new page)
    role: Role
    refusal: Callable[[], str]
    saved: Callable[[], str]
    create: Callable  #: service: (user, data, *, submit) -> listing
    update: Callable  #: service: (user, listing, data) -> changed field names
    error: type[Exception]


def create_page(pages: ListingPages):
    listings.publishing_membership(current_user, pages.role, pages.refusal())
    form = pages.form()
    if request.method == "GET":
        prefill_contact(form)
    if form.validate_on_submit():
        try:
            listing = pages.create(current_user, form.to_data(), submit=request.form.get("action") == "submit")
        except pages.error as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(pages.saved() if listing.status is ListingStatus.DRAFT else
                  _("Submitted for review. An operator will look at it shortly."), "success")
            return redirect(url_for(pages.detail_endpoint, listing_id=listing.id))
    flash_form_errors(form)
    form.before_render()
    return render_template(pages.template, form=form, **{pages.context_name: None})


def edit_page(pages: ListingPages, listing_id: int):
    listing = listings.get_visible(pages.model, listing_id, current_user)
    listings.require_owner(current_user, listing)
    form = pages.form(obj=listing)
    if request.method == "GET":
        form.load(listing)
        form.prefill(request.args)
    if form.validate_on_submit():
        try:
            changed = pages.update(current_user, listing, form.to_data())
        except (pages.error, listings.InvalidTransition) as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(pages.detail_endpoint, listing_id=listing.id))
    flash_form_errors(form)
    form.before_render()
    return render_template(pages.template, form=form, **{pages.context_name: listing})
