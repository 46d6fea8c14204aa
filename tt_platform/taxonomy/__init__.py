"""Official code lists (copied from shared/data/taxonomies, see taxonomy/data) and code validators.

Values from official lists stay Chinese; English labels are shown beside them where a list has one.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: int
    parent_code: str | None

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


@functools.cache
def regions() -> dict[str, Region]:
    return {
        r["code"]: Region(r["code"], r["name"], int(r["level"]), r["parent_code"] or None)
        for r in _rows("admin_divisions_cn.csv")
    }


def region_label(code: str | None) -> str:
    """'浙江省 杭州市' for a city, '北京市' for a province; the code itself if unknown."""
    if not code:
        return ""
    table = regions()
    region = table.get(code)
    if region is None:
        return code
    names = []
    while region is not None:
        # NBS placeholders (上海市 › 市辖区) add nothing for a reader
        if region.name not in ("市辖区", "县"):
            names.insert(0, region.name)
        region = table.get(region.parent_code or "")
    return " ".join(names)


def province_choices() -> list[tuple[str, str]]:
    return [(r.code, r.name) for r in regions().values() if r.level == 1]


def region_choices() -> list[tuple[str, str]]:
    """Provinces and prefecture-level units, in code order, for <select> fields."""
    out = []
    for r in regions().values():
        if r.level == 1:
            out.append((r.code, r.name))
        elif r.level == 2:
            out.append((r.code, "\u3000" + region_label(r.code)))
    return out


@functools.cache
def csl_discipline_fields() -> dict[str, str]:
    """CSL discipline → 技术领域 code (our mapping, one line of reasoning per row in the CSV)."""
    with open(Path(__file__).parent / "mappings" / "csl_discipline_fields.csv", encoding="utf-8", newline="") as fh:
        return {row["discipline"]: row["field_code"] for row in csv.DictReader(fh)}


#: English names of the 11 技术领域 (the official list is Chinese only; these are our renderings).
FIELD_EN = {
    "T01": "Electronic information", "T02": "Aerospace", "T03": "Advanced manufacturing",
    "T04": "Biology, medicine and medical devices", "T05": "New materials",
    "T06": "New energy and energy efficiency", "T07": "Environmental protection and resource use",
    "T08": "Nuclear applications", "T09": "Agriculture", "T10": "Modern transport",
    "T11": "Urban construction and social development",
}


@functools.cache
def fields() -> dict[str, str]:
    """技术领域 code → Chinese name (tech_contract_fields.csv, 11 fields)."""
    return {r["local_code"]: r["name"] for r in _rows("tech_contract_fields.csv")}


def field_label(code: str | None, locale: str = "zh_CN") -> str:
    if not code:
        return ""
    name = fields().get(code, code)
    return f"{name} ({FIELD_EN[code]})" if locale == "en" and code in FIELD_EN else name


@functools.cache
def trl_levels() -> dict[int, tuple[str, str]]:
    """TRL level → (Chinese short name, English)."""
    return {int(r["level"]): (r["short_name_zh"], r["nasa_style_en"]) for r in _rows("trl_levels.csv")}


def trl_label(level: int | None, locale: str = "zh_CN") -> str:
    if not level:
        return ""
    zh, en = trl_levels().get(level, ("", ""))
    return f"TRL {level} · {en}" if locale == "en" else f"TRL {level} · {zh}"


@functools.cache
def maturity_steps() -> dict[str, tuple[str, str]]:
    """5-step maturity code → (Chinese name, approximate TRL range)."""
    return {r["local_code"]: (r["name"], r["approx_trl_range"]) for r in _rows("achievement_maturity_5.csv")}


def maturity_for_trl(trl: int | None) -> str | None:
    """The 5-step maturity a TRL falls in (the lowest step whose range contains it)."""
    if not trl:
        return None
    for code, (_name, rng) in maturity_steps().items():
        if rng:
            low, high = (int(x) for x in rng.split("-"))
            if low <= trl <= high:
                return code
    return None


@functools.cache
def party_types() -> dict[str, tuple[str, str | None]]:
    """技术交易主体 code → (name, parent code)."""
    return {r["local_code"]: (r["name"], r["parent_code"] or None) for r in _rows("tech_trade_entity_types.csv")}


def party_type_choices() -> list[tuple[str, str]]:
    out = []
    for code, (name, parent) in party_types().items():
        out.append((code, ("\u3000" if parent else "") + name))
    return out


@functools.cache
def industry_sections() -> dict[str, str]:
    return {r["section"]: r["name"] for r in _rows("gbt4754_2017_sections.csv")}


@functools.cache
def industry_divisions() -> dict[str, tuple[str, str]]:
    """GB/T 4754-2017 division (2 digits) → (name, section letter)."""
    return {r["division"]: (r["name"], r["section"]) for r in _rows("gbt4754_2017_divisions.csv")}


def industry_choices() -> list[tuple[str, str]]:
    """Section headers and their divisions for one <select>; values are 'C' or 'C:26'."""
    out = []
    divisions = industry_divisions()
    for section, name in industry_sections().items():
        out.append((section, f"{section} {name}"))
        out.extend((f"{section}:{d}", f"\u3000{d} {n}") for d, (n, s) in divisions.items() if s == section)
    return out


def industry_label(section: str | None, division: str | None) -> str:
    if division and division in industry_divisions():
        section_name = industry_sections().get(section or "", "")
        return f"{section} {section_name} / {division} {industry_divisions()[division][0]}"
    if section:
        return f"{section} {industry_sections().get(section, '')}"
    return ""


#: Cooperation / transfer modes (issue wording); stored by code.
COOPERATION_MODES = {
    "transfer": "技术转让",
    "license": "技术许可",
    "commissioned_dev": "委托开发",
    "joint_dev": "合作开发",
    "consulting": "技术咨询",
    "service": "技术服务",
    "equity": "作价入股",
}
COOPERATION_MODES_EN = {
    "transfer": "Technology transfer", "license": "Licensing", "commissioned_dev": "Commissioned development",
    "joint_dev": "Joint development", "consulting": "Technical consulting", "service": "Technical service",
    "equity": "Equity investment",
}


def mode_label(code: str, locale: str = "zh_CN") -> str:
    if locale == "en":
        return COOPERATION_MODES_EN.get(code, code)
    return COOPERATION_MODES.get(code, code)


IP_TYPES = {
    "invention_patent": "发明专利",
    "utility_model": "实用新型",
    "design_patent": "外观设计",
    "software_copyright": "软件著作权",
    "ic_layout": "集成电路布图设计",
    "plant_variety": "植物新品种",
    "trade_secret": "技术秘密",
}
IP_STATUSES = {
    "applied": _l("Application filed"),
    "granted": _l("Granted / registered"),
    "expired": _l("Lapsed"),
    "not_applicable": _l("Not applicable (trade secret)"),
}

# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------------------
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True when `code` is 18 characters of the GB 32100 alphabet with a correct check character."""
    code = (code or "").strip().upper()
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def make_uscc(seed: int, region_code: str = "110108", kind: str = "91") -> str:
    """A syntactically valid code for demo data (registration authority + type, region, serial)."""
    body = f"{kind}{region_code}{seed:09d}"[:17]
    body = "".join(c if c in _USCC_CHARS else "0" for c in body)
    return body + uscc_check_char(body)


# --- 技术合同类型 (Civil Code types and sub-types, tech_contract_types.csv) ------------------------
@dataclass(frozen=True, slots=True)
class ContractSubtype:
    code: str
    type_code: str
    type_name: str
    name: str


@functools.cache
def contract_subtypes() -> dict[str, ContractSubtype]:
    """Sub-type code (DEV-01 …) → its type and names, in the official order."""
    return {r["subtype_code"]: ContractSubtype(r["subtype_code"], r["type_code"], r["type"], r["subtype"])
            for r in _rows("tech_contract_types.csv")}


@functools.cache
def contract_types() -> dict[str, str]:
    """Type code → name: 技术开发, 技术转让, 技术许可, 技术咨询, 技术服务."""
    return {s.type_code: s.type_name for s in contract_subtypes().values()}


#: English names of the five types (the official list is Chinese only).
CONTRACT_TYPE_EN = {"DEV": "Technology development", "TRF": "Technology transfer", "LIC": "Technology licensing",
                    "CON": "Technical consulting", "SRV": "Technical service"}

#: Before the Civil Code (2021) licences were counted as transfers: the old four-type statistics.
PRE_2021_TYPE = {"LIC": "TRF"}


def subtype_short(code: str) -> str:
    """The sub-type name without its bracketed examples: 其他知识产权转让 rather than the full text."""
    sub = contract_subtypes().get(code)
    if sub is None:
        return code
    return sub.name.split("(")[0].split("（")[0]


def contract_subtype_choices() -> list[tuple[str, str]]:
    return [(code, f"{s.type_name} · {subtype_short(code)}") for code, s in contract_subtypes().items()]


def party_type_group(code: str | None) -> str:
    """The statistics group of a party type: 企业 (all enterprise kinds), 科研机构, 高等院校, …"""
    if not code:
        return ""
    name_parent = party_types().get(code)
    if name_parent is None:
        return code
    return name_parent[1] if name_parent[1] == "E" else code
