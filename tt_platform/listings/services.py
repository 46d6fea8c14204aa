"""Visibility and lifecycle rules shared by demands and results. Services flush, never commit."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.accounts.models import ROLE_FOR_KIND, Organisation, Role, User
from tt_platform.audit import models as audit
from tt_platform.database import china_today, db, utcnow
from tt_platform.indexing import outbox
from tt_platform.listings.models import LIVE_STATES, PUBLIC_STATES, ListingStatus
from tt_platform.security import NotAllowed, NotFound


class InvalidTransition(Exception):
    """The requested state change is not possible from the listing's current state."""


def _user(user) -> User | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def is_owner(user, listing) -> bool:
    """A member of the organisation that published the listing."""
    user = _user(user)
    return user is not None and any(m.organisation_id == listing.organisation_id for m in user.memberships)


def can_view(user, listing) -> bool:
    """The public sees public states that have not expired; owners and operators see everything."""
    if listing.effective_status in PUBLIC_STATES:
        return True
    user = _user(user)
    return user is not None and (user.is_operator or is_owner(user, listing))


def can_view_details(user, listing) -> bool:
    """Details and contact: owners, operators, and members of verified organisations (brokers included)."""
    user = _user(user)
    if user is None or not can_view(user, listing):
        return False
    return user.is_operator or is_owner(user, listing) or any(m.organisation.is_verified for m in user.memberships)


def get_visible(model, listing_id: int, user):
    """Load a listing the user may see, else NotFound (hidden listings are not revealed)."""
    listing = db.session.get(model, listing_id)
    if listing is None or not can_view(user, listing):
        raise NotFound()
    return listing


def require_owner(user, listing, *, on_behalf: bool = False) -> None:
    """Only members of the owning organisation with the publishing role may change a listing;
    with `on_behalf` (an operator's bulk import for an organisation), operators too."""
    user = _user(user)
    if user is not None and on_behalf and user.is_operator:
        return
    if user is None or not any(
        m.organisation_id == listing.organisation_id and m.role is listing.publisher_role for m in user.memberships
    ):
        raise NotAllowed(_("Only the organisation that published this listing may change it."))


def acting_for(user, organisation: Organisation, role: Role, message: str) -> None:
    """`user` may publish `role` listings for `organisation`: a member with that role, or an
    operator acting on the organisation's behalf (bulk import); else NotAllowed."""
    user = _user(user)
    if user is None:
        raise NotAllowed(message)
    if ROLE_FOR_KIND.get(organisation.kind) is not role:
        raise NotAllowed(message)
    if user.is_operator or any(m.organisation_id == organisation.id and m.role is role for m in user.memberships):
        return
    raise NotAllowed(message)


def publishing_membership(user, role: Role, message: str):
    """The membership through which `user` publishes listings of `role`, or NotAllowed."""
    user = _user(user)
    for m in user.memberships if user else ():
        if m.role is role:
            return m
    raise NotAllowed(message)


#: How far ahead a listing may be valid (the form's date picker says the same).
MAX_VALIDITY = dt.timedelta(days=3 * 366)
#: Length limits of the fields every listing has: (min, max) characters after trimming.
TEXT_LIMITS = {"title": (4, 200), "summary": (10, 1000), "keywords": (0, 500), "contact_name": (1, 100),
               "contact_phone": (1, 40), "contact_email": (0, 254)}


def common_problem(data, *, today: dt.date | None = None) -> str | None:
    """The rules every listing shares (code lists, text limits, validity window); a message or None.
    The web forms check the same limits for inline messages; the API and the importers rely on these."""
    if data.field_code not in taxonomy.fields():
        return _("Unknown technology field.")
    if data.region_code not in taxonomy.regions():
        return _("Unknown region code.")
    if not data.cooperation_modes or any(m not in taxonomy.COOPERATION_MODES for m in data.cooperation_modes):
        return _("Choose at least one cooperation mode from the list.")
    for name, (low, high) in TEXT_LIMITS.items():
        size = len((getattr(data, name, None) or "").strip())
        if not low <= size <= high:
            return _("“%(field)s” must have %(low)d to %(high)d characters (it has %(size)d).",
                     field=_field_label(name), low=low, high=high, size=size)
    if data.valid_until is not None:
        today = today or china_today()
        if data.valid_until < today:
            return _("The validity date must not be in the past.")
        if data.valid_until > today + MAX_VALIDITY:
            return _("Listings are valid for at most three years.")
    return None


def _field_label(name: str) -> str:
    return {"title": _("Title"), "summary": _("Public summary"), "keywords": _("Keywords"),
            "contact_name": _("Contact person"), "contact_phone": _("Contact phone"),
            "contact_email": _("Contact e-mail")}[name]


def create_listing(user: User, model, data, *, role: Role, refusal: str, check, apply, and_submit: bool = False,
                   organisation: Organisation | None = None):
    """Draft a listing of `model` for the organisation through which `user` publishes `role`
    listings (or for `organisation`, see `acting_for`): the rules (`check`) first, then the fields
    (`apply`), the audit and outbox rows, and optionally the submission for review. Demands and
    results both come through here, from the web form, the API and the bulk importer."""
    if organisation is None:
        organisation_id = publishing_membership(user, role, refusal).organisation_id
    else:
        acting_for(user, organisation, role, refusal)
        organisation_id = organisation.id
    check(data)
    listing = model(organisation_id=organisation_id, created_by_id=_user(user).id, status=ListingStatus.DRAFT)
    apply(listing, data)
    db.session.add(listing)
    record_created(listing, user)
    if and_submit:
        submit(listing, user, on_behalf=organisation is not None)
    return listing


def update_listing(user: User, listing, data, *, check, apply, on_behalf: bool = False) -> list[str]:
    """Change a listing's fields (owner only, checked before anything is touched); the names of the
    changed fields, each edit in the trail, a published listing back to review."""
    require_owner(user, listing, on_behalf=on_behalf)
    check(data)
    changed = apply(listing, data)
    if changed:
        record_edited(listing, user, changed, on_behalf=on_behalf)
    return changed


def _set_status(listing, actor: User | None, new: ListingStatus, action: str, note: str | None = None,
                data: dict | None = None) -> None:
    old = listing.status
    _claim_status(listing, old, new)
    listing.status = new
    _record(listing, actor, action, from_status=old.value, to_status=new.value, note=note, data=data)


def _claim_status(listing, expected: ListingStatus, new: ListingStatus) -> None:
    """Move a stored listing from `expected` to `new` only if it still is `expected` (a compare-and-set in
    SQL): of two simultaneous decisions on one listing (two operators approving, an owner closing it while
    it is approved) exactly one goes on; the other is told to reload. New listings (not yet stored) and
    batched writes (the bulk importer, which holds its rows) need no claim."""
    if not sa.inspect(listing).persistent or db.session.info.get(_BATCH) is not None:
        return
    db.session.flush()  # pending changes first: the conditional UPDATE below runs in SQL and must see them
    model = type(listing)
    claimed = db.session.execute(sa.update(model).where(model.id == listing.id, model.status == expected)
                                 .values(status=new), execution_options={"synchronize_session": False})
    if claimed.rowcount != 1:
        db.session.refresh(listing)
        raise InvalidTransition(_("Someone else has just changed this listing; reload the page to see where it "
                                  "stands."))


def record_created(listing, actor: User) -> None:
    _record(listing, actor, "created", to_status=listing.status.value)


_BATCH = "tt_listing_records"  #: key in the session's info while records are batched


def _record(listing, actor: User | None, action: str, **fields) -> None:
    """A listing's audit row and outbox row: now, or at the end of the batch (see `batched_records`)."""
    pending = db.session.info.get(_BATCH)
    if pending is not None:
        pending.append((listing, actor.id if actor is not None else None, action, fields))
        return
    if listing.id is None:
        db.session.flush()  # assigns listing.id for the audit and outbox rows
    audit.record(actor, listing.entity_type, listing.id, action, **fields)
    outbox.enqueue(listing.entity_type, listing.id)


@contextmanager
def batched_records():
    """Within the block, listings' audit and outbox rows wait for `write_batched_records`, so that
    many listings (the bulk importer's rows) are inserted by one flush instead of one each; the rules
    and the rows written are the same as one at a time."""
    if db.session.info.get(_BATCH) is not None:
        raise RuntimeError("listing records are already batched")
    db.session.info[_BATCH] = []
    try:
        yield
    finally:
        db.session.info.pop(_BATCH, None)


def write_batched_records() -> None:
    """Flush the batch's listings (ids assigned), then insert their audit and outbox rows, in order."""
    pending = db.session.info[_BATCH]
    db.session.flush()
    audit.record_many([dict(actor_id=actor_id, entity_type=listing.entity_type, entity_id=listing.id, action=action,
                            **fields) for listing, actor_id, action, fields in pending])
    outbox.enqueue_many(list(dict.fromkeys((listing.entity_type, listing.id) for listing, *_rest in pending)))
    pending.clear()


def record_edited(listing, actor: User, changed: list[str], *, on_behalf: bool = False) -> None:
    """An edit of a published listing sends it back to review; every edit is in the trail."""
    require_owner(actor, listing, on_behalf=on_behalf)
    if listing.status in (ListingStatus.REJECTED, ListingStatus.CLOSED, ListingStatus.SOLVED):
        raise InvalidTransition(_("This listing can no longer be edited."))
    if listing.status in LIVE_STATES or listing.status is ListingStatus.EXPIRED:
        _set_status(listing, actor, ListingStatus.PENDING, "updated", note=_("Edited after publication"),
                    data={"fields": changed})
    else:
        _record(listing, actor, "updated", data={"fields": changed})


def submit(listing, actor: User, *, on_behalf: bool = False) -> None:
    """Owner sends a draft or a returned listing to review."""
    require_owner(actor, listing, on_behalf=on_behalf)
    if listing.status not in (ListingStatus.DRAFT, ListingStatus.RETURNED):
        raise InvalidTransition(_("Only drafts and returned listings can be submitted for review."))
    if listing.valid_until is not None and listing.valid_until < china_today():
        raise InvalidTransition(_("The validity date has passed; change it before submitting."))
    _set_status(listing, actor, ListingStatus.PENDING, "submitted")


#: Status changes an owner may make: target → allowed sources.
OWNER_TRANSITIONS = {
    ListingStatus.NEGOTIATING: (ListingStatus.PUBLISHED,),
    ListingStatus.PUBLISHED: (ListingStatus.NEGOTIATING,),
    ListingStatus.SOLVED: (ListingStatus.PUBLISHED, ListingStatus.NEGOTIATING),
    ListingStatus.CLOSED: (ListingStatus.DRAFT, ListingStatus.PENDING, ListingStatus.RETURNED,
                           ListingStatus.PUBLISHED, ListingStatus.NEGOTIATING, ListingStatus.EXPIRED),
}


def owner_transitions(listing) -> list[ListingStatus]:
    current = listing.effective_status
    return [target for target, sources in OWNER_TRANSITIONS.items() if current in sources]


def change_status(listing, actor: User, target: ListingStatus) -> None:
    """Owner marks a listing in negotiation, solved, closed, or back to published."""
    require_owner(actor, listing)
    if target not in owner_transitions(listing):
        raise InvalidTransition(_("This status change is not possible."))
    if target is ListingStatus.PUBLISHED and listing.effective_status is ListingStatus.EXPIRED:
        raise InvalidTransition(_("The validity date has passed; change it before submitting."))
    _set_status(listing, actor, target, "status")


def review(listing, operator: User, decision: str, reason: str | None) -> None:
    """Operator decides a pending listing: approve, return (with reason) or reject (with reason)."""
    if not operator.is_operator:
        raise NotAllowed(_("Only operators review listings."))
    if listing.status is not ListingStatus.PENDING:
        raise InvalidTransition(_("Only listings pending review can be reviewed."))
    reason = (reason or "").strip() or None
    if decision == "approve":
        if not listing.organisation.is_verified:
            raise InvalidTransition(_("Verify the organisation before publishing its listings."))
        listing.review_note = None
        if listing.published_at is None:
            listing.published_at = utcnow()
        _set_status(listing, operator, ListingStatus.PUBLISHED, "approved", note=reason)
    elif decision in ("return", "reject"):
        if not reason:
            raise InvalidTransition(_("Please give the owner a reason."))
        listing.review_note = reason
        target = ListingStatus.RETURNED if decision == "return" else ListingStatus.REJECTED
        _set_status(listing, operator, target, "returned" if decision == "return" else "rejected", note=reason)
    else:
        raise InvalidTransition(_("Unknown review decision."))


def expire_due(model) -> int:
    """Persist the expiry of live listings past their validity date (idempotent; for cron)."""
    due = db.session.scalars(
        sa.select(model).where(model.status.in_(LIVE_STATES), model.valid_until < china_today())
    ).all()
    for listing in due:
        _set_status(listing, None, ListingStatus.EXPIRED, "expired")
    return len(due)


def public_filter(model):
    """SQL condition for listings the public may see today."""
    return sa.and_(
        model.status.in_(PUBLIC_STATES),
        sa.or_(model.valid_until.is_(None), model.valid_until >= china_today(), model.status == ListingStatus.SOLVED),
    )
