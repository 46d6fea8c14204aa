"""Random input to the worksheet form and the tax calculator: never a 5xx, and a refused worksheet writes
nothing."""
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_achievement, make_org, make_user
from tests.fuzzing import FUZZ, count, text
from tests.tt_platform.pricing.helpers import registered
from tt_platform.accounts.models import OrgKind
from tt_platform.pricing.models import Worksheet

numbers = st.one_of(text, st.sampled_from(["", "0", "-1", "5", "12.3456", "1e9", "NaN", "Infinity", "99999999.99",
                                           "1000", "-99.99", "100,000", "5%", "0.000001", "１２"]))
FIELDS = ["title", "market_base_wan", "factors-0-name", "factors-0-percent", "factors-0-reason", "factors-1-name",
          "factors-1-percent", "factors-1-reason", "factors-30-percent", "revenues", "share_pct", "rate_pct",
          "people_wan", "equipment_wan", "materials_wan", "other_wan", "technical_obsolescence_pct",
          "economic_obsolescence_pct", "chosen_method", "chosen_wan", "reason"]


@FUZZ
@given(data=st.dictionaries(st.sampled_from(FIELDS), numbers, max_size=21))
def test_worksheet_form_never_fails_badly(login, db, data):
    result = make_achievement(make_org(OrgKind.UNIVERSITY))
    client = login(make_user(result.organisation))
    db.session.commit()  # a refused worksheet rolls the request back; the fixtures stay
    before = count(db, Worksheet)
    response = client.post(f"/pricing/results/{result.id}/worksheets/new", data=data)
    assert response.status_code in (200, 302, 422)
    if response.status_code != 302:
        assert count(db, Worksheet) == before


def test_extreme_factors_are_refused_not_overflowed(login, db):
    result = make_achievement(make_org(OrgKind.UNIVERSITY))
    client = login(make_user(result.organisation))
    db.session.commit()
    data = {"title": "极端", "market_base_wan": "99999999.99"}
    for n in range(12):
        data |= {f"factors-{n}-name": f"因素{n}", f"factors-{n}-percent": "1000", f"factors-{n}-reason": "测试"}
    response = client.post(f"/pricing/results/{result.id}/worksheets/new", data=data)
    assert response.status_code == 200 and count(db, Worksheet) == 0
    assert "alert-danger" in response.get_data(as_text=True)


@FUZZ
@given(cost=numbers, taxes=numbers)
def test_tax_calculator_never_fails_badly(login, db, cost, taxes):
    seller = make_org()
    user = make_user(seller)
    contract = registered(seller, make_org(), 1_000_000, created_by=user)
    response = login(user).get(f"/pricing/contracts/{contract.id}/tax",
                               query_string={f"cost_{contract.id}": cost, f"taxes_{contract.id}": taxes})
    assert response.status_code in (200, 422)
