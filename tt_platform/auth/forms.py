from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Optional, ValidationError

from tt_platform.accounts.forms import OrganisationFields
from tt_platform.accounts.models import BROKER_LEVEL_LABELS, ORG_KIND_LABELS, BrokerLevel, OrgKind
from tt_platform.accounts.services import SELF_REGISTERED_KINDS
from tt_platform.forms import BaseForm, CodeSelectField, choice_list, email_field, length, required


class LoginForm(BaseForm):
    email = email_field(_l("E-mail"))
    password = PasswordField(_l("Password"), validators=[required(), length(128)])
    remember = BooleanField(_l("Keep me logged in"))


def _kind_choices():
    return [(k.value, ORG_KIND_LABELS[k]) for k in SELF_REGISTERED_KINDS]


def _broker_choices():
    return [(b.value, label) for b, label in BROKER_LEVEL_LABELS.items()]


class PersonFields(BaseForm):
    name = StringField(_l("Your name"), validators=[required(), length(100)])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), length(40)])
    password = PasswordField(_l("Password (at least 12 characters)"), validators=[required(), length(128)])
    confirm = PasswordField(_l("Repeat password"), validators=[
        required(), EqualTo("password", message=_l("The passwords do not match."))])
    broker_level = CodeSelectField(_l("Broker credential level"), choices_fn=_broker_choices,
                                   validators=[Optional()])
    broker_certificate_no = StringField(_l("Broker certificate number"), validators=[Optional(), length(50)])

    def broker_level_value(self):
        return BrokerLevel(self.broker_level.data) if self.broker_level.data else None


class RegisterForm(OrganisationFields, PersonFields):
    kind = SelectField(_l("Type of organisation"), choices=choice_list(_kind_choices()), validators=[required()])
    email = email_field(_l("E-mail (your login)"))
    accept_terms = BooleanField(_l("I confirm the information is true and accept the platform rules"),
                                validators=[required()])

    def validate_kind(self, field):
        if field.data not in {k.value for k in SELF_REGISTERED_KINDS}:
            raise ValidationError(_l("Choose a value from the list."))

    def kind_value(self) -> OrgKind:
        return OrgKind(self.kind.data)


class ForgotForm(BaseForm):
    email = email_field(_l("E-mail"))


class ResetForm(BaseForm):
    password = PasswordField(_l("New password (at least 12 characters)"), validators=[required(), length(128)])
    confirm = PasswordField(_l("Repeat password"), validators=[
        required(), EqualTo("password", message=_l("The passwords do not match."))])


class AcceptInvitationForm(PersonFields):
    pass
