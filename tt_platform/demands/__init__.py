"""Technology demands (技术需求) that enterprises publish."""
from __future__ import annotations

from tt_platform.demands.indexing import demand_document
from tt_platform.demands.models import Demand
from tt_platform.indexing import registry


def init_app(app) -> None:
    registry.register("demand", Demand, demand_document)
