import json
import re

import sqlalchemy as sa

from tests.corpus import ice_corpus as corpus
from tests.factories import make_achievement, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.indexing import sync
from tt_platform.listings.models import ListingStatus


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


def test_api_matches_for_a_stored_listing(client, login, db, index):
    ice, _battery, hidden, demand = corpus(db)
    response = client.get(f"/api/v1/match/demand/{demand.id}")
    assert response.status_code == 200
    assert response.json["ranking"][0]["id"] == f"achievement:{ice.id}"
    assert f"achievement:{hidden.id}" not in [r["id"] for r in response.json["ranking"]]
    assert client.get(f"/api/v1/match/result/{hidden.id}").status_code == 404  # a draft stays hidden
    assert client.get("/api/v1/match/nonsense/1").status_code == 404
    assert client.get(f"/api/v1/match/demand/{demand.id}?limit=x").status_code == 400




def test_two_fresh_near_identical_listings_find_each_other_first(app, client, login, db, index):
    """A result and a demand approved minutes apart, with the same words and field, each come first on
    the other's match page: they get their vectors in the request that published them, and the fusion
    gives no penalty to a listing a channel has not seen."""
    from tests.factories import make_demand, make_operator
    from tt_platform.demands.models import Demand
    from tt_platform.indexing.engine import get_vectors

    uni = make_org(OrgKind.UNIVERSITY)
    for n in range(8):
        make_achievement(uni, title=f"风电叶片覆冰监测装置第{n}代", keywords="覆冰,风电叶片,监测", field_code="T06")
    sync.rebuild()
    assert app.test_cli_runner().invoke(args=["search", "embed"]).exit_code == 0
    words = {"title": "海上风电叶片前缘侵蚀在线监测系统", "keywords": "前缘侵蚀,在线监测,海上风电叶片",
             "field_code": "T06", "status": ListingStatus.PENDING}
    result = make_achievement(make_org(OrgKind.UNIVERSITY), description="叶片前缘侵蚀的声发射在线监测与寿命评估",
                              **words)
    demand = make_demand(make_org(), problem="海上风机叶片前缘侵蚀严重，需要在线监测", **words)
    db.session.commit()
    operator = login(make_operator())
    for kind, listing in (("achievement", result), ("demand", demand)):
        assert operator.post(f"/review/{kind}/{listing.id}", data={"decision": "approve"}).status_code == 302
    store = get_vectors().store
    assert store.vector(f"achievement:{result.id}") is not None and store.vector(f"demand:{demand.id}") is not None

    html = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert re.findall(r'href="/results/(\d+)"', html)[0] == str(result.id)
    html = client.get(f"/matches/result/{result.id}").get_data(as_text=True)
    assert re.findall(r'href="/demands/(\d+)"', html)[0] == str(demand.id)
    assert db.session.get(Demand, demand.id).status is ListingStatus.PUBLISHED
