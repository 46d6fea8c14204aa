"""SECURITY.md's ASVS checklist stays true to the suite: every row names at least one test, and every test
it names (`S::name`, `path::name`, or a test file) exists, so a renamed or deleted test cannot leave an item
claimed by nothing."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASVS = "tests/security/test_asvs.py"


def checklist_rows() -> list[str]:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    table = text.split("## OWASP ASVS", 1)[1]
    return [line for line in table.splitlines() if re.match(r"\| \d+\.\d", line)]


def named_tests(row: str) -> list[str]:
    refs = re.findall(r"`((?:S::|tests/)[^`]+)`", row)
    return [ASVS + ref[1:] if ref.startswith("S::") else ref for ref in refs]


def test_every_row_of_the_checklist_names_a_test():
    rows = checklist_rows()
    assert len(rows) >= 30
    assert [row[:40] for row in rows if not named_tests(row)] == []


def test_every_test_the_checklist_names_exists():
    missing = []
    for row in checklist_rows():
        for ref in named_tests(row):
            path, _, name = ref.partition("::")
            source = ROOT / path
            if not source.is_file() or (name and not re.search(rf"^def {re.escape(name)}\(",
                                                                source.read_text(encoding="utf-8"), re.M)):
                missing.append(ref)
    assert missing == []
