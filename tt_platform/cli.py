"""`flask <noun> <verb>` commands. Each command is one transaction, committed at its end."""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from tt_platform.database import db

demo_cli = AppGroup("demo", help="Demo data: organisations, users, ~1,450 results, 60+ demands.")
accounts_cli = AppGroup("accounts", help="Accounts administration.")
listings_cli = AppGroup("listings", help="Listing maintenance (run `expire` daily from cron).")


def init_app(app) -> None:
    for group in (demo_cli, accounts_cli, listings_cli, search_cli, import_cli, match_cli, alerts_cli,
                  challenges_cli, trading_cli):
        app.cli.add_command(group)
    app.cli.add_command(bootstrap)
    app.cli.add_command(backup)
    app.cli.add_command(restore)


def _database_is_empty() -> bool:
    from tt_platform.accounts.models import Organisation

    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(target):
    """Copy the SQLite database to TARGET while the platform runs (the online backup API). PostgreSQL:
    use pg_dump -Fc (README). The search index and vectors are not copied: restore rebuilds them."""
    from pathlib import Path

    from tt_platform.database import backup_sqlite, sqlite_path

    if sqlite_path(db.engine) is None:
        raise click.ClickException("not a SQLite database: back PostgreSQL up with pg_dump -Fc (see README)")
    if Path(target).exists():
        raise click.ClickException(f"{target} exists already; choose a new file")
    backup_sqlite(db.engine, target)
    click.echo(f"database copied to {target}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore(source):
    """Restore a `flask backup` copy into this instance, which must be empty; then bring the schema up to
    date and rebuild the search index from the database."""
    import sqlite3

    from tt_platform.database import restore_sqlite, sqlite_path
    from tt_platform.indexing import sync

    if sqlite_path(db.engine) is None:
        raise click.ClickException("not a SQLite database: restore PostgreSQL with pg_restore (see README)")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise click.ClickException(f"{source} is damaged (integrity check failed)")
            check.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{source} is not a backup of this platform ({exc})") from exc
    upgrade(directory=current_app.extensions["migrate"].directory)
    if not _database_is_empty():
        raise click.ClickException("this instance holds data already: restore into an empty instance")
    db.session.remove()
    restore_sqlite(db.engine, source)
    upgrade(directory=current_app.extensions["migrate"].directory)  # a backup from an older release
    count = sync.rebuild()
    db.session.commit()
    click.echo(f"restored from {source}; search index rebuilt ({count} listings); run `flask search embed` "
               "for the vectors")


@click.command("bootstrap")
def bootstrap():
    """Migrate the database to the latest schema; load the demo on first start when TT_DEMO is on."""
    from tt_platform.indexing import sync

    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:  # say so in one line, not a traceback
        cause = str(exc.orig or exc).strip().splitlines()[0]
        raise click.ClickException(f"the database is unreachable ({cause}); start it (TT_DATABASE_URL names it), "
                                   "then run `flask bootstrap` again") from None
    upgrade(directory=current_app.extensions["migrate"].directory)
    demo_loaded = current_app.config["DEMO"] and _database_is_empty()
    if demo_loaded:
        from tt_platform.demo import loader

        loader.load(echo=click.echo)
        db.session.commit()
    state = sync.status()
    unreadable = state["indexed"] is None and current_app.config["SEARCH_BACKEND"] == "embedded"
    if unreadable or (state["indexed"] is not None and state["indexed"] < state["in_database"]) \
            or state.get("incomplete"):
        # a new, lost, unreadable or incomplete embedded index is rebuilt from the database (an unreadable
        # directory is moved aside first)
        click.echo(f"search index: building ({state['in_database']} listings)")
        sync.rebuild()
    else:
        sync.drain()
    db.session.commit()
    report = sync.embed()
    if report.stored:
        click.echo(f"vectors: {report.stored} stored, {report.embedded} computed")
    from tt_platform.matching import services as matching

    summarised = matching.summarise_demands()
    db.session.commit()
    if summarised:
        click.echo(f"match summaries: {summarised} demands")
    if demo_loaded:  # the demo's dated-back follows and saved searches, as the cron job would run them
        from tt_platform.alerts import services as alerts

        report = alerts.run(send_mail=False)  # the demo accounts' addresses are not real
        db.session.commit()
        click.echo(f"demo notifications: {report.notifications}")


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


search_cli = AppGroup("search", help="Search index: drain the outbox, rebuild, reconcile, status.")
import_cli = AppGroup("import", help="Bulk imports.")
match_cli = AppGroup("match", help="Matching runs (benchmarks).")
alerts_cli = AppGroup("alerts", help="Notifications for follows and saved searches (run `run` from cron).")


@alerts_cli.command("run")
def alerts_run():
    """Notify subscribers of listings published since their last check (idempotent)."""
    from tt_platform.alerts import services

    report = services.run()
    db.session.commit()
    click.echo(f"subscriptions: {report.subscriptions}, notifications: {report.notifications}, "
               f"e-mails: {report.mails}, failed: {report.failed}")


challenges_cli = AppGroup("challenges", help="揭榜挂帅 reminders (run `remind` from cron, e.g. hourly).")


@challenges_cli.command("remind")
def challenges_remind():
    """Remind applicants with unsubmitted drafts before the window closes, teams before milestones fall
    due and experts with applications to score (idempotent: each reminder once per person)."""
    from tt_platform.challenges import outreach

    report = outreach.remind()
    db.session.commit()
    click.echo(f"window closing: {report.closing}, milestones due: {report.milestones}, experts: {report.experts}")


trading_cli = AppGroup("trading", help="Trading routes (run `close` from cron every few minutes: auctions end "
                                       "to the second).")


@trading_cli.command("close")
def trading_close():
    """Record the outcome of every price listing and auction past its end (pages compute it on read already);
    an auction's close notifies its bidders and drafts the winner's contract."""
    from tt_platform.trading import auctions, pricelistings

    closed = pricelistings.close_due()
    closed_auctions = auctions.close_due()
    db.session.commit()
    click.echo(f"closed listings: {closed}, closed auctions: {closed_auctions}")


@search_cli.command("drain")
@click.option("--loop", is_flag=True, help="Keep draining every few seconds (a worker for bigger installs).")
@click.option("--interval", default=2.0, show_default=True)
def search_drain(loop, interval):
    """Apply pending outbox rows to the index."""
    import time

    from tt_platform.indexing import sync

    while True:
        report = sync.drain()
        db.session.commit()
        if report.rows or not loop:
            click.echo(f"outbox rows: {report.rows}, upserted: {report.upserted}, deleted: {report.deleted}"
                       + (" (engine unavailable, rows kept)" if report.failed else ""))
        if not loop:
            if report.failed:
                raise SystemExit(1)
            return
        time.sleep(interval)


@search_cli.command("rebuild")
def search_rebuild():
    """Re-index every listing from the database."""
    from tt_platform.indexing import sync

    total = sync.status()["in_database"]
    with click.progressbar(length=total, label="indexing") as bar:
        n = sync.rebuild(progress=bar.update)
    db.session.commit()
    click.echo(f"indexed {n} listings")


@search_cli.command("reconcile")
@click.option("--dry-run", is_flag=True)
def search_reconcile(dry_run):
    """Find and repair differences between the database and the index."""
    from tt_platform.indexing import sync

    report = sync.reconcile(repair=not dry_run)
    click.echo(f"missing: {report.missing}, stale: {report.stale}, orphans: {report.orphans}"
               + (" (not repaired)" if dry_run else ""))


@search_cli.command("embed")
def search_embed():
    """Compute vectors for new or changed listings (the dense channel); run after imports and from cron."""
    import time

    from tt_platform.indexing import sync

    start = time.perf_counter()
    total = sync.status()["in_database"]
    with click.progressbar(length=total, label="embedding") as bar:
        report = sync.embed(progress=bar.update)
    seconds = time.perf_counter() - start
    click.echo(f"vectors: {report.stored} stored ({report.embedded} computed, "
               f"{report.embedded / seconds if seconds and report.embedded else 0:.1f}/s), {report.removed} removed")


@search_cli.command("export-vectors")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def search_export_vectors(path):
    """Write the text-hash → vector cache (to ship precomputed vectors, e.g. with the demo)."""
    from pathlib import Path

    from tt_platform.indexing.engine import get_vectors

    vectors = get_vectors()
    if vectors is None:
        raise click.ClickException("the dense channel is off (TT_SEARCH_EMBEDDINGS)")
    vectors.store.save_cache(Path(path))
    click.echo(f"{len(vectors.store.cache)} vectors written to {path}")


@search_cli.command("purge")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=0),
              help="Keep processed outbox rows this many days")
def search_purge(days):
    """Delete processed search-outbox rows older than --days (pending rows stay); run from cron."""
    import datetime as dt

    from tt_platform.indexing import sync

    removed = sync.purge_processed(dt.timedelta(days=days))
    db.session.commit()
    click.echo(f"{removed} processed outbox rows older than {days} days removed")


@search_cli.command("status")
def search_status():
    """Backend, documents indexed, listings in the database, pending outbox rows."""
    from tt_platform.indexing import sync

    for key, value in sync.status().items():
        click.echo(f"{key}: {value}")


@import_cli.command("achievements")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--org-name", default="成果导入库", show_default=True,
              help="Organisation that holds the imported results (created as a verified institute if missing)")
def import_achievements(path, org_name):
    """Import research results from JSONL in the CSL format (id, title, abstract, keywords, discipline)."""
    import time

    from tt_platform.achievements import importer
    from tt_platform.indexing import sync

    start = time.perf_counter()
    indexer = sync.BulkIndexer()
    try:
        report = importer.import_jsonl(path, org_name=org_name, on_documents=indexer.add)
        db.session.commit()
    except BaseException as exc:  # nothing written, nothing indexed
        db.session.rollback()
        indexer.abandon()
        if isinstance(exc, importer.ImportFailed):
            raise click.ClickException(str(exc)) from exc
        raise
    imported = time.perf_counter() - start
    indexed = indexer.finish(report.outbox_ids)
    db.session.commit()
    total = time.perf_counter() - start
    click.echo(f"imported {report.created} results, skipped {report.skipped} already present "
               f"({imported:.2f}s); {'indexed' if indexed else 'NOT indexed (engine unavailable)'} "
               f"{report.created} ({total:.2f}s total, {report.created / total if total else 0:.0f}/s)")
    for line in report.shortened_summary():
        click.echo(f"shortened to fit: {line}")


@match_cli.command("run")
@click.option("--queries", "queries_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--depth", default=100, show_default=True)
def match_run(queries_path, out_path, depth):
    """Rank results for each demand of a queries file; write {"query_id", "ranking"} lines (external ids)."""
    import json

    from tt_platform.api import match as match_api
    from tt_platform.matching import services

    n = 0
    with open(queries_path, encoding="utf-8") as src, open(out_path, "w", encoding="utf-8") as out:
        for line in src:
            if not line.strip():
                continue
            demand = json.loads(line)
            mq = match_api.match_query_from_json(demand)
            matches = services.match_demand_text(mq, limit=depth)
            ranking = [m.listing.external_ref or m.doc_id for m in matches if m.listing]
            out.write(json.dumps({"query_id": demand.get("id"), "ranking": ranking}, ensure_ascii=False) + "\n")
            n += 1
    click.echo(f"{n} demands ranked into {out_path}")


judgments_cli = AppGroup("judgments", help="The grades people gave the platform's suggestions.")
match_cli.add_command(judgments_cli)


@judgments_cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--explicit-only", is_flag=True, help="only the grades people gave, no case or contract signals")
def judgments_export(out, explicit_only):
    """Write the installation's judgments as a qrels file (query_id<TAB>doc_id<TAB>grade, the format of
    the benchmark's eval.py): one line per pair, the median of its graders' grades, else what a case (2) or
    a signed contract (3) says of it."""
    from tt_platform.judgments import services

    judged = services.qrels(implicit=not explicit_only)
    lines = [f"{query}\t{target}\t{grade}" for query, targets in judged.items() for target, grade in targets.items()]
    with open(out, "w", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))
    click.echo(f"{len(lines)} judgments of {len(judged)} listings written to {out}")


@match_cli.command("evaluate")
def match_evaluate():
    """Score the current ranking on the installation's judgments (nDCG@10, Recall@50, MRR@10, unjudged@10)
    and keep the figures for the operators' page (e.g. nightly)."""
    from search.backends.base import BackendUnavailable
    from tt_platform.judgments import services as judgments
    from tt_platform.matching import services

    try:
        result = services.evaluate_judgments()
    except BackendUnavailable as exc:
        raise click.ClickException(f"search engine unavailable: {exc}") from exc
    if result is None:
        click.echo("no judgments yet: grade suggestions on match pages first")
        return
    scores, count, by_field = result
    judgments.record_evaluation(scores, count, by_field)
    db.session.commit()

    def show(value):
        return "—" if value is None else f"{value:.4f}"

    click.echo(f"{scores.queries} judged listings, {count} judgments: nDCG@10={show(scores.ndcg10)} "
               f"Recall@50={show(scores.recall50)} MRR@10={show(scores.mrr10)} unjudged@10={scores.unjudged10:.2f}")


@match_cli.command("train")
def match_train():
    """Fit the learned re-ranker on the installation's judgments (cross-validated by query) and keep it as
    the next version, switched on only if it beats the untuned fusion by 0.02 nDCG@10 on 200+ pairs."""
    from search.backends.base import BackendUnavailable
    from tt_platform.matching import services

    try:
        result = services.train_ranker()
    except BackendUnavailable as exc:
        raise click.ClickException(f"search engine unavailable: {exc}") from exc
    if result is None:
        click.echo("no judgments yet: grade suggestions on match pages first")
        return
    version, decision = result
    click.echo(f"version {version}: {decision.pairs} judged pairs over {decision.queries} listings; cross-validated "
               f"nDCG@10 learned {decision.cv_learned:.4f}, untuned fusion {decision.cv_untuned:.4f}, shipped "
               f"{decision.cv_live:.4f} — {'ON' if decision.enabled else 'OFF'} ({decision.reason})")


@match_cli.command("propose-terms")
def match_propose_terms():
    """Propose related-term pairs from the judgments (words of relevant suggestions that the judged listing
    lacked) for operators to accept or reject on the related-term page."""
    from tt_platform.matching import services

    found, new = services.propose_terms()
    db.session.commit()
    click.echo(f"{found} term pairs proposed, {new} new; operators decide at /matches/terms")


@match_cli.command("summarise")
@click.option("--limit", type=int, default=None, help="refresh at most this many demands")
def match_summarise(limit):
    """Refresh the match summary of new or changed published demands (the funnel's "matched" step; cron)."""
    from search.backends.base import BackendUnavailable
    from tt_platform.matching import services

    try:
        count = services.summarise_demands(limit)
    except BackendUnavailable as exc:
        raise click.ClickException(f"search engine unavailable: {exc}") from exc
    db.session.commit()
    click.echo(f"{count} demands summarised")


def _import_actor(email: str | None):
    from tt_platform.accounts.models import Membership, Role, User

    if email:
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no user {email}")
        return user
    user = db.session.scalar(sa.select(User).join(Membership).where(Membership.role == Role.OPERATOR,
                                                                    Membership.is_org_admin.is_(True))
                             .order_by(User.id).limit(1))
    if user is None:
        raise click.ClickException("no operator admin to record as the importer; pass --as EMAIL")
    return user


def _bulk_import(kind_name, path, org_code, dry_run, update_existing, publish, email, encoding, sheet):
    from tt_platform.accounts.models import Organisation
    from tt_platform.bulk import files, services
    from tt_platform.bulk.index_feed import IndexFeed

    kind = services.KINDS[kind_name]
    actor = _import_actor(email)
    organisation = None
    if org_code:
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.credit_code == org_code.upper()))
        if organisation is None:
            raise click.ClickException(f"no organisation with the credit code {org_code}")
    feed = IndexFeed()
    try:
        organisation = services.check_target(actor, kind, organisation)
        with open(path, "rb") as handle:
            data = handle.read()
        table = files.read_table(data, path, encoding=encoding, sheet=sheet,
                                 limits=files.Limits(max_bytes=current_app.config["IMPORT_MAX_BYTES"]))
        # the bar goes to stderr, so the row report on stdout stays clean for a pipe or a log
        with click.progressbar(length=table.size_hint or 0, label="rows", file=sys.stderr,
                               show_pos=True, show_percent=bool(table.size_hint)) as bar:
            def advance(done: int) -> None:
                bar.update(done - bar.pos)

            report = services.run(kind, table, actor, organisation,
                                  services.Options(update_existing=update_existing, publish=publish),
                                  write=not dry_run, progress=advance, on_saved=feed)
    except BaseException as exc:  # nothing written, nothing indexed
        db.session.rollback()
        feed.abandon()
        if isinstance(exc, services.ImportRefused | files.FileProblem):
            raise click.ClickException(str(exc)) from exc
        raise
    for line in [*report.file_errors, *report.file_warnings]:
        click.echo(line)
    for row in report.rows:
        for column, message in row.errors:
            click.echo(f"row {row.number} · {column}: {message}  [error]")
        for column, message in row.warnings:
            click.echo(f"row {row.number} · {column}: {message}  [warning]")
    counts = report.counts()
    click.echo(f"{counts['rows']} rows: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged, {counts['error']} with errors"
               + (" — dry run, nothing written" if dry_run else ""))
    if report.has_errors or dry_run:
        db.session.rollback()
        feed.abandon()
        if report.has_errors:
            raise click.ClickException("the file has errors: nothing was imported")
        return
    db.session.commit()
    indexed = feed.finish()  # searchable now; the outbox keeps the rows when the engine was unavailable
    db.session.commit()
    click.echo("indexed for search" if indexed else "NOT indexed now (engine unavailable): run flask search drain")


def _bulk_command(kind_name: str, help_text: str):
    @import_cli.command(kind_name, help=help_text)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--org", "org_code", help="统一社会信用代码 of the organisation the rows belong to")
    @click.option("--dry-run", is_flag=True, help="validate every row and report; write nothing")
    @click.option("--update-existing", is_flag=True, help="rows matching an existing listing update it")
    @click.option("--publish", is_flag=True, help="publish at once instead of sending to the review queue")
    @click.option("--as", "email", help="the user recorded as importer (default: the first operator admin)")
    @click.option("--encoding", help="CSV encoding (detected when not given: UTF-8, UTF-8 with BOM, GB18030)")
    @click.option("--sheet", help="XLSX sheet (default: the first)")
    def command(path, org_code, dry_run, update_existing, publish, email, encoding, sheet):
        _bulk_import(kind_name, path, org_code, dry_run, update_existing, publish, email, encoding, sheet)
    return command


_bulk_command("results", "Import research results from XLSX, CSV or JSONL (columns as in the template).")
_bulk_command("demands", "Import technology demands from XLSX, CSV or JSONL (columns as in the template).")
_bulk_command("organisations", "Import organisations (operators; --publish records them as verified).")
_bulk_command("contracts", "Import contracts registered before the platform (registrars: pass --as EMAIL).")


@import_cli.command("purge")
@click.option("--days", default=2, show_default=True, help="discard previews older than this")
def import_purge(days):
    """Discard import previews nobody confirmed and delete their uploaded files (for cron)."""
    import datetime as dt
    from pathlib import Path

    from tt_platform.bulk import jobs

    stale = jobs.expire_stale(dt.timedelta(days=days))
    db.session.commit()
    for job in stale:
        jobs.remove_file(job, Path(current_app.config["UPLOAD_DIR"]) / "imports")
    db.session.commit()
    click.echo(f"{len(stale)} stale import previews discarded")


@import_cli.command("work")
@click.option("--loop", is_flag=True, help="keep waiting for new jobs (a long-running worker process)")
@click.option("--interval", default=2.0, show_default=True, help="seconds between two looks, with --loop")
def import_work(loop, interval):
    """Run the large imports waiting in the background: checks and confirmed imports (IMPORT_WORKER=cli),
    and runs that stopped when their process died."""
    import time

    from tt_platform.bulk import worker

    while True:
        for job_id in worker.waiting():
            if worker.run(job_id):
                click.echo(f"import job {job_id} done")
        db.session.rollback()
        if not loop:
            return
        time.sleep(interval)


@import_cli.command("template")
@click.argument("kind_name", type=click.Choice(["results", "demands", "organisations", "contracts"]))
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def import_template(kind_name, out):
    """Write the XLSX template of an import kind (the same file the web page offers)."""
    from tt_platform.bulk import services, template

    kind = services.KINDS[kind_name]
    with open(out, "wb") as handle:
        handle.write(template.template_xlsx(kind.layout, str(kind.label)))
    click.echo(f"template written to {out}")
