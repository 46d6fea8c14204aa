"""Account services: registration and credit codes, roles and the admin flag, password hashing,
authentication, invitations, organisation edits and verification."""
import dataclasses

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD, make_operator, make_org, make_registrar, make_user
from tt_platform import taxonomy
from tt_platform.accounts import passwords, services
from tt_platform.accounts.models import (
    BrokerLevel,
    Invitation,
    Membership,
    Organisation,
    OrgKind,
    Role,
    User,
    Verification,
)
from tt_platform.accounts.services import AccountError, OrganisationData, PersonData
from tt_platform.audit.models import AuditEntry
from tt_platform.security import NotAllowed

CODE = taxonomy.make_uscc(424242, "330100")


def org_data(**overrides) -> OrganisationData:
    return OrganisationData(**{
        "name": "  宁波测试新材料有限公司 ", "kind": OrgKind.ENTERPRISE, "credit_code": CODE, "region_code": "330200",
        "party_type": "E1", "contact_name": "周五", "contact_phone": "0574-88888888",
        "contact_email": "Contact@Example.CN", **overrides})


def person(**overrides) -> PersonData:
    return PersonData(**{"name": " 周五 ", "email": " ZhouWu@Example.cn ", "password": "a-long-enough-password",
                         **overrides})


def count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- registration, roles, credit codes -----------------------------------------------------------

@pytest.mark.parametrize(("kind", "role"), [(OrgKind.ENTERPRISE, Role.ENTERPRISE), (OrgKind.UNIVERSITY, Role.RESEARCH),
                                            (OrgKind.INSTITUTE, Role.RESEARCH), (OrgKind.AGENCY, Role.BROKER)])
def test_the_registrant_is_the_first_admin_with_the_role_of_the_kind(db, kind, role):
    user = services.register(org_data(kind=kind), person())
    assert user.email == "zhouwu@example.cn" and user.name == "周五"
    membership = user.membership
    assert membership.role is role and membership.is_org_admin and not membership.is_registrar
    org = user.organisation
    assert org.name == "宁波测试新材料有限公司" and org.contact_email == "contact@example.cn"
    assert org.verification is Verification.PENDING and org.verified_at is None and not org.is_verified
    assert not user.is_operator and not user.is_registrar


def test_only_brokers_keep_a_broker_credential(db):
    credential = {"broker_level": BrokerLevel.INTERMEDIATE, "broker_certificate_no": "JJR-1"}
    broker = services.register(org_data(kind=OrgKind.AGENCY, party_type="S"), person(**credential))
    assert (broker.membership.broker_level, broker.membership.broker_certificate_no) == (BrokerLevel.INTERMEDIATE,
                                                                                       "JJR-1")
    other = services.register(org_data(credit_code=taxonomy.make_uscc(424243, "330100")),
                              person(email="other@example.cn", **credential))
    assert other.membership.broker_level is None and other.membership.broker_certificate_no is None


def test_operator_organisations_cannot_be_registered(db):
    with pytest.raises(AccountError):
        services.register(org_data(kind=OrgKind.OPERATOR), person())
    assert count(db, Organisation, Organisation.credit_code == CODE) == 0


def test_a_lower_case_credit_code_is_stored_in_capitals(db):
    code = taxonomy.make_uscc(5, "330100", "9A")  # GB 32100 allows letters: the check needs them in capitals
    assert code != code.lower() and taxonomy.is_valid_uscc(code.lower())
    user = services.register(org_data(credit_code=f" {code.lower()} "), person())
    assert user.organisation.credit_code == code


@pytest.mark.parametrize("code", [
    CODE[:-1] + ("0" if CODE[-1] != "0" else "1"),  # wrong check character
    CODE[:17],  # 17 characters
    CODE + "0",  # 19
    "I" + CODE[1:],  # I, O, Z, S, V are not in the GB 32100 alphabet
    "",
])
def test_bad_credit_codes_are_refused_and_nothing_is_written(db, code):
    before = (count(db, Organisation), count(db, User), count(db, Membership), count(db, AuditEntry))
    with pytest.raises(AccountError, match="统一社会信用代码无效"):
        services.register(org_data(credit_code=code), person())
    assert (count(db, Organisation), count(db, User), count(db, Membership), count(db, AuditEntry)) == before


def test_a_registered_code_or_e_mail_is_refused(db):
    existing = make_org()
    with pytest.raises(AccountError, match="该机构已注册"):
        services.register(org_data(credit_code=existing.credit_code.lower()), person())
    user = make_user()
    with pytest.raises(AccountError, match="该电子邮箱已注册账号"):
        services.register(org_data(), person(email=user.email.upper()))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"region_code": "999999"}, "地区"), ({"party_type": "ZZ"}, "技术交易主体类型无效")])
def test_unknown_codes_are_refused(db, overrides, message):
    with pytest.raises(AccountError, match=message):
        services.register(org_data(**overrides), person())


def test_registrar_needs_a_registration_office(db):
    registrar = make_registrar()
    assert registrar.is_registrar and registrar.is_operator
    plain = make_user(make_org(OrgKind.OPERATOR))  # an operator organisation that is no registration office
    plain.memberships[0].is_registrar = True
    assert not plain.is_registrar


def test_create_operator_makes_a_verified_operator_admin(db):
    user = services.create_operator(org_data(kind=OrgKind.OPERATOR, name="某市科技局", party_type="P1"),
                                    person(), registration_office=True)
    assert user.is_operator and user.is_registrar and user.membership.is_org_admin
    assert user.organisation.kind is OrgKind.OPERATOR and user.organisation.is_verified


# --- passwords ------------------------------------------------------------------------------------

def test_passwords_are_stored_as_salted_argon2id_hashes_only(db):
    a = services.register(org_data(), person())
    b = services.register(org_data(credit_code=taxonomy.make_uscc(424244, "330100")), person(email="b@example.cn"))
    for user in (a, b):
        assert user.password_hash.startswith("$argon2id$")
        assert "a-long-enough-password" not in user.password_hash
    assert a.password_hash != b.password_hash  # same password, different salt
    stored = db.session.scalars(sa.select(User.password_hash).where(User.id.in_([a.id, b.id]))).all()
    assert all("a-long-enough-password" not in h for h in stored)
    assert passwords.verify_password(a.password_hash, "a-long-enough-password") == (True, None)
    assert passwords.verify_password(a.password_hash, "a-long-enough-passworD") == (False, None)
    assert passwords.verify_password("not a hash", "a-long-enough-password") == (False, None)


@pytest.mark.parametrize(("password", "problem"), [
    ("short-pw", "至少 12 个字符"), ("x" * 129, None), ("password1234", None), ("PASSWORD1234", None),
    ("abababababababab", None), ("a-long-enough-password", "")])
def test_weak_passwords(app, db, password, problem):
    found = passwords.password_problem(password)
    if problem == "":
        assert found is None
    else:
        assert found and (problem is None or problem in found)


def test_an_outdated_hash_is_upgraded_at_login(app, db, monkeypatch):
    user = make_user()
    old = user.password_hash
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)
    assert services.authenticate(user.email, PASSWORD) is user
    assert user.password_hash != old and "t=2" in user.password_hash
    assert passwords.verify_password(user.password_hash, PASSWORD) == (True, None)


def test_authenticate(db):
    user = make_user()
    assert user.last_login_at is None
    assert services.authenticate(f"  {user.email.upper()} ", PASSWORD) is user
    assert user.last_login_at is not None
    assert services.authenticate(user.email, "wrong-password-123") is None
    assert services.authenticate("nobody@example.cn", PASSWORD) is None
    user.active = False
    assert services.authenticate(user.email, PASSWORD) is None


def test_set_password_ends_other_sessions_and_reset_links(db):
    user = make_user()
    token = services.reset_token(user)
    assert services.user_for_reset_token(token) is user
    assert services.user_for_reset_token(token[:-2] + "xx") is None
    version = user.session_version
    with pytest.raises(AccountError):
        services.change_password(user, "wrong-password-123", "another-long-password")
    services.change_password(user, PASSWORD, "another-long-password")
    assert user.session_version == version + 1
    assert services.user_for_reset_token(token) is None  # bound to the old hash
    with pytest.raises(AccountError):
        services.set_password(user, "short")


# --- invitations and the admin flag ---------------------------------------------------------------

def test_only_admins_of_that_organisation_invite(db):
    org = make_org()
    with pytest.raises(NotAllowed):
        services.invite(make_user(org, admin=False), org, "x@example.cn")
    with pytest.raises(NotAllowed):
        services.invite(make_user(admin=True), org, "x@example.cn")  # an admin elsewhere
    with pytest.raises(NotAllowed):
        services.invite(make_operator(), org, "x@example.cn")  # operators verify, they do not manage members
    assert count(db, Invitation) == 0


def test_an_invitation_makes_a_member_with_the_organisations_role(db):
    org = make_org(OrgKind.INSTITUTE)
    invitation, token = services.invite(make_user(org, admin=True), org, " New@Example.cn ")
    assert invitation.email == "new@example.cn" and not invitation.is_org_admin
    assert services.invitation_for_token(token) is invitation
    assert services.invitation_for_token(token + "x") is None
    colleague = services.accept_invitation(invitation, person(email="ignored@example.cn"))
    assert colleague.email == "new@example.cn"  # the invited address, whatever the form said
    assert colleague.membership.organisation_id == org.id
    assert colleague.membership.role is Role.RESEARCH and not colleague.membership.is_org_admin
    assert services.invitation_for_token(token) is None
    with pytest.raises(AccountError, match="该邀请已被使用"):
        services.accept_invitation(invitation, person(email="again@example.cn"))


def test_an_admin_invitation_makes_an_admin(db):
    org = make_org()
    invitation, _token = services.invite(make_user(org, admin=True), org, "boss@example.cn", as_admin=True)
    assert services.accept_invitation(invitation, person()).membership.is_org_admin


# --- organisation edits and verification -----------------------------------------------------------

def same_org(org, **overrides) -> OrganisationData:
    """The organisation's current data, as the edit form would send it unchanged, with `overrides`."""
    current = OrganisationData(
        name=org.name, kind=org.kind, credit_code=org.credit_code, region_code=org.region_code,
        party_type=org.party_type, contact_name=org.contact_name, contact_phone=org.contact_phone,
        contact_email=org.contact_email)
    return dataclasses.replace(current, **overrides)


def test_contact_changes_keep_the_verification_identity_changes_do_not(db):
    org = make_org()
    admin = make_user(org, admin=True)
    services.update_organisation(admin, org, same_org(org, contact_name="新联系人", website="https://x.example.cn"))
    assert org.verification is Verification.VERIFIED and org.website == "https://x.example.cn"
    services.update_organisation(admin, org, same_org(org, credit_code=taxonomy.make_uscc(777777, "330100")))
    assert org.verification is Verification.PENDING


def test_an_operator_organisation_stays_verified_when_renamed(db):
    operator = make_operator()
    org = operator.organisation
    services.update_organisation(operator, org, same_org(org, name="新的科技局名称"))
    assert org.name == "新的科技局名称" and org.is_verified


def test_organisation_edits_are_checked(db):
    org, other = make_org(), make_org()
    admin = make_user(org, admin=True)
    with pytest.raises(NotAllowed):
        services.update_organisation(make_user(org), org, same_org(org, name="改名"))
    with pytest.raises(AccountError, match="已有其他机构使用"):
        services.update_organisation(admin, org, same_org(org, credit_code=other.credit_code))
    with pytest.raises(AccountError, match="统一社会信用代码无效"):
        services.update_organisation(admin, org, same_org(org, credit_code="123"))
    with pytest.raises(AccountError, match="地区"):
        services.update_organisation(admin, org, same_org(org, region_code="999999"))
    with pytest.raises(AccountError, match="技术交易主体类型无效"):
        services.update_organisation(admin, org, same_org(org, party_type="ZZ"))
    with pytest.raises(AccountError):
        services.update_organisation(admin, org, same_org(org, party_type="ZZ"))
    assert org.name != "改名" and org.is_verified


def test_verification_decisions(db):
    operator = make_operator()
    org = make_org(verified=False)
    with pytest.raises(NotAllowed):
        services.decide_verification(make_user(admin=True), org, True, None)
    with pytest.raises(AccountError, match="请填写原因"):
        services.decide_verification(operator, org, False, "   ")
    services.decide_verification(operator, org, False, " 信息不符 ")
    assert org.verification is Verification.REJECTED and org.rejection_reason == "信息不符"
    services.decide_verification(operator, org, True, None)
    assert org.is_verified and org.verified_at is not None and org.rejection_reason is None
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.entity_type == "organisation", AuditEntry.entity_id == org.id).order_by(AuditEntry.id)).all()
    assert actions == ["verification_rejected", "verified"]
