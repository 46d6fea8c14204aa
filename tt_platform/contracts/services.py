"""Recording technology contracts and registering them. Services flush, never commit.

Rules a registration office applies (技术合同认定规则), as far as the platform can check them:
the five Civil-Code types and their sub-types, known party types and 6-digit regions, at least one
line item, 技术交易额 = 成交额 − non-technical items (computed), one registration per contract, and a
16-digit number: year + the office's region code + a serial that is unique and gap-free per office
and year.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import Organisation, User
from tt_platform.audit import models as audit
from tt_platform.contracts.models import (
    PAYMENT_MODES,
    REFUSAL_REASONS,
    RETURN_REASONS,
    Contract,
    ContractItem,
    ContractStatus,
    RegistrationCounter,
)
from tt_platform.database import china_today, db
from tt_platform.security import Conflict, NotAllowed

#: 1 万亿元 in fen: beyond any real contract, far inside BIGINT
MAX_FEN = 10**14
MAX_ITEMS = 30


class ContractError(Exception):
    """A user-facing reason the contract cannot be saved or moved on."""


class ContractConflict(Conflict, ContractError):
    """The contract's status refuses the step (it moved on, or someone else decided it first)."""


@dataclass(frozen=True, slots=True)
class ItemData:
    description: str
    amount_fen: int
    is_technical: bool = True


@dataclass(frozen=True, slots=True)
class ContractData:
    name: str
    subtype_code: str
    field_code: str
    payment_mode: str
    signed_on: dt.date
    seller_name: str
    seller_party_type: str
    seller_region_code: str
    buyer_name: str
    buyer_party_type: str
    buyer_region_code: str
    items: tuple[ItemData, ...]
    seller_org_id: int | None = None
    buyer_org_id: int | None = None
    ip_type: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    demand_id: int | None = None
    achievement_id: int | None = None
    case_id: int | None = None
    roadshow_id: int | None = None


def party_from_org(org: Organisation) -> tuple[str, str, str]:
    """Name, party type and region of an organisation on the platform, as the contract records them."""
    return org.name, org.party_type, org.region_code


def check(data: ContractData) -> None:
    """Every rule, in the order a person would fix them; the form checks shapes only."""
    if not data.name.strip():
        raise ContractError(_("The contract needs a name."))
    if data.subtype_code not in taxonomy.contract_subtypes():
        raise ContractError(_("Choose a contract type and sub-type from the list."))
    if data.field_code not in taxonomy.fields():
        raise ContractError(_("Choose a technology field from the list."))
    if data.payment_mode not in PAYMENT_MODES:
        raise ContractError(_("Choose a payment mode from the list."))
    if data.ip_type and data.ip_type not in taxonomy.IP_TYPES:
        raise ContractError(_("Choose an IP type from the list."))
    for side, name, party_type, region in (
        (_("Seller"), data.seller_name, data.seller_party_type, data.seller_region_code),
        (_("Buyer"), data.buyer_name, data.buyer_party_type, data.buyer_region_code),
    ):
        if not name.strip():
            raise ContractError(_("%(side)s: a name is required.", side=side))
        if party_type not in taxonomy.party_types() or party_type in ("E", "P"):
            raise ContractError(_("%(side)s: choose a specific party type.", side=side))
        if region not in taxonomy.regions():
            raise ContractError(_("%(side)s: choose a region from the list.", side=side))
    if data.buyer_party_type == "N":
        raise ContractError(_("The buyer of a registered technology contract is an organisation."))
    if data.valid_from and data.valid_until and data.valid_from > data.valid_until:
        raise ContractError(_("The contract cannot end before it starts."))
    if data.signed_on > china_today():
        raise ContractError(_("The signing date is in the future."))
    if not data.items:
        raise ContractError(_("Give at least one line item of the contract amount."))
    if len(data.items) > MAX_ITEMS:
        raise ContractError(_("At most %(n)d line items.", n=MAX_ITEMS))
    for item in data.items:
        if not item.description.strip():
            raise ContractError(_("Every line item needs a description."))
        if not 0 <= item.amount_fen < MAX_FEN:
            raise ContractError(_("Line item amounts must be between 0 and 999,999,999.99 万元."))
    total = sum(i.amount_fen for i in data.items)
    if total <= 0:
        raise ContractError(_("The contract amount must be above zero."))
    if total >= MAX_FEN:
        raise ContractError(_("Line item amounts must be between 0 and 999,999,999.99 万元."))
    if sum(i.amount_fen for i in data.items if i.is_technical) <= 0:
        raise ContractError(_("A technology contract needs at least one technical line item."))


# --- who may do what ---------------------------------------------------------------------------

def _member_of(user: User, org_id: int | None) -> bool:
    return org_id is not None and any(m.organisation_id == org_id for m in user.memberships)


def is_registrar_for(user: User, contract: Contract) -> bool:
    return contract.office_id is not None and any(
        m.is_registrar and m.organisation_id == contract.office_id for m in user.memberships)


def is_seller_side(user: User, contract: Contract) -> bool:
    return _member_of(user, contract.seller_org_id)


def is_recording_side(user: User, contract: Contract) -> bool:
    """The people who recorded the contract: its author, the broker and the broker's agency, the seller."""
    return (contract.created_by_id == user.id or contract.broker_id == user.id
            or _member_of(user, contract.agency_id) or is_seller_side(user, contract))


def can_view(user, contract: Contract) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (is_recording_side(user, contract) or _member_of(user, contract.buyer_org_id)
            or is_registrar_for(user, contract)
            or (user.is_operator and contract.status is not ContractStatus.DRAFT))


def can_edit(user, contract: Contract) -> bool:
    return contract.status in (ContractStatus.DRAFT, ContractStatus.RETURNED) and is_recording_side(user, contract)


def visible_filter(user: User):
    """SQL condition for the contracts `user` may see (list pages, statistics of one's own)."""
    org_ids = [m.organisation_id for m in user.memberships]
    office_ids = [m.organisation_id for m in user.memberships if m.is_registrar]
    return sa.or_(Contract.created_by_id == user.id, Contract.broker_id == user.id,
                  Contract.seller_org_id.in_(org_ids), Contract.buyer_org_id.in_(org_ids),
                  Contract.agency_id.in_(org_ids), Contract.office_id.in_(office_ids),
                  # the bureau oversees every contract once it is submitted; drafts stay with the parties
                  sa.and_(sa.true() if user.is_operator else sa.false(), Contract.status != ContractStatus.DRAFT))


def visible_list(user: User, status: ContractStatus | None = None):
    """The contracts list (page and export): a select() of what `user` may see, optionally of one
    status, the latest change first."""
    query = sa.select(Contract).where(visible_filter(user))
    if status is not None:
        query = query.where(Contract.status == status)
    return query.order_by(Contract.updated_at.desc(), Contract.id.desc())


def get_visible(contract_id: int, user) -> Contract | None:
    contract = db.session.get(Contract, contract_id)
    return contract if contract is not None and can_view(user, contract) else None


# --- recording ---------------------------------------------------------------------------------

def _apply(contract: Contract, data: ContractData) -> list[str]:
    changed = []
    for f in dataclasses.fields(data):
        if f.name == "items":
            continue
        value = getattr(data, f.name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(contract, f.name, None) != value:
            setattr(contract, f.name, value)
            changed.append(f.name)
    sub = taxonomy.contract_subtypes()[data.subtype_code]
    contract.type_code = sub.type_code
    old_items = [(i.description, i.amount_fen, i.is_technical) for i in contract.items]
    new_items = [(i.description.strip(), i.amount_fen, i.is_technical) for i in data.items]
    if old_items != new_items:
        contract.items = [ContractItem(position=n, description=d, amount_fen=a, is_technical=t)
                          for n, (d, a, t) in enumerate(new_items)]
        changed.append("items")
    # 成交额 and 技术交易额 are derived, never typed
    contract.total_fen = sum(a for _d, a, _t in new_items)
    contract.tech_fen = sum(a for _d, a, t in new_items if t)
    return changed


def create(user: User, data: ContractData) -> Contract:
    check(data)
    # the same rule as for opening cases: a broker works for a verified agency
    membership = accounts.broker_membership(user)
    if membership is None and not (_member_of(user, data.seller_org_id) or _member_of(user, data.buyer_org_id)):
        raise NotAllowed(_("Only a party to the contract or a technology broker can record it."))
    contract = Contract(created_by_id=user.id, status=ContractStatus.DRAFT, items=[])
    if membership is not None:
        contract.broker_id, contract.agency_id = user.id, membership.organisation_id
    _apply(contract, data)
    db.session.add(contract)
    db.session.flush()  # ids for the audit row
    audit.record(user, "contract", contract.id, "created", to_status=contract.status.value)
    return contract


def update(user: User, contract: Contract, data: ContractData) -> list[str]:
    if not is_recording_side(user, contract):
        raise NotAllowed(_("This contract cannot be changed now."))
    if not can_edit(user, contract):  # theirs, but submitted or decided since: its state refuses the change
        raise ContractConflict(_("This contract is %(status)s: that step is not possible now.",
                                 status=contract.status.label))
    check(data)
    changed = _apply(contract, data)
    if changed:
        db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
        audit.record(user, "contract", contract.id, "updated", data={"fields": changed})
    return changed


def _transition(contract: Contract, actor: User, expected: tuple[ContractStatus, ...], new: ContractStatus,
                action: str, note: str | None = None, data: dict | None = None) -> None:
    """Move to `new` only if the row is still in an expected state (a second registrar's click, or a
    concurrent request, finds it changed and fails instead of deciding twice)."""
    old = contract.status
    if old not in expected:
        raise ContractConflict(_("This contract is %(status)s: that step is not possible now.", status=old.label))
    db.session.flush()  # pending changes first: the conditional UPDATE below runs in SQL and must see them
    result = db.session.execute(
        sa.update(Contract).where(Contract.id == contract.id, Contract.status.in_([s.value for s in expected]))
        .values(status=new.value), execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        db.session.refresh(contract)
        raise ContractConflict(_("Someone else has just decided this contract; reload the page."))
    contract.status = new
    audit.record(actor, "contract", contract.id, action, from_status=old.value, to_status=new.value,
                 note=note, data=data)


def registration_offices() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.is_registration_office)
                                   .order_by(Organisation.region_code, Organisation.id)))


def office_for(contract: Contract) -> Organisation | None:
    """The office in the seller's city, else in its province, else any (登记 happens where the seller is)."""
    offices = registration_offices()
    for prefix_len in (4, 2, 0):
        for office in offices:
            if office.region_code[:prefix_len] == contract.seller_region_code[:prefix_len]:
                return office
    return None


def submit(user: User, contract: Contract) -> None:
    if not is_recording_side(user, contract):
        raise NotAllowed(_("Only the seller or the recording broker can submit the contract."))
    office = office_for(contract)
    if office is None:
        raise ContractError(_("No registration office is set up on the platform yet."))
    check(data_of(contract))
    contract.office_id = office.id
    contract.submitted_at = dt.datetime.now(dt.UTC)
    _transition(contract, user, (ContractStatus.DRAFT, ContractStatus.RETURNED), ContractStatus.SUBMITTED,
                "submitted", data={"office": office.name})


def _require_registrar(user: User, contract: Contract) -> None:
    if not is_registrar_for(user, contract):
        raise NotAllowed(_("Only a registrar of the receiving office can decide."))


def _reason(codes: dict[str, str], code: str, note: str | None) -> str:
    if code not in codes:
        raise ContractError(_("Choose a reason from the list."))
    note = (note or "").strip()
    if code == "other" and not note:
        raise ContractError(_("Explain the reason in the text box."))
    return note


def next_number(office: Organisation, year: int) -> str:
    """Take the next serial of `office` in `year`. The counter row is updated in the caller's
    transaction: concurrent registrations queue on its row lock (PostgreSQL) or the database write
    lock (SQLite), and a rolled-back registration gives its serial back, so numbers have no gaps."""
    table = RegistrationCounter.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(table).values(office_id=office.id, year=year, last_serial=0)
                       .on_conflict_do_nothing(index_elements=["office_id", "year"]))
    serial = db.session.execute(
        sa.update(table).where(table.c.office_id == office.id, table.c.year == year)
        .values(last_serial=table.c.last_serial + 1).returning(table.c.last_serial)).scalar_one()
    if serial > 999_999:
        raise ContractError(_("The office has used all serial numbers for this year."))
    return f"{year:04d}{office.region_code}{serial:06d}"


def register(registrar: User, contract: Contract) -> str:
    _require_registrar(registrar, contract)
    check(data_of(contract))
    on = china_today()
    _transition(contract, registrar, (ContractStatus.SUBMITTED,), ContractStatus.REGISTERED, "registered")
    contract.registration_number = next_number(contract.office, on.year)
    contract.registered_on, contract.registrar_id = on, registrar.id
    contract.decision_code = contract.decision_note = None
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(registrar, "contract", contract.id, "numbered", note=contract.registration_number)
    return contract.registration_number


NUMBER_DIGITS = 16  #: year (4) + the office's region code (6) + serial (6)


def registrar_office(user: User) -> Organisation | None:
    """The registration office `user` registers contracts for, or None."""
    return next((m.organisation for m in user.memberships
                 if m.is_registrar and m.organisation.is_registration_office), None)


def record_registered(registrar: User, data: ContractData, *, number: str, registered_on: dt.date) -> Contract:
    """A contract the office registered before it used the platform (a registration desk migrating its
    past years, so that the statistics start complete): every rule of `check`, the office's own
    number format, and the office's counter moved past the serial so new numbers never collide."""
    office = registrar_office(registrar)
    if office is None:
        raise NotAllowed(_("Only registrars of a registration office record registered contracts."))
    check(data)
    number = (number or "").strip()
    if not (len(number) == NUMBER_DIGITS and number.isascii() and number.isdigit()):
        raise ContractError(_("A registration number has 16 digits: year, the office's region code, serial."))
    year, region, serial = int(number[:4]), number[4:10], int(number[10:])
    if region != office.region_code or year != registered_on.year or serial == 0:
        raise ContractError(_("The number %(number)s is not one of %(office)s's numbers of %(year)d.",
                              number=number, office=office.name, year=registered_on.year))
    if registered_on < data.signed_on or registered_on > china_today():
        raise ContractError(_("The registration date must lie between the signing date and today."))
    if db.session.scalar(sa.select(Contract.id).where(Contract.registration_number == number)) is not None:
        raise ContractError(_("The registration number %(number)s is already taken.", number=number))
    contract = Contract(created_by_id=registrar.id, status=ContractStatus.REGISTERED, items=[], office_id=office.id,
                        registration_number=number, registered_on=registered_on, registrar_id=registrar.id)
    _apply(contract, data)
    db.session.add(contract)
    table = RegistrationCounter.__table__
    current = db.session.scalar(sa.select(table.c.last_serial).where(table.c.office_id == office.id,
                                                                     table.c.year == year))
    if current is None:
        db.session.execute(sa.insert(table).values(office_id=office.id, year=year, last_serial=serial))
    elif current < serial:
        db.session.execute(sa.update(table).where(table.c.office_id == office.id, table.c.year == year)
                           .values(last_serial=serial))
    db.session.flush()  # ids for the audit row
    audit.record(registrar, "contract", contract.id, "recorded", to_status=contract.status.value, note=number)
    return contract


def return_for_correction(registrar: User, contract: Contract, code: str, note: str | None) -> None:
    _require_registrar(registrar, contract)
    note = _reason(RETURN_REASONS, code, note)
    _transition(contract, registrar, (ContractStatus.SUBMITTED,), ContractStatus.RETURNED, "returned",
                note=note or RETURN_REASONS[code], data={"reason": code})
    contract.decision_code, contract.decision_note = code, note


def refuse(registrar: User, contract: Contract, code: str, note: str | None) -> None:
    _require_registrar(registrar, contract)
    note = _reason(REFUSAL_REASONS, code, note)
    _transition(contract, registrar, (ContractStatus.SUBMITTED,), ContractStatus.REFUSED, "refused",
                note=note or REFUSAL_REASONS[code], data={"reason": code})
    contract.decision_code, contract.decision_note = code, note


def request_change(user: User, contract: Contract, text: str) -> None:
    """After registration the parties cannot edit; they ask the office, which registers the change."""
    if not is_recording_side(user, contract):
        raise NotAllowed(_("Only the seller or the recording broker can ask for a change."))
    if contract.status is not ContractStatus.REGISTERED:
        raise ContractError(_("Only a registered contract can have its registration changed."))
    text = (text or "").strip()
    if not 5 <= len(text) <= 2000:
        raise ContractError(_("Describe the change in 5 to 2,000 characters."))
    contract.change_request = text
    audit.record(user, "contract", contract.id, "change_requested", note=text)


def register_change(registrar: User, contract: Contract, data: ContractData, note: str) -> list[str]:
    """变更登记: the registrar applies the change; the number and registration date stay."""
    _require_registrar(registrar, contract)
    if contract.status is not ContractStatus.REGISTERED:
        raise ContractError(_("Only a registered contract can have its registration changed."))
    note = (note or "").strip()
    if not note:
        raise ContractError(_("Say what the change is and on what basis."))
    check(data)
    before = {"total_fen": contract.total_fen, "tech_fen": contract.tech_fen, "subtype_code": contract.subtype_code}
    changed = _apply(contract, data)
    contract.change_request = None
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(registrar, "contract", contract.id, "change_registered", note=note,
                 data={"fields": changed, "before": before})
    return changed


def cancel_registration(registrar: User, contract: Contract, note: str) -> None:
    """注销: the contract leaves the statistics; its number is not reused."""
    _require_registrar(registrar, contract)
    note = (note or "").strip()
    if not note:
        raise ContractError(_("Give the reason for cancelling the registration."))
    _transition(contract, registrar, (ContractStatus.REGISTERED,), ContractStatus.CANCELLED, "cancelled", note=note)
    contract.cancelled_on = china_today()


def data_of(contract: Contract) -> ContractData:
    """The contract's current content as ContractData (re-checked before submitting and registering)."""
    names = {f.name for f in dataclasses.fields(ContractData)} - {"items"}
    return ContractData(items=tuple(ItemData(i.description, i.amount_fen, i.is_technical) for i in contract.items),
                        **{n: getattr(contract, n) for n in names})




def registrar_queue(user: User) -> list[Contract]:
    office_ids = [m.organisation_id for m in user.memberships if m.is_registrar]
    return list(db.session.scalars(
        sa.select(Contract).where(Contract.office_id.in_(office_ids),
                                  sa.or_(Contract.status == ContractStatus.SUBMITTED,
                                         Contract.change_request.is_not(None)))
        .order_by(Contract.submitted_at)))
