"""Random input to the demand form: never a 5xx, and a refused submission writes nothing."""
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_user
from tests.fuzzing import FUZZ, count, maybe_code
from tt_platform.demands.models import Demand


@FUZZ
@given(data=st.dictionaries(
    st.sampled_from(["title", "summary", "problem", "field_code", "industry", "region_code", "budget_min",
                     "budget_max", "required_trl", "valid_until", "contact_name", "contact_phone", "keywords",
                     "cooperation_modes", "bounty", "is_challenge"]),
    maybe_code, max_size=16))
def test_demand_form_never_fails_badly(login, db, data):
    client = login(make_user())
    before = count(db, Demand)
    response = client.post("/demands/new", data=data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert count(db, Demand) == before
