from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from tt_platform import taxonomy
from tt_platform.achievements.services import MAX_IP_RECORDS, AchievementData, IPRecordData
from tt_platform.forms import CodeSelectField, MoneyField, length, required
from tt_platform.listings.forms import ListingFields, trl_choices

MAX_IP_ROWS = MAX_IP_RECORDS


def maturity_choices():
    return [(code, name) for code, (name, _rng) in taxonomy.maturity_steps().items()]


class IPRecordForm(FlaskForm):
    class Meta:
        csrf = False  # a sub-form: the enclosing form carries the token

    ip_type = CodeSelectField(_l("IP type"), choices_fn=lambda: list(taxonomy.IP_TYPES.items()),
                              validators=[Optional()])
    number = StringField(_l("Number"), validators=[Optional(), length(60)])
    title = StringField(_l("IP title"), validators=[Optional(), length(200)])
    status = CodeSelectField(_l("IP status"), choices_fn=lambda: list(taxonomy.IP_STATUSES.items()),
                             validators=[Optional()])

    def is_empty(self) -> bool:
        return not (self.ip_type.data or (self.number.data or "").strip() or (self.title.data or "").strip())


class AchievementForm(ListingFields):
    description = TextAreaField(_l("Detailed description"), validators=[required(), length(20000, 10)])
    trl = CodeSelectField(_l("Maturity (TRL)"), choices_fn=trl_choices, validators=[required()])
    maturity = CodeSelectField(_l("Maturity stage"), choices_fn=maturity_choices, validators=[Optional()])
    asking_price = MoneyField(_l("Asking price (万元)"))
    price_negotiable = BooleanField(_l("Price negotiable (面议)"))
    team = TextAreaField(_l("Team / inventors (one per line)"), validators=[Optional(), length(3000)])
    ip_records = FieldList(FormField(IPRecordForm), min_entries=3, max_entries=MAX_IP_ROWS)

    def validate_asking_price(self, field):
        if field.data is None and not self.price_negotiable.data:
            raise ValidationError(_l("Give an asking price or tick “negotiable”."))

    def validate_ip_records(self, field):
        for entry in field.entries:
            sub = entry.form
            if sub.is_empty():
                continue
            if not sub.ip_type.data or not sub.status.data:
                raise ValidationError(_l("Each IP record needs a type and a status."))
            if sub.ip_type.data != "trade_secret" and not (sub.number.data or "").strip():
                raise ValidationError(_l("Patents and registrations need their number."))

    def ip_rows(self) -> list[dict]:
        return [
            {"ip_type": e.form.ip_type.data, "number": (e.form.number.data or "").strip(),
             "title": (e.form.title.data or "").strip(), "status": e.form.status.data}
            for e in self.ip_records.entries if not e.form.is_empty()
        ]

    def load(self, result) -> None:
        """Fields whose form value is not the column value, on the edit page's first view."""
        self.trl.data = str(result.trl) if result.trl else ""
        self.keywords.data = "，".join(result.keyword_list)

    def prefill(self, args) -> None:
        """?asking_price=123.45 (万元, from a valuation worksheet): proposed, checked like a typed value."""
        raw = (args.get("asking_price") or "").strip()
        if not raw:
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            return
        if value.is_finite() and Decimal(0) <= value < Decimal("100000000") and value.as_tuple().exponent >= -2:
            self.asking_price.data, self.price_negotiable.data = value, False

    def to_data(self) -> AchievementData:
        return AchievementData(
            title=self.title.data, summary=self.summary.data, description=self.description.data,
            field_code=self.field_code.data, region_code=self.region_code.data,
            cooperation_modes=self.cooperation_modes.data, valid_until=self.valid_until.data,
            contact_name=self.contact_name.data, contact_phone=self.contact_phone.data,
            contact_email=self.contact_email.data or None, keywords=self.keywords.data or "",
            trl=int(self.trl.data) if self.trl.data else None, maturity=self.maturity.data or None,
            asking_price=self.asking_price.data, price_negotiable=self.price_negotiable.data,
            team=self.team.data or "", ip_records=[IPRecordData(**row) for row in self.ip_rows()],
        )

    def before_render(self) -> None:
        """Always offer two empty IP rows below the filled ones (up to the maximum)."""
        filled = len(self.ip_rows())
        while len(self.ip_records.entries) < min(filled + 2, MAX_IP_ROWS):
            self.ip_records.append_entry()
