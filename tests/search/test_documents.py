"""Document ids, the stored form of a listing, and the shared filter and region helpers."""
import pytest

from search.analysis import single_character_pattern
from search.documents import Filters, Listing, accepts, doc_id, listing_from_json, listing_to_json, split_doc_id
from search.regions import region_prefixes


def test_doc_id_builds_and_splits_kind_and_id():
    assert doc_id("demand", 42) == "demand:42"
    assert split_doc_id("demand:42") == ("demand", 42)
    assert split_doc_id(doc_id("achievement", 10**11)) == ("achievement", 10**11)


@pytest.mark.parametrize("bad", ["", "demand", "demand:", ":42", "demand:4a", "demand:-1", "demand: 4",
                                 "demand:4:5", "demand:١٢"])
def test_split_doc_id_rejects_malformed_ids(bad):
    with pytest.raises(ValueError, match="not a document id"):
        split_doc_id(bad)


@pytest.mark.parametrize("kind", ["", "de:mand"])
def test_doc_id_rejects_a_kind_that_would_not_split_back(kind):
    with pytest.raises(ValueError, match="not a listing kind"):
        doc_id(kind, 1)


def test_listing_entity_id_is_the_id_part():
    assert Listing(doc_id="demand:7", kind="demand", title="", text="").entity_id == "7"


def test_stored_json_round_trips_and_cuts_the_text_only_when_asked():
    listing = Listing(doc_id="achievement:1", kind="achievement", title="覆冰监测", text="光纤" * 300,
                      keywords=("覆冰", "光纤"), modes=("transfer",), amount_low=1.5, published_at=1.0)
    assert listing_from_json(listing_to_json(listing)) == listing
    cut = listing_from_json(listing_to_json(listing, text_chars=10))
    assert cut.text == listing.text[:10] and cut.keywords == listing.keywords and cut.modes == ("transfer",)


def test_region_prefixes():
    assert region_prefixes("330106") == ["33", "3301", "330106"]
    assert region_prefixes(None) == [] and region_prefixes("3301") == []


def test_accepts_filters_by_region_at_any_level():
    listing = Listing(doc_id="achievement:1", kind="achievement", title="", text="", region_code="330106")
    assert accepts(Filters(region_prefix="33"), listing) and accepts(Filters(region_prefix="3301"), listing)
    assert not accepts(Filters(region_prefix="11"), listing)
    assert not accepts(Filters(exclude_ids=("achievement:1",)), listing)


def test_single_character_pattern_escapes_the_character():
    assert single_character_pattern("锂") == "锂.|.锂"
    assert single_character_pattern("+") == r"\+.|.\+"
