"""Trading pages: confidential details behind an NDA. Thin: the services hold the rules, object-level
permissions included; every POST carries a CSRF token and commits once."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform.database import db
from tt_platform.security import LOGIN, OPERATOR, NotAllowed, NotFound, permission
from tt_platform.trading import confidential
from tt_platform.trading.forms import AcceptForm, ConfidentialForm
from tt_platform.trading.models import AccessGrant, ConfidentialAttachment
from tt_platform.web import commit_action

bp = Blueprint("trading", __name__, url_prefix="/trading")


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "confidential"


def _part_url(part) -> str:
    listing = part.listing
    return url_for("trading.confidential_page", kind=confidential.kind_of(listing), listing_id=listing.id)


@bp.route("/confidential/<kind>/<int:listing_id>")
@permission(LOGIN)
def confidential_page(kind: str, listing_id: int):
    listing = confidential.get_listing(kind, listing_id, current_user)
    part = confidential.part_for(listing)
    if part is None:
        if confidential.can_manage(current_user, listing):
            return redirect(url_for("trading.edit_confidential", kind=kind, listing_id=listing_id))
        raise NotFound()
    access = confidential.has_access(current_user, part)
    grants = confidential.access_list(current_user, part) if confidential.can_oversee(current_user, part) else None
    return render_template("trading/confidential.html", listing=listing, kind=kind, part=part, access=access,
                           grant=confidential.current_grant(current_user, part), grants=grants,
                           manage=confidential.can_manage(current_user, listing), accept_form=AcceptForm(),
                           trail=confidential.trail(part) if grants is not None else None)


@bp.route("/confidential/<kind>/<int:listing_id>/edit", methods=["GET", "POST"])
@permission(LOGIN)
def edit_confidential(kind: str, listing_id: int):
    listing = confidential.get_listing(kind, listing_id, current_user)
    if not confidential.can_manage(current_user, listing):
        raise NotAllowed()
    part = confidential.part_for(listing)
    form = ConfidentialForm()
    if request.method == "GET" and part is not None:
        form.detail.data, form.access_mode.data = part.detail, part.access_mode.value
        form.nda_text.data = part.current_version.text
    if form.validate_on_submit():
        try:
            confidential.save_part(current_user, listing, form.to_data())
        except confidential.TradingError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Confidential details saved."), "success")
            return redirect(url_for("trading.confidential_page", kind=kind, listing_id=listing_id))
    return render_template("trading/confidential_form.html", form=form, listing=listing, kind=kind, part=part), \
        422 if form.errors else 200


@bp.route("/confidential/<int:part_id>/accept", methods=["POST"])
@permission(LOGIN)
def accept(part_id: int):
    part = confidential.get_part(part_id, current_user)
    form = AcceptForm()

    def run():
        if not form.validate_on_submit():
            raise confidential.TradingError(_("Read the NDA and accept it with the button below it."))
        grant = confidential.accept(current_user, part, form.nda_sha256.data, request.remote_addr or "")
        if grant.status.value == "granted":
            return _("NDA accepted: the confidential details are open to you.")
        return _("NDA accepted: your request waits for the holder's approval.")
    return commit_action(run, errors=confidential.TradingError, next_url=_part_url(part))


@bp.route("/confidential/grants/<int:grant_id>/<any(approve, refuse, revoke):action>", methods=["POST"])
@permission(LOGIN)
def decide(grant_id: int, action: str):
    grant = db.session.get(AccessGrant, grant_id)
    if grant is None or not confidential.can_oversee(current_user, grant.part):
        abort(404)

    def run():
        if action == "revoke":
            confidential.revoke(current_user, grant_id)
            return _("Access revoked.")
        confidential.decide(current_user, grant_id, approve=action == "approve")
        return _("Request approved.") if action == "approve" else _("Request refused.")
    return commit_action(run, errors=confidential.TradingError, next_url=_part_url(grant.part))


@bp.route("/confidential/<int:part_id>/attachments", methods=["POST"])
@permission(LOGIN)
def add_attachment(part_id: int):
    part = confidential.get_part(part_id, current_user)

    def run():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise confidential.TradingError(_("Choose a file."))
        data = upload.stream.read(confidential.MAX_ATTACHMENT_BYTES + 1)
        confidential.add_attachment(current_user, part, upload.filename, data, _upload_dir())
        return _("Attachment added.")
    return commit_action(run, errors=confidential.TradingError, next_url=_part_url(part))


@bp.route("/confidential/attachments/<int:attachment_id>/delete", methods=["POST"])
@permission(LOGIN)
def remove_attachment(attachment_id: int):
    attachment = db.session.get(ConfidentialAttachment, attachment_id)
    if attachment is None or not confidential.has_access(current_user, attachment.part):
        abort(404)
    next_url = _part_url(attachment.part)
    return commit_action(lambda: _("%(name)s removed.", name=confidential.remove_attachment(current_user,
                                                                                             attachment_id)),
                         errors=confidential.TradingError, next_url=next_url)


@bp.route("/confidential/<int:part_id>/attachments/<int:attachment_id>")
@permission(LOGIN)
def attachment(part_id: int, attachment_id: int):
    found = confidential.attachment_for(current_user, part_id, attachment_id)
    path = _upload_dir() / found.stored_name
    if not path.is_file():
        abort(404)
    confidential.record_download(current_user, found)
    db.session.commit()  # the download is part of the record
    # always a download: an uploaded HTML or SVG must never render in our origin
    response = send_file(path, mimetype=found.content_type, as_attachment=True, download_name=found.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/confidential/")
@permission(OPERATOR)
def overview():
    return render_template("trading/overview.html", parts=confidential.all_parts(current_user))
