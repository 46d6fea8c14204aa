"""Trading forms: shape checks only; the rules live in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from tt_platform import money
from tt_platform.contracts.models import PAYMENT_MODES
from tt_platform.forms import BaseForm, CodeSelectField, MoneyField, choice_list, length, required
from tt_platform.trading import confidential, notices, pricelistings
from tt_platform.trading.models import ACCESS_MODE_LABELS, DEFAULT_LISTING_WORKING_DAYS


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


class NoticeForm(BaseForm):
    buyer_credit_code = StringField(_l("Intended buyer: unified social credit code (统一社会信用代码)"),
                                    validators=[required(), length(18, 18)])
    price_wan = MoneyField(_l("Proposed price (万元)"), validators=[required()])
    subtype_code = CodeSelectField(_l("Contract type"), validators=[required()], choices_fn=notices.subtype_choices)
    notice_days = IntegerField(_l("Notice period (days)"), validators=[
        InputRequired(message=_l("Enter a whole number of days.")),
        NumberRange(notices.MIN_DAYS, notices.MAX_DAYS,
                    message=_l("A notice period lasts %(min)d to %(max)d days.", min=notices.MIN_DAYS,
                               max=notices.MAX_DAYS))])
    contact = TextAreaField(_l("Contact for objections"), validators=[required(), length(300, 5)])
    statement = TextAreaField(_l("Statement (how the price was agreed, optional)"), validators=[length(2000)])

    def to_data(self) -> notices.NoticeData:
        return notices.NoticeData(
            buyer_credit_code=self.buyer_credit_code.data or "", price_fen=money.yuan_to_fen(
                self.price_wan.data * 10_000), subtype_code=self.subtype_code.data or "",
            notice_days=self.notice_days.data, contact=self.contact.data or "", statement=self.statement.data or "")


class ObjectionForm(BaseForm):
    text = TextAreaField(_l("Your objection and its grounds"), validators=[required(), length(2000, 10)])


class AnswerForm(BaseForm):
    text = TextAreaField(_l("The seller's answer"), validators=[required(), length(2000, 5)])


class ResolveForm(BaseForm):
    decision = RadioField(_l("Decision"), validators=[required()], choices=choice_list(
        [("dismiss", _l("Dismiss the objection")), ("uphold", _l("Uphold it: the deal may not proceed"))]))
    note = TextAreaField(_l("Reason"), validators=[required(), length(2000, 5)])


class SettingsForm(BaseForm):
    notice_days = IntegerField(_l("Notice period of our price notices (days)"), validators=[
        InputRequired(message=_l("Enter a whole number of days.")),
        NumberRange(notices.MIN_DAYS, notices.MAX_DAYS,
                    message=_l("A notice period lasts %(min)d to %(max)d days.", min=notices.MIN_DAYS,
                               max=notices.MAX_DAYS))])


class ListingForm(BaseForm):
    price_wan = MoneyField(_l("Listed price (挂牌价, 万元)"), validators=[required()])
    subtype_code = CodeSelectField(_l("Contract type"), validators=[required()], choices_fn=notices.subtype_choices)
    exclusive = BooleanField(_l("Exclusive (独占)"), default=True)
    payment_mode = CodeSelectField(_l("Payment mode"), validators=[required()],
                                   choices_fn=lambda: list(PAYMENT_MODES.items()))
    working_days = IntegerField(_l("Listing period (working days)"), validators=[
        InputRequired(message=_l("Enter a whole number of days.")),
        NumberRange(pricelistings.MIN_WORKING_DAYS, pricelistings.MAX_WORKING_DAYS,
                    message=_l("A listing lasts %(min)d to %(max)d working days.",
                               min=pricelistings.MIN_WORKING_DAYS, max=pricelistings.MAX_WORKING_DAYS))],
        default=DEFAULT_LISTING_WORKING_DAYS)
    contact = TextAreaField(_l("Contact for intending buyers"), validators=[required(), length(300, 5)])
    conditions = TextAreaField(_l("Other conditions (optional)"), validators=[length(2000)])

    def to_data(self) -> pricelistings.ListingData:
        return pricelistings.ListingData(
            price_fen=money.yuan_to_fen(self.price_wan.data * 10_000), subtype_code=self.subtype_code.data or "",
            exclusive=bool(self.exclusive.data), payment_mode=self.payment_mode.data or "",
            working_days=self.working_days.data, contact=self.contact.data or "",
            conditions=self.conditions.data or "")


class RelistForm(BaseForm):
    price_wan = MoneyField(_l("Listed price (挂牌价, 万元)"), validators=[required()])
    working_days = IntegerField(_l("Listing period (working days)"), validators=[
        InputRequired(message=_l("Enter a whole number of days.")),
        NumberRange(pricelistings.MIN_WORKING_DAYS, pricelistings.MAX_WORKING_DAYS,
                    message=_l("A listing lasts %(min)d to %(max)d working days.",
                               min=pricelistings.MIN_WORKING_DAYS, max=pricelistings.MAX_WORKING_DAYS))],
        default=DEFAULT_LISTING_WORKING_DAYS)
