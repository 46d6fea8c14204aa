"""A worksheet's content as titled tables, shared by its page, the XLSX and the PDF: inputs, formula and
result of each approach, the sensitivity table, the summary. Figures in 万元 (two decimals, half up)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

import xlsxwriter
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tt_platform import money, spreadsheets
from tt_platform.pricing import services, valuation
from tt_platform.pricing.forms import METHOD_LABELS
from tt_platform.pricing.models import Worksheet

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
CENT = Decimal("0.01")


def w2(value: Decimal | None) -> Decimal | None:
    """万元 to two decimals, half up (display only; the stored figures are fen)."""
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f} %"


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    headers: list[str]
    rows: list[list]
    note: str = ""


def disclaimer() -> str:
    return _("This worksheet is a reference for negotiation, not an appraisal report by a licensed asset "
             "appraiser (资产评估报告).")


def sections(worksheet: Worksheet) -> list[Section]:
    data = services.data_of(worksheet)
    out = []
    market_rows: list[list] = []
    if data.market_base_wan is not None:
        market_rows.append([_("Base value from comparable deals"), w2(data.market_base_wan), ""])
        for f in data.factors:
            market_rows.append([_("Factor: %(name)s", name=f.name), pct(f.percent), f.reason])
        market_rows.append([_("Market value"), money.fen_to_wan(worksheet.market_fen), ""])
    out.append(Section(str(METHOD_LABELS["market"]), [_("Item"), _("Value (万元) or %"), _("Reason")], market_rows,
                       _("Value = base × (1 + factor₁) × (1 + factor₂) × …")))
    income_rows: list[list] = []
    sens = None
    if data.revenues_wan and data.share_pct is not None and data.rate_pct is not None:
        for row in valuation.income_schedule(data.revenues_wan, data.share_pct, data.rate_pct):
            income_rows.append([row.year, w2(row.revenue_wan), w2(row.royalty_wan),
                                row.discount_factor.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP),
                                w2(row.pv_wan)])
        income_rows.append([_("Present value"), "", "", "", money.fen_to_wan(worksheet.income_fen)])
        shares, rates, table = valuation.sensitivity(data.revenues_wan, data.share_pct, data.rate_pct)
        sens = Section(_("Sensitivity: present value (万元) by share (rows) and discount rate (columns)"),
                       [_("Share / rate"), *(pct(r) for r in rates)],
                       [[pct(s), *(w2(v) for v in values)] for s, values in zip(shares, table, strict=True)])
    out.append(Section(
        str(METHOD_LABELS["income"]), [_("Year"), _("Sales or profit (万元)"), _("Seller’s share (万元)"),
                                       _("Discount factor"), _("Present value (万元)")], income_rows,
        _("PV = Σ sales × share ÷ (1 + rate)ᵗ; share %(share)s, discount rate %(rate)s.",
          share=pct(data.share_pct), rate=pct(data.rate_pct))))
    if sens is not None:
        out.append(sens)
    cost_rows: list[list] = []
    if data.cost is not None:
        c = data.cost
        cost_rows = [[_("People: R&D labour"), w2(c.people_wan)], [_("Equipment"), w2(c.equipment_wan)],
                     [_("Materials"), w2(c.materials_wan)], [_("Other R&D costs"), w2(c.other_wan)],
                     [_("Replacement cost"), w2(c.replacement_wan)],
                     [_("Technical obsolescence"), pct(c.technical_obsolescence_pct)],
                     [_("Economic obsolescence"), pct(c.economic_obsolescence_pct)],
                     [_("Cost value"), money.fen_to_wan(worksheet.cost_fen)]]
    out.append(Section(str(METHOD_LABELS["cost"]), [_("Item"), _("Value (万元) or %")], cost_rows,
                       _("Value = replacement cost × (1 − technical obsolescence) × (1 − economic obsolescence)")))
    found = [f for f in (worksheet.market_fen, worksheet.income_fen, worksheet.cost_fen) if f is not None]
    summary = [[_("Range across approaches"),
                f"{money.format_wan_number(min(found))} – {money.format_wan_number(max(found))}" if found else ""]]
    if worksheet.chosen_method:
        summary += [[_("Chosen value (万元)"), money.fen_to_wan(worksheet.chosen_fen)],
                    [_("Chosen value comes from"), str(METHOD_LABELS[worksheet.chosen_method])],
                    [_("Reason for the chosen value"), worksheet.reason]]
    out.append(Section(_("Summary"), [_("Item"), _("Value")], summary, disclaimer()))
    return out


def filename(worksheet: Worksheet) -> str:
    return f"{_('Valuation worksheet')}-{worksheet.id}"


def xlsx(worksheet: Worksheet) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, spreadsheets.WORKBOOK_OPTIONS)
    sheet = book.add_worksheet(spreadsheets.sheet_name(_("Valuation worksheet")))
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1})
    number = book.add_format({"num_format": "#,##0.00"})
    factor = book.add_format({"num_format": "0.000000"})
    sheet.write_string(0, 0, spreadsheets.neutralise(worksheet.title), bold)
    sheet.write_string(1, 0, spreadsheets.neutralise(worksheet.achievement.title))
    row = 3
    for section in sections(worksheet):
        sheet.write_string(row, 0, spreadsheets.neutralise(section.title), bold)
        row += 1
        for col, text in enumerate(section.headers):
            sheet.write_string(row, col, spreadsheets.neutralise(text), header)
        row += 1
        for values in section.rows:
            for col, value in enumerate(values):
                if isinstance(value, Decimal):
                    # Decimal → float only at the cell, for display; the exact figures are in the app
                    sheet.write_number(row, col, float(value), factor if value.as_tuple().exponent < -2 else number)
                elif isinstance(value, int):
                    sheet.write_number(row, col, value)
                elif value not in (None, ""):
                    sheet.write_string(row, col, spreadsheets.neutralise(str(value)))
            row += 1
        if section.note:
            sheet.write_string(row, 0, spreadsheets.neutralise(section.note))
            row += 1
        row += 1
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 6, 18)
    book.close()
    return buffer.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,f}"
    return escape(str(value))  # reportlab reads markup


def pdf(worksheet: Worksheet) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=worksheet.title)
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
    head = ParagraphStyle("head", fontName=FONT, fontSize=12, leading=16, spaceBefore=6)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    story = [Paragraph(escape(worksheet.title), title), Paragraph(escape(worksheet.achievement.title), cell),
             Paragraph(disclaimer(), cell), Spacer(1, 4 * mm)]
    for section in sections(worksheet):
        story.append(Paragraph(escape(section.title), head))
        if section.rows:
            data = [[Paragraph(escape(h), cell) for h in section.headers]]
            data += [[Paragraph(_cell(v), cell) for v in r] + [""] * (len(section.headers) - len(r))
                     for r in section.rows]
            table = Table(data, colWidths=[180 * mm / len(section.headers)] * len(section.headers))
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
            story.append(table)
        else:
            story.append(Paragraph(_("Not filled in."), cell))
        if section.note:
            story.append(Paragraph(escape(section.note), cell))
    doc.build(story)
    return buffer.getvalue()
