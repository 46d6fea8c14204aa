from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional

from tt_platform.forms import choice_list, length

ENCODINGS = [("", _l("Detect (UTF-8, UTF-8 with BOM, GB18030/GBK)")), ("utf-8", "UTF-8"),
             ("utf-8-sig", "UTF-8 (BOM)"), ("gb18030", "GB18030 / GBK")]


class UploadForm(FlaskForm):
    file = FileField(_l("File (XLSX, CSV or JSONL)"), validators=[FileRequired(_l("Choose a file."))])
    organisation_id = SelectField(_l("Organisation"), coerce=int, choices=[])
    encoding = SelectField(_l("CSV encoding"), choices=choice_list(ENCODINGS), validators=[Optional()])
    sheet = StringField(_l("XLSX sheet (empty: the first)"), validators=[Optional(), length(31)])
    update_existing = BooleanField(_l("Update existing listings (same external reference, or same title)"))
    publish = BooleanField(_l("Publish at once (operators; otherwise the rows go to the review queue)"))


class ConfirmForm(FlaskForm):
    accept_warnings = BooleanField(_l("I have read the warnings and import anyway"))
