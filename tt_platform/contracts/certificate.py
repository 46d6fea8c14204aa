"""The registration certificate (技术合同登记证明) as PDF.

reportlab's built-in Adobe CID font STSong-Light sets Chinese without shipping a font file: every
PDF reader carries it, so the file stays small and renders the same everywhere.
"""
from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tt_platform import money, taxonomy
from tt_platform.contracts.models import PAYMENT_MODES, Contract, ContractStatus

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def certificate_rows(contract: Contract) -> list[tuple[str, str]]:
    """The certificate's content, shared by the HTML page and the PDF."""
    sub = taxonomy.contract_subtypes()[contract.subtype_code]
    return [
        ("登记号", contract.registration_number or ""),
        ("合同名称", contract.name),
        ("合同类型", f"{sub.type_name} · {taxonomy.subtype_short(contract.subtype_code)}"),
        ("技术领域", taxonomy.field_label(contract.field_code)),
        ("卖方(技术输出方)", f"{contract.seller_name}({taxonomy.party_types()[contract.seller_party_type][0]},"
                          f"{taxonomy.region_label(contract.seller_region_code)})"),
        ("买方(技术吸纳方)", f"{contract.buyer_name}({taxonomy.party_types()[contract.buyer_party_type][0]},"
                          f"{taxonomy.region_label(contract.buyer_region_code)})"),
        ("签订日期", contract.signed_on.isoformat()),
        ("有效期", " 至 ".join(d.isoformat() for d in (contract.valid_from, contract.valid_until) if d) or "—"),
        ("支付方式", PAYMENT_MODES.get(contract.payment_mode, contract.payment_mode)),
        ("成交额", f"{money.format_wan(contract.total_fen)}({money.format_yuan(contract.total_fen)})"),
        ("技术交易额", f"{money.format_wan(contract.tech_fen)}({money.format_yuan(contract.tech_fen)})"),
        ("登记机构", contract.office.name if contract.office else ""),
        ("登记日期", contract.registered_on.isoformat() if contract.registered_on else ""),
    ]


def render_pdf(contract: Contract) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=f"技术合同登记证明 {contract.registration_number}",
                            author=contract.office.name if contract.office else "")
    title = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=1)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")
    story = [Paragraph("技术合同认定登记证明", title), Spacer(1, 8 * mm)]
    if contract.status is ContractStatus.CANCELLED:
        story += [Paragraph(f"本登记已于 {contract.cancelled_on} 注销。", cell), Spacer(1, 4 * mm)]
    table = Table([[Paragraph(k, cell), Paragraph(v, cell)] for k, v in certificate_rows(contract)],
                  colWidths=[40 * mm, 130 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story += [table, Spacer(1, 10 * mm),
              Paragraph("技术交易额 = 成交额 − 非技术性款项(设备、材料等),由平台按合同明细计算。", cell)]
    doc.build(story)
    return buffer.getvalue()
