"""Contract forms: shapes only; the rules live in contracts.services."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, FieldList, Form, FormField, HiddenField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from tt_platform import money, taxonomy
from tt_platform.accounts.models import Organisation, OrgKind, Verification
from tt_platform.contracts.models import PAYMENT_MODES, REFUSAL_REASONS, RETURN_REASONS
from tt_platform.contracts.services import ContractData, ItemData
from tt_platform.database import db
from tt_platform.forms import BaseForm, CodeSelectField, MoneyField, RegionField, length, required

ITEM_ROWS = 6


def platform_org_choices() -> list[tuple[str, str]]:
    orgs = db.session.execute(
        sa.select(Organisation.id, Organisation.name).where(Organisation.verification == Verification.VERIFIED,
                                                            Organisation.kind != OrgKind.OPERATOR)
        .order_by(Organisation.name)).all()
    return [(str(org_id), name) for org_id, name in orgs]


def party_type_choices() -> list[tuple[str, str]]:
    return [(c, label) for c, label in taxonomy.party_type_choices() if c not in ("E", "P")]


class YuanField(MoneyField):
    """An amount in 元 to the fen (the contract's own figures); shown in 万元 elsewhere."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter an amount in 元, e.g. 150000 or 12500.50.")) from None

    def pre_validate(self, form):
        if self.data is None:
            return
        if not self.data.is_finite() or self.data < 0 or self.data >= Decimal("1000000000000"):
            raise ValidationError(_l("Enter an amount between 0 and 999,999,999,999.99 元."))
        if self.data.as_tuple().exponent < -2:
            raise ValidationError(_l("Use at most two decimals."))


class ItemForm(Form):
    description = StringField(_l("Item"), validators=[Optional(), length(200)])
    amount_yuan = YuanField(_l("Amount (元)"))
    is_technical = BooleanField(_l("Technical"), default=True)

    def validate_amount_yuan(self, field):
        if bool(self.description.data) != (field.data is not None):
            raise ValidationError(_l("Give both a description and an amount, or leave the row empty."))


def _party(prefix: str, label):
    return {
        f"{prefix}_org_id": CodeSelectField(_l("%(side)s on the platform", side=label),
                                            choices_fn=platform_org_choices),
        f"{prefix}_name": StringField(_l("%(side)s name (if not on the platform)", side=label),
                                      validators=[Optional(), length(200)]),
        f"{prefix}_party_type": CodeSelectField(_l("%(side)s party type", side=label), choices_fn=party_type_choices),
        f"{prefix}_region_code": RegionField(_l("%(side)s region", side=label), validators=[Optional()]),
    }


class ContractTerms(BaseForm):
    """The terms every contract form asks for."""

    name = StringField(_l("Contract name"), validators=[required(), length(200, 4)])
    subtype_code = CodeSelectField(_l("Contract type and sub-type"), choices_fn=taxonomy.contract_subtype_choices,
                                   validators=[required()])
    field_code = CodeSelectField(_l("Technology field"), choices_fn=lambda: list(taxonomy.fields().items()),
                                 validators=[required()])
    ip_type = CodeSelectField(_l("IP involved"), choices_fn=lambda: list(taxonomy.IP_TYPES.items()))
    payment_mode = CodeSelectField(_l("Payment mode"), choices_fn=lambda: list(PAYMENT_MODES.items()),
                                   validators=[required()])
    signed_on = DateField(_l("Signed on"), validators=[required()])


class ContractForm(ContractTerms):
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    items = FieldList(FormField(ItemForm), min_entries=ITEM_ROWS, max_entries=30)
    demand_id = HiddenField()
    achievement_id = HiddenField()
    case_id = HiddenField()

    def validate_valid_until(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The contract cannot end before it starts."))


for _prefix, _label in (("seller", _l("Seller")), ("buyer", _l("Buyer"))):
    for _name, _field in _party(_prefix, _label).items():
        setattr(ContractForm, _name, _field)


class DecisionForm(BaseForm):
    reason = CodeSelectField(_l("Reason"), choices_fn=lambda: list({**RETURN_REASONS, **REFUSAL_REASONS}.items()))
    note = TextAreaField(_l("Explanation for the parties"), validators=[Optional(), length(2000)])


class ChangeRequestForm(BaseForm):
    text = TextAreaField(_l("What should change, and why"), validators=[required(), length(2000, 5)])


class NoteForm(BaseForm):
    note = TextAreaField(_l("Reason"), validators=[required(), length(2000, 2)])


class RegisteredContractForm(ContractTerms):
    """One contract the office registered before the platform (a bulk import row): shapes only."""

    seller_name = StringField(_l("Seller"), validators=[required(), length(200)])
    seller_party_type = CodeSelectField(_l("Seller party type"), choices_fn=party_type_choices,
                                        validators=[required()])
    seller_region_code = RegionField(_l("Seller region"))
    buyer_name = StringField(_l("Buyer"), validators=[required(), length(200)])
    buyer_party_type = CodeSelectField(_l("Buyer party type"), choices_fn=party_type_choices, validators=[required()])
    buyer_region_code = RegionField(_l("Buyer region"))
    total_yuan = YuanField(_l("Contract amount (元)"), validators=[required()])
    tech_yuan = YuanField(_l("Technology transaction amount (元)"), validators=[required()])
    registration_number = StringField(_l("Registration number"), validators=[required(), length(16, 16)])
    registered_on = DateField(_l("Registered on"), validators=[required()])

    def validate_tech_yuan(self, field):
        if field.data is not None and self.total_yuan.data is not None and field.data > self.total_yuan.data:
            raise ValidationError(_l("The technology transaction amount cannot exceed the contract amount."))

    def to_data(self):
        """The contract as the services take it: the technology part and the rest as two line items."""
        tech = money.yuan_to_fen(self.tech_yuan.data)
        rest = money.yuan_to_fen(self.total_yuan.data) - tech
        items = (ItemData(str(_l("Technology transaction amount")), tech, True),
                 *((ItemData(str(_l("Other parts of the contract")), rest, False),) if rest > 0 else ()))
        return ContractData(
            name=self.name.data, subtype_code=self.subtype_code.data, field_code=self.field_code.data,
            payment_mode=self.payment_mode.data, signed_on=self.signed_on.data, ip_type=self.ip_type.data or None,
            seller_name=self.seller_name.data, seller_party_type=self.seller_party_type.data,
            seller_region_code=self.seller_region_code.data, buyer_name=self.buyer_name.data,
            buyer_party_type=self.buyer_party_type.data, buyer_region_code=self.buyer_region_code.data, items=items)
