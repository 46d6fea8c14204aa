"""Trading forms: shape checks only; the rules live in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, TextAreaField

from tt_platform.forms import BaseForm, choice_list, length, required
from tt_platform.trading import confidential
from tt_platform.trading.models import ACCESS_MODE_LABELS


class ConfidentialForm(BaseForm):
    detail = TextAreaField(_l("Confidential details"), validators=[required(), length(confidential.MAX_DETAIL)])
    access_mode = RadioField(_l("Who may see them"), validators=[required()],
                             choices=choice_list((mode.value, label) for mode, label in ACCESS_MODE_LABELS.items()),
                             default="click")
    nda_text = TextAreaField(_l("Your NDA (non-disclosure agreement)"),
                             validators=[required(), length(confidential.MAX_NDA, confidential.MIN_NDA)])

    def to_data(self) -> confidential.PartData:
        return confidential.PartData(detail=self.detail.data or "", access_mode=self.access_mode.data or "",
                                     nda_text=self.nda_text.data or "")


class AcceptForm(BaseForm):
    #: the hash of the NDA text the page showed: an acceptance names exactly what was read
    nda_sha256 = HiddenField(validators=[required(), length(64, 64)])
