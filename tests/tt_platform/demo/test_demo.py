import sqlalchemy as sa

from tt_platform.accounts.models import Organisation, OrgKind, Role, User
from tt_platform.achievements.models import Achievement
from tt_platform.demands.models import Demand, DemandList
from tt_platform.demo import loader
from tt_platform.listings.models import ListingStatus
from tt_platform.listings.summary import summary_of
from tt_platform.taxonomy import fields


def scalar(stmt):
    from tt_platform.database import db

    return db.session.scalar(stmt)


def test_demo_load_and_remove(app, db, login, index):
    counts = loader.load(echo=lambda _msg: None)
    expected_results = sum(1 for r in loader.csl_records() if r["category"] in loader.RESULT_CATEGORIES)
    assert counts["results"] == expected_results == 1469
    assert counts["demands"] >= 60

    # the shipped vectors cover every demo listing's passage: a fresh `make run` embeds nothing
    import numpy as np

    from search.embeddings import passage_text, text_hash
    from tt_platform.indexing.engine import SHIPPED_VECTORS
    from tt_platform.indexing.sync import all_documents

    with np.load(SHIPPED_VECTORS / "vectors-multilingual-e5-small-q4.npz") as shipped:
        keys = set(shipped["keys"])
    missing = [doc.doc_id for _name, doc in all_documents() if text_hash(passage_text(doc)) not in keys]
    assert missing == []

    # every kind of organisation and every role is present
    kinds = set(db.session.scalars(sa.select(Organisation.kind).distinct()))
    assert kinds == set(OrgKind)
    roles = {m.role for u in db.session.scalars(sa.select(User)) for m in u.memberships}
    assert roles == set(Role)

    # results keep the CSL id, are labelled demo, and name their source
    result = db.session.scalar(sa.select(Achievement).where(Achievement.external_ref == "csl-dev-0000"))
    assert result.is_demo and "CSL csl-dev-0000" in result.source_note
    assert result.field_code == "T02"  # 兵器科学与技术 → 航空航天 (see the discipline map)
    assert scalar(sa.select(sa.func.count()).where(Achievement.external_ref.is_(None))) == 0

    # demands cover all 11 fields; most are published, some wait for review
    demand_fields = set(db.session.scalars(sa.select(Demand.field_code).distinct()))
    assert demand_fields == set(fields())
    statuses = set(db.session.scalars(sa.select(Demand.status).distinct()))
    assert {ListingStatus.PUBLISHED, ListingStatus.PENDING, ListingStatus.RETURNED} <= statuses
    assert scalar(sa.select(sa.func.count()).where(Demand.is_challenge.is_(True))) >= 1
    demand_list = db.session.scalar(sa.select(DemandList))
    assert demand_list.is_published and len(demand_list.demands) > 10

    # a year of demo contracts: registered ones with gap-free numbers, a few waiting, all labelled demo
    from tt_platform.contracts.models import Contract, ContractStatus
    from tt_platform.stats import services as stats

    assert counts["contracts"] == 160
    assert counts["cases"] >= 10 and counts["roadshows"] == 2
    from tt_platform.brokerage.models import Case
    from tt_platform.roadshows.models import Roadshow

    assert scalar(sa.select(sa.func.count()).where(Case.broker_id.is_(None))) == 1  # a request in the inbox
    assert scalar(sa.select(sa.func.count()).where(Contract.is_demo.is_(False))) == 0
    numbers = sorted(db.session.scalars(sa.select(Contract.registration_number)
                                        .where(Contract.registration_number.is_not(None))))
    by_year: dict[str, list[int]] = {}
    for number in numbers:
        assert len(number) == 16 and number[4:10] == "330100"
        by_year.setdefault(number[:4], []).append(int(number[10:]))
    assert all(serials == list(range(1, len(serials) + 1)) for serials in by_year.values())
    totals = stats.totals(stats.StatsFilter())
    assert totals.count == scalar(sa.select(sa.func.count()).where(Contract.status == ContractStatus.REGISTERED))
    assert totals.count > 100 and 0 < totals.tech_fen < totals.total_fen
    assert scalar(sa.select(sa.func.count()).where(Contract.status == ContractStatus.SUBMITTED)) > 0

    # the demo accounts work with the printed password
    enterprise = db.session.scalar(sa.select(User).where(User.email == "enterprise@demo.example.cn"))
    client = login(enterprise)
    assert client.get("/dashboard").status_code == 200

    # dated-back follows and saved searches: the first alert run notifies what was published since
    from tt_platform.alerts import services as alerts
    from tt_platform.alerts.models import Notification, Subscription
    from tt_platform.indexing import sync

    assert counts["subscriptions"] == 4
    sync.rebuild()
    outbox_mail = app.extensions.setdefault("tt_mail_outbox", [])  # the tests' mail backend is "memory"
    outbox_mail.clear()
    assert alerts.run(send_mail=False).notifications > 0
    assert outbox_mail == []  # in-app only: the demo accounts' addresses are not real
    mine = db.session.scalars(sa.select(Notification).where(Notification.user_id == enterprise.id)).all()
    kinds = set(db.session.scalars(sa.select(Subscription.kind).join(
        Notification, Notification.subscription_id == Subscription.id).where(Notification.user_id == enterprise.id)))
    assert kinds == {"follow", "search"}
    page = client.get("/alerts/").get_data(as_text=True)
    assert mine[0].message in page and "电池相关的新成果" in page

    removed = loader.remove()
    assert removed == counts["organisations"]
    assert scalar(sa.select(sa.func.count()).select_from(Achievement)) == 0
    assert scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert scalar(sa.select(sa.func.count()).select_from(Contract)) == 0
    assert scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    assert scalar(sa.select(sa.func.count()).select_from(Roadshow)) == 0
    assert scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0
    assert scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_discipline_map_covers_the_corpus():
    from tt_platform.taxonomy import csl_discipline_fields

    mapping = csl_discipline_fields()
    disciplines = {record["discipline"] for record in loader.csl_records()}
    assert disciplines <= set(mapping)
    assert set(mapping.values()) <= set(fields())


def test_demo_reset_command_replaces_the_demo_and_keeps_other_data(app, db):
    from tests.factories import make_user

    loader.load(echo=lambda _msg: None)
    outsider = make_user(email="real.user@example.cn")
    edited = db.session.scalar(sa.select(Achievement).where(Achievement.external_ref == "csl-dev-0000"))
    original_title = edited.title
    edited.title = "被改动的演示成果"
    db.session.flush()
    count = scalar(sa.select(sa.func.count()).select_from(Achievement))
    result = app.test_cli_runner().invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Demo loaded" in result.output
    db.session.expire_all()
    assert scalar(sa.select(sa.func.count()).select_from(Achievement)) == count
    reloaded = db.session.scalar(sa.select(Achievement).where(Achievement.external_ref == "csl-dev-0000"))
    assert reloaded.title == original_title  # the demo came back as shipped
    assert scalar(sa.select(User.id).where(User.email == "real.user@example.cn")) == outsider.id


def test_summaries_of_the_corpus_are_prefixes_of_their_abstracts():
    for record in loader.csl_records()[:500]:
        summary = summary_of(record["abstract"])
        assert 0 < len(summary) <= 150
        assert record["abstract"].strip().startswith(summary.removesuffix("…"))


def test_demand_summaries_read_as_one_sentence():
    assert loader.demand_summary("主轴热伸长导致零件超差。", "热误差降低70%以上；成本≤5万元") == \
        "主轴热伸长导致零件超差，热误差降低70%以上。"
    import re

    summaries = [loader.demand_summary(row["problem"], row["targets"]) for row in loader._demand_rows()]
    assert len(summaries) == 66
    assert all(s.endswith("。") and not re.search(r"[，。；][，。；]", s) for s in summaries), \
        [s for s in summaries if re.search(r"[，。；][，。；]", s)]
