"""Registration, authentication, invitations, password resets and organisation verification.

Services take plain values, check permissions themselves, flush when they need ids, and never
commit: the request or CLI command commits once.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tt_platform import taxonomy
from tt_platform.accounts import passwords
from tt_platform.accounts.models import (
    ROLE_FOR_KIND,
    BrokerLevel,
    Invitation,
    Membership,
    Organisation,
    OrgKind,
    Role,
    User,
    Verification,
)
from tt_platform.audit import models as audit
from tt_platform.database import db, utcnow
from tt_platform.security import NotAllowed

#: Kinds a visitor may register; operator organisations are created by `flask accounts create-operator`.
SELF_REGISTERED_KINDS = (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.AGENCY)


class AccountError(Exception):
    """A user-facing reason an account operation failed (message is already translated)."""


@dataclass(frozen=True, slots=True)
class OrganisationData:
    name: str
    kind: OrgKind
    credit_code: str
    region_code: str
    party_type: str
    contact_name: str
    contact_phone: str
    contact_email: str
    website: str | None = None
    introduction: str | None = None


@dataclass(frozen=True, slots=True)
class PersonData:
    name: str
    email: str
    password: str
    phone: str | None = None
    broker_level: BrokerLevel | None = None
    broker_certificate_no: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def _check_person(person: PersonData) -> None:
    if find_user_by_email(person.email) is not None:
        raise AccountError(_("An account with this e-mail address already exists."))
    problem = passwords.password_problem(person.password)
    if problem:
        raise AccountError(problem)


def _check_organisation(org: OrganisationData) -> str:
    code = org.credit_code.strip().upper()
    if not taxonomy.is_valid_uscc(code):
        raise AccountError(_("The unified social credit code is not valid (check its 18 characters)."))
    if org.region_code not in taxonomy.regions():
        raise AccountError(_("Unknown region code."))
    if org.party_type not in taxonomy.party_types():
        raise AccountError(_("Unknown party type."))
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.credit_code == code)) is not None:
        raise AccountError(
            _("This organisation is already registered. Ask its administrator to invite you.")
        )
    return code


def _new_user(person: PersonData) -> User:
    return User(
        email=normalise_email(person.email), name=person.name.strip(), phone=(person.phone or "").strip() or None,
        password_hash=passwords.hash_password(person.password),
    )


def register(org: OrganisationData, person: PersonData) -> User:
    """A visitor registers an organisation (pending verification) and becomes its first admin."""
    if org.kind not in SELF_REGISTERED_KINDS:
        raise AccountError(_("This kind of organisation cannot be registered here."))
    code = _check_organisation(org)
    _check_person(person)
    organisation = Organisation(
        name=org.name.strip(), kind=org.kind, credit_code=code, region_code=org.region_code,
        party_type=org.party_type, contact_name=org.contact_name.strip(), contact_phone=org.contact_phone.strip(),
        contact_email=normalise_email(org.contact_email), website=org.website or None,
        introduction=org.introduction or None, verification=Verification.PENDING,
    )
    user = _new_user(person)
    membership = Membership(user=user, organisation=organisation, role=ROLE_FOR_KIND[org.kind], is_org_admin=True)
    if membership.role is Role.BROKER:
        membership.broker_level = person.broker_level
        membership.broker_certificate_no = person.broker_certificate_no or None
    db.session.add_all([organisation, user, membership])
    db.session.flush()  # ids for the audit rows
    audit.record(user, "organisation", organisation.id, "registered", to_status=Verification.PENDING.value)
    return user


def create_operator(org: OrganisationData, person: PersonData, *, registration_office: bool = False) -> User:
    """CLI only: an operator organisation (verified from the start) with its first admin."""
    code = _check_organisation(org)
    _check_person(person)
    organisation = Organisation(
        name=org.name, kind=OrgKind.OPERATOR, credit_code=code, region_code=org.region_code,
        party_type=org.party_type, contact_name=org.contact_name, contact_phone=org.contact_phone,
        contact_email=org.contact_email, verification=Verification.VERIFIED, verified_at=utcnow(),
        is_registration_office=registration_office,
    )
    user = _new_user(person)
    db.session.add_all([organisation, user, Membership(
        user=user, organisation=organisation, role=Role.OPERATOR, is_org_admin=True,
        is_registrar=registration_office,
    )])
    db.session.flush()  # the caller shows or links the new row by its id
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose credentials these are, or None; upgrades outdated hashes on the way."""
    user = find_user_by_email(email)
    if user is None:
        # Spend the same time as a real check so response times do not reveal which e-mails exist.
        passwords.verify_password(_dummy_hash(), password)
        return None
    ok, new_hash = passwords.verify_password(user.password_hash, password)
    if not ok or not user.active:
        return None
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    return user


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("tt_dummy_hash", {})
    key = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if key not in cache:
        cache[key] = passwords.hash_password("not-a-real-password-0")
    return cache[key]


def change_password(user: User, current: str, new: str) -> None:
    ok, _unused = passwords.verify_password(user.password_hash, current)
    if not ok:
        raise AccountError(_("The current password is not correct."))
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    problem = passwords.password_problem(new)
    if problem:
        raise AccountError(problem)
    user.password_hash = passwords.hash_password(new)
    user.session_version += 1  # every other session of this user ends
    audit.record(user, "user", user.id, "password_changed")


# --- signed tokens (password reset, invitations) -----------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def reset_token(user: User) -> str:
    # The hash's tail is part of the payload: once the password changes, old links stop working.
    return _serializer("password-reset").dumps({"uid": user.id, "h": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer("password-reset").loads(token, max_age=current_app.config["TOKEN_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or user.password_hash[-16:] != data.get("h"):
        return None
    return user


def invite(actor: User, organisation: Organisation, email: str, *, as_admin: bool = False) -> tuple[Invitation, str]:
    """An organisation admin invites a colleague; returns the invitation and its link token."""
    require_org_admin(actor, organisation)
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(_("An account with this e-mail address already exists."))
    invitation = Invitation(organisation=organisation, email=email, invited_by_id=actor.id, is_org_admin=as_admin)
    db.session.add(invitation)
    db.session.flush()  # the token names the invitation id
    audit.record(actor, "organisation", organisation.id, "invited", note=email)
    return invitation, _serializer("invitation").dumps({"inv": invitation.id})


def invitation_for_token(token: str) -> Invitation | None:
    try:
        data = _serializer("invitation").loads(token, max_age=current_app.config["TOKEN_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    invitation = db.session.get(Invitation, data.get("inv")) if isinstance(data, dict) else None
    if invitation is None or invitation.accepted_at is not None:
        return None
    return invitation


def accept_invitation(invitation: Invitation, person: PersonData) -> User:
    if invitation.accepted_at is not None:
        raise AccountError(_("This invitation has already been used."))
    person = PersonData(**{**_asdict(person), "email": invitation.email})
    _check_person(person)
    user = _new_user(person)
    role = ROLE_FOR_KIND[invitation.organisation.kind]
    membership = Membership(user=user, organisation=invitation.organisation, role=role,
                            is_org_admin=invitation.is_org_admin)
    if role is Role.BROKER:
        membership.broker_level = person.broker_level
        membership.broker_certificate_no = person.broker_certificate_no or None
    invitation.accepted_at = utcnow()
    db.session.add_all([user, membership])
    db.session.flush()  # ids for the audit row
    audit.record(user, "organisation", invitation.organisation_id, "joined", note=user.email)
    return user


def _asdict(person: PersonData) -> dict:
    return {f: getattr(person, f) for f in PersonData.__slots__}


def create_organisation(operator: User, org: OrganisationData, *, verified: bool = False) -> Organisation:
    """An operator records an organisation without an account (a bulk import of a park's or bureau's
    register); its people join later by invitation. Verified at once only when the operator says so."""
    if not operator.is_operator:
        raise NotAllowed(_("Only operators record organisations."))
    if org.kind not in SELF_REGISTERED_KINDS:
        raise AccountError(_("This kind of organisation cannot be registered here."))
    code = _check_organisation(org)
    organisation = Organisation(
        name=org.name.strip(), kind=org.kind, credit_code=code, region_code=org.region_code,
        party_type=org.party_type, contact_name=org.contact_name.strip(), contact_phone=org.contact_phone.strip(),
        contact_email=normalise_email(org.contact_email), website=org.website or None,
        introduction=org.introduction or None,
        verification=Verification.VERIFIED if verified else Verification.PENDING,
        verified_at=utcnow() if verified else None,
    )
    db.session.add(organisation)
    db.session.flush()  # ids for the audit row
    audit.record(operator, "organisation", organisation.id, "recorded", to_status=organisation.verification.value)
    return organisation


def require_org_admin(actor: User, organisation: Organisation) -> None:
    if not any(m.organisation_id == organisation.id and m.is_org_admin for m in actor.memberships):
        raise NotAllowed(_("Only the organisation's administrators may do this."))


def update_organisation(actor: User, organisation: Organisation, data: OrganisationData, *,
                        on_behalf: bool = False) -> None:
    """Admins edit their organisation (operators too with `on_behalf`: a bulk import); a change of name
    or credit code needs verification again."""
    if not (on_behalf and actor.is_operator):
        require_org_admin(actor, organisation)
    code = data.credit_code.strip().upper()
    if not taxonomy.is_valid_uscc(code):
        raise AccountError(_("The unified social credit code is not valid (check its 18 characters)."))
    clash = db.session.scalar(sa.select(Organisation.id).where(Organisation.credit_code == code,
                                                               Organisation.id != organisation.id))
    if clash is not None:
        raise AccountError(_("Another organisation is registered with this code."))
    if data.region_code not in taxonomy.regions():
        raise AccountError(_("Unknown region code."))
    if data.party_type not in taxonomy.party_types():
        raise AccountError(_("Unknown party type."))
    identity_changed = (data.name.strip() != organisation.name or code != organisation.credit_code)
    organisation.name = data.name.strip()
    organisation.credit_code = code
    organisation.region_code = data.region_code
    organisation.party_type = data.party_type
    organisation.contact_name = data.contact_name.strip()
    organisation.contact_phone = data.contact_phone.strip()
    organisation.contact_email = normalise_email(data.contact_email)
    organisation.website = data.website or None
    organisation.introduction = data.introduction or None
    old = organisation.verification
    if identity_changed and organisation.kind is not OrgKind.OPERATOR:
        organisation.verification = Verification.PENDING
    audit.record(actor, "organisation", organisation.id, "updated", from_status=old.value,
                 to_status=organisation.verification.value)


def decide_verification(operator: User, organisation: Organisation, approve: bool, reason: str | None) -> None:
    """Operator verifies or rejects an organisation; a rejection carries the reason its members see."""
    if not operator.is_operator:
        raise NotAllowed(_("Only operators verify organisations."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise AccountError(_("Please give the organisation a reason."))
    old = organisation.verification
    if approve:
        organisation.verification = Verification.VERIFIED
        organisation.verified_at = utcnow()
        organisation.rejection_reason = None
    else:
        organisation.verification = Verification.REJECTED
        organisation.rejection_reason = reason
    audit.record(operator, "organisation", organisation.id, "verified" if approve else "verification_rejected",
                 from_status=old.value, to_status=organisation.verification.value, note=reason or None)


def broker_membership(user: User) -> Membership | None:
    """The user's broker membership in a verified agency: what lets them open cases and record deals."""
    return next((m for m in user.memberships if m.role is Role.BROKER
                 and m.organisation.verification is Verification.VERIFIED), None)
