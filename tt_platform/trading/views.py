"""Trading pages: confidential details behind an NDA, and 协议定价 notices with objections. Thin: the services
hold the rules, object-level permissions included; every POST carries a CSRF token and commits once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform import money
from tt_platform.achievements.models import Achievement
from tt_platform.contracts import services as contracts
from tt_platform.database import CHINA, db, utcnow
from tt_platform.listings import services as listings
from tt_platform.security import LOGIN, OPERATOR, PUBLIC, NotAllowed, NotFound, permission
from tt_platform.trading import auctions, confidential, evidence, notices, pricelistings
from tt_platform.trading.forms import (
    AcceptForm,
    AnswerForm,
    AuctionForm,
    BidForm,
    ConfidentialForm,
    DepositForm,
    ListingForm,
    NoticeForm,
    ObjectionForm,
    RelistForm,
    ResolveForm,
    SettingsForm,
)
from tt_platform.trading.models import AccessGrant, Auction, ConfidentialAttachment, PriceListing
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
    removed = []

    def run():
        removed.append(confidential.remove_attachment(current_user, attachment_id))
        return _("%(name)s removed.", name=removed[0].filename)
    response = commit_action(run, errors=confidential.TradingError, next_url=next_url)
    if removed:  # committed: the bytes go too (a failed commit would have raised before this line)
        (_upload_dir() / removed[0].stored_name).unlink(missing_ok=True)
    return response


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


# --- 协议定价 with 公示 -------------------------------------------------------------------------------

@bp.route("/notices/")
@permission(PUBLIC)
def notice_board():
    past = request.args.get("show") == "past"
    return render_template("trading/notices.html", notices=notices.board(current=not past), past=past,
                           phase=notices.phase, last_day=notices.last_day)


def _proposed_price() -> Decimal | None:
    """?price=123.45 (万元, from a valuation worksheet): shown in the form for the seller to check; it is
    judged like a typed value when the form is sent. Anything that is not a plain amount is ignored."""
    raw = (request.args.get("price") or "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() and Decimal(0) < value < Decimal(100_000_000) else None


@bp.route("/notices/new/<int:result_id>", methods=["GET", "POST"])
@permission(LOGIN)
def new_notice(result_id: int):
    result = listings.get_visible(Achievement, result_id, current_user)
    if not confidential.can_manage(current_user, result):
        raise NotAllowed()
    form = NoticeForm()
    if request.method == "GET":
        form.notice_days.data = notices.notice_days_for(result.organisation)
        form.price_wan.data = _proposed_price() or result.asking_price
    if form.validate_on_submit():
        try:
            notice = notices.post(current_user, result, form.to_data())
        except confidential.TradingError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("The price notice is posted; its period ends on %(day)s.",
                    day=notices.last_day(notice).isoformat()), "success")
            return redirect(url_for("trading.notice", notice_id=notice.id))
    return render_template("trading/notice_form.html", form=form, result=result), \
        422 if form.errors or request.method == "POST" else 200


@bp.route("/notices/<int:notice_id>")
@permission(PUBLIC)
def notice(notice_id: int):
    item = notices.get_notice(notice_id)
    seller = notices.is_seller(current_user, item)
    operator = current_user.is_authenticated and current_user.is_operator
    objections = [o for o in item.objections if notices.can_read_objection(current_user, o)]
    contract = contracts.get_visible(item.contract_id, current_user) if item.contract_id else None
    return render_template(
        "trading/notice.html", notice=item, phase=notices.phase(item), last_day=notices.last_day(item),
        seller=seller, manage=seller and confidential.can_manage(current_user, item.achievement),
        operator=operator, objections=objections, contract=contract,
        result_visible=notices.listing_visible(current_user, item),
        trail=notices.trail(item) if seller or operator else None,
        evidence_visible=evidence.can_see(current_user, item), objection_form=ObjectionForm(),
        answer_form=AnswerForm(), resolve_form=ResolveForm())


def _notice_action(notice_id: int, run):
    item = notices.get_notice(notice_id)
    return commit_action(lambda: run(item), errors=confidential.TradingError,
                         next_url=url_for("trading.notice", notice_id=notice_id))


def _validated(form) -> None:
    if not form.validate_on_submit():
        raise confidential.TradingError(" ".join(str(e) for errors in form.errors.values() for e in errors))


@bp.route("/notices/<int:notice_id>/objections", methods=["POST"])
@permission(LOGIN)
def object_to(notice_id: int):
    def run(item):
        form = ObjectionForm()
        _validated(form)
        notices.object_to(current_user, item, form.text.data)
        return _("Your objection is lodged; the seller answers and an operator decides.")
    return _notice_action(notice_id, run)


@bp.route("/notices/<int:notice_id>/objections/<int:objection_id>/answer", methods=["POST"])
@permission(LOGIN)
def answer_objection(notice_id: int, objection_id: int):
    def run(item):
        form = AnswerForm()
        _validated(form)
        notices.answer(current_user, item, objection_id, form.text.data)
        return _("Answer saved.")
    return _notice_action(notice_id, run)


@bp.route("/notices/<int:notice_id>/objections/<int:objection_id>/resolve", methods=["POST"])
@permission(OPERATOR)
def resolve_objection(notice_id: int, objection_id: int):
    def run(item):
        form = ResolveForm()
        _validated(form)
        notices.resolve(current_user, item, objection_id, form.decision.data == "uphold", form.note.data)
        return _("Objection resolved.")
    return _notice_action(notice_id, run)


@bp.route("/notices/<int:notice_id>/withdraw", methods=["POST"])
@permission(LOGIN)
def withdraw_notice(notice_id: int):
    def run(item):
        notices.withdraw(current_user, item)
        return _("Notice withdrawn.")
    return _notice_action(notice_id, run)


@bp.route("/notices/<int:notice_id>/contract", methods=["POST"])
@permission(LOGIN)
def notice_contract(notice_id: int):
    return _contract_from(lambda: notices.draft_contract(current_user, notices.get_notice(notice_id)),
                          url_for("trading.notice", notice_id=notice_id),
                          _("Contract draft created from the notice: check it and submit it for registration."))


def _contract_from(draft, back_url: str, message: str):
    """Draft a deal's contract and go to it; a broken rule goes back to the deal with its reason."""
    try:
        contract = draft()
    except confidential.TradingError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back_url)
    except NotAllowed:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("contracts.detail", contract_id=contract.id))


@bp.route("/settings", methods=["GET", "POST"])
@permission(LOGIN)
def settings():
    org = current_user.organisation
    if org is None or not any(m.organisation_id == org.id and m.is_org_admin for m in current_user.memberships):
        raise NotAllowed()
    form = SettingsForm()
    if request.method == "GET":
        form.notice_days.data = notices.notice_days_for(org)
    if form.validate_on_submit():
        notices.set_notice_days(current_user, org, form.notice_days.data)
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("trading.settings"))
    return render_template("trading/settings.html", form=form, org=org), 422 if form.errors else 200


# --- 挂牌交易 -----------------------------------------------------------------------------------------

@bp.route("/listings/")
@permission(PUBLIC)
def listing_board():
    past = request.args.get("show") == "past"
    return render_template("trading/listings.html", listings=pricelistings.board(current=not past), past=past,
                           phase=pricelistings.phase, last_day=pricelistings.last_day)


@bp.route("/listings/new/<int:result_id>", methods=["GET", "POST"])
@permission(LOGIN)
def new_listing(result_id: int):
    result = listings.get_visible(Achievement, result_id, current_user)
    if not confidential.can_manage(current_user, result):
        raise NotAllowed()
    form = ListingForm()
    if request.method == "GET":
        form.price_wan.data = _proposed_price() or result.asking_price
    if form.validate_on_submit():
        try:
            item = pricelistings.post(current_user, result, form.to_data())
        except confidential.TradingError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("The result is listed until %(day)s.", day=pricelistings.last_day(item).isoformat()), "success")
            return redirect(url_for("trading.price_listing", listing_id=item.id))
    return render_template("trading/listing_form.html", form=form, result=result), \
        422 if request.method == "POST" else 200


@bp.route("/listings/<int:listing_id>")
@permission(PUBLIC)
def price_listing(listing_id: int):
    item = pricelistings.get_listing(listing_id)
    seller = pricelistings.is_seller(current_user, item)
    operator = current_user.is_authenticated and current_user.is_operator
    own_orgs = {m.organisation_id for m in current_user.memberships} if current_user.is_authenticated else set()
    relisted = db.session.scalar(sa.select(PriceListing).where(PriceListing.previous_id == item.id))
    return render_template(
        "trading/listing.html", listing=item, phase=pricelistings.phase(item), last_day=pricelistings.last_day(item),
        seller=seller, manage=seller and confidential.can_manage(current_user, item.achievement), operator=operator,
        registered=any(i.organisation_id in own_orgs for i in item.interests), relisted=relisted,
        contract=contracts.get_visible(item.contract_id, current_user) if item.contract_id else None,
        result_visible=notices.listing_visible(current_user, item),
        trail=pricelistings.trail(item) if seller or operator else None, relist_form=RelistForm(),
        evidence_visible=evidence.can_see(current_user, item), auction=auctions.for_listing(item))


def _listing_action(listing_id: int, run):
    item = pricelistings.get_listing(listing_id)
    return commit_action(lambda: run(item), errors=confidential.TradingError,
                         next_url=url_for("trading.price_listing", listing_id=listing_id))


@bp.route("/listings/<int:listing_id>/interest", methods=["POST"])
@permission(LOGIN)
def register_interest(listing_id: int):
    def run(item):
        if request.form.get("withdraw"):
            pricelistings.withdraw_interest(current_user, item)
            return _("Your organisation's registration is withdrawn.")
        pricelistings.register_interest(current_user, item)
        return _("Your organisation is registered as an intending buyer.")
    return _listing_action(listing_id, run)


@bp.route("/listings/<int:listing_id>/withdraw", methods=["POST"])
@permission(LOGIN)
def withdraw_listing(listing_id: int):
    def run(item):
        pricelistings.withdraw(current_user, item)
        return _("Listing withdrawn.")
    return _listing_action(listing_id, run)


@bp.route("/listings/<int:listing_id>/relist", methods=["POST"])
@permission(LOGIN)
def relist(listing_id: int):
    item = pricelistings.get_listing(listing_id)
    form = RelistForm()
    created = []

    def run(item):
        _validated(form)
        created.append(pricelistings.relist(current_user, item, money.yuan_to_fen(form.price_wan.data * 10_000),
                                            form.working_days.data))
        return _("Listed again until %(day)s.", day=pricelistings.last_day(created[0]).isoformat())
    response = commit_action(lambda: run(item), errors=confidential.TradingError,
                             next_url=url_for("trading.price_listing", listing_id=listing_id))
    return redirect(url_for("trading.price_listing", listing_id=created[0].id)) if created else response


@bp.route("/listings/<int:listing_id>/contract", methods=["POST"])
@permission(LOGIN)
def listing_contract(listing_id: int):
    return _contract_from(lambda: pricelistings.draft_contract(current_user, pricelistings.get_listing(listing_id)),
                          url_for("trading.price_listing", listing_id=listing_id),
                          _("Contract draft created at the listed price: check it and submit it for registration."))


# --- evidence files -----------------------------------------------------------------------------

_DEALS = {"notices": (notices.get_notice, "trading.notice", "notice_id"),
          "listings": (pricelistings.get_listing, "trading.price_listing", "listing_id"),
          "auctions": (auctions.get_auction, "trading.auction", "auction_id")}


def _deal(route: str, deal_id: int):
    deal = _DEALS[route][0](deal_id)
    evidence.require(current_user, deal)
    return deal


@bp.route("/<any(notices, listings, auctions):route>/<int:deal_id>/evidence")
@permission(LOGIN)
def evidence_file(route: str, deal_id: int):
    deal = _deal(route, deal_id)
    back = url_for(_DEALS[route][1], **{_DEALS[route][2]: deal.id})
    return render_template("trading/evidence.html", deal=deal, route=route, back=back, facts=evidence.facts(deal),
                           events=evidence.events(deal), trail=evidence.trail(deal), beijing=evidence.beijing)


@bp.route("/<any(notices, listings, auctions):route>/<int:deal_id>/evidence.pdf")
@permission(LOGIN)
def evidence_pdf(route: str, deal_id: int):
    deal = _deal(route, deal_id)
    name = f"evidence-{route}-{deal.id}.pdf"
    return evidence.render_pdf(deal), 200, {
        "Content-Type": "application/pdf", "Cache-Control": "private, no-store",
        "Content-Disposition": f'attachment; filename="{name}"'}


# --- 拍卖/竞价 ---------------------------------------------------------------------------------------

@bp.route("/auctions/")
@permission(PUBLIC)
def auction_board():
    past = request.args.get("show") == "past"
    return render_template("trading/auctions.html", auctions=auctions.board(current=not past), past=past,
                           phase=auctions.phase)


def _default_times() -> tuple[dt.datetime, dt.datetime]:
    """Tomorrow 09:30 to 17:00 in Beijing, the usual trading hours of an exchange."""
    day = (utcnow().astimezone(CHINA) + dt.timedelta(days=1)).date()
    return dt.datetime.combine(day, dt.time(9, 30)), dt.datetime.combine(day, dt.time(17, 0))


@bp.route("/auctions/new/<int:result_id>", methods=["GET", "POST"])
@permission(LOGIN)
def new_auction(result_id: int):
    result = listings.get_visible(Achievement, result_id, current_user)
    if not confidential.can_manage(current_user, result):
        raise NotAllowed()
    source = None
    if request.args.get("listing", "").isdigit():
        source = pricelistings.get_listing(int(request.args["listing"]))
        if source.achievement_id != result.id:
            raise NotFound()
    form = AuctionForm()
    if request.method == "GET":
        form.starts_at.data, form.ends_at.data = _default_times()
        price = source.price_fen if source else None
        form.start_price_wan.data = money.fen_to_wan(price) if price else _proposed_price() or result.asking_price
        if source:
            form.subtype_code.data, form.payment_mode.data = source.subtype_code, source.payment_mode
    if source is not None:  # the listed price and terms carry over; the form shows them, the service sets them
        form.start_price_wan.data = money.fen_to_wan(source.price_fen)
    if form.validate_on_submit():
        try:
            data = form.to_data()
            item = auctions.from_listing(current_user, source, data) if source else \
                auctions.create(current_user, result, data)
        except confidential.TradingError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("The auction is set up: bidding runs %(start)s – %(end)s (Beijing time).",
                    start=evidence.beijing(item.starts_at)[:16], end=evidence.beijing(item.ends_at)[:16]), "success")
            return redirect(url_for("trading.auction", auction_id=item.id))
    return render_template("trading/auction_form.html", form=form, result=result, source=source), \
        422 if request.method == "POST" else 200


def _live_auction(auction_id: int):
    """The auction, its close made durable when a reader finds it past its end."""
    item = auctions.get_auction(auction_id)
    if auctions.close_if_due(item):
        db.session.commit()
    return item


@bp.route("/auctions/<int:auction_id>")
@permission(PUBLIC)
def auction(auction_id: int):
    item = _live_auction(auction_id)
    seller = auctions.is_seller(current_user, item)
    operator = auctions.is_operator(current_user)
    registration = auctions.registration_of(current_user, item)
    previous_relisted = db.session.scalar(sa.select(Auction).where(Auction.previous_id == item.id))
    return render_template(
        "trading/auction.html", auction=item, phase=auctions.phase(item), seller=seller, operator=operator,
        manage=seller and confidential.can_manage(current_user, item.achievement), registration=registration,
        names=auctions.can_see_names(current_user, item), history=auctions.history(item, current_user),
        minimum=auctions.minimum_bid(item), relisted=previous_relisted,
        contract=contracts.get_visible(item.contract_id, current_user) if item.contract_id else None,
        result_visible=listings.can_view(current_user, item.achievement),
        trail=auctions.trail(item) if operator else None, bid_form=BidForm(), deposit_form=DepositForm(),
        relist_form=AuctionForm(formdata=None, starts_at=_default_times()[0], ends_at=_default_times()[1],
                                start_price_wan=money.fen_to_wan(item.start_price_fen),
                                increment_wan=money.fen_to_wan(item.increment_fen),
                                deposit_wan=money.fen_to_wan(item.deposit_fen), subtype_code=item.subtype_code,
                                payment_mode=item.payment_mode, extension_minutes=item.extension_minutes,
                                contact=item.contact, conditions=item.conditions),
        evidence_visible=evidence.can_see(current_user, item))


@bp.route("/auctions/<int:auction_id>/state.json")
@permission(PUBLIC)
def auction_state(auction_id: int):
    """What the live page polls: 304 when nothing changed since the ETag the page holds (from one small
    query: nothing is loaded or built)."""
    tag = auctions.current_etag(auction_id, current_user) if request.if_none_match else None
    if tag is not None and tag in request.if_none_match:
        response = current_app.response_class(status=304)
    else:
        item = _live_auction(auction_id)
        response = jsonify(auctions.state(item, current_user))
        tag = auctions.etag(item, current_user)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache" if not current_user.is_authenticated else "private, no-store"
    return response


def _auction_action(auction_id: int, run):
    item = auctions.get_auction(auction_id)
    return commit_action(lambda: run(item), errors=confidential.TradingError,
                         next_url=url_for("trading.auction", auction_id=auction_id))


@bp.route("/auctions/<int:auction_id>/register", methods=["POST"])
@permission(LOGIN)
def auction_register(auction_id: int):
    def run(item):
        registration = auctions.register(current_user, item)
        return _("Your organisation is registered as %(bidder)s. Pay the deposit; an operator confirms it, then "
                 "you may bid.", bidder=auctions.pseudonym(registration))
    return _auction_action(auction_id, run)


@bp.route("/auctions/deposits")
@permission(OPERATOR)
def auction_deposits():
    return render_template("trading/deposits.html", registrations=auctions.pending_deposits(current_user),
                           deposit_form=DepositForm())


@bp.route("/auctions/<int:auction_id>/registrations/<int:registration_id>/deposit", methods=["POST"])
@permission(OPERATOR)
def auction_deposit(auction_id: int, registration_id: int):
    def run(item):
        form = DepositForm()
        _validated(form)
        registration = auctions.confirm_deposit(current_user, item, registration_id, form.reference.data)
        return _("Deposit of %(org)s confirmed.", org=registration.organisation.name)
    back = url_for("trading.auction_deposits") if request.form.get("back") == "desk" else \
        url_for("trading.auction", auction_id=auction_id)
    item = auctions.get_auction(auction_id)
    return commit_action(lambda: run(item), errors=confidential.TradingError, next_url=back)


@bp.route("/auctions/<int:auction_id>/bids", methods=["POST"])
@permission(LOGIN)
def auction_bid(auction_id: int):
    def run(item):
        form = BidForm()
        _validated(form)
        bid = auctions.place_bid(current_user, item, money.yuan_to_fen(form.amount_wan.data * 10_000))
        return _("Your bid of %(price)s is the highest.", price=money.format_wan(bid.amount_fen))
    return _auction_action(auction_id, run)


@bp.route("/auctions/<int:auction_id>/withdraw", methods=["POST"])
@permission(LOGIN)
def auction_withdraw(auction_id: int):
    def run(item):
        auctions.withdraw(current_user, item)
        return _("Auction withdrawn.")
    return _auction_action(auction_id, run)


@bp.route("/auctions/<int:auction_id>/close", methods=["POST"])
@permission(LOGIN)
def auction_close(auction_id: int):
    def run(item):
        return _("Auction closed: %(outcome)s.", outcome=auctions.close_now(current_user, item).label)
    return _auction_action(auction_id, run)


@bp.route("/auctions/<int:auction_id>/relist", methods=["POST"])
@permission(LOGIN)
def auction_relist(auction_id: int):
    item = auctions.get_auction(auction_id)
    form = AuctionForm()
    created = []

    def run(item):
        _validated(form)
        created.append(auctions.relist(current_user, item, form.to_data()))
        return _("Auctioned again.")
    response = commit_action(lambda: run(item), errors=confidential.TradingError,
                             next_url=url_for("trading.auction", auction_id=auction_id))
    return redirect(url_for("trading.auction", auction_id=created[0].id)) if created else response


@bp.route("/auctions/<int:auction_id>/contract", methods=["POST"])
@permission(LOGIN)
def auction_contract(auction_id: int):
    return _contract_from(lambda: auctions.draft_contract(current_user, auctions.get_auction(auction_id)),
                          url_for("trading.auction", auction_id=auction_id),
                          _("Contract draft created at the winning bid: check it and submit it for registration."))
