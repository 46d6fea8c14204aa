from pathlib import Path

import pytest

from tt_platform import taxonomy

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "taxonomies"


@pytest.mark.parametrize("code", ["91350100M000100Y43", "911100001000079554", "12100000400000624D"])
def test_real_credit_codes_pass(code):
    assert taxonomy.is_valid_uscc(code)


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91350100M000100Y4", "", "91350100M000100YI3",
                                  "ABCDEFGHJKLMNPQRTU", "９１３５０１００M０００１００Y４３"])
def test_bad_credit_codes_fail(code):
    assert not taxonomy.is_valid_uscc(code)


def test_generated_demo_codes_are_valid():
    assert all(taxonomy.is_valid_uscc(taxonomy.make_uscc(n)) for n in range(1, 200))


def test_code_lists_load():
    assert len(taxonomy.fields()) == 11
    assert len(taxonomy.trl_levels()) == 9
    assert taxonomy.regions()["330100"].parent_code == "330000"
    assert taxonomy.region_label("330106").startswith("浙江省 杭州市")
    assert taxonomy.maturity_for_trl(6) == "M3"
    assert taxonomy.industry_divisions()["26"][1] == "C"


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ is not beside the checkout")
def test_packaged_code_lists_equal_the_official_copies():
    for path in (Path(taxonomy.__file__).parent / "data").glob("*.csv"):
        assert path.read_bytes() == (SHARED / path.name).read_bytes(), path.name
