"""Log in, log out, register, reset a forgotten password, accept an invitation, switch language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from tt_platform import mail
from tt_platform.accounts import services
from tt_platform.auth.forms import AcceptInvitationForm, ForgotForm, LoginForm, RegisterForm, ResetForm
from tt_platform.config import SUPPORTED_LOCALES
from tt_platform.database import db
from tt_platform.extensions import limiter
from tt_platform.security import LOGIN, PUBLIC, permission

bp = Blueprint("auth", __name__)


def safe_next(default: str) -> str:
    """Only same-site relative paths are followed after login (no open redirects)."""
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme \
            and "\\" not in target:
        return target
    return default


def _failed_login(response) -> bool:
    # Only failed attempts count against the limit; a successful login redirects.
    return response.status_code != 302


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    """The throttle's second key: the account asked for, whatever address the attempts come from."""
    return "account:" + services.normalise_email(request.form.get("email") or "")[:254]


@bp.route("/login", methods=["GET", "POST"])
@permission(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_login)  # per client address
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            # who and from where, never what was typed as the password (ASVS 7.1.1, 7.2.1)
            known = services.find_user_by_email(form.email.data)
            current_app.logger.info("failed login for %s from %s",
                                    f"user {known.id}" if known else "an unknown account", request.remote_addr)
            flash(_("E-mail or password is not correct."), "danger")
        else:
            session.clear()  # a fresh session on login (no fixation)
            login_user(user, remember=form.remember.data)
            db.session.commit()
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(safe_next(url_for("main.dashboard")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@permission(LOGIN)
def logout():
    # Signed-cookie sessions stay valid on their own: moving the session version on makes every copy of
    # this user's session and remember-me cookies worthless (this logs the account out everywhere).
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@permission(PUBLIC)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        org = services.OrganisationData(
            name=form.org_name.data, kind=form.kind_value(), credit_code=form.credit_code.data,
            region_code=form.region_code.data, party_type=form.party_type.data,
            contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
            contact_email=form.contact_email.data, website=form.website.data, introduction=form.introduction.data,
        )
        person = services.PersonData(
            name=form.name.data, email=form.email.data, password=form.password.data, phone=form.phone.data,
            broker_level=form.broker_level_value(), broker_certificate_no=form.broker_certificate_no.data,
        )
        try:
            user = services.register(org, person)
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            login_user(user)
            flash(_("Registration complete. An operator will verify your organisation; until then you can "
                    "prepare drafts."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@permission(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None:
            link = url_for("auth.reset_password", token=services.reset_token(user), _external=True)
            mail.send(user.email, _("Reset your password"),
                      _("Open this link to choose a new password (valid for 3 days):\n%(link)s", link=link))
        # The same answer whether or not the address exists: no account enumeration.
        flash(_("If an account exists for this address, we have sent a link to reset the password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@permission(PUBLIC)
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("This link is invalid or has expired. Please ask for a new one."), "danger")
        return redirect(url_for("auth.forgot_password"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Your password has been changed. Please log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@permission(PUBLIC)
def accept_invitation(token: str):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        flash(_("This invitation is invalid, expired or already used."), "danger")
        return redirect(url_for("main.index"))
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        person = services.PersonData(
            name=form.name.data, email=invitation.email, password=form.password.data, phone=form.phone.data,
            broker_level=form.broker_level_value(), broker_certificate_no=form.broker_certificate_no.data,
        )
        try:
            user = services.accept_invitation(invitation, person)
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome to %(org)s.", org=invitation.organisation.name), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)


@bp.route("/lang/<code>")
@permission(PUBLIC)
def set_language(code: str):
    if code in SUPPORTED_LOCALES:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(url_for("main.index")))
