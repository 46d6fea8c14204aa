"""The lifecycle rules demands and results share: owner status changes, who publishes what, expiry,
who sees details, escaping. (Each kind's own form and rules: tests/tt_platform/demands/, achievements/;
the operator's decisions: tests/tt_platform/moderation/.)"""
import datetime as dt

import sqlalchemy as sa

from tests.factories import make_achievement, make_demand, make_user
from tests.tt_platform.achievements.form_data import result_form
from tests.tt_platform.demands.form_data import demand_form
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.demands.models import Demand
from tt_platform.listings.models import ListingStatus
from tt_platform.listings.services import expire_due


def test_owner_status_changes(login, db):
    demand = make_demand()
    owner = login(make_user(demand.organisation))
    owner.post(f"/demands/{demand.id}/status", data={"status": "negotiating"})
    assert demand.status is ListingStatus.NEGOTIATING
    owner.post(f"/demands/{demand.id}/status", data={"status": "solved"})
    assert demand.status is ListingStatus.SOLVED
    response = owner.post(f"/demands/{demand.id}/status", data={"status": "published"}, follow_redirects=True)
    assert "无法进行该状态变更" in response.get_data(as_text=True)
    assert demand.status is ListingStatus.SOLVED


def test_enterprises_cannot_publish_results_and_universities_cannot_publish_demands(login, db):
    assert login(make_user()).post("/results/new", data=result_form()).status_code == 403
    assert login(make_user(kind=OrgKind.UNIVERSITY)).post("/demands/new", data=demand_form()).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Achievement)) == 0


def test_expiry_is_computed_then_persisted(client, db, browse_mode):
    stale = make_demand(valid_until=dt.date.today() - dt.timedelta(days=1))
    fresh = make_demand()
    browse_mode()
    assert stale.effective_status is ListingStatus.EXPIRED
    html = client.get("/demands/").get_data(as_text=True)
    assert fresh.title in html and stale.title not in html
    assert client.get(f"/demands/{stale.id}").status_code == 404
    assert expire_due(Demand) == 1
    assert stale.status is ListingStatus.EXPIRED
    assert expire_due(Demand) == 0


def test_details_and_contact_only_for_verified_members(login, client, db):
    result = make_achievement()
    secret = "成果的详细介绍，保密细节。"
    assert secret not in client.get(f"/results/{result.id}").get_data(as_text=True)
    assert secret not in login(make_user(verified=False)).get(f"/results/{result.id}").get_data(as_text=True)
    assert secret in login(make_user()).get(f"/results/{result.id}").get_data(as_text=True)
    broker = make_user(kind=OrgKind.AGENCY)
    page = login(broker).get(f"/results/{result.id}").get_data(as_text=True)
    assert secret in page and result.contact_phone in page


def test_stored_markup_is_escaped(login, db):
    demand = make_demand(title='<script>alert(1)</script>"><img src=x onerror=alert(2)>')
    html = login(make_user()).get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_validity_dates_are_beijing_dates(db, monkeypatch):
    # 17:00 UTC on 1 March is already 2 March in Beijing: a listing valid until 1 March has expired
    import tt_platform.database as database

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC).astimezone(tz)

    monkeypatch.setattr(database.dt, "datetime", Clock)
    ends_first = make_demand(valid_until=dt.date(2026, 3, 1))
    ends_second = make_demand(valid_until=dt.date(2026, 3, 2))
    assert ends_first.effective_status is ListingStatus.EXPIRED
    assert ends_second.effective_status is ListingStatus.PUBLISHED
    assert expire_due(Demand) == 1
