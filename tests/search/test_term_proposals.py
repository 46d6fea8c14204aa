"""Related-term pairs from grades: variants of one term that separate relevant suggestions."""
from __future__ import annotations

from search.analysis import SynonymTable
from search.term_proposals import extended, propose

TEXTS = {
    "demand:1": "锅炉受热面结焦严重，需要在线监测与清除技术",
    "demand:2": "电站锅炉结焦预测与防治",
    "achievement:1": "燃煤锅炉受热面结渣的在线监测方法",
    "achievement:2": "锅炉结渣倾向的预测模型与防治",
    "achievement:3": "锅炉给水泵变频节能改造",
}
JUDGED = {"demand:1": {"achievement:1": 3, "achievement:3": 0}, "demand:2": {"achievement:2": 2, "achievement:3": 0}}


def test_a_variant_that_relevant_suggestions_use_is_proposed_with_its_evidence():
    found = {p.terms: p for p in propose(TEXTS, JUDGED)}
    assert ("结焦", "结渣") in found
    assert found[("结焦", "结渣")].support == 2 and found[("结焦", "结渣")].against == 0
    assert ("demand:1", "achievement:1") in found[("结焦", "结渣")].examples
    assert all(set(a) & set(b) for a, b in found)  # every pair shares a character


def test_one_pair_alone_is_not_enough_and_known_pairs_are_not_proposed_again():
    assert propose(TEXTS, {"demand:1": JUDGED["demand:1"]}) == []
    table = SynonymTable.from_rows([["结焦", "结渣"]], "t")
    assert ("结焦", "结渣") not in {p.terms for p in propose(TEXTS, JUDGED, table)}
    assert extended(SynonymTable(), [("结焦", "结渣")], "x").related("结焦") == frozenset({"结渣"})
