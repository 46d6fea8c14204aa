"""Demand → search document."""
from __future__ import annotations

from search.documents import DEMAND, Listing, doc_id
from tt_platform.demands.models import Demand
from tt_platform.listings.documents import amount, epoch, indexed_text, is_public, versioned_listing


def demand_document(demand: Demand) -> Listing:
    text = indexed_text(demand.summary, demand.problem, demand.current_situation, demand.target_indicators)
    return versioned_listing(
        doc_id=doc_id(DEMAND, demand.id), kind=DEMAND, title=demand.title, text=text,
        keywords=tuple(demand.keyword_list), field_code=demand.field_code, region_code=demand.region_code,
        trl=demand.required_trl, modes=tuple(demand.cooperation_modes or ()),
        amount_low=amount(demand.budget_min if demand.budget_min is not None else demand.budget_max),
        amount_high=amount(demand.budget_max if demand.budget_max is not None else demand.budget_min),
        published_at=epoch(demand.published_at), status=demand.effective_status.value,
        org_kind=demand.organisation.kind.value, org_name=demand.organisation.name, public=is_public(demand),
    )
