"""Registered contracts written straight into the test transaction (as the demo loader writes them)."""
from __future__ import annotations

import datetime as dt
import itertools

from tt_platform.accounts.models import Organisation
from tt_platform.contracts.models import Contract, ContractItem, ContractStatus
from tt_platform.database import db

_seq = itertools.count(1)


def registered(seller: Organisation, buyer: Organisation, tech_fen: int, *, subtype: str = "TRF-01",
               field: str = "T01", on: dt.date = dt.date(2026, 6, 1), status=ContractStatus.REGISTERED,
               items=None, created_by=None, **kw) -> Contract:
    n = next(_seq)
    items = items or [("转让费", tech_fen, True)]
    contract = Contract(
        name=f"可比合同{n}", type_code=subtype[:3], subtype_code=subtype, field_code=field,
        ip_type="invention_patent" if subtype[:3] in ("TRF", "LIC") else None, payment_mode="lump_sum",
        signed_on=on - dt.timedelta(days=10), seller_org_id=seller.id, seller_name=seller.name,
        seller_party_type=seller.party_type, seller_region_code=seller.region_code, buyer_org_id=buyer.id,
        buyer_name=buyer.name, buyer_party_type=buyer.party_type, buyer_region_code=buyer.region_code,
        items=[ContractItem(position=i, description=d, amount_fen=a, is_technical=t)
               for i, (d, a, t) in enumerate(items)],
        total_fen=sum(a for _d, a, _t in items), tech_fen=sum(a for _d, a, t in items if t),
        status=status, registered_on=on if status is not ContractStatus.SUBMITTED else None,
        registration_number=f"2026330100{n:06d}" if status is not ContractStatus.SUBMITTED else None,
        created_by_id=created_by.id, **kw)
    db.session.add(contract)
    db.session.flush()
    return contract
