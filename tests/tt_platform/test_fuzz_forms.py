"""Random input to the main forms: never a 5xx, and a refused submission writes nothing."""
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_user
from tt_platform.accounts.models import Organisation
from tt_platform.demands.models import Demand

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
maybe_code = st.one_of(text, st.sampled_from(["T01", "T11", "330100", "999999", "C:26", "Z:99", "", "5", "-1"]))
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@FUZZ
@given(data=st.dictionaries(
    st.sampled_from(["kind", "org_name", "credit_code", "region_code", "party_type", "contact_name",
                     "contact_phone", "contact_email", "name", "email", "password", "confirm", "broker_level"]),
    maybe_code, max_size=13))
def test_registration_never_fails_badly(client, db, data):
    before = count(db, Organisation)
    response = client.post("/register", data=data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert count(db, Organisation) == before


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
