"""Grading suggestions on match pages: who may, one grade per person and pair, what is measured."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest
import sqlalchemy as sa

from tests.corpus import ice_corpus as corpus
from tests.factories import make_achievement, make_broker, make_demand, make_operator, make_org, make_user
from tt_platform.accounts.models import Membership, OrgKind, Role
from tt_platform.indexing import sync
from tt_platform.judgments import services
from tt_platform.judgments.models import MatchEvaluation, MatchGrade
from tt_platform.security import NotAllowed


def test_who_grades(db, index):
    ice, _battery, _hidden, demand = corpus(db)
    assert services.may_grade(make_operator(), demand) and services.may_grade(make_broker(), demand)
    assert services.may_grade(make_user(demand.organisation), demand)  # the demand's own enterprise
    assert not services.may_grade(make_user(make_org()), demand)  # another enterprise
    assert not services.may_grade(None, demand)
    with pytest.raises(NotAllowed):
        services.grade(make_user(make_org()), demand, ice, 3, None)


def test_one_grade_per_person_and_pair_changeable_and_checked(db, index):
    ice, battery, _hidden, demand = corpus(db)
    broker = make_broker()
    services.grade(broker, demand, ice, 2, "领域一致")
    services.grade(broker, demand, ice, 3, "  ")
    rows = db.session.scalars(sa.select(MatchGrade)).all()
    assert [(r.query_doc, r.target_doc, r.grade, r.reason) for r in rows] == [
        (f"demand:{demand.id}", f"achievement:{ice.id}", 3, None)]
    for value, reason in ((4, None), (-1, None), (2, "长" * 501)):
        with pytest.raises(services.GradeError):
            services.grade(broker, demand, battery, value, reason)
    with pytest.raises(services.GradeError):
        services.grade(broker, demand, demand, 1, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchGrade)) == 1


def test_qrels_take_the_median_and_leave_out_the_suggested_listings_own_organisation(db, index):
    ice, battery, _hidden, demand = corpus(db)
    for value in (3, 2, 0):
        services.grade(make_broker(), demand, ice, value, None)
    services.grade(make_operator(), demand, battery, 1, None)
    # a broker who is also a member of the university that owns the result grades it up: kept, flagged,
    # never measured
    seller_broker = make_broker()
    db.session.add(Membership(user=seller_broker, organisation=battery.organisation, role=Role.RESEARCH))
    db.session.flush()
    own = services.grade(seller_broker, demand, battery, 3, "我们的成果")
    assert own.own_target
    assert services.qrels() == {f"demand:{demand.id}": {f"achievement:{ice.id}": 2, f"achievement:{battery.id}": 1}}


def test_the_match_page_grades_and_shows_the_grade_back(login, client, db, index):
    ice, _battery, _hidden, demand = corpus(db)
    broker = login(make_broker())
    page = broker.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert 'class="row g-2 align-items-center mt-2 grade-form"' in page and "my-grade" not in page
    response = broker.post(f"/matches/demand/{demand.id}/grade",
                           data={"target": f"achievement:{ice.id}", "grade": "3", "reason": "正是所需"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#m-achievement-{ice.id}")
    page = broker.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert "my-grade" in page and 'value="正是所需"' in page
    # an anonymous visitor sees no grading, a stranger may not grade, nonsense targets are not found
    assert "grade-form" not in client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    stranger = login(make_user(make_org()))
    assert stranger.post(f"/matches/demand/{demand.id}/grade",
                         data={"target": f"achievement:{ice.id}", "grade": "0"}).status_code == 403
    for target in ("achievement:999999", "nonsense", "demand:abc", "organisation:1"):
        assert broker.post(f"/matches/demand/{demand.id}/grade", data={"target": target, "grade": "1"}).status_code \
            in (302, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchGrade)) == 1
    bad = broker.post(f"/matches/demand/{demand.id}/grade", data={"target": f"achievement:{ice.id}", "grade": "9"})
    assert bad.status_code == 302 and db.session.scalar(sa.select(MatchGrade.grade)) == 3


def test_export_evaluate_and_the_operators_page(app, login, db, index, tmp_path):
    ice, battery, _hidden, demand = corpus(db)
    broker = make_broker()
    services.grade(broker, demand, ice, 3, None)
    services.grade(broker, demand, battery, 0, None)
    db.session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "qrels.tsv"
    assert "2 judgments of 1 listings" in runner.invoke(args=["match", "judgments", "export", str(out)]).output
    assert sorted(out.read_text().splitlines()) == sorted([f"demand:{demand.id}\tachievement:{ice.id}\t3",
                                                           f"demand:{demand.id}\tachievement:{battery.id}\t0"])
    result = runner.invoke(args=["match", "evaluate"])
    assert result.exit_code == 0, result.output
    assert re.search(r"1 judged listings, 2 judgments: nDCG@10=1\.0000", result.output), result.output
    snapshot = db.session.scalar(sa.select(MatchEvaluation))
    assert snapshot.by_field == {"T06": {"queries": 1, "ndcg10": 1.0, "recall50": 1.0, "mrr10": 1.0}}
    page = login(make_operator()).get("/matches/quality")
    assert page.status_code == 200 and "1.000" in page.get_data(as_text=True)
    assert login(broker).get("/matches/quality").status_code in (403, 404)


def test_evaluate_without_judgments_says_so(app, db, index):
    make_achievement()
    assert "no judgments yet" in app.test_cli_runner().invoke(args=["match", "evaluate"]).output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchEvaluation)) == 0


def test_a_case_and_its_signed_contract_read_as_grades_and_an_explicit_grade_wins(db, index):
    from tests.factories import contract_data
    from tt_platform.brokerage import services as brokerage
    from tt_platform.contracts import services as contracts
    from tt_platform.contracts.models import ContractStatus

    ice, battery, _hidden, demand = corpus(db)
    broker = make_broker()
    brokerage.open_case(broker, "覆冰对接", [demand], [ice])
    signed = brokerage.open_case(broker, "电池对接", [demand], [battery])
    judged = services.qrels()
    assert judged[f"demand:{demand.id}"] == {f"achievement:{ice.id}": 2, f"achievement:{battery.id}": 2}
    assert judged[f"achievement:{ice.id}"] == {f"demand:{demand.id}": 2}  # both directions
    contract = contracts.create(broker, contract_data(battery.organisation, demand.organisation, case_id=signed.id))
    contract.status = ContractStatus.SUBMITTED
    db.session.flush()
    assert services.qrels()[f"demand:{demand.id}"][f"achievement:{battery.id}"] == 3
    services.grade(make_operator(), demand, ice, 0, "方向不对")
    assert services.qrels()[f"demand:{demand.id}"][f"achievement:{ice.id}"] == 0
    assert f"achievement:{battery.id}" not in services.qrels(implicit=False).get(f"demand:{demand.id}", {})


def test_train_keeps_the_learned_model_off_without_enough_judgments_and_says_why(app, db, index, tmp_path,
                                                                                   monkeypatch, client):
    monkeypatch.setitem(app.config, "SEARCH_RANKER_DIR", str(tmp_path / "ranker"))
    ice, battery, _hidden, demand = corpus(db)
    broker = make_broker()
    services.grade(broker, demand, ice, 3, None)
    services.grade(broker, demand, battery, 0, None)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["match", "train"])
    assert result.exit_code == 0 and "version 1:" in result.output and "OFF" in result.output, result.output
    assert "fewer than 200" in result.output
    saved = json.loads((tmp_path / "ranker" / "current.json").read_text())
    assert saved["version"] == 1 and saved["enabled"] is False and len(saved["judgments_sha256"]) == 64
    assert "learned-ranker" not in client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert "version 2:" in app.test_cli_runner().invoke(args=["match", "train"]).output  # versions accumulate
    assert (tmp_path / "ranker" / "ranker-v1.json").exists() and (tmp_path / "ranker" / "ranker-v2.json").exists()


def test_a_switched_on_model_orders_the_page_and_explains_itself(app, db, index, tmp_path, monkeypatch, client):
    """A model that weighs only 'same province' puts the result from the demand's province first."""
    import numpy as np

    from search import ranker
    from tt_platform.matching import learned

    monkeypatch.setitem(app.config, "SEARCH_RANKER_DIR", str(tmp_path / "ranker"))
    uni_far = make_org(OrgKind.UNIVERSITY, region_code="110100")
    uni_near = make_org(OrgKind.UNIVERSITY, region_code="150100")
    far = make_achievement(uni_far, title="风电叶片覆冰监测与除冰系统", keywords="覆冰,除冰,风电", field_code="T06")
    near = make_achievement(uni_near, title="叶片结冰监测装置", keywords="结冰", field_code="T06")
    demand = make_demand(make_org(region_code="150100"), title="风电叶片结冰监测与除冰", keywords="结冰,除冰,风电",
                         field_code="T06")
    sync.rebuild()
    html = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert html.index(f'href="/results/{far.id}"') < html.index(f'href="/results/{near.id}"')  # the fusion's order
    weights = np.zeros(len(ranker.FEATURES))
    weights[ranker.FEATURES.index("region")] = 1.0
    model = ranker.LinearRanker(mean=[0.0] * len(weights), scale=[1.0] * len(weights), weights=weights.tolist(),
                                intercept=0.0, ridge=1.0)
    learned.save(ranker.Decision(pairs=500, queries=30, cv_learned=0.9, cv_untuned=0.8, cv_live=0.85, enabled=True,
                                 reason="test", judgments_sha256="0" * 64, strongest=model.strongest(),
                                 model=dataclasses.asdict(model) | {"features": list(ranker.FEATURES)}))
    html = client.get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert html.index(f'href="/results/{near.id}"') < html.index(f'href="/results/{far.id}"')
    assert 'id="learned-ranker"' in html and "0.900" in html


def test_proposed_terms_wait_for_an_operator_who_accepts_one_into_a_new_table_version(app, db, index, login):
    from tt_platform.vocabulary import services as vocabulary
    from tt_platform.vocabulary.models import TermProposal

    uni = make_org(OrgKind.UNIVERSITY)
    slag = [make_achievement(uni, title=f"燃煤锅炉受热面结渣在线监测方法{n}", keywords="结渣,锅炉") for n in (1, 2)]
    pump = make_achievement(uni, title="锅炉给水泵变频节能改造", keywords="给水泵,变频")
    broker = make_broker()
    for n in (1, 2):
        demand = make_demand(make_org(), title=f"锅炉受热面结焦监测需求{n}", keywords="结焦,锅炉")
        services.grade(broker, demand, slag[n - 1], 3, None)
        services.grade(broker, demand, pump, 0, None)
    db.session.commit()
    output = app.test_cli_runner().invoke(args=["match", "propose-terms"]).output
    assert "new" in output, output
    proposal = db.session.scalar(sa.select(TermProposal).where(TermProposal.term_a == "结焦",
                                                               TermProposal.term_b == "结渣"))
    assert proposal is not None and proposal.status == "proposed" and proposal.support == 2
    assert login(broker).post(f"/matches/terms/proposals/{proposal.id}", data={"decision": "accept"}).status_code \
        in (403, 404)
    operator = login(make_operator())
    page = operator.get("/matches/terms").get_data(as_text=True)
    assert 'id="term-proposals"' in page and "结焦 · 结渣" in page
    assert operator.post(f"/matches/terms/proposals/{proposal.id}", data={"decision": "accept"}).status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == "accepted" and "结渣" in vocabulary.current_table().related("结焦")
    assert vocabulary.latest().version == 1 and "结焦,结渣" in vocabulary.latest().text
    # decided once: a second decision is refused, and proposing again does not bring it back
    operator.post(f"/matches/terms/proposals/{proposal.id}", data={"decision": "reject"})
    db.session.refresh(proposal)
    assert proposal.status == "accepted"
    app.test_cli_runner().invoke(args=["match", "propose-terms"])
    assert not [p for p in vocabulary.pending_proposals() if (p.term_a, p.term_b) == ("结焦", "结渣")]


def test_a_grade_is_seen_by_its_grader_and_operators_only(login, db, index):
    ice, _battery, _hidden, demand = corpus(db)
    first, second = make_broker(), make_broker()
    services.grade(first, demand, ice, 3, "第一位经纪人的理由")
    db.session.commit()
    assert "第一位经纪人的理由" in login(first).get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert "第一位经纪人的理由" not in login(second).get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    page = login(make_operator()).get(f"/matches/demand/{demand.id}").get_data(as_text=True)
    assert "all-grades" in page and "第一位经纪人的理由" in page


def test_the_broker_grades_the_pairs_of_a_case_on_the_case_page(login, db, index):
    from tt_platform.brokerage import services as brokerage

    ice, battery, _hidden, demand = corpus(db)
    broker = make_broker()
    case = brokerage.open_case(broker, "覆冰对接", [demand], [ice, battery])
    db.session.commit()
    client = login(broker)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert page.count("case-grade-form") == 2
    response = client.post(f"/matches/demand/{demand.id}/grade", data={
        "target": f"achievement:{battery.id}", "grade": "1", "reason": "只是部分相关", "back": f"case:{case.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    assert services.grades_by(broker, demand)[f"achievement:{battery.id}"].grade == 1
    assert 'value="只是部分相关"' in client.get(f"/cases/{case.id}").get_data(as_text=True)
    # the case's pair signal gives way to the explicit grade
    assert services.qrels()[f"demand:{demand.id}"][f"achievement:{battery.id}"] == 1
