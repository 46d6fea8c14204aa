from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from tt_platform.forms import BaseForm, choice_list, length
from tt_platform.judgments.models import GRADES


class GradeForm(BaseForm):
    target = HiddenField(validators=[InputRequired()])  #: the suggested listing's document id
    grade = SelectField(_l("Grade"), coerce=int, choices=choice_list(GRADES.items()),
                        validators=[InputRequired(_l("Choose a grade."))])
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), length(500)])
