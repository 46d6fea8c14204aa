"""My account, my organisation, inviting colleagues."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from tt_platform import mail
from tt_platform.accounts import services
from tt_platform.accounts.forms import InviteForm, OrganisationForm, PasswordChangeForm, ProfileForm
from tt_platform.accounts.models import Organisation
from tt_platform.database import db
from tt_platform.security import LOGIN, permission

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.route("/", methods=["GET", "POST"])
@permission(LOGIN)
def profile():
    form = ProfileForm(obj=current_user)
    if not form.is_submitted():
        form.locale.data = current_user.locale or "zh_CN"
    password_form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        current_user.name = form.name.data
        current_user.phone = form.phone.data or None
        current_user.locale = form.locale.data
        from flask import session

        session["locale"] = form.locale.data
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.route("/password", methods=["POST"])
@permission(LOGIN)
def change_password():
    form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # keep this session; the version bump ended all others
            flash(_("Your password has been changed. Other sessions have been logged out."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("accounts.profile"))


def _my_organisation() -> Organisation:
    org = current_user.organisation
    if org is None:
        abort(404)
    return org


@bp.route("/organisation", methods=["GET", "POST"])
@permission(LOGIN)
def organisation():
    org = _my_organisation()
    is_admin = current_user.membership.is_org_admin
    form = OrganisationForm(obj=org)
    if not form.is_submitted():
        form.org_name.data = org.name
    invite_form = InviteForm(prefix="inv")
    if form.validate_on_submit():
        data = services.OrganisationData(
            name=form.org_name.data, kind=org.kind, credit_code=form.credit_code.data,
            region_code=form.region_code.data, party_type=form.party_type.data,
            contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
            contact_email=form.contact_email.data, website=form.website.data, introduction=form.introduction.data,
        )
        try:
            services.update_organisation(current_user, org, data)
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("accounts.organisation"))
    return render_template("accounts/organisation.html", org=org, form=form, invite_form=invite_form,
                           is_admin=is_admin)


@bp.route("/organisation/invite", methods=["POST"])
@permission(LOGIN)
def invite():
    org = _my_organisation()
    form = InviteForm(prefix="inv")
    if form.validate_on_submit():
        try:
            invitation, token = services.invite(current_user, org, form.email.data, as_admin=form.as_admin.data)
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            link = url_for("auth.accept_invitation", token=token, _external=True)
            mail.send(invitation.email, _("Invitation to join %(org)s", org=org.name),
                      _("%(name)s invites you to join %(org)s on the technology transfer platform.\n"
                        "Open this link to create your account (valid for 3 days):\n%(link)s",
                        name=current_user.name, org=org.name, link=link))
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("accounts.organisation"))
