"""Random input to the registration form: never a 5xx, and a refused submission writes nothing."""
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import FUZZ, count, maybe_code
from tt_platform.accounts.models import Organisation


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
