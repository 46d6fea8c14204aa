"""Research result → search document."""
from __future__ import annotations

from search.documents import ACHIEVEMENT, Listing, doc_id
from tt_platform.achievements.models import Achievement
from tt_platform.listings.documents import amount, epoch, indexed_text, is_public, versioned_listing


def achievement_document(result: Achievement) -> Listing:
    return versioned_listing(
        doc_id=doc_id(ACHIEVEMENT, result.id), kind=ACHIEVEMENT, title=result.title,
        text=indexed_text(result.summary, result.description), keywords=tuple(result.keyword_list),
        field_code=result.field_code, region_code=result.region_code, trl=result.trl,
        modes=tuple(result.cooperation_modes or ()), amount_low=amount(result.asking_price),
        amount_high=amount(result.asking_price), published_at=epoch(result.published_at),
        status=result.effective_status.value, org_kind=result.organisation.kind.value,
        org_name=result.organisation.name, external_ref=result.external_ref, public=is_public(result),
    )
