"""Confidential details behind an NDA. Services flush, never commit; every change writes an audit row.

Who sees a confidential part: the holder (members of the organisation that published the listing),
operators, and a logged-in person holding a granted acceptance of the *current* NDA version (a new
version asks again). Everyone else learns only that the part exists."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import uploads
from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.database import db, utcnow
from tt_platform.demands.models import Demand
from tt_platform.listings import services as listings
from tt_platform.security import Conflict, NotAllowed, NotFound
from tt_platform.trading.models import (
    AccessGrant,
    AccessMode,
    ConfidentialAttachment,
    ConfidentialPart,
    GrantStatus,
    NdaVersion,
)

ENTITY = "confidential_part"
MAX_DETAIL = 20_000
MAX_NDA = 20_000
MIN_NDA = 20
#: attachments: technical data, drawings, test reports; always served as downloads
ALLOWED_ATTACHMENTS = uploads.allow(".pdf", ".doc", ".docx", ".xls", ".xlsx", ".png", ".jpg", ".jpeg", ".txt",
                                    ".dwg", ".dxf", ".zip")
MAX_ATTACHMENT_BYTES = uploads.MAX_BYTES
MAX_ATTACHMENTS = 20
KINDS = {"result": Achievement, "demand": Demand}


class TradingError(Exception):
    """A user-facing reason the change cannot be made."""


class TradingConflict(Conflict, TradingError):
    """The deal's state refuses the change (its period is over, or the caller did this already)."""


@dataclass(frozen=True, slots=True)
class PartData:
    detail: str
    access_mode: str
    nda_text: str


def storable(*texts: str) -> None:
    """Refuse NUL characters: PostgreSQL text cannot hold them, so they would fail at the commit."""
    if any("\x00" in (text or "") for text in texts):
        raise TradingError(_("The text contains characters that cannot be stored (NUL)."))


def claim(model, row_id: int, **values) -> None:
    """Move a notice or listing out of ACTIVE only if it still is (a compare-and-set in SQL): of two
    simultaneous requests drafting the contract, exactly one goes on; the other is told to reload."""
    db.session.flush()  # pending changes first: the conditional UPDATE below runs in SQL and must see them
    result = db.session.execute(sa.update(model).where(model.id == row_id, model.status == "active")
                                .values(**values), execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        raise TradingError(_("Someone else has just closed this; reload the page."))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def kind_of(listing) -> str:
    return "result" if isinstance(listing, Achievement) else "demand"


def part_for(listing) -> ConfidentialPart | None:
    column = ConfidentialPart.achievement_id if isinstance(listing, Achievement) else ConfidentialPart.demand_id
    return db.session.scalar(sa.select(ConfidentialPart).where(column == listing.id))


# --- who may do what ---------------------------------------------------------------------------

def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_holder(user, listing) -> bool:
    """Members of the organisation that published the listing."""
    return listings.is_owner(user, listing)


def can_manage(user, listing) -> bool:
    """Members of the publishing organisation with its publishing role write the part and decide requests."""
    return _authenticated(user) and any(
        m.organisation_id == listing.organisation_id and m.role is listing.publisher_role for m in user.memberships)


def can_oversee(user, part: ConfidentialPart) -> bool:
    """Who sees the access list: the holder and operators."""
    return _authenticated(user) and (user.is_operator or is_holder(user, part.listing))


def current_grant(user, part: ConfidentialPart) -> AccessGrant | None:
    """The user's latest acceptance of this part (any version), if any."""
    if not _authenticated(user):
        return None
    return db.session.scalar(sa.select(AccessGrant).where(AccessGrant.part_id == part.id,
                                                          AccessGrant.user_id == user.id)
                             .order_by(AccessGrant.id.desc()).limit(1))


def has_access(user, part: ConfidentialPart | None) -> bool:
    if part is None or not _authenticated(user):
        return False
    listing = part.listing
    if user.is_operator or is_holder(user, listing):
        return True
    if not listings.can_view(user, listing):
        return False
    grant = current_grant(user, part)
    version = part.current_version
    return (grant is not None and version is not None and grant.status is GrantStatus.GRANTED
            and grant.nda_version_id == version.id)


def get_listing(kind: str, listing_id: int, user):
    model = KINDS.get(kind)
    if model is None:
        raise NotFound()
    return listings.get_visible(model, listing_id, user)


def get_part(part_id: int, user) -> ConfidentialPart:
    """A part whose listing the user may see, else NotFound."""
    part = db.session.get(ConfidentialPart, part_id)
    if part is None or not listings.can_view(user, part.listing):
        raise NotFound()
    return part


# --- the holder writes the part ----------------------------------------------------------------

def check(data: PartData) -> None:
    storable(data.detail, data.access_mode, data.nda_text)
    if not data.detail.strip():
        raise TradingError(_("Write the confidential details."))
    if len(data.detail) > MAX_DETAIL:
        raise TradingError(_("The confidential details may have at most %(n)d characters.", n=MAX_DETAIL))
    if data.access_mode not in {m.value for m in AccessMode}:
        raise TradingError(_("Choose how access is given."))
    if not MIN_NDA <= len(data.nda_text.strip()) <= MAX_NDA:
        raise TradingError(_("The NDA text needs between %(min)d and %(max)d characters.", min=MIN_NDA, max=MAX_NDA))


def save_part(user, listing, data: PartData) -> ConfidentialPart:
    """Create or change the listing's confidential part; a changed NDA text becomes a new version."""
    if not can_manage(user, listing):
        raise NotAllowed(_("Only the organisation that published this listing may change its confidential part."))
    check(data)
    part = part_for(listing)
    created = part is None
    if part is None:
        part = ConfidentialPart(organisation_id=listing.organisation_id, versions=[], attachments=[], grants=[])
        if isinstance(listing, Achievement):
            part.achievement_id = listing.id
        else:
            part.demand_id = listing.id
        db.session.add(part)
    changed = []
    detail = data.detail.strip()
    if part.detail != detail:
        part.detail = detail
        changed.append("detail")
    mode = AccessMode(data.access_mode)
    if part.access_mode is not mode:
        part.access_mode = mode
        changed.append("access_mode")
    nda_text = data.nda_text.strip()
    version = part.current_version
    if version is None or version.text != nda_text:
        part.versions.append(NdaVersion(number=(version.number + 1) if version else 1, text=nda_text,
                                        sha256=sha256_text(nda_text), created_by_id=user.id))
        changed.append("nda")
    db.session.flush()  # assigns part.id for the audit row
    if created or changed:
        audit.record(user, ENTITY, part.id, "created" if created else "updated",
                     data={"fields": changed, "nda_version": part.current_version.number,
                           "listing": f"{kind_of(listing)}:{listing.id}"})
    return part


# --- readers accept the NDA --------------------------------------------------------------------

def accept(user, part: ConfidentialPart, seen_sha256: str, client_address: str) -> AccessGrant:
    """Record the acceptance of the NDA version whose text hashes to `seen_sha256` (what the page showed):
    an acceptance of an older wording is refused, never counted for the new one."""
    if not _authenticated(user):
        raise NotAllowed()
    listing = part.listing
    if is_holder(user, listing):
        raise TradingError(_("Your organisation holds these details; there is nothing to accept."))
    version = part.current_version
    if version is None:  # pragma: no cover - a saved part always has a version
        raise TradingError(_("This listing has no NDA yet."))
    storable(seen_sha256, client_address)
    if seen_sha256 != version.sha256:
        raise TradingError(_("The NDA has changed since the page was opened: read the current version and accept it."))
    grant = current_grant(user, part)
    if grant is not None:
        if grant.status is GrantStatus.REVOKED:
            raise TradingError(_("Your access to these details was revoked; contact the holder."))
        if grant.nda_version_id == version.id:
            if grant.status is GrantStatus.GRANTED:
                raise TradingError(_("You have already accepted this NDA."))
            if grant.status is GrantStatus.REQUESTED:
                raise TradingError(_("Your request is waiting for the holder's approval."))
            raise TradingError(_("The holder refused your request for this NDA version."))
    status = GrantStatus.GRANTED if part.access_mode is AccessMode.CLICK else GrantStatus.REQUESTED
    membership = user.membership
    grant = AccessGrant(part_id=part.id, user_id=user.id, nda_version_id=version.id, text_sha256=version.sha256,
                        organisation_id=membership.organisation_id if membership else None,
                        client_address=(client_address or "")[:45], status=status)
    db.session.add(grant)
    db.session.flush()  # assigns grant.id for the audit row
    audit.record(user, ENTITY, part.id, "nda_accepted", to_status=status.value,
                 data={"grant": grant.id, "nda_version": version.number, "sha256": version.sha256,
                       "client_address": grant.client_address})
    return grant


def _grant_for_holder(user, grant_id: int) -> AccessGrant:
    grant = db.session.get(AccessGrant, grant_id)
    if grant is None or not can_oversee(user, grant.part):
        raise NotFound()
    if not can_manage(user, grant.part.listing):
        raise NotAllowed(_("Only the organisation holding these details decides who sees them."))
    return grant


def decide(user, grant_id: int, approve: bool) -> AccessGrant:
    grant = _grant_for_holder(user, grant_id)
    if grant.status is not GrantStatus.REQUESTED:
        raise TradingError(_("This request was already decided."))
    version = grant.part.current_version
    if version is None or grant.nda_version_id != version.id:
        raise TradingError(_("This request accepted an older NDA version; the person must accept the current one."))
    old = grant.status
    grant.status = GrantStatus.GRANTED if approve else GrantStatus.REFUSED
    grant.decided_at, grant.decided_by_id = utcnow(), user.id
    audit.record(user, ENTITY, grant.part_id, "approved" if approve else "refused", from_status=old.value,
                 to_status=grant.status.value, data={"grant": grant.id, "user": grant.user_id})
    return grant


def revoke(user, grant_id: int) -> AccessGrant:
    grant = _grant_for_holder(user, grant_id)
    if grant.status not in (GrantStatus.GRANTED, GrantStatus.REQUESTED):
        raise TradingError(_("There is no access to revoke."))
    old = grant.status
    grant.status = GrantStatus.REVOKED
    grant.decided_at, grant.decided_by_id = utcnow(), user.id
    audit.record(user, ENTITY, grant.part_id, "revoked", from_status=old.value, to_status=grant.status.value,
                 data={"grant": grant.id, "user": grant.user_id})
    return grant


# --- attachments ------------------------------------------------------------------------------

def add_attachment(user, part: ConfidentialPart, filename: str, data: bytes,
                   upload_dir: Path) -> ConfidentialAttachment:
    if not can_manage(user, part.listing):
        raise NotAllowed(_("Only the organisation that published this listing may change its confidential part."))
    try:
        upload = uploads.accept(filename, data, ALLOWED_ATTACHMENTS, max_bytes=MAX_ATTACHMENT_BYTES,
                                types_message=_("Allowed files: PDF, Word, Excel, PNG, JPEG, text, DWG, DXF and ZIP."))
    except uploads.UploadRefused as exc:
        raise TradingError(str(exc)) from None
    if len(part.attachments) >= MAX_ATTACHMENTS:
        raise TradingError(_("At most %(n)d attachments.", n=MAX_ATTACHMENTS))
    attachment = ConfidentialAttachment(filename=upload.filename, stored_name=uploads.store(upload, upload_dir),
                                        content_type=upload.content_type, size=len(data), sha256=upload.sha256,
                                        uploaded_by_id=user.id)
    part.attachments.append(attachment)
    db.session.flush()  # assigns attachment.id for the audit row
    audit.record(user, ENTITY, part.id, "attachment", note=upload.filename, data={"attachment": attachment.id})
    return attachment


def remove_attachment(user, attachment_id: int) -> ConfidentialAttachment:
    """Delete the row; the caller removes the file once the deletion is committed."""
    attachment = db.session.get(ConfidentialAttachment, attachment_id)
    if attachment is None or not has_access(user, attachment.part):
        raise NotFound()
    part = attachment.part
    if not can_manage(user, part.listing):
        raise NotAllowed(_("Only the organisation that published this listing may change its confidential part."))
    part.attachments.remove(attachment)
    db.session.flush()
    audit.record(user, ENTITY, part.id, "attachment_removed", note=attachment.filename)
    return attachment


def attachment_for(user, part_id: int, attachment_id: int) -> ConfidentialAttachment:
    """The attachment when the user has access, else NotFound: the same answer, after the same queries,
    whether the id exists, belongs to another part, or the user lacks access."""
    attachment = db.session.get(ConfidentialAttachment, attachment_id)
    part = db.session.get(ConfidentialPart, part_id)
    allowed = part is not None and has_access(user, part)
    if attachment is None or not allowed or attachment.part_id != part_id:
        raise NotFound()
    return attachment


def record_download(user, attachment: ConfidentialAttachment) -> None:
    audit.record(user, ENTITY, attachment.part_id, "downloaded", note=attachment.filename,
                 data={"attachment": attachment.id})


# --- lists --------------------------------------------------------------------------------------

def access_list(user, part: ConfidentialPart) -> list[AccessGrant]:
    if not can_oversee(user, part):
        raise NotAllowed()
    return list(part.grants)


def all_parts(user) -> list[ConfidentialPart]:
    """Operators' overview: every confidential part, the latest change first."""
    if not (_authenticated(user) and user.is_operator):
        raise NotAllowed()
    return list(db.session.scalars(sa.select(ConfidentialPart).order_by(ConfidentialPart.updated_at.desc(),
                                                                        ConfidentialPart.id.desc())))


def trail(part: ConfidentialPart):
    return audit.trail(ENTITY, part.id)
