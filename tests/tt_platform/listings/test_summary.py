from tt_platform.listings.summary import summary_of


def test_summary_keeps_numbers_and_ends_on_a_sentence():
    abstract = ("以pH值为5.6～6.0的蚀刻液为对象,回收硫酸铜.结果表明,产量达2076.2 kg/667m2。" + "其余讨论" * 40)
    summary = summary_of(abstract)
    assert summary == "以pH值为5.6～6.0的蚀刻液为对象,回收硫酸铜.结果表明,产量达2076.2 kg/667m2。"
    assert "。6" not in summary  # decimals are not sentence ends


def test_summary_of_a_long_first_sentence_shows_the_cut():
    abstract = "甲" * 200 + "。短句。"
    summary = summary_of(abstract, limit=150)
    assert len(summary) == 150 and summary.endswith("…")
    assert summary_of("短摘要 1.5 mm。") == "短摘要 1.5 mm。"
