from search import analysis
from search.analysis import SynonymTable


def test_normalise_width_case_and_traditional():
    assert analysis.normalise("ＡＢＣ１２３電池") == "abc123电池"


def test_tokens_drop_stopwords_and_single_characters():
    words = analysis.tokens("我公司希望寻求锂离子电池的热管理技术")
    assert "锂离子" in words or "锂离子电池" in words
    assert "的" not in words and "希望" not in words and "技术" not in words


def test_domain_terms_are_kept_whole():
    assert "覆冰" in analysis.tokens("叶片覆冰监测")


def test_bigrams():
    assert analysis.bigrams("覆冰监测 CFD") == ["覆冰", "冰监", "监测", "cfd"]


def test_synonym_table_expands_both_ways():
    table = SynonymTable.from_rows([["覆冰", "结冰"], ["锂电", "锂离子电池"]], version="t")
    assert table.expand(["结冰"]) == ["覆冰"]
    assert table.expand(["覆冰", "结冰"]) == []
    assert table.related("锂离子电池") == frozenset({"锂电"})


def test_default_synonyms_load():
    table = analysis.default_synonyms()
    assert "结冰" in table.related("覆冰")


def test_a_demand_text_splits_into_its_ask_and_its_background():
    text = "我厂每年产生含锌除尘灰约5万吨。目前返回烧结配料，炉墙结瘤；寻求火法或湿法脱锌工艺，要求锌回收率≥90%。"
    ask, background = analysis.ask_and_background(text)
    assert ask == ["寻求火法或湿法脱锌工艺，要求锌回收率≥90%。"]
    assert background == ["我厂每年产生含锌除尘灰约5万吨。", "目前返回烧结配料，炉墙结瘤；"]


def test_simulation_is_not_an_ask_and_a_text_without_one_is_all_background():
    text = "采用数值模拟研究叶片覆冰。结果表明覆冰使功率下降。"
    assert analysis.ask_and_background(text) == ([], ["采用数值模拟研究叶片覆冰。", "结果表明覆冰使功率下降。"])
    assert analysis.ask_and_background("拟引进盾构注浆材料")[0] == ["拟引进盾构注浆材料"]
