"""The evidence file of a deal that went through a pricing route (the record behind the 勤勉尽责 exemption):
the notice or listing with its period, objections and answers, registrations of interest, the close, NDA
acceptances of the result's confidential part and the contract with its registration number, each with its
time. One list of facts and one timeline feed both the printable page and the PDF."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tt_platform import money, taxonomy
from tt_platform.contracts.certificate import FONT
from tt_platform.contracts.models import Contract
from tt_platform.database import CHINA, db
from tt_platform.security import NotAllowed
from tt_platform.trading import auctions, confidential, notices, pricelistings
from tt_platform.trading.models import Auction, PriceListing, PriceNotice


@dataclass(frozen=True, slots=True)
class Event:
    at: dt.datetime
    what: str
    detail: str = ""


def can_see(user, deal: PriceNotice | PriceListing | Auction) -> bool:
    """The seller organisation, whose record of the procedure it is, and operators. Not the buyer: the file
    names objectors, other intending buyers and everyone who accepted the NDA, with their addresses. An
    auction's file names the bidders, so its seller sees it once the auction has closed."""
    if not getattr(user, "is_authenticated", False):
        return False
    if isinstance(deal, Auction):
        return auctions.can_see_names(user, deal)
    return user.is_operator or any(m.organisation_id == deal.seller_org_id for m in user.memberships)


def require(user, deal) -> None:
    if not can_see(user, deal):
        raise NotAllowed(_("The evidence file is for the seller and operators."))


def beijing(moment: dt.datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _chain(listing: PriceListing) -> list[PriceListing]:
    chain = [listing]
    while chain[-1].previous is not None and len(chain) < 50:
        chain.append(chain[-1].previous)
    return list(reversed(chain))


def _contract(deal) -> Contract | None:
    """The deal's contract: whoever may read the evidence file (a party or an operator) sees it named."""
    return db.session.get(Contract, deal.contract_id) if deal.contract_id else None


def _auction_facts(deal: Auction) -> list[tuple[str, str]]:
    sub = taxonomy.contract_subtypes()[deal.subtype_code]
    reserve = money.format_wan(deal.reserve_fen) if deal.reserve_fen is not None else _("none (the start price)")
    winning = deal.current_price_fen
    return [
        (_("Pricing route"), _("Auction (拍卖/竞价)")),
        (_("Research result"), deal.achievement.title),
        (_("Seller"), deal.seller_org.name),
        (_("Buyer"), deal.winner_org.name if deal.winner_org else "—"),
        (_("Contract type"), f"{sub.type_name} · {taxonomy.subtype_short(deal.subtype_code)}"),
        (_("Start price"), f"{money.format_wan(deal.start_price_fen)}（{money.format_yuan(deal.start_price_fen)}）"),
        (_("Minimum increment"), money.format_wan(deal.increment_fen)),
        (_("Reserve price"), f"{reserve} · {_('shown to bidders') if deal.reserve_shown else _('hidden')}"),
        (_("Bidder's deposit"), money.format_wan(deal.deposit_fen)),
        (_("Period"), f"{beijing(deal.starts_at)} – {beijing(deal.scheduled_end_at)}"),
        (_("End after extensions"),
         f"{beijing(deal.ends_at)} ({_('anti-sniping window %(n)d minutes', n=deal.extension_minutes)})"),
        (_("Bids"), str(deal.bid_count)),
        (_("Winning bid") if deal.outcome is not None else _("Highest bid"),
         f"{money.format_wan(winning)}（{money.format_yuan(winning)}）" if winning is not None else "—"),
        (_("Outcome"), deal.outcome.label if deal.outcome is not None else "—"),
    ]


def _auction_events(deal: Auction) -> list[Event]:
    found = []
    if deal.listing is not None:
        found += _listing_events(deal.listing)
    reserve = money.format_wan(deal.reserve_fen) if deal.reserve_fen is not None else "—"
    terms = [(_("Start price"), money.format_wan(deal.start_price_fen)),
             (_("Minimum increment"), money.format_wan(deal.increment_fen)), (_("Reserve price"), reserve),
             (_("Bidder's deposit"), money.format_wan(deal.deposit_fen))]
    found.append(Event(deal.created_at, _("Auction set up"),
                       ", ".join(f"{label} {value}" for label, value in terms) + f"; {deal.contact}"))
    found.append(Event(deal.starts_at, _("Bidding started")))
    for r in deal.registrations:
        found.append(Event(r.registered_at, _("Bidder registered"),
                           f"{auctions.pseudonym(r)}: {r.organisation.name}"
                           + (f" ({r.user.name})" if r.user else "")))
        if r.deposit_confirmed_at:
            by = r.deposit_confirmed_by.name if r.deposit_confirmed_by else "—"
            found.append(Event(r.deposit_confirmed_at, _("Deposit confirmed"),
                               f"{auctions.pseudonym(r)}: {r.deposit_reference} ({by})"))
    for b in deal.bids:
        moved = (" · " + _("end moved to %(end)s", end=beijing(b.ends_after))) if b.ends_after != b.ends_before else ""
        found.append(Event(b.placed_at, _("Bid %(n)d", n=b.sequence),
                           f"{auctions.pseudonym(b.registration)} ({b.registration.organisation.name}): "
                           f"{money.format_wan(b.amount_fen)}（{money.format_yuan(b.amount_fen)}）{moved}"))
    if deal.closed_at and deal.outcome is not None:
        winner = deal.winner_org.name if deal.winner_org else "—"
        price = money.format_wan(deal.current_price_fen) if deal.current_price_fen is not None else "—"
        found.append(Event(deal.closed_at, _("Auction closed"), f"{deal.outcome.label}: {price}, {winner}"))
    return found


def _listing_events(deal: PriceListing) -> list[Event]:
    found = []
    for listing in _chain(deal):
        found.append(Event(listing.starts_at, _("Listed"), f"{money.format_wan(listing.price_fen)}, "
                                                           f"{listing.working_days} · {listing.contact}"))
        found.append(Event(listing.ends_at, _("Listing period ended")))
        for i in listing.interests:
            found.append(Event(i.registered_at, _("Intending buyer registered"), i.organisation.name))
        if listing.closed_at and listing.outcome is not None:
            found.append(Event(listing.closed_at, _("Listing closed"), listing.outcome.label))
    return found


def facts(deal) -> list[tuple[str, str]]:
    if isinstance(deal, Auction):
        rows = _auction_facts(deal)
        contract = _contract(deal)
        if contract:
            rows += [(_("Contract"), f"{contract.name} · {contract.status.label}"),
                     (_("Registration number"), contract.registration_number or "—")]
        return rows
    is_notice = isinstance(deal, PriceNotice)
    sub = taxonomy.contract_subtypes()[deal.subtype_code]
    rows = [
        (_("Pricing route"),
         _("Agreement with public notice (协议定价)") if is_notice else _("Listing at a price (挂牌交易)")),
        (_("Research result"), deal.achievement.title),
        (_("Seller"), deal.seller_org.name),
        (_("Buyer"), deal.buyer_org.name if deal.buyer_org else "—"),
        (_("Contract type"), f"{sub.type_name} · {taxonomy.subtype_short(deal.subtype_code)}"),
        (_("Proposed price") if is_notice else _("Listed price"),
         f"{money.format_wan(deal.price_fen)}（{money.format_yuan(deal.price_fen)}）"),
        (_("Period"), f"{beijing(deal.starts_at)} – {beijing(deal.ends_at)}"),
    ]
    contract = _contract(deal)
    if contract:
        rows += [(_("Contract"), f"{contract.name} · {contract.status.label}"),
                 (_("Registration number"), contract.registration_number or "—")]
    return rows


def events(deal) -> list[Event]:
    found: list[Event] = []
    if isinstance(deal, PriceNotice):
        found.append(Event(deal.starts_at, _("Notice posted"), f"{money.format_wan(deal.price_fen)} → "
                                                                f"{deal.buyer_org.name}; {deal.contact}"))
        found.append(Event(deal.ends_at, _("Notice period ended")))
        for o in deal.objections:
            who = o.organisation.name if o.organisation else "—"
            found.append(Event(o.lodged_at, _("Objection lodged"), f"{who}: {o.text}"))
            if o.answered_at:
                found.append(Event(o.answered_at, _("Seller's answer"), o.answer or ""))
            if o.resolved_at:
                found.append(Event(o.resolved_at, _("Objection resolved"), f"{o.status.label}: {o.resolution}"))
        if deal.closed_at:
            found.append(Event(deal.closed_at, _("Notice closed"), deal.status.label))
    elif isinstance(deal, Auction):
        found += _auction_events(deal)
    else:
        found += _listing_events(deal)
    part = confidential.part_for(deal.achievement)
    for grant in part.grants if part is not None else []:
        org = grant.organisation.name if grant.organisation else "—"
        found.append(Event(grant.accepted_at, _("NDA accepted"),
                           f"{grant.user.name} ({org}), v{grant.version.number}, SHA-256 {grant.text_sha256}, "
                           f"{grant.client_address}; {grant.status.label}"))
    contract = _contract(deal)
    if contract:
        found.append(Event(contract.created_at, _("Contract drafted"), contract.name))
        if contract.submitted_at:
            found.append(Event(contract.submitted_at, _("Submitted for registration"), ""))
        if contract.registration_number and contract.registered_on:
            registered = dt.datetime.combine(contract.registered_on, dt.time(23, 59, 59), tzinfo=CHINA)
            found.append(Event(registered, _("Registered"), contract.registration_number))
    return sorted(found, key=lambda e: e.at)


def trail(deal):
    if isinstance(deal, Auction):
        return auctions.trail(deal)
    return notices.trail(deal) if isinstance(deal, PriceNotice) else pricelistings.trail(deal)


def render_pdf(deal) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=_("Evidence file"), author=deal.seller_org.name)
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")

    def table(rows, widths):
        built = Table([[Paragraph(escape(str(c)), cell) for c in row] for row in rows], colWidths=widths)
        built.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return built

    story = [Paragraph(escape(_("Evidence file")), title), Spacer(1, 6 * mm),
             table(facts(deal), [40 * mm, 140 * mm]), Spacer(1, 6 * mm),
             table([(_("Time (Beijing)"), _("Event"), _("Detail"))]
                   + [(beijing(e.at), e.what, e.detail) for e in events(deal)], [35 * mm, 40 * mm, 105 * mm])]
    doc.build(story)
    return buffer.getvalue()
