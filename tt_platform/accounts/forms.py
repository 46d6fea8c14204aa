from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import EqualTo, Optional, ValidationError

from tt_platform import taxonomy
from tt_platform.accounts.models import ORG_KIND_LABELS, OrgKind
from tt_platform.accounts.services import SELF_REGISTERED_KINDS, OrganisationData
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


class OrganisationImportForm(OrganisationFields):
    """One row of an organisations import: the registration fields plus the kind."""

    kind = SelectField(_l("Kind of organisation"), validators=[required()], choices=choice_list(
        [(k.value, ORG_KIND_LABELS[k]) for k in SELF_REGISTERED_KINDS]))

    def to_data(self) -> OrganisationData:
        return OrganisationData(
            name=self.org_name.data, kind=OrgKind(self.kind.data), credit_code=self.credit_code.data,
            region_code=self.region_code.data, party_type=self.party_type.data,
            contact_name=self.contact_name.data, contact_phone=self.contact_phone.data,
            contact_email=self.contact_email.data, website=self.website.data or None,
            introduction=self.introduction.data or None)
