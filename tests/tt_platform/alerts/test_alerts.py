import datetime as dt

import sqlalchemy as sa

from tests.factories import make_achievement, make_demand, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.alerts import services
from tt_platform.alerts.models import Notification, Subscription
from tt_platform.database import utcnow
from tt_platform.indexing import sync
from tt_platform.listings.models import ListingStatus


def notifications(db, user):
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)).all()


def test_follow_then_new_match_is_notified_once(app, login, db, index, outbox_mail):
    enterprise = make_user(admin=True)
    demand = make_demand(enterprise.organisation, title="风电叶片覆冰监测", keywords="覆冰,叶片",
                         problem="叶片结冰导致停机")
    client = login(enterprise)
    assert client.post(f"/alerts/follow/demand/{demand.id}").status_code == 302
    assert client.post(f"/alerts/follow/demand/{demand.id}").status_code == 302  # idempotent
    sub = db.session.scalar(sa.select(Subscription).where(Subscription.user_id == enterprise.id))
    assert sub.kind == "follow" and sub.listing_id == demand.id

    # a result published after the follow
    old = make_achievement(make_org(OrgKind.UNIVERSITY), title="叶片覆冰旧成果", keywords="覆冰",
                           published_at=utcnow() - dt.timedelta(days=3))
    fresh = make_achievement(make_org(OrgKind.UNIVERSITY), title="叶片覆冰在线监测新方法", keywords="覆冰,叶片",
                             published_at=utcnow() + dt.timedelta(seconds=1))
    # among the matches only through a bigram (电叶), sharing no term: not worth an alert
    unrelated = make_achievement(make_org(OrgKind.UNIVERSITY), title="水力发电叶轮铸造工艺", keywords="叶轮",
                                 summary="砂型铸造", description="水轮机转轮的砂型铸造",
                                 published_at=utcnow() + dt.timedelta(seconds=1))
    sync.rebuild()
    from tt_platform.matching.services import matches_for

    assert unrelated.id in [row.listing.id for row in matches_for(demand, limit=20)]
    app.config["MAIL_BACKEND"] = "memory"
    report = services.run(now=utcnow() + dt.timedelta(seconds=2))
    notes = notifications(db, enterprise)
    assert [(n.listing_type, n.listing_id) for n in notes] == [("achievement", fresh.id)]
    assert old.id not in [n.listing_id for n in notes]
    assert "叶片覆冰在线监测新方法" in notes[0].message
    assert report.mails == 1 and "叶片覆冰在线监测新方法" in outbox_mail[0].get_content()
    services.run(now=utcnow() + dt.timedelta(seconds=3))
    assert len(notifications(db, enterprise)) == 1  # never twice

    page = client.get("/alerts/").get_data(as_text=True)
    assert "叶片覆冰在线监测新方法" in page
    assert 'badge text-bg-danger">1<' in client.get("/").get_data(as_text=True)
    client.post("/alerts/read")
    assert services.unread_count(enterprise) == 0


def test_saved_search_notifies_new_listings(login, db, index):
    user = make_user()
    client = login(user)
    response = client.post("/alerts/searches", data={"kind": "achievement", "q": "覆冰", "field": "T06",
                                                     "name": "覆冰成果"})
    assert response.status_code == 302
    sub = db.session.scalar(sa.select(Subscription).where(Subscription.user_id == user.id))
    assert sub.kind == "search" and sub.query == {"q": "覆冰", "field": "T06"}
    hit = make_achievement(title="输电线路覆冰监测", keywords="覆冰", field_code="T06",
                           published_at=utcnow() + dt.timedelta(seconds=1))
    miss = make_achievement(title="输电线路覆冰监测（农业）", keywords="覆冰", field_code="T09",
                            published_at=utcnow() + dt.timedelta(seconds=1))
    sync.rebuild()
    services.run(now=utcnow() + dt.timedelta(seconds=2))
    ids = [n.listing_id for n in notifications(db, user)]
    assert hit.id in ids and miss.id not in ids


def test_saved_search_never_alerts_on_near_misses(login, db, index):
    # the search page relaxes a search that nothing fully matches; an alert does not
    user = make_user()
    login(user).post("/alerts/searches", data={"kind": "achievement", "q": "电池监测", "name": "电池监测"})
    only_battery = make_achievement(title="锂离子电池热管理系统", keywords="热管理",
                                    published_at=utcnow() + dt.timedelta(seconds=1))
    both = make_achievement(title="锂离子电池健康状态在线监测", keywords="电池,监测",
                            published_at=utcnow() + dt.timedelta(seconds=1))
    sync.rebuild()
    services.run(now=utcnow() + dt.timedelta(seconds=2))
    assert [n.listing_id for n in notifications(db, user)] == [both.id]
    assert only_battery.id != both.id


def test_empty_saved_search_is_refused(login, db):
    client = login(make_user())
    response = client.post("/alerts/searches", data={"kind": "achievement"}, follow_redirects=True)
    assert "请先输入关键词或选择筛选条件" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_subscriptions_are_private(login, db):
    owner, other = make_user(), make_user()
    demand = make_demand()
    login(owner).post(f"/alerts/follow/demand/{demand.id}")
    sub = db.session.scalar(sa.select(Subscription))
    assert login(other).post(f"/alerts/{sub.id}/delete").status_code == 403
    assert sub.name not in login(other).get("/alerts/").get_data(as_text=True)
    assert login(owner).post(f"/alerts/{sub.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_cannot_follow_hidden_listings(login, db):
    draft = make_demand(status=ListingStatus.DRAFT)
    assert login(make_user()).post(f"/alerts/follow/demand/{draft.id}").status_code == 404
    assert login(make_user()).post("/alerts/follow/nonsense/1").status_code == 404


def test_alerts_command(app, db, index):
    result = app.test_cli_runner().invoke(args=["alerts", "run"])
    assert result.exit_code == 0 and "subscriptions:" in result.output


def test_times_are_shown_in_beijing_time(login, db):
    user = make_user()
    db.session.add(Notification(user_id=user.id, listing_type="demand", listing_id=1, message="新匹配：测试",
                                created_at=dt.datetime(2026, 1, 1, 20, 30, tzinfo=dt.UTC)))
    db.session.flush()
    page = login(user).get("/alerts/").get_data(as_text=True)
    assert "2026-01-02 04:30" in page and "2026-01-01 20:30" not in page
