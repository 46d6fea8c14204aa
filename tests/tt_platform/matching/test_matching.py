import json

import sqlalchemy as sa

from tests.factories import make_achievement, make_demand, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.indexing import sync
from tt_platform.listings.models import ListingStatus


def corpus(db):
    uni = make_org(OrgKind.UNIVERSITY, region_code="110100")
    ice = make_achievement(uni, title="风力发电机叶片覆冰监测方法", keywords="覆冰,叶片,光纤传感",
                           description="基于光纤光栅的叶片结冰厚度在线监测", trl=6, field_code="T06")
    battery = make_achievement(uni, title="锂离子电池热管理系统", keywords="锂离子电池,热管理", field_code="T10")
    hidden = make_achievement(uni, title="叶片覆冰除冰新方法（草稿）", keywords="覆冰", status=ListingStatus.DRAFT)
    demand = make_demand(make_org(region_code="150100"), title="风电叶片结冰监测与除冰", keywords="结冰,除冰,风电",
                         problem="冬季风机叶片覆冰导致停机", field_code="T06", required_trl=5)
    sync.rebuild()
    return ice, battery, hidden, demand


def test_match_page_for_a_demand_explains(client, db, index):
    ice, battery, hidden, demand = corpus(db)
    html = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    ice_link, battery_link = f'href="/results/{ice.id}"', f'href="/results/{battery.id}"'
    assert ice_link in html
    assert f'href="/results/{hidden.id}"' not in html  # drafts never appear as matches
    assert html.index(ice_link) < (html.index(battery_link) if battery_link in html else len(html))
    assert "<mark>覆冰</mark>" in html  # shared terms highlighted
    assert "相同技术领域" in html or "Same technology field" in html
    # a neutral reason (another province) reads ±0, not a signed zero
    assert "(±0)" in html and "-0.000" not in html and "+0.000" not in html


def test_match_page_for_a_result_lists_demands(client, db, index):
    ice, _battery, _hidden, demand = corpus(db)
    html = client.get(f"/matches/result/{ice.id}").get_data(as_text=True)
    assert f'href="/demands/{demand.id}"' in html


def test_match_page_respects_visibility(client, login, db, index):
    _ice, _battery, hidden, _demand = corpus(db)
    assert client.get(f"/matches/result/{hidden.id}").status_code == 404
    owner = make_user(hidden.organisation)
    assert login(owner).get(f"/matches/result/{hidden.id}").status_code == 200
    assert client.get("/matches/nonsense/1").status_code == 404


def test_search_page_uses_the_engine_with_synonyms_and_facets(client, db, index):
    ice, battery, _hidden, _demand = corpus(db)
    html = client.get("/results/", query_string={"q": "结冰"}).get_data(as_text=True)
    # 结冰 finds 覆冰 through the synonym table
    assert f'href="/results/{ice.id}"' in html and f'href="/results/{battery.id}"' not in html
    assert "(1)" in html  # facet counts beside the filter options


def test_search_box_words_must_all_match_else_the_page_says_it_relaxed(client, db, index):
    ice, battery, _hidden, _demand = corpus(db)
    ice_link, battery_link = f'href="/results/{ice.id}"', f'href="/results/{battery.id}"'

    # 叶片监测 holds 叶片 and 监测: only the ice result has both
    html = client.get("/results/", query_string={"q": "叶片监测"}).get_data(as_text=True)
    assert ice_link in html and battery_link not in html and "partial-match" not in html
    assert "共找到 1 项成果" in html or "1 results found" in html

    # 电池监测: no result has both words, so the page shows those with either, and says so
    html = client.get("/results/", query_string={"q": "电池监测"}).get_data(as_text=True)
    assert ice_link in html and battery_link in html
    assert "partial-match" in html and "没有同时包含全部搜索词的结果" in html

    # a single character is searched for; a word too short or common to search for is named, as are
    # the words after the eighth
    html = client.get("/results/", query_string={"q": "a 锂"}).get_data(as_text=True)
    assert battery_link in html and ice_link not in html
    assert "ignored-words" in html and "未参与搜索" in html and "：a<" in html
    many = " ".join(["锂电池"] * 8 + ["热管理", "叶片"])
    html = client.get("/results/", query_string={"q": many}).get_data(as_text=True)
    assert battery_link in html and "热管理、叶片" in html

    # a word found past the summary: the result shows the text around it, highlighted
    html = client.get("/results/", query_string={"q": "光纤光栅"}).get_data(as_text=True)
    assert ice_link in html and "基于<mark>光纤光栅</mark>的叶片结冰厚度在线监测" in html

    # nothing at all: no notice, the suggestions instead
    html = client.get("/results/", query_string={"q": "量子点"}).get_data(as_text=True)
    assert "partial-match" not in html and ice_link not in html


def test_api_match_results(client, db, index):
    ice, *_ = corpus(db)
    demand = {"id": "q1", "title": "叶片结冰", "description": "风电场叶片覆冰监测", "field": "新能源与高效节能",
              "keywords": ["覆冰"], "region": "内蒙古自治区", "budget_wan": 100, "modes": ["技术转让"]}
    response = client.post("/api/v1/match/results", json=demand)
    assert response.status_code == 200
    top = response.json["ranking"][0]
    assert top["id"] == f"achievement:{ice.id}"
    assert "覆冰" in top["shared_terms"]
    assert {c["key"] for c in top["components"]} == {"field", "price", "modes", "region", "freshness"}


def test_api_rejects_bad_demands(client, db, index):
    assert client.post("/api/v1/match/results", data="x", content_type="text/plain").status_code == 415
    for bad in ([], {}, {"title": 5}, {"title": "x", "keywords": "a"}, {"title": "x", "budget_wan": -1},
                {"title": "x", "field": "不存在"}, {"title": "x", "trl": 12}, {"title": "长" * 300},
                {"title": "x", "keywords": ["长" * 201]}):
        response = client.post("/api/v1/match/results", json=bad)
        assert response.status_code == 400, bad
        assert response.json["error"]


def test_import_and_match_run_commands(app, db, index, tmp_path):
    records = [
        {"id": "x-1", "title": "风力机叶片覆冰机理研究", "abstract": "研究叶片覆冰过程。", "keywords": ["覆冰"],
         "discipline": "动力工程及工程热物理", "category": "工学"},
        {"id": "x-2", "title": "水稻育种新方法", "abstract": "抗病水稻选育。", "keywords": ["水稻"],
         "discipline": "作物学", "category": "农学"},
    ]
    source = tmp_path / "records.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "achievements", str(source)])
    assert result.exit_code == 0, result.output
    assert "imported 2 results" in result.output
    assert "shortened" not in result.output
    again = runner.invoke(args=["import", "achievements", str(source)])
    assert "skipped 2" in again.output
    imported = db.session.scalar(sa.select(Achievement).where(Achievement.external_ref == "x-1"))
    assert imported.field_code == "T06" and imported.status is ListingStatus.PUBLISHED
    # the importer builds documents from the rows it wrote, without ORM instances: they must equal what
    # the drain builds from the database (same content hash), or reconcile would find drift
    from tt_platform.achievements.indexing import achievement_document
    from tt_platform.indexing.engine import get_backend

    stored = get_backend().get_many([f"achievement:{imported.id}"])[f"achievement:{imported.id}"]
    assert stored.version == achievement_document(imported).version

    queries = tmp_path / "queries.jsonl"
    queries.write_text(json.dumps({"id": "d1", "title": "叶片结冰", "description": "风机叶片覆冰",
                                   "keywords": ["覆冰"]}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "run.jsonl"
    result = runner.invoke(args=["match", "run", "--queries", str(queries), "--out", str(out)])
    assert result.exit_code == 0, result.output
    line = json.loads(out.read_text(encoding="utf-8"))
    assert line["query_id"] == "d1" and line["ranking"][0] == "x-1"


def test_import_refuses_bad_files_and_writes_nothing(app, db, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok-1", "title": "t", "abstract": "a"}\n{not json}\n', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "achievements", str(bad)])
    assert result.exit_code != 0
    assert "line 2" in result.output
    assert db.session.scalar(sa.select(Achievement).where(Achievement.external_ref == "ok-1")) is None


def test_embed_command_feeds_the_dense_channel(app, client, db, index):
    ice, battery, hidden, demand = corpus(db)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "embed"])
    assert result.exit_code == 0, result.output
    assert "vectors: 4 stored" in result.output
    assert "hash-bigrams: 4 vectors" in runner.invoke(args=["search", "status"]).output
    again = runner.invoke(args=["search", "embed"])
    assert "vectors: 0 stored" in again.output  # nothing changed, nothing embedded
    html = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert f'href="/results/{ice.id}"' in html and f'href="/results/{hidden.id}"' not in html


def test_operators_edit_the_versioned_term_table(login, client, db, index):
    from tests.factories import make_operator
    from tt_platform.vocabulary import services as terms
    from tt_platform.vocabulary.models import TermTableVersion

    uni = make_org(OrgKind.UNIVERSITY)
    target = make_achievement(uni, title="高压输电线路舞动抑制装置", keywords="舞动,输电线路")
    sync.rebuild()
    assert f'href="/results/{target.id}"' not in client.get("/results/", query_string={"q": "驰振"}).get_data(
        as_text=True)

    operator = login(make_operator())
    page = operator.get("/matches/terms").get_data(as_text=True)
    assert "覆冰,结冰" in page  # the shipped default is the starting text
    bad = operator.post("/matches/terms", data={"text": "孤词\n"}, follow_redirects=True).get_data(as_text=True)
    assert "每组至少需要两个词" in bad
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TermTableVersion)) == 0

    response = operator.post("/matches/terms", data={"text": terms.default_text() + "舞动,驰振\n",
                                                     "note": "加入舞动"})
    assert response.status_code == 302
    assert terms.latest().version == 1 and terms.latest().note == "加入舞动"
    html = client.get("/results/", query_string={"q": "驰振"}).get_data(as_text=True)
    assert f'href="/results/{target.id}"' in html  # 驰振 now finds 舞动
    operator.post("/matches/terms", data={"text": "舞动,驰振,风振\n"})
    assert terms.latest().version == 2
    assert "v1" in operator.get("/matches/terms").get_data(as_text=True)


def test_only_operators_edit_the_term_table(login, db):
    assert login(make_user()).post("/matches/terms", data={"text": "a,b"}).status_code == 403
    assert login(make_user()).get("/matches/terms").status_code == 403


def test_empty_search_suggests_other_terms(client, db, index):
    corpus(db)
    html = client.get("/results/", query_string={"q": "热带气旋"}).get_data(as_text=True)
    assert "共找到 0 项成果" in html
    assert "试试：" in html and ">台风</a>" in html  # 热带气旋 ↔ 台风 in the related-term table
    html = client.get("/results/", query_string={"q": "覆冰"}).get_data(as_text=True)
    assert "试试：" not in html  # results found: no suggestions


def test_suggestions_function():
    from search import analysis

    table = analysis.SynonymTable.from_rows([["覆冰", "结冰"]], version="t")
    assert analysis.suggestions("结冰", table)[0] == "覆冰"
    assert analysis.suggestions("锂离子")[0] == "锂离子电池"  # a longer domain term


def test_api_matches_for_a_stored_listing(client, login, db, index):
    ice, _battery, hidden, demand = corpus(db)
    response = client.get(f"/api/v1/match/demand/{demand.id}")
    assert response.status_code == 200
    assert response.json["ranking"][0]["id"] == f"achievement:{ice.id}"
    assert f"achievement:{hidden.id}" not in [r["id"] for r in response.json["ranking"]]
    assert client.get(f"/api/v1/match/result/{hidden.id}").status_code == 404  # a draft stays hidden
    assert client.get("/api/v1/match/nonsense/1").status_code == 404
    assert client.get(f"/api/v1/match/demand/{demand.id}?limit=x").status_code == 400


def test_import_with_the_engine_down_keeps_outbox_rows(app, db, index, tmp_path, monkeypatch):
    from search.backends.base import BackendUnavailable
    from tt_platform.indexing import outbox

    def down():
        raise BackendUnavailable("engine stopped")

    monkeypatch.setattr(sync, "get_backend", down)
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"id": "down-1", "title": "叶片覆冰", "abstract": "覆冰监测。"}, ensure_ascii=False),
                      encoding="utf-8")
    before = outbox.pending_count()
    result = app.test_cli_runner().invoke(args=["import", "achievements", str(source)])
    assert result.exit_code == 0 and "NOT indexed" in result.output
    assert outbox.pending_count() == before + 1  # the next drain indexes it
    monkeypatch.undo()
    sync.drain()
    imported_id = db.session.scalar(sa.select(Achievement.id).where(Achievement.external_ref == "down-1"))
    assert index.get(f"achievement:{imported_id}") is not None


def test_import_reports_what_it_shortens(app, db, tmp_path):
    records = [
        {"id": "long-1", "title": "长" * 250, "abstract": "摘要。", "keywords": ["词"] * 15},
        {"id": "long-2", "title": "正常标题", "abstract": "摘要。", "keywords": ["k" * 60, "覆冰"]},
        {"id": "long-3", "title": "字符串关键词", "abstract": "摘要。", "keywords": "覆冰，结冰、除冰"},
    ]
    source = tmp_path / "records.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "achievements", str(source)])
    assert result.exit_code == 0, result.output
    assert "1 × title shortened to 200 characters (line 1)" in result.output
    assert "1 × keywords beyond the first 12 dropped (line 1)" in result.output
    assert "1 × keyword shortened to 40 characters (line 2)" in result.output
    rows = {a.external_ref: a for a in db.session.scalars(
        sa.select(Achievement).where(Achievement.external_ref.in_(["long-1", "long-2", "long-3"])))}
    assert len(rows["long-1"].title) == 200 and len(rows["long-1"].keyword_list) == 12
    assert rows["long-2"].keyword_list == ["k" * 40, "覆冰"]
    assert rows["long-3"].keyword_list == ["覆冰", "结冰", "除冰"]  # a string is read as a list
