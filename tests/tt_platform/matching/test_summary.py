"""Match summaries: the funnel's "matched" step, refreshed for new or changed demands."""
import datetime as dt

from tests.factories import make_achievement, make_demand, make_org
from tt_platform.accounts.models import OrgKind
from tt_platform.indexing import sync
from tt_platform.matching import services
from tt_platform.matching.models import MatchSummary
from tt_platform.stats import services as stats


def test_summaries_feed_the_funnel_and_refresh_only_what_changed(db, index):
    uni = make_org(OrgKind.UNIVERSITY)
    ice = make_achievement(uni, title="风力发电机叶片覆冰监测方法", keywords="覆冰,叶片", field_code="T06")
    answered = make_demand(make_org(), title="风电叶片覆冰监测", keywords="覆冰,风电", field_code="T06")
    unanswered = make_demand(make_org(), title="量子密钥分发芯片封装", keywords="量子密钥,封装", field_code="T01",
                             summary="量子通信芯片", problem="需要量子密钥分发芯片的封装工艺")
    sync.rebuild()
    assert services.summarise_demands() == 2
    assert db.session.get(MatchSummary, answered.id).top_result_id == ice.id
    assert db.session.get(MatchSummary, unanswered.id).matched_results == 0
    funnel = {step.key: step for step in stats.funnel(stats.StatsFilter())}
    assert (funnel["published"].count, funnel["matched"].count, funnel["cases"].count) == (2, 1, 0)
    assert funnel["matched"].rate == 0.5
    assert services.summarise_demands() == 0  # nothing changed
    unanswered.updated_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    db.session.flush()
    assert services.summarise_demands() == 1


def test_the_funnel_period_is_in_beijing_days(db):
    # 20:00 UTC on 1 March is 04:00 on 2 March in Beijing
    make_demand(make_org(), published_at=dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC))

    def published(start, end):
        steps = stats.funnel(stats.StatsFilter(start=start, end=end))
        return next(step.count for step in steps if step.key == "published")

    assert published(dt.date(2026, 3, 2), dt.date(2026, 3, 2)) == 1
    assert published(dt.date(2026, 3, 1), dt.date(2026, 3, 1)) == 0
