"""A small corpus that search and matching tests share: two results, a draft, one demand."""
from tests.factories import make_achievement, make_demand, make_org
from tt_platform.accounts.models import OrgKind
from tt_platform.indexing import sync
from tt_platform.listings.models import ListingStatus


def ice_corpus(db):
    uni = make_org(OrgKind.UNIVERSITY, region_code="110100")
    ice = make_achievement(uni, title="风力发电机叶片覆冰监测方法", keywords="覆冰,叶片,光纤传感",
                           description="基于光纤光栅的叶片结冰厚度在线监测", trl=6, field_code="T06")
    battery = make_achievement(uni, title="锂离子电池热管理系统", keywords="锂离子电池,热管理", field_code="T10")
    hidden = make_achievement(uni, title="叶片覆冰除冰新方法（草稿）", keywords="覆冰", status=ListingStatus.DRAFT)
    demand = make_demand(make_org(region_code="150100"), title="风电叶片结冰监测与除冰", keywords="结冰,除冰,风电",
                         problem="冬季风机叶片覆冰导致停机", field_code="T06", required_trl=5)
    sync.rebuild()
    return ice, battery, hidden, demand
