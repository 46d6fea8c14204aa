"""One Chinese analysis pipeline for every backend.

normalise → segment (rjieba, jieba-compatible, with a domain dictionary) → drop stop words →
optional expansion through the synonym/related-term table. Character bigrams give a second,
dictionary-free view of the same text for recall on out-of-vocabulary terms.
"""
from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rjieba

DATA = Path(__file__).parent / "data"
_CJK = re.compile(r"[\u3400-\u9fff]")
_TOKEN_OK = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9][a-z0-9.+\-]*", re.UNICODE)


def normalise(text: str) -> str:
    """Full-width → half-width (NFKC), lower case, a few traditional forms → simplified."""
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):  # most text already is: skip the costly rewrite
        text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    # str.translate walks every character in Python-level dict lookups; most text has no traditional
    # forms at all, which one regex scan (in C) tells
    return text.translate(_TRAD_TO_SIMP) if _TRAD_CHARS.search(text) else text


# Cheap traditional → simplified mapping for characters common in technical text; full conversion
# (OpenCC) would be a heavy dependency for listings that are almost always simplified already.
_TRAD_TO_SIMP = str.maketrans({
    "電": "电", "機": "机", "術": "术", "設": "设", "備": "备", "與": "与", "為": "为", "發": "发", "開": "开",
    "學": "学", "體": "体", "產": "产", "業": "业", "質": "质", "應": "应", "價": "价", "據": "据", "網": "网",
    "車": "车", "輸": "输", "導": "导", "氣": "气", "動": "动", "區": "区", "醫": "医", "藥": "药", "農": "农",
    "環": "环", "測": "测", "監": "监", "控": "控", "試": "试", "驗": "验", "節": "节", "能": "能", "風": "风",
    "鋰": "锂", "池": "池", "複": "复", "合": "合", "處": "处", "理": "理", "數": "数", "經": "经", "濟": "济",
})
_TRAD_CHARS = re.compile("[" + "".join(chr(c) for c, simple in _TRAD_TO_SIMP.items() if chr(c) != simple) + "]")


@functools.cache
def stopwords() -> frozenset[str]:
    words = set()
    for line in (DATA / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(normalise(line))
    return frozenset(words)


@functools.cache
def _load_dictionary() -> None:
    """Teach the segmenter the domain terms (the synonym table and the domain dictionary)."""
    for term in domain_terms():
        if len(term) >= 2 and _CJK.search(term):
            rjieba.add_word(term, 20000, None)


@functools.cache
def domain_terms() -> frozenset[str]:
    terms: set[str] = set()
    path = DATA / "domain_dictionary.txt"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                terms.add(normalise(line))
    for group in default_synonyms().groups:
        terms.update(group)
    return frozenset(terms)


#: Terms taught since start-up, in order: a fresh analysis process is taught the same (see taught_terms).
_TAUGHT: list[str] = []


def teach(terms) -> None:
    """Add terms to the segmenter's dictionary (e.g. from an edited related-term table)."""
    _load_dictionary()
    for term in terms:
        term = normalise(term)
        if len(term) >= 2 and _CJK.search(term):
            rjieba.add_word(term, 20000, None)
            _TAUGHT.append(term)


def taught_terms() -> list[str]:
    """What `teach` added to this process's dictionary, so another process segments the same way."""
    return list(_TAUGHT)


def suggestions(query: str, table: SynonymTable | None = None, limit: int = 6) -> list[str]:
    """Other searches worth trying when `query` finds nothing: related terms of its words, and domain
    terms that contain one of them (覆冰 → 覆冰监测, 导线覆冰…)."""
    words = [w for w in tokens(query)] or [normalise(query).strip()]
    out: list[str] = []
    for word in words:
        for related in sorted(table.related(word)) if table else ():
            if related not in out:
                out.append(related)
    if len(out) < limit:
        for word in words:
            if len(word) < 2:
                continue
            longer = sorted((t for t in domain_terms() if word in t and t != word), key=lambda t: (len(t), t))
            for term in longer:
                if term not in out:
                    out.append(term)
                if len(out) >= limit:
                    break
    return out[:limit]


class _KeptWords(dict):
    """Raw segment → the word it contributes ('' when it is dropped), memoised: indexing meets the same
    few hundred thousand segments over and over, and a dict lookup is far cheaper than the checks."""

    def __missing__(self, piece: str) -> str:
        if len(self) > 500_000:
            self.clear()
        word = piece.strip()
        kept = self[piece] = word if _keeps(word) else ""
        return kept


_KEPT = _KeptWords()


def _keeps(token: str) -> bool:
    if not token or token in stopwords() or not _TOKEN_OK.search(token):
        return False
    if len(token) == 1:
        return False  # single characters (汉字 or letters) are mostly noise; bigrams keep their signal
    return not token.isdigit() or len(token) >= 3


def tokens(text: str, *, for_index: bool = False, normalised: bool = False) -> list[str]:
    """Words of `text` after normalisation and stop-word removal (duplicates kept: tf matters).
    `normalised`: the caller already passed the text through `normalise`."""
    _load_dictionary()
    if not normalised:
        text = normalise(text)
    pieces = rjieba.cut_for_search(text) if for_index else rjieba.cut(text)
    return list(filter(None, map(_KEPT.__getitem__, pieces)))


def bigrams(text: str, *, normalised: bool = False) -> list[str]:
    """CJK character bigrams plus whole Latin/number words: a dictionary-free view for recall."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text if normalised else normalise(text)):
        if run[0] >= "\u3400":  # a CJK run (Latin runs start with [a-z0-9])
            out += [run[i:i + 2] for i in range(len(run) - 1)]
        elif len(run) >= 2:
            out.append(run)
    return out


def single_characters(text: str) -> list[str]:
    """The CJK characters of a text too short for a word or a bigram (锂), stop words (的) left out."""
    return [char for char in dict.fromkeys(normalise(text)) if _CJK.match(char) and char not in stopwords()]


def single_character_pattern(char: str) -> str:
    """The bigrams that hold a character: 锂 → 锂. or .锂 (a term-dictionary regex, whole terms)."""
    char = re.escape(char)
    return f"{char}.|.{char}"


#: Words with which a technology demand states its ask (what would solve it), as opposed to its
#: background (who suffers where): 希望引进…, 寻求…, 需要…, 要求…, 目标…. Generic wording of 需求
#: forms, not of any particular demand; a bare 拟 would also match 模拟, so only 拟+verb counts.
_ASK = re.compile(r"希望|寻求|需要|需求|引进|征集|求购|期望|要求|目标|旨在|急需|亟需"
                  r"|拟(?:引进|采用|开展|寻求|合作|研发|开发)")
_SENTENCE_END = re.compile(r"(?<=[。；;！？!?\n])")


def ask_and_background(text: str) -> tuple[list[str], list[str]]:
    """The sentences of `text` that state an ask, and the others (order kept in each)."""
    ask: list[str] = []
    background: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if sentence.strip():
            (ask if _ASK.search(sentence) else background).append(sentence)
    return ask, background


@dataclass(frozen=True)
class SynonymTable:
    """Groups of terms that mean the same or closely related things (覆冰/结冰, 锂电/锂离子电池)."""

    groups: tuple[frozenset[str], ...] = ()
    version: str = "empty"
    _index: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_rows(cls, rows: Iterable[Iterable[str]], version: str) -> SynonymTable:
        groups = []
        for row in rows:
            group = frozenset(normalise(t).strip() for t in row if t and t.strip())
            if len(group) >= 2:
                groups.append(group)
        index: dict[str, set[str]] = {}
        for group in groups:
            for term in group:
                index.setdefault(term, set()).update(group - {term})
        return cls(tuple(groups), version, {k: frozenset(v) for k, v in index.items()})

    def related(self, term: str) -> frozenset[str]:
        return self._index.get(term, frozenset())

    def expand(self, words: Iterable[str]) -> list[str]:
        """The related terms of `words` that are not already among them."""
        present = set(words)
        extra: list[str] = []
        for word in present:
            for other in sorted(self.related(word)):
                if other not in present and other not in extra:
                    extra.append(other)
        return extra


@functools.cache
def default_synonyms() -> SynonymTable:
    path = DATA / "synonyms.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.reader(fh) if row and not row[0].startswith("#")]
    return SynonymTable.from_rows(rows, version=f"default-{len(rows)}")
