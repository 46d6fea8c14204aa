from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import EqualTo, Optional, ValidationError

from tt_platform import taxonomy
from tt_platform.forms import BaseForm, CodeSelectField, RegionField, choice_list, email_field, length, required


class OrganisationFields(BaseForm):
    org_name = StringField(_l("Organisation name"), validators=[required(), length(200, 2)])
    credit_code = StringField(_l("Unified social credit code"), validators=[required(), length(18, 18)])
    region_code = RegionField(_l("Region"))
    party_type = CodeSelectField(_l("Party type (for statistics)"), choices_fn=taxonomy.party_type_choices,
                                 validators=[required()])
    contact_name = StringField(_l("Contact person"), validators=[required(), length(100)])
    contact_phone = StringField(_l("Contact phone"), validators=[required(), length(40)])
    contact_email = email_field(_l("Contact e-mail"))
    website = StringField(_l("Website"), validators=[Optional(), length(300)])
    introduction = TextAreaField(_l("Introduction"), validators=[Optional(), length(5000)])

    def validate_credit_code(self, field):
        if not taxonomy.is_valid_uscc(field.data or ""):
            raise ValidationError(_l("The unified social credit code is not valid (check its 18 characters)."))


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
