"""What the form fuzz tests share: the random text and code strategies, the budget, a row counter."""
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
maybe_code = st.one_of(text, st.sampled_from(["T01", "T11", "330100", "999999", "C:26", "Z:99", "", "5", "-1"]))
# too_slow: generating 40 inputs took 37 s once on a machine busy with other work (speed varies up to 3×
# here); these tests check the forms' answers, not how fast inputs are drawn
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))
