"""Pricing forms: shapes only (numbers that parse, lengths); the rules live in pricing.services."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from tt_platform.database import parse_id
from tt_platform.forms import BaseForm, MoneyField, choice_list, length, required
from tt_platform.pricing import services, valuation
from tt_platform.pricing.models import METHODS

FACTOR_ROWS = 4
METHOD_LABELS = {"market": _l("Market approach (市场法)"), "income": _l("Income approach (收益法)"),
                 "cost": _l("Cost approach (成本法)"), "other": _l("Another value (explain in the reason)")}


def parse_decimal(raw: str) -> Decimal | None:
    raw = (raw or "").strip().replace(",", "").replace("，", "").rstrip("%").strip()
    if not raw:
        return None
    value = Decimal(raw)  # InvalidOperation for text
    if not value.is_finite():
        raise InvalidOperation
    return value


class PercentField(DecimalField):
    """A percentage: 5 means 5 %; at most four decimals."""

    def __init__(self, label=None, validators=None, low=Decimal(0), high=Decimal(100), **kwargs):
        self.low, self.high = low, high
        # places=None: shown as typed (12.3456 stays 12.3456 when the form is saved again)
        super().__init__(label, validators=validators or [Optional()], places=None, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = parse_decimal(valuelist[0])
            except InvalidOperation:
                raise ValueError(_l("Enter a percentage, e.g. 5 or 12.5.")) from None

    def pre_validate(self, form):
        if self.data is None:
            return
        if not self.low <= self.data <= self.high:
            raise ValidationError(_l("Enter a percentage between %(low)s and %(high)s.", low=self.low,
                                     high=self.high))
        if self.data.as_tuple().exponent < -4:
            raise ValidationError(_l("Use at most four decimals."))


class FactorForm(Form):
    name = StringField(_l("Factor"), validators=[Optional(), length(100)])
    percent = PercentField(_l("Adjustment (%)"), low=Decimal("-99.99"), high=Decimal(1000))
    reason = StringField(_l("Reason"), validators=[Optional(), length(300)])

    def validate_percent(self, field):
        if bool(self.name.data) != (field.data is not None):
            raise ValidationError(_l("Give both a factor and its adjustment, or leave the row empty."))


class WorksheetForm(BaseForm):
    title = StringField(_l("Title"), validators=[required(), length(200, 2)])
    market_base_wan = MoneyField(_l("Base value from comparable deals (万元)"))
    factors = FieldList(FormField(FactorForm), min_entries=FACTOR_ROWS, max_entries=12)
    revenues = TextAreaField(_l("Expected sales or profit per year (万元), one year per line or comma-separated"),
                             validators=[Optional(), length(1000)])
    share_pct = PercentField(_l("Seller’s share, 分成率 (%)"))
    rate_pct = PercentField(_l("Discount rate (%)"))
    people_wan = MoneyField(_l("People: R&D labour (万元)"))
    equipment_wan = MoneyField(_l("Equipment (万元)"))
    materials_wan = MoneyField(_l("Materials (万元)"))
    other_wan = MoneyField(_l("Other R&D costs (万元)"))
    technical_obsolescence_pct = PercentField(_l("Technical obsolescence (%)"))
    economic_obsolescence_pct = PercentField(_l("Economic obsolescence (%)"))
    chosen_method = SelectField(_l("Chosen value comes from"), validators=[Optional()],
                                choices=choice_list([("", "—"), *((m, METHOD_LABELS[m]) for m in METHODS)]))
    chosen_wan = MoneyField(_l("Chosen value (万元), for “another value”"))
    reason = TextAreaField(_l("Reason for the chosen value"), validators=[Optional(), length(2000)])
    #: choices are the user's cases that include the result (set by the view); the service checks again
    case_id = SelectField(_l("Share with a matchmaking case (everyone on the case sees it)"),
                          validators=[Optional()], choices=[], validate_choice=False)

    def set_cases(self, cases) -> None:
        self.case_id.choices = choice_list([("", "—"), *((str(c.id), c.title) for c in cases)])

    def validate_revenues(self, field):
        try:
            self.revenue_list()
        except InvalidOperation:
            raise ValidationError(_l("Enter amounts in 万元 separated by commas or new lines.")) from None
        if len(self.revenue_list()) > valuation.MAX_YEARS:
            raise ValidationError(_l("At most %(n)d years of income.", n=valuation.MAX_YEARS))
        if any(v < 0 or v >= Decimal("100000000") or v.as_tuple().exponent < -2 for v in self.revenue_list()):
            raise ValidationError(_l("Enter amounts between 0 and 99,999,999.99 万元 with at most two decimals."))

    def revenue_list(self) -> list[Decimal]:
        parts = [p for p in re.split(r"[\s,，;；、]+", self.revenues.data or "") if p]
        return [parse_decimal(p) for p in parts]

    def to_data(self) -> services.WorksheetData:
        cost_fields = (self.people_wan, self.equipment_wan, self.materials_wan, self.other_wan)
        cost = None
        if any(f.data is not None for f in cost_fields):
            cost = valuation.CostInputs(
                *(f.data or Decimal(0) for f in cost_fields),
                technical_obsolescence_pct=self.technical_obsolescence_pct.data or Decimal(0),
                economic_obsolescence_pct=self.economic_obsolescence_pct.data or Decimal(0))
        factors = tuple(valuation.Factor(row.form.name.data, row.form.percent.data, row.form.reason.data or "")
                        for row in self.factors if row.form.name.data and row.form.percent.data is not None)
        return services.WorksheetData(
            title=self.title.data or "", market_base_wan=self.market_base_wan.data, factors=factors,
            revenues_wan=tuple(self.revenue_list()), share_pct=self.share_pct.data, rate_pct=self.rate_pct.data,
            cost=cost, chosen_method=self.chosen_method.data or None, chosen_wan=self.chosen_wan.data,
            reason=self.reason.data or "", case_id=self.case_number())

    def case_number(self) -> int | None:
        raw = (self.case_id.data or "").strip()
        if not raw:
            return None
        return parse_id(raw) or -1  # -1: no such case

    def fill(self, data: services.WorksheetData) -> None:
        self.title.data, self.market_base_wan.data = data.title, data.market_base_wan
        while len(self.factors):
            self.factors.pop_entry()
        for f in data.factors:
            self.factors.append_entry({"name": f.name, "percent": f.percent, "reason": f.reason})
        while len(self.factors) < max(FACTOR_ROWS, len(data.factors) + 1):
            self.factors.append_entry()
        self.revenues.data = ", ".join(str(r) for r in data.revenues_wan)
        self.share_pct.data, self.rate_pct.data = data.share_pct, data.rate_pct
        if data.cost is not None:
            c = data.cost
            self.people_wan.data, self.equipment_wan.data = c.people_wan, c.equipment_wan
            self.materials_wan.data, self.other_wan.data = c.materials_wan, c.other_wan
            self.technical_obsolescence_pct.data = c.technical_obsolescence_pct
            self.economic_obsolescence_pct.data = c.economic_obsolescence_pct
        self.chosen_method.data = data.chosen_method or ""
        self.chosen_wan.data, self.reason.data = data.chosen_wan, data.reason
        self.case_id.data = str(data.case_id or "")


def parse_yuan(raw: str | None) -> int:
    """An amount typed in 元 (at most two decimals) → fen; empty is 0. ValueError with a message otherwise."""
    try:
        value = parse_decimal(raw or "")
    except InvalidOperation:
        raise ValueError(_l("Enter an amount in 元, e.g. 150000 or 12500.50.")) from None
    if value is None:
        return 0
    if value < 0 or value >= Decimal("1000000000000") or value.as_tuple().exponent < -2:
        raise ValueError(_l("Enter an amount between 0 and 999,999,999,999.99 元 with at most two decimals."))
    return int(value * 100)
