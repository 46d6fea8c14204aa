from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Optional, ValidationError

from tt_platform import taxonomy
from tt_platform.demands.services import DemandData
from tt_platform.forms import CodeSelectField, MoneyField, length, required
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

    def load(self, demand) -> None:
        """Fields whose form value is not the column value, on the edit page's first view."""
        self.industry.data = (f"{demand.industry_section}:{demand.industry_division}" if demand.industry_division
                              else demand.industry_section or "")
        self.required_trl.data = str(demand.required_trl) if demand.required_trl else ""
        self.keywords.data = "，".join(demand.keyword_list)

    def to_data(self) -> DemandData:
        section, division = self.industry_codes()
        return DemandData(
            title=self.title.data, summary=self.summary.data, problem=self.problem.data,
            current_situation=self.current_situation.data or "", target_indicators=self.target_indicators.data or "",
            field_code=self.field_code.data, region_code=self.region_code.data,
            cooperation_modes=self.cooperation_modes.data, valid_until=self.valid_until.data,
            contact_name=self.contact_name.data, contact_phone=self.contact_phone.data,
            contact_email=self.contact_email.data or None, keywords=self.keywords.data or "",
            industry_section=section, industry_division=division, budget_min=self.budget_min.data,
            budget_max=self.budget_max.data, budget_negotiable=self.budget_negotiable.data,
            required_trl=int(self.required_trl.data) if self.required_trl.data else None,
            is_challenge=self.is_challenge.data, bounty=self.bounty.data,
        )
