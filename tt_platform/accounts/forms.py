from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Optional

from tt_platform.auth.forms import OrganisationFields
from tt_platform.forms import BaseForm, choice_list, email_field, length, required


class ProfileForm(BaseForm):
    name = StringField(_l("Your name"), validators=[required(), length(100)])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), length(40)])
    locale = SelectField(_l("Language"), choices=choice_list([("zh_CN", "简体中文"), ("en", "English")]))


class PasswordChangeForm(BaseForm):
    current = PasswordField(_l("Current password"), validators=[required(), length(128)])
    password = PasswordField(_l("New password (at least 12 characters)"), validators=[required(), length(128)])
    confirm = PasswordField(_l("Repeat password"), validators=[
        required(), EqualTo("password", message=_l("The passwords do not match."))])


class InviteForm(BaseForm):
    email = email_field(_l("Colleague's e-mail"))
    as_admin = BooleanField(_l("Also an administrator of the organisation"))


class OrganisationForm(OrganisationFields):
    pass
