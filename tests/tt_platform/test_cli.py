import datetime as dt

import sqlalchemy as sa

from tests.factories import make_demand
from tt_platform.accounts.models import User
from tt_platform.listings.models import ListingStatus


def test_listings_expire_command(app, db):
    stale = make_demand(valid_until=dt.date.today() - dt.timedelta(days=3))
    result = app.test_cli_runner().invoke(args=["listings", "expire"])
    assert result.exit_code == 0
    assert "demand: 1 expired" in result.output
    assert stale.status is ListingStatus.EXPIRED


def test_create_operator_command(app, db):
    from tt_platform.taxonomy import make_uscc

    args = ["accounts", "create-operator", "--email", "ops@bureau.example.cn", "--name", "运营",
            "--org-name", "某市科技局", "--credit-code", make_uscc(31337), "--region", "330100",
            "--registration-office", "--password", "operator-password-9"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ops@bureau.example.cn"))
    assert user.is_operator and user.is_registrar


def test_create_operator_rejects_bad_code(app, db):
    args = ["accounts", "create-operator", "--email", "x@bureau.example.cn", "--name", "运营", "--org-name", "x",
            "--credit-code", "123", "--region", "330100", "--password", "operator-password-9"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert "统一社会信用代码无效" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "x@bureau.example.cn")) is None


def test_demo_load_refuses_a_non_empty_database(app, db):
    make_demand()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "not empty" in result.output
