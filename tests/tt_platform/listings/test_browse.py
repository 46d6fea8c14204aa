from decimal import Decimal

from tests.factories import make_achievement, make_demand, make_org
from tt_platform.accounts.models import OrgKind
from tt_platform.listings.models import ListingStatus


def test_demand_filters(client, db, browse_mode):
    hz = make_demand(make_org(region_code="330100"), title="杭州锂电需求", field_code="T06",
                     budget_min=Decimal("10"), budget_max=Decimal("20"), required_trl=3,
                     cooperation_modes=["transfer"])
    bj = make_demand(make_org(region_code="110100"), title="北京材料需求", field_code="T05",
                     budget_min=Decimal("300"), budget_max=Decimal("500"), required_trl=7,
                     cooperation_modes=["joint_dev"], is_challenge=True, bounty=Decimal("100"), keywords="材料")
    draft = make_demand(title="草稿需求", status=ListingStatus.DRAFT)
    browse_mode()

    def shown(**params):
        html = client.get("/demands/", query_string=params).get_data(as_text=True)
        return {d.title for d in (hz, bj, draft) if f'href="/demands/{d.id}"' in html}

    assert shown() == {hz.title, bj.title}
    assert shown(field="T06") == {hz.title}
    assert shown(region="330000") == {hz.title}  # a province finds its cities
    assert shown(region="110100") == {bj.title}
    assert shown(trl_min="5") == {bj.title}
    assert shown(mode="joint_dev") == {bj.title}
    assert shown(amount_min="100") == {bj.title}
    assert shown(amount_max="50") == {hz.title}
    assert shown(challenge="1") == {bj.title}
    assert shown(q="锂电") == {hz.title}
    assert shown(q="需求 北京") == {bj.title}
    # malformed filters are ignored, never an error
    for bad in ({"field": "T99"}, {"trl_min": "x"}, {"amount_min": "abc"}, {"page": "-3"}, {"sort": "drop"},
                {"region": "<script>"}, {"q": "' OR 1=1--"}):
        assert client.get("/demands/", query_string=bad).status_code == 200


def test_result_sorting_and_org_type(client, db, browse_mode):
    cheap = make_achievement(make_org(OrgKind.UNIVERSITY), title="便宜成果", asking_price=Decimal("5"), trl=3)
    dear = make_achievement(make_org(OrgKind.INSTITUTE), title="昂贵成果", asking_price=Decimal("900"), trl=8)
    browse_mode()
    html = client.get("/results/", query_string={"sort": "amount_desc"}).get_data(as_text=True)
    assert html.index(dear.title) < html.index(cheap.title)
    html = client.get("/results/", query_string={"sort": "amount_asc"}).get_data(as_text=True)
    assert html.index(cheap.title) < html.index(dear.title)
    html = client.get("/results/", query_string={"org_kind": "institute"}).get_data(as_text=True)
    assert dear.title in html and cheap.title not in html


def test_pagination(app, client, db, browse_mode):
    org = make_org(OrgKind.UNIVERSITY)
    for i in range(app.config["PER_PAGE"] + 3):
        make_achievement(org, title=f"分页成果{i:02d}")
    browse_mode()
    first = client.get("/results/").get_data(as_text=True)
    second = client.get("/results/", query_string={"page": 2}).get_data(as_text=True)
    assert first.count("分页成果") == app.config["PER_PAGE"]
    assert second.count("分页成果") == 3
    assert client.get("/results/", query_string={"page": 99}).status_code == 200
