"""Trading forms: shape checks only; the rules live in the services."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from tt_platform import money
from tt_platform.contracts.models import PAYMENT_MODES
from tt_platform.database import CHINA
from tt_platform.forms import BaseForm, CodeSelectField, MoneyField, choice_list, length, required
from tt_platform.trading import auctions, confidential, notices, pricelistings
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


def _beijing_to_utc(value):
    """A datetime-local field's value, read as Beijing time (what the page shows), in UTC."""
    return None if value is None else value.replace(tzinfo=CHINA).astimezone(dt.UTC)


def _optional_fen(value) -> int | None:
    return None if value is None else money.yuan_to_fen(value * 10_000)


class AuctionForm(BaseForm):
    start_price_wan = MoneyField(_l("Start price (起拍价, 万元)"), validators=[required()])
    increment_wan = MoneyField(_l("Minimum increment (加价幅度, 万元)"), validators=[required()])
    reserve_wan = MoneyField(_l("Reserve price (保留价, 万元, optional)"))
    reserve_shown = BooleanField(_l("Show the reserve price to bidders"))
    deposit_wan = MoneyField(_l("Bidder's deposit (竞买保证金, 万元)"), validators=[required()])
    subtype_code = CodeSelectField(_l("Contract type"), validators=[required()], choices_fn=notices.subtype_choices)
    payment_mode = CodeSelectField(_l("Payment mode"), validators=[required()],
                                   choices_fn=lambda: list(PAYMENT_MODES.items()))
    starts_at = DateTimeLocalField(_l("Bidding starts (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[
        InputRequired(message=_l("Enter a date and time."))])
    ends_at = DateTimeLocalField(_l("Bidding ends (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[
        InputRequired(message=_l("Enter a date and time."))])
    extension_minutes = IntegerField(_l("Anti-sniping: a bid in the last N minutes moves the end N minutes later"),
                                     validators=[InputRequired(message=_l("Enter a whole number of minutes.")),
                                                 NumberRange(auctions.MIN_EXTENSION, auctions.MAX_EXTENSION,
                                                             message=_l("Between %(min)d and %(max)d minutes.",
                                                                        min=auctions.MIN_EXTENSION,
                                                                        max=auctions.MAX_EXTENSION))], default=5)
    contact = TextAreaField(_l("Contact for bidders"), validators=[required(), length(300, 5)])
    conditions = TextAreaField(_l("Other conditions (optional)"), validators=[length(2000)])

    def to_data(self) -> auctions.AuctionData:
        return auctions.AuctionData(
            start_price_fen=money.yuan_to_fen(self.start_price_wan.data * 10_000),
            increment_fen=money.yuan_to_fen(self.increment_wan.data * 10_000),
            reserve_fen=_optional_fen(self.reserve_wan.data), reserve_shown=bool(self.reserve_shown.data),
            deposit_fen=money.yuan_to_fen(self.deposit_wan.data * 10_000),
            subtype_code=self.subtype_code.data or "", payment_mode=self.payment_mode.data or "",
            starts_at=_beijing_to_utc(self.starts_at.data), ends_at=_beijing_to_utc(self.ends_at.data),
            extension_minutes=self.extension_minutes.data, contact=self.contact.data or "",
            conditions=self.conditions.data or "")


class BidForm(BaseForm):
    amount_wan = MoneyField(_l("Your bid (万元)"), validators=[required()])


class DepositForm(BaseForm):
    reference = StringField(_l("Payment reference (bank receipt number)"), validators=[required(), length(100, 1)])
