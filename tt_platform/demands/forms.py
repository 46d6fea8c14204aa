from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Optional, ValidationError

from tt_platform import taxonomy
from tt_platform.forms import (
    CodeSelectField,
    MoneyField,
    length,
    required,
)
from tt_platform.listings.forms import ListingFields, trl_choices


class DemandForm(ListingFields):
    problem = TextAreaField(_l("Technical problem to solve"), validators=[required(), length(5000, 10)])
    current_situation = TextAreaField(_l("Current situation"), validators=[Optional(), length(5000)])
    target_indicators = TextAreaField(_l("Target indicators"), validators=[Optional(), length(5000)])
    industry = CodeSelectField(_l("Industry (GB/T 4754-2017)"), choices_fn=taxonomy.industry_choices,
                               validators=[Optional()])
    budget_min = MoneyField(_l("Budget from (万元)"))
    budget_max = MoneyField(_l("Budget up to (万元)"))
    budget_negotiable = BooleanField(_l("Budget negotiable (面议)"))
    required_trl = CodeSelectField(_l("Required maturity (TRL)"), choices_fn=trl_choices, validators=[Optional()])
    is_challenge = BooleanField(_l("Open challenge (揭榜挂帅)"))
    bounty = MoneyField(_l("Challenge bounty (万元)"))

    def validate_budget_max(self, field):
        low, high = self.budget_min.data, field.data
        if low is not None and high is not None and low > high:
            raise ValidationError(_l("The upper budget must not be below the lower budget."))
        if low is None and high is None and not self.budget_negotiable.data:
            raise ValidationError(_l("Give a budget or tick “negotiable”."))

    def validate_bounty(self, field):
        if self.is_challenge.data and not field.data:
            raise ValidationError(_l("A challenge needs a bounty."))

    def industry_codes(self) -> tuple[str | None, str | None]:
        raw = self.industry.data or ""
        if not raw:
            return None, None
        section, _sep, division = raw.partition(":")
        return section, division or None
