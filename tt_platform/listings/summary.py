"""The short summary a listing shows in lists and cards, cut from a longer text by whole sentences."""
from __future__ import annotations

import re

#: After a sentence-ending mark; an ASCII full stop only when no digit follows (1.5 mm is one number).
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)(?!\d)")


def summary_of(abstract: str, limit: int = 150) -> str:
    """The abstract's first whole sentences within `limit` characters, punctuation as written. A first
    sentence longer than that is cut and ends with "…", so the cut shows."""
    text = abstract.strip()
    if len(text) <= limit:
        return text
    end = 0
    for sentence in _SENTENCE_END.split(text):
        if end + len(sentence) > limit:
            break
        end += len(sentence)
    return text[:end].rstrip() if end else text[:limit - 1].rstrip() + "…"
