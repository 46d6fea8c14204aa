"""What a listing's search document holds as its text."""
from tests.factories import make_achievement, make_demand
from tt_platform.achievements.indexing import achievement_document
from tt_platform.demands.indexing import demand_document
from tt_platform.listings.documents import indexed_text
from tt_platform.listings.summary import summary_of

ABSTRACT = ("以氧化石墨为前驱体，采用真空辅助热膨胀法在低温下获得功能化石墨烯片。" * 3
            + "所得石墨烯在不同温度下热处理，制备了表面化学结构不同的石墨烯片。")


def test_a_summary_that_repeats_the_opening_is_indexed_once():
    assert indexed_text(summary_of(ABSTRACT), ABSTRACT) == ABSTRACT
    # also when the summary's first sentence was cut (it ends with …) or the text starts with blanks
    cut = summary_of("很长的第一句" * 40)
    assert cut.endswith("…") and indexed_text(cut, "很长的第一句" * 40) == "很长的第一句" * 40
    assert indexed_text("第一句。", "  第一句。第二句。") == "  第一句。第二句。"


def test_a_summary_of_its_own_is_kept_and_empty_parts_are_skipped():
    assert indexed_text("石墨烯导热膜，可量产。", ABSTRACT) == "石墨烯导热膜，可量产。\n" + ABSTRACT
    assert indexed_text("只有摘要", None, "") == "只有摘要"
    assert indexed_text(None, "问题", None, "指标") == "问题\n指标"
    assert indexed_text("", "") == ""


def test_documents_of_imported_and_written_listings(db):
    imported = make_achievement(summary=summary_of(ABSTRACT), description=ABSTRACT)
    assert achievement_document(imported).text == ABSTRACT
    written = make_achievement(summary="一句话介绍", description=ABSTRACT)
    assert achievement_document(written).text == "一句话介绍\n" + ABSTRACT
    demand = make_demand(summary="叶片结冰", problem="冬季风机叶片覆冰导致停机")
    assert demand_document(demand).text.startswith("叶片结冰\n冬季风机叶片覆冰导致停机")
