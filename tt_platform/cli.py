"""`flask <noun> <verb>` commands. Each command is one transaction, committed at its end."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from tt_platform.database import db

demo_cli = AppGroup("demo", help="Demo data: organisations, users, ~1,450 results, 60+ demands.")
accounts_cli = AppGroup("accounts", help="Accounts administration.")
listings_cli = AppGroup("listings", help="Listing maintenance (run `expire` daily from cron).")


def init_app(app) -> None:
    for group in (demo_cli, accounts_cli, listings_cli):
        app.cli.add_command(group)
    app.cli.add_command(bootstrap)


def _database_is_empty() -> bool:
    from tt_platform.accounts.models import Organisation

    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


@click.command("bootstrap")
def bootstrap():
    """Migrate the database to the latest schema; load the demo on first start when TT_DEMO is on."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    if current_app.config["DEMO"] and _database_is_empty():
        from tt_platform.demo import loader

        loader.load(echo=click.echo)
        db.session.commit()


@demo_cli.command("load")
def demo_load():
    """Load the demo data set into an empty database."""
    from tt_platform.demo import loader

    if not _database_is_empty():
        raise click.ClickException("the database is not empty; use `flask demo reset` to replace the demo")
    loader.load(echo=click.echo)
    db.session.commit()


@demo_cli.command("reset")
@click.confirmation_option(prompt="Delete the demo data and load it again?")
def demo_reset():
    """Delete demo organisations (and everything they own), then load the demo again."""
    from tt_platform.demo import loader

    loader.remove()
    loader.load(echo=click.echo)
    db.session.commit()


@accounts_cli.command("create-operator")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--org-name", required=True)
@click.option("--credit-code", required=True, help="统一社会信用代码 of the operator organisation")
@click.option("--region", "region_code", required=True, help="6-digit region code")
@click.option("--registration-office", is_flag=True, help="The organisation registers technology contracts")
@click.password_option()
def create_operator(email, name, org_name, credit_code, region_code, registration_office, password):
    """Create an operator organisation and its first operator account."""
    from tt_platform.accounts import services

    org = services.OrganisationData(
        name=org_name, kind=services.OrgKind.OPERATOR, credit_code=credit_code, region_code=region_code,
        party_type="G", contact_name=name, contact_phone="-", contact_email=email,
    )
    try:
        services.create_operator(org, services.PersonData(name=name, email=email, password=password),
                                 registration_office=registration_office)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"operator {email} created")


@listings_cli.command("expire")
def expire():
    """Mark live listings past their validity date as expired (idempotent)."""
    from tt_platform.achievements.models import Achievement
    from tt_platform.demands.models import Demand
    from tt_platform.listings.services import expire_due

    counts = {model.__tablename__: expire_due(model) for model in (Demand, Achievement)}
    db.session.commit()
    click.echo(", ".join(f"{k}: {v} expired" for k, v in counts.items()))
