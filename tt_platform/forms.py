"""Form building blocks shared by the feature packages (shape checks only; rules live in services)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from tt_platform import taxonomy


class BaseForm(FlaskForm):
    """Strips surrounding whitespace from every text input, and refuses text with NUL characters."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class in (StringField, TextAreaField, EmailField):
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)

    def validate(self, extra_validators=None) -> bool:
        # PostgreSQL text cannot hold NUL: stored, or only compared in a query, it fails the request (a 500).
        # One check for every form (web pages and imports alike), with the field's message.
        valid = super().validate(extra_validators)
        for field in self:
            if _has_nul(field.data):  # sub-forms and lists too (a result's IP records)
                field.errors = [*field.errors, _l("The text contains characters that cannot be stored (NUL).")]
                valid = False
        return valid


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def required():
    return InputRequired(message=_l("This field is required."))


def length(max_len: int, min_len: int = 0):
    return Length(min=min_len, max=max_len, message=_l("Between %(min)d and %(max)d characters.",
                                                       min=min_len, max=max_len))


def email_field(label):
    return EmailField(label, validators=[required(), length(254),
                                         Email(message=_l("Enter a valid e-mail address."),
                                               check_deliverability=False)])


def choice_list(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


class RegionField(SelectField):
    """Province or prefecture-level region by 6-digit code."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators=validators or [required()], choices=[], **kwargs)

    def pre_validate(self, form):
        if self.data not in taxonomy.regions():
            raise ValidationError(_l("Choose a region from the list."))

    def iter_choices(self):
        self.choices = choice_list([("", "—"), *taxonomy.region_choices()])
        return super().iter_choices()


class CodeSelectField(SelectField):
    """A <select> over a code list that is loaded when rendered, and checked against it on submit."""

    def __init__(self, label=None, validators=None, choices_fn=None, blank=True, **kwargs):
        self.choices_fn = choices_fn
        self.blank = blank
        super().__init__(label, validators=validators, choices=[], **kwargs)

    def _all(self):
        base = list(self.choices_fn())
        return [("", "—"), *base] if self.blank else base

    def iter_choices(self):
        self.choices = choice_list(self._all())
        return super().iter_choices()

    def pre_validate(self, form):
        valid = {str(v) for v, _label in self._all()}
        if str(self.data if self.data is not None else "") not in valid:
            raise ValidationError(_l("Choose a value from the list."))


class MoneyField(DecimalField):
    """An amount in 万元: non-negative, at most two decimals, below one trillion 元."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators=validators or [Optional()], places=2, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            raw = valuelist[0].strip().replace(",", "").replace("，", "")
            try:
                self.data = Decimal(raw)
            except InvalidOperation:
                self.data = None
                raise ValueError(_l("Enter an amount in 万元, e.g. 150 or 12.5.")) from None
            if not self.data.is_finite():  # NaN, Infinity: not an amount, and NaN breaks any comparison later
                self.data = None
                raise ValueError(_l("Enter an amount between 0 and 99,999,999.99 万元."))
        else:
            self.data = None

    def pre_validate(self, form):
        if self.data is None:
            return
        if not self.data.is_finite() or self.data < 0 or self.data >= Decimal("100000000"):
            raise ValidationError(_l("Enter an amount between 0 and 99,999,999.99 万元."))
        if self.data.as_tuple().exponent < -2:
            raise ValidationError(_l("Use at most two decimals."))


def keywords_cleaned(raw: str, limit: int = 12) -> str:
    """Split on Chinese or Latin commas, semicolons and spaces; de-duplicate; keep order."""
    import re

    parts = [p.strip() for p in re.split(r"[,，;；、\s]+", raw or "") if p.strip()]
    seen: list[str] = []
    for p in parts:
        if p not in seen:
            seen.append(p[:40])
    if len(seen) > limit:
        raise ValidationError(_l("At most %(n)d keywords.", n=limit))
    return ",".join(seen)
