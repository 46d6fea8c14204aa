"""Form fields every listing kind has (demands, results): each kind's form adds its own."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import Optional, ValidationError

from tt_platform import taxonomy
from tt_platform.database import china_today
from tt_platform.forms import BaseForm, CodeSelectField, RegionField, choice_list, keywords_cleaned, length, required


def field_choices():
    return list(taxonomy.fields().items())


def trl_choices():
    return [(str(level), f"TRL {level} · {zh}") for level, (zh, _en) in taxonomy.trl_levels().items()]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        allowed = {c.value for c in self.choices}
        if any(value not in allowed for value in self.data or ()):
            raise ValidationError(_l("Choose a value from the list."))


class ListingFields(BaseForm):
    """Fields every listing has."""

    title = StringField(_l("Title"), validators=[required(), length(200, 4)])
    summary = TextAreaField(_l("Public summary"), validators=[required(), length(1000, 10)])
    field_code = CodeSelectField(_l("Technology field"), choices_fn=field_choices, validators=[required()])
    keywords = StringField(_l("Keywords (separated by commas)"), validators=[Optional(), length(500)])
    region_code = RegionField(_l("Region"))
    cooperation_modes = MultiCheckboxField(
        _l("Cooperation modes"), choices=choice_list(taxonomy.COOPERATION_MODES.items()),
        validators=[required()])
    valid_until = DateField(_l("Valid until"), validators=[required()])
    contact_name = StringField(_l("Contact person"), validators=[required(), length(100)])
    contact_phone = StringField(_l("Contact phone"), validators=[required(), length(40)])
    contact_email = StringField(_l("Contact e-mail"), validators=[Optional(), length(254)])

    def load(self, listing) -> None:
        """Set the fields whose form value differs from the column value (edit page, first view)."""

    def prefill(self, args) -> None:
        """Values proposed by a link to the edit page (e.g. a valuation worksheet's price), shown for the
        owner to check and save; nothing is changed until the form is submitted."""

    def to_data(self):
        """The kind's service data class, from the validated fields."""
        raise NotImplementedError

    def before_render(self) -> None:
        """Last touches before the form is shown (e.g. empty repeatable rows)."""

    def validate_keywords(self, field):
        field.data = keywords_cleaned(field.data or "")

    def validate_valid_until(self, field):
        if field.data is None:
            return
        today = china_today()
        if field.data < today:
            raise ValidationError(_l("The validity date must not be in the past."))
        if field.data > today + dt.timedelta(days=3 * 366):
            raise ValidationError(_l("Listings are valid for at most three years."))
