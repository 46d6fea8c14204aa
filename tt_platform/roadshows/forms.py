"""Roadshow form (times are Beijing time; stored in UTC)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import NumberRange, Optional, ValidationError

from tt_platform import taxonomy
from tt_platform.forms import BaseForm, CodeSelectField, length, required


class RoadshowForm(BaseForm):
    title = StringField(_l("Title"), validators=[required(), length(200, 4)])
    theme = TextAreaField(_l("Theme"), validators=[required(), length(4000, 10)])
    field_code = CodeSelectField(_l("Technology field"), choices_fn=lambda: list(taxonomy.fields().items()))
    day = DateField(_l("Date"), validators=[required()])
    start_time = TimeField(_l("Starts (Beijing time)"), validators=[required()])
    end_time = TimeField(_l("Ends (Beijing time)"), validators=[required()])
    venue = StringField(_l("Venue"), validators=[Optional(), length(200)])
    online_url = StringField(_l("Online link"), validators=[Optional(), length(300)])
    capacity = IntegerField(_l("Capacity (attendees)"), validators=[required(), NumberRange(1, 10_000)])
    registration_opens_on = DateField(_l("Registration opens"), validators=[required()])
    registration_closes_on = DateField(_l("Registration closes"), validators=[required()])
    requires_approval = BooleanField(_l("Registrations need the organiser’s approval"))

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("The event must end after it starts."))
