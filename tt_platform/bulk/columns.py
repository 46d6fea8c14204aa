"""The columns of each import kind: bilingual headers, coded values, and how a cell becomes form data.

A spreadsheet row is turned into the same form data the web page posts (a MultiDict for the kind's
WTForms form), so that the form's and the service's rules judge it: this module only reads cells —
codes or official names, dates, yes/no, lists — and never decides whether a value is allowed.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from tt_platform import taxonomy
from tt_platform.contracts.models import PAYMENT_MODES

#: Separators of a list in one cell (合作方式, keywords): Chinese and Latin commas, 、 and semicolons.
LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "t", "有"}
_FALSE = {"否", "n", "no", "false", "0", "", "f", "无"}


class CellProblem(ValueError):
    """A cell that cannot be read as its column's kind of value (message in the user's language)."""


@dataclass(frozen=True)
class CodeList:
    """A code list as the importer reads it: the code itself, the official name, or 'code name'."""

    entries: Callable[[], dict[str, str]]  #: code → official name
    #: another spelling of a code (e.g. a GB/T 4754 division without its section letter), or None
    alias: Callable[[str], str | None] = lambda value: None

    def names(self) -> list[str]:
        return [str(name) for name in self.entries().values()]

    def _lookup(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        # built once per process and list: a 50,000-row file resolves each coded cell in a dict look-up
        key = (id(self), str(get_locale()))  # names of some lists (IP statuses) are in the user's language
        cached = _LOOKUPS.get(key)
        if cached is None:
            table = self.entries()
            by_name: dict[str, list[str]] = {}
            for code, name in table.items():
                by_name.setdefault(str(name).strip(), []).append(code)
            cached = _LOOKUPS[key] = (table, by_name)
        return cached

    def resolve(self, raw: str) -> str:
        value = raw.strip()
        table, by_name = self._lookup()
        if value in table:
            return value
        if (aliased := self.alias(value)) in table:
            return aliased
        found = by_name.get(value)
        if found is None:
            head = value.split(maxsplit=1)[0] if value else ""
            if head in table:  # "330100 浙江省 杭州市", as a drop-down may show it
                return head
            raise CellProblem(_l("“%(value)s” is not in the code list.", value=value))
        if len(found) > 1:
            raise CellProblem(_l("“%(value)s” names more than one entry; use the code.", value=value))
        return found[0]


_LOOKUPS: dict[tuple[int, str], tuple[dict[str, str], dict[str, list[str]]]] = {}


def _regions() -> dict[str, str]:
    """Provinces and prefecture-level regions by their full names ('浙江省 杭州市'), which are unique."""
    out = {}
    for region in taxonomy.regions().values():
        if region.level > 2:
            continue
        label = taxonomy.region_label(region.code)
        # a municipality's 市辖区 reads as the municipality itself: the name stands for the province code
        if region.level == 2 and label == taxonomy.region_label(region.parent_code):
            continue
        out[region.code] = label
    return out


def _trl() -> dict[str, str]:
    return {str(level): taxonomy.trl_label(level) for level in taxonomy.trl_levels()}


def _maturity() -> dict[str, str]:
    return {code: name for code, (name, _range) in taxonomy.maturity_steps().items()}


def _industry() -> dict[str, str]:
    """GB/T 4754 sections ('C') and divisions ('C:38'; the two digits alone are accepted too)."""
    out = {section: name for section, name in taxonomy.industry_sections().items()}
    out.update({f"{section}:{division}": name for division, (name, section) in taxonomy.industry_divisions().items()})
    return out


def _ip_statuses() -> dict[str, str]:
    return {code: str(label) for code, label in taxonomy.IP_STATUSES.items()}


FIELDS = CodeList(taxonomy.fields)
REGIONS = CodeList(_regions)
MODES = CodeList(lambda: taxonomy.COOPERATION_MODES)
TRL = CodeList(_trl)
MATURITY = CodeList(_maturity)
INDUSTRY = CodeList(_industry, alias=lambda value: (
    f"{taxonomy.industry_divisions()[value][1]}:{value}" if value in taxonomy.industry_divisions() else None))
IP_TYPES = CodeList(lambda: taxonomy.IP_TYPES)
IP_STATUSES = CodeList(_ip_statuses)


@dataclass(frozen=True)
class Column:
    """One column of an import file and the form field it fills."""

    key: str  #: the form field name (or, for repeated groups, the sub-form's key)
    zh: str
    en: str
    kind: str = "text"  #: text | date | bool | money | code | codes (a list)
    codes: CodeList | None = None
    required: bool = False
    example: str | Callable[[], str] = ""  #: a callable for an example that must stay valid (a future date)
    aliases: tuple[str, ...] = ()

    @property
    def example_text(self) -> str:
        return self.example() if callable(self.example) else self.example

    @property
    def header(self) -> str:
        """The template's bilingual header: '标题 Title', with * for a required column."""
        return f"{self.zh}{'*' if self.required else ''} {self.en}"

    def read(self, value: object) -> str | list[str]:
        """The cell as form data; CellProblem when it cannot be read."""
        if isinstance(value, list):
            text = "，".join(str(v) for v in value)
        elif value is None:
            text = ""
        elif isinstance(value, bool):
            text = "是" if value else "否"
        else:
            text = str(value).strip()
        if self.kind == "date":
            return _date(text)
        if self.kind == "bool":
            lowered = text.lower()
            if lowered in _TRUE:
                return "y"
            if lowered in _FALSE:
                return ""
            raise CellProblem(_l("Write 是 or 否 (yes or no)."))
        if self.kind == "money":
            return text.removesuffix("万元").strip()
        if self.kind == "code":
            return self.codes.resolve(text) if text else ""
        if self.kind == "codes":
            return [self.codes.resolve(part) for part in LIST_SEPARATORS.split(text) if part.strip()]
        return text


def write(column: Column, value: object) -> str:
    """A form field's value as the cell `column.read` reads back to the same value (the exports that
    re-import: a listing through its edit form, then through this)."""
    if value is None:
        return ""
    if column.kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "money":
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if column.kind == "codes":
        return "，".join(str(v) for v in value)
    return str(value)


def _date(text: str) -> str:
    if not text:
        return ""
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if match is None:
        raise CellProblem(_l("Write the date as 2026-12-31."))
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        raise CellProblem(_l("%(value)s is not a date in the calendar.", value=text)) from None


@dataclass(frozen=True)
class RepeatedGroup:
    """Columns repeated n times in a spreadsheet ('知识产权1类型' …) that fill a FieldList of sub-forms."""

    form_key: str  #: the FieldList's name, e.g. 'ip_records'
    zh: str  #: '知识产权'
    en: str  #: 'IP'
    columns: tuple[Column, ...]
    times: int

    def numbered(self) -> list[tuple[int, Column, str, str]]:
        """(index, sub-column, zh header, en header) for each repetition."""
        return [(i, c, f"{self.zh}{i + 1}{c.zh}", f"{self.en} {i + 1} {c.en}")
                for i in range(self.times) for c in self.columns]


@dataclass(frozen=True)
class Layout:
    """All columns of one import kind."""

    columns: tuple[Column, ...]
    groups: tuple[RepeatedGroup, ...] = field(default=())

    def headers(self) -> list[str]:
        out = [c.header for c in self.columns]
        for group in self.groups:
            out += [f"{zh} {en}" for _i, _c, zh, en in group.numbered()]
        return out


LISTING_COLUMNS = (
    Column("title", "标题", "Title", required=True, example="风电叶片覆冰在线监测系统"),
    Column("summary", "公开摘要", "Public summary", required=True, example="基于光纤光栅传感的叶片覆冰厚度实时监测。"),
)
def _end_of_next_year() -> str:
    """A validity date the template's example row keeps passing (a fixed date would expire)."""
    return f"{dt.date.today().year + 1}-12-31"


CONTACT_COLUMNS = (
    Column("field_code", "技术领域", "Technology field", kind="code", codes=FIELDS, required=True,
           example="新能源与高效节能"),
    Column("keywords", "关键词", "Keywords", example="覆冰，光纤传感，风电"),
    Column("region_code", "地区", "Region", kind="code", codes=REGIONS, required=True, example="浙江省 杭州市"),
    Column("cooperation_modes", "合作方式", "Cooperation modes", kind="codes", codes=MODES, required=True,
           example="技术转让，技术许可"),
    Column("valid_until", "有效期至", "Valid until", kind="date", required=True, example=_end_of_next_year),
    Column("contact_name", "联系人", "Contact person", required=True, example="孙老师"),
    Column("contact_phone", "联系电话", "Contact phone", required=True, example="0571-88880000"),
    Column("contact_email", "联系邮箱", "Contact e-mail", example="tto@example.edu.cn"),
)

RESULTS = Layout(
    columns=(
        Column("external_ref", "外部编号", "External reference", example="TTO-2026-001",
               aliases=("成果编号", "编号", "id")),
        *LISTING_COLUMNS,
        Column("description", "详细介绍", "Detailed description", required=True,
               example="传感器阵列布置于叶片前缘，解调算法实时反演覆冰厚度，精度±0.5 mm。"),
        *CONTACT_COLUMNS,
        Column("trl", "技术成熟度", "Maturity (TRL)", kind="code", codes=TRL, required=True, example="6"),
        Column("maturity", "成熟阶段", "Maturity stage", kind="code", codes=MATURITY),
        Column("asking_price", "转让价格（万元）", "Asking price (万元)", kind="money", example="200"),
        Column("price_negotiable", "价格面议", "Price negotiable", kind="bool", example="否"),
        Column("team", "团队成员", "Team / inventors", example="孙某某（教授）；李某某（副教授）"),
    ),
    groups=(RepeatedGroup("ip_records", "知识产权", "IP", times=3, columns=(
        Column("ip_type", "类型", "type", kind="code", codes=IP_TYPES),
        Column("number", "号", "number"),
        Column("title", "名称", "title"),
        Column("status", "状态", "status", kind="code", codes=IP_STATUSES),
    )),),
)

DEMANDS = Layout(columns=(
    *LISTING_COLUMNS,
    Column("problem", "技术难题", "Technical problem to solve", required=True,
           example="冬季风机叶片覆冰导致停机，需要在线监测与预警。"),
    Column("current_situation", "现状", "Current situation"),
    Column("target_indicators", "目标指标", "Target indicators", example="覆冰厚度测量误差≤1 mm"),
    *CONTACT_COLUMNS,
    Column("industry", "所属行业", "Industry (GB/T 4754-2017)", kind="code", codes=INDUSTRY, example="D:44"),
    Column("budget_min", "预算下限（万元）", "Budget from (万元)", kind="money", example="50"),
    Column("budget_max", "预算上限（万元）", "Budget up to (万元)", kind="money", example="150"),
    Column("budget_negotiable", "预算面议", "Budget negotiable", kind="bool", example="否"),
    Column("required_trl", "要求成熟度", "Required maturity (TRL)", kind="code", codes=TRL, example="5"),
    Column("is_challenge", "揭榜挂帅", "Open challenge", kind="bool", example="否"),
    Column("bounty", "榜单金额（万元）", "Challenge bounty (万元)", kind="money"),
))


def _party_types() -> dict[str, str]:
    return {code: name for code, (name, _group) in taxonomy.party_types().items()}


def _org_kinds() -> dict[str, str]:
    return {"enterprise": "企业", "university": "高等院校", "institute": "科研院所", "agency": "技术转移机构"}


ORGANISATIONS = Layout(columns=(
    Column("org_name", "机构名称", "Organisation name", required=True, example="杭州示范新材料有限公司",
           aliases=("name", "名称")),
    Column("kind", "机构类型", "Kind of organisation", kind="code", codes=CodeList(_org_kinds), required=True,
           example="企业"),
    Column("credit_code", "统一社会信用代码", "Unified social credit code", required=True,
           example="91330100000004242U", aliases=("uscc", "信用代码")),
    Column("region_code", "地区", "Region", kind="code", codes=REGIONS, required=True, example="浙江省 杭州市"),
    Column("party_type", "技术合同主体类型", "Party type (for statistics)", kind="code",
           codes=CodeList(_party_types), required=True, example="E1"),
    Column("contact_name", "联系人", "Contact person", required=True, example="陈经理"),
    Column("contact_phone", "联系电话", "Contact phone", required=True, example="0571-88880000"),
    Column("contact_email", "联系邮箱", "Contact e-mail", required=True, example="contact@example.cn"),
    Column("website", "网址", "Website"),
    Column("introduction", "简介", "Introduction"),
))


def _subtypes() -> dict[str, str]:
    """'技术开发 · 委托开发' for each sub-type code ('DEV-01')."""
    return {code: f"{sub.type_name} · {sub.name}" for code, sub in taxonomy.contract_subtypes().items()}


def _payment_modes() -> dict[str, str]:
    return dict(PAYMENT_MODES)


PARTY_TYPES = CodeList(_party_types)

CONTRACTS = Layout(columns=(
    Column("registration_number", "登记号", "Registration number", required=True, example="2025330100000123"),
    Column("registered_on", "登记日期", "Registered on", kind="date", required=True, example="2025-06-30"),
    Column("name", "合同名称", "Contract name", required=True, example="风电叶片覆冰监测技术转让合同"),
    Column("subtype_code", "合同类型", "Contract type and sub-type", kind="code", codes=CodeList(_subtypes),
           required=True, example="技术转让 · 专利权转让"),
    Column("field_code", "技术领域", "Technology field", kind="code", codes=FIELDS, required=True,
           example="新能源与高效节能"),
    Column("ip_type", "知识产权类型", "IP involved", kind="code", codes=IP_TYPES, example="发明专利"),
    Column("payment_mode", "支付方式", "Payment mode", kind="code", codes=CodeList(_payment_modes), required=True,
           example="一次总付"),
    Column("signed_on", "签订日期", "Signed on", kind="date", required=True, example="2025-05-20"),
    Column("seller_name", "卖方名称", "Seller", required=True, example="华东示范大学"),
    Column("seller_party_type", "卖方主体类型", "Seller party type", kind="code", codes=PARTY_TYPES, required=True,
           example="P2"),
    Column("seller_region_code", "卖方地区", "Seller region", kind="code", codes=REGIONS, required=True,
           example="上海市"),
    Column("buyer_name", "买方名称", "Buyer", required=True, example="杭州示范能源科技有限公司"),
    Column("buyer_party_type", "买方主体类型", "Buyer party type", kind="code", codes=PARTY_TYPES, required=True,
           example="E1"),
    Column("buyer_region_code", "买方地区", "Buyer region", kind="code", codes=REGIONS, required=True,
           example="浙江省 杭州市"),
    Column("total_yuan", "成交额（元）", "Contract amount (元)", kind="money", required=True, example="1200000"),
    Column("tech_yuan", "技术交易额（元）", "Technology transaction amount (元)", kind="money", required=True,
           example="1000000"),
))
