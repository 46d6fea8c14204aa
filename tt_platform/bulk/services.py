"""Bulk import: every row through the kind's web form and service, reported row by row, all or nothing.

`run()` reads a table (see files.py) for one organisation. Each row becomes the form data the web
page would post, is validated by the same WTForms form, and is saved by the same service call
(create, or update of an existing listing) inside its own savepoint, so database rules (a taken
reference, a closed listing) are checked for real. The whole file runs inside one outer savepoint:
a preview (`write=False`) or a file with any error rolls it back, so nothing is written; otherwise the
caller commits once. Services never commit.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import FieldList

from tt_platform.accounts import services as accounts
from tt_platform.accounts.forms import OrganisationImportForm
from tt_platform.accounts.models import ROLE_FOR_KIND, Organisation, Role, User
from tt_platform.achievements import services as achievements
from tt_platform.achievements.forms import AchievementForm
from tt_platform.achievements.models import Achievement
from tt_platform.bulk import columns
from tt_platform.bulk.columns import CellProblem, Column, Layout
from tt_platform.bulk.files import Table
from tt_platform.contracts import services as contracts
from tt_platform.contracts.forms import RegisteredContractForm
from tt_platform.contracts.models import Contract
from tt_platform.database import db
from tt_platform.demands import services as demands
from tt_platform.demands.forms import DemandForm
from tt_platform.demands.models import Demand
from tt_platform.listings import services as listings
from tt_platform.security import NotAllowed


class ImportRefused(Exception):
    """The import cannot start (who imports for whom); a message for the user."""


@dataclass(frozen=True)
class ImportKind:
    """What differs between the kinds of import; the procedure (read, form, save, report) is one."""

    name: str
    label: object
    layout: Layout
    form: type  #: a form with to_data()
    model: type
    role: Role | None  #: the role whose organisations the rows belong to; None: operators only, no target
    save: Callable  #: (kind, context, form, data, existing, external_ref) -> (object, "created" | …)
    finder: Callable  #: (kind, organisation) -> an object with find(external_ref, form, row, update_existing)
    errors: tuple[type[Exception], ...]
    title_key: str = "title"
    #: what makes two rows of one file the same entry: (form, external_ref) -> str
    identity: Callable = lambda form, external_ref: external_ref or form.title.data.strip()
    has_external_ref: bool = False
    #: kinds without a target organisation: who may import (user -> bool) and the refusal
    gate: Callable[[User], bool] = lambda user: user.is_operator
    refusal: object = _l("Only operators import organisations.")
    create: Callable | None = None  #: listings: (user, data, *, submit, organisation) -> listing
    #: save many rows per flush (listings, whose services batch their audit and outbox rows)
    batched: bool = False
    update: Callable | None = None  #: listings: (user, listing, data, *, on_behalf) -> changed fields



@dataclass(frozen=True)
class _Context:
    actor: User
    organisation: Organisation | None
    on_behalf: bool
    options: Options
    forms: dict = field(default_factory=dict)

    def form(self, kind: ImportKind, formdata: MultiDict):
        """The kind's web form filled with one row. One instance per import, refilled for each row:
        building a form binds every field anew (a third of a row's time); `process` resets each
        field's data and errors, and `validate` runs the same validators as on the web page."""
        form = self.forms.get(kind.name)
        if form is None:
            form = self.forms[kind.name] = kind.form(formdata=formdata, meta={"csrf": False})
            # the blank rows a page offers for typing (IP records) are no data: a row carries the ones it has
            for repeated in form:
                if isinstance(repeated, FieldList):
                    repeated.min_entries = 0
        form.process(formdata)
        return form


def _save_listing(kind: ImportKind, ctx: _Context, form, data, existing, external_ref: str):
    if existing is None:
        listing = kind.create(ctx.actor, data, submit=True, organisation=ctx.organisation if ctx.on_behalf else None)
        if external_ref:
            listing.external_ref = external_ref  # the importer's key, not a form field
        if ctx.options.publish:
            listings.review(listing, ctx.actor, "approve", None)
        return listing, "created"
    changed = kind.update(ctx.actor, existing, data, on_behalf=ctx.on_behalf)
    return existing, "updated" if changed else "unchanged"


def _save_organisation(kind: ImportKind, ctx: _Context, form, data, existing, external_ref: str):
    if existing is None:
        return accounts.create_organisation(ctx.actor, data, verified=ctx.options.publish), "created"
    before = {f: getattr(existing, f) for f in _ORGANISATION_FIELDS}
    accounts.update_organisation(ctx.actor, existing, data, on_behalf=True)
    changed = any(getattr(existing, f) != value for f, value in before.items())
    return existing, "updated" if changed else "unchanged"


def _save_registered_contract(kind: ImportKind, ctx: _Context, form, data, existing, external_ref: str):
    if existing is not None:
        return existing, "unchanged"  # a registered contract changes only through the desk's change procedure
    return contracts.record_registered(ctx.actor, data, number=form.registration_number.data,
                                       registered_on=form.registered_on.data), "created"


_ORGANISATION_FIELDS = ("name", "credit_code", "region_code", "party_type", "contact_name", "contact_phone",
                        "contact_email", "website", "introduction")


@dataclass(frozen=True)
class Options:
    update_existing: bool = False  #: a row matching an existing listing updates it (else it is an error)
    publish: bool = False  #: operators: publish at once instead of sending to the review queue


@dataclass
class RowReport:
    number: int
    title: str
    action: str = ""  #: created | updated | unchanged | error
    errors: list[tuple[str, str]] = field(default_factory=list)  #: (column, message)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    listing_id: int | None = None


@dataclass
class Report:
    kind: str
    format: str
    encoding: str | None = None
    sheet: str | None = None
    file_errors: list[str] = field(default_factory=list)
    file_warnings: list[str] = field(default_factory=list)
    rows: list[RowReport] = field(default_factory=list)
    written: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(r.errors for r in self.rows)

    @property
    def has_warnings(self) -> bool:
        return bool(self.file_warnings) or any(r.warnings for r in self.rows)

    def counts(self) -> dict[str, int]:
        out = {"rows": len(self.rows), "created": 0, "updated": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            out[row.action] = out.get(row.action, 0) + 1
        return out

    def to_json(self) -> dict:
        return dataclasses.asdict(self) | {"counts": self.counts()}


def may_import(user: User, kind: ImportKind) -> bool:
    return kind.gate(user) if kind.role is None else bool(importing_organisations(user, kind))


def importing_organisations(user: User, kind: ImportKind) -> list[Organisation]:
    """The organisations `user` may import `kind` for: operators any verified one of the right kind,
    an organisation admin their own (none for a kind without a target organisation)."""
    if kind.role is None:
        return []
    if user.is_operator:
        kinds = [k for k, role in ROLE_FOR_KIND.items() if role is kind.role]
        return db.session.scalars(sa.select(Organisation).where(Organisation.kind.in_(kinds))
                                  .order_by(Organisation.name)).all()
    return [m.organisation for m in user.memberships if m.is_org_admin and m.role is kind.role]


def check_target(user: User, kind: ImportKind, organisation: Organisation | None) -> Organisation | None:
    if kind.role is None:
        if not kind.gate(user):
            raise ImportRefused(str(kind.refusal))
        return None
    allowed = importing_organisations(user, kind)
    if organisation is None and len(allowed) == 1 and not user.is_operator:
        return allowed[0]
    if organisation is None:
        raise ImportRefused(_("Choose the organisation the rows belong to."))
    if organisation not in allowed:
        raise ImportRefused(_("You may not import %(kind)s for %(org)s: organisation admins import for their "
                              "own organisation, operators for any.", kind=kind.label, org=organisation.name))
    return organisation


def _normal(header: str) -> str:
    return "".join(str(header).split()).replace("*", "").replace("＊", "").lower()


def header_map(layout: Layout) -> dict[str, tuple[str, Column, int | None]]:
    """Every accepted spelling of a header → (form key, column, repetition index or None): the
    template's bilingual header, the Chinese or English name alone, the field key, documented aliases."""
    out: dict[str, tuple[str, Column, int | None]] = {}
    for column in layout.columns:
        for spelling in (column.header, column.zh, column.en, column.key, *column.aliases):
            out[_normal(spelling)] = (column.key, column, None)
    for group in layout.groups:
        for index, column, zh, en in group.numbered():
            key = f"{group.form_key}-{index}-{column.key}"
            for spelling in (f"{zh} {en}", zh, en, key):
                out[_normal(spelling)] = (key, column, index)
    return out


def _form_label(kind: ImportKind, key: str) -> str:
    for column in kind.layout.columns:
        if column.key == key:
            return column.zh
    for group in kind.layout.groups:
        if key == group.form_key:
            return group.zh
    return key


def _flatten(errors) -> list[str]:
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _flatten(value)]
    if isinstance(errors, list | tuple):
        return [m for value in errors for m in _flatten(value)]
    return [str(errors)]


class _Rollback(Exception):
    """Leaves the outer savepoint without writing (a preview, or a file with errors)."""


def run(kind: ImportKind, table: Table, actor: User, organisation: Organisation | None, options: Options = Options(),
        *, write: bool, progress: Callable[[int], None] | None = None,
        on_saved: Callable[[list], None] | None = None) -> Report:
    """Validate (and with `write`, save) every row of `table` for `organisation`; see the module doc.
    `on_saved` receives each chunk's saved objects once they are flushed (see index_feed.py); when the
    report is not written, whatever it received was rolled back."""
    report = Report(kind=kind.name, format=table.format, encoding=table.encoding, sheet=table.sheet)
    accepted = header_map(kind.layout)
    mapped: dict[str, tuple[str, Column, int | None]] = {}
    unknown = []
    for header in table.headers:
        found = accepted.get(_normal(header))
        if found is None:
            unknown.append(header)
        elif found[0] in {m[0] for m in mapped.values()}:
            report.file_errors.append(_("Two columns fill the same field: “%(header)s”.", header=header))
        else:
            mapped[header] = found
    if unknown:
        report.file_warnings.append(_("Columns not imported (not in the template): %(names)s.",
                                      names="、".join(unknown)))
    present = {key for key, _c, _i in mapped.values()}
    missing = [c.zh for c in kind.layout.columns if c.required and c.key not in present]
    if missing:
        report.file_errors.append(_("Required columns missing: %(names)s.", names="、".join(missing)))
    if report.file_errors:
        return report
    if options.publish and not actor.is_operator:
        raise ImportRefused(_("Only operators publish imported listings directly."))
    on_saved = on_saved if write else None  # a preview is rolled back: nothing of it may be indexed
    on_behalf = organisation is None or not any(m.organisation_id == organisation.id for m in actor.memberships)
    context = _Context(actor, organisation, on_behalf, options)
    try:
        with db.session.begin_nested():
            seen: dict[str, int] = {}
            known = kind.finder(kind, organisation)
            for chunk in _chunks(table.rows, BATCH_ROWS if kind.batched else 1):
                report.rows.extend(_import_chunk(kind, chunk, mapped, context, seen, known, on_saved))
                if progress:
                    progress(len(report.rows))
            if not report.rows:
                report.file_errors.append(_("The file has a header but no rows."))
            if not write or report.has_errors:
                raise _Rollback
    except _Rollback:
        for row in report.rows:
            row.listing_id = None  # rolled back: nothing to link to
    else:
        report.written = True
    return report


#: rows saved per flush by kinds that batch (listings): large enough that the per-statement cost of
#: SQLAlchemy and the database is shared, small enough that a chunk redone row by row is cheap
BATCH_ROWS = 200


def _chunks(rows, size: int):
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _RowByRow(Exception):
    """A row of a batched chunk failed in the service or the database: redo the chunk row by row."""


def _import_chunk(kind: ImportKind, chunk, mapped, ctx: _Context, seen, known, on_saved=None) -> list[RowReport]:
    """Save a chunk of rows. Listings go in one flush (their audit and outbox rows batched too); when a
    row fails in the service or the database, the chunk is rolled back and redone row by row, each in
    its own savepoint, so the failure is named on its own row and nothing else changes."""
    if len(chunk) > 1:
        seen_before = dict(seen)
        try:
            with db.session.begin_nested(), listings.batched_records():
                done = [_import_row(kind, number, values, mapped, ctx, seen, known, batched=True)
                        for number, values in chunk]
                listings.write_batched_records()
            for row, saved in done:
                row.listing_id = saved.id if saved is not None else None
            if on_saved:
                on_saved([saved for _row, saved in done if saved is not None])
            _let_go([saved for _row, saved in done if saved is not None])
            return [row for row, _saved in done]
        except (_RowByRow, sa.exc.IntegrityError):
            seen.clear()
            seen.update(seen_before)
    done = [_import_row(kind, number, values, mapped, ctx, seen, known) for number, values in chunk]
    if on_saved:
        on_saved([saved for row, saved in done if saved is not None and not row.errors])
    return [row for row, _saved in done]


def _let_go(saved: list) -> None:
    """Written and reported: the chunk's objects leave the session, so that a 50,000-row import does not
    keep 50,000 listings (and their IP records) in the identity map for every later flush and garbage
    collection to walk (the import ran half as fast per row at 50,000 rows as at 20,000 before this).
    The expunge cascades to the children the session holds (IP records: cascade "all"); reading a
    collection here that was never loaded would cost a SELECT per listing (a quarter of the import)."""
    for obj in saved:
        db.session.expunge(obj)


def _import_row(kind, number, values, mapped, ctx: _Context, seen, known, *,
                batched: bool = False) -> tuple[RowReport, object | None]:
    """One row: cells → the web form → the service. Returns the row's report and what it saved."""
    formdata = MultiDict()
    row = RowReport(number=number, title=str(values.get(next(
        (h for h, (k, _c, _i) in mapped.items() if k == kind.title_key), ""), "") or "")[:200])
    external_ref = ""
    for header, (key, column, _index) in mapped.items():
        raw = values.get(header)
        try:
            value = column.read(raw)
        except CellProblem as exc:
            row.errors.append((header, str(exc)))
            continue
        if key == "external_ref":
            external_ref = str(value)
            if "\x00" in external_ref:  # not a form field, so BaseForm's NUL check does not see it
                row.errors.append((header, _("The text contains characters that cannot be stored (NUL).")))
            continue
        if key == "keywords" and any(len(part.strip()) > 40 for part in columns.LIST_SEPARATORS.split(str(value))):
            row.warnings.append((header, _("Keywords over 40 characters are shortened.")))
        if isinstance(value, list):
            for item in value:
                formdata.add(key, item)
        elif value != "":
            formdata.add(key, value)
    if row.errors:
        row.action = "error"
        return row, None
    form = ctx.form(kind, formdata)
    if not form.validate():
        for key, messages in form.errors.items():
            label = _form_label(kind, key)
            row.errors.extend((label, message) for message in _flatten(messages))
        row.action = "error"
        return row, None
    identity = kind.identity(form, external_ref)
    if identity in seen:
        row.errors.append((_("Row"), _("The same entry as row %(n)d of this file.", n=seen[identity])))
        row.action = "error"
        return row, None
    seen[identity] = number
    existing = known.find(external_ref, form, row, ctx.options.update_existing)
    if row.errors:
        row.action = "error"
        return row, None
    data = form.to_data()
    if batched:
        try:
            saved, row.action = kind.save(kind, ctx, form, data, existing, external_ref)
        except (*kind.errors, listings.InvalidTransition, NotAllowed):
            raise _RowByRow from None  # the service may have added half a row: redo the chunk
        return row, saved
    saved = None
    try:
        with db.session.begin_nested():
            saved, row.action = kind.save(kind, ctx, form, data, existing, external_ref)
            db.session.flush()  # write now: a broken constraint is this row's error, not the commit's
            row.listing_id = saved.id
    except (*kind.errors, listings.InvalidTransition, NotAllowed) as exc:
        row.errors.append((_("Row"), str(exc)))
        row.action = "error"
    except sa.exc.IntegrityError:
        # a rule only the database knows, or an entry written by someone else since the file was read
        row.errors.append((_("Row"), _("This row conflicts with an entry already on the platform (the same "
                                       "reference or number); check it and upload the file again.")))
        row.action = "error"
    return row, saved


def _re_import(model, found_id: int, row: RowReport, update_existing: bool):
    """A row that matches an entry already on the platform updates it only when the user chose so."""
    if not update_existing:
        row.errors.append((_("Row"), _("Already on the platform (no. %(id)d); choose “update existing” to "
                                       "change it.", id=found_id)))
        return None
    return db.session.get(model, found_id)


class _Existing:
    """The listings a file may re-import, read once: by external reference (any organisation, so a
    reference taken by another one is refused) and by title within the organisation."""

    def __init__(self, kind: ImportKind, organisation: Organisation):
        model = kind.model
        self.kind, self.organisation = kind, organisation
        self.by_ref: dict[str, tuple[int, int]] = {}
        if kind.has_external_ref:
            self.by_ref = {ref: (listing_id, org_id) for ref, listing_id, org_id in db.session.execute(
                sa.select(model.external_ref, model.id, model.organisation_id).where(model.external_ref.is_not(None)))}
        self.by_title: dict[str, int] = {}
        for title, listing_id in db.session.execute(
                sa.select(model.title, model.id).where(model.organisation_id == organisation.id).order_by(model.id)):
            self.by_title.setdefault(title, listing_id)

    def find(self, external_ref: str, form, row: RowReport, update_existing: bool):
        """The listing a row re-imports: the same external reference, else the same organisation and title."""
        title = form.title.data.strip()
        if external_ref:
            if len(external_ref) > 64:
                row.errors.append((_("External reference"), _("At most 64 characters.")))
                return None
            listing_id, org_id = self.by_ref.get(external_ref, (None, None))
            if listing_id is not None and org_id != self.organisation.id:
                row.errors.append((_("External reference"), _("Another organisation already uses this reference.")))
                return None
        else:
            listing_id = self.by_title.get(title)
        if listing_id is None:
            return None
        return _re_import(self.kind.model, listing_id, row, update_existing)


class _ExistingOrganisations:
    """Organisations are the same when their 统一社会信用代码 is."""

    def __init__(self, kind: ImportKind, organisation: Organisation | None):
        self.by_code = dict(db.session.execute(sa.select(Organisation.credit_code, Organisation.id)).all())

    def find(self, external_ref: str, form, row: RowReport, update_existing: bool):
        found = self.by_code.get(form.credit_code.data.strip().upper())
        if found is None:
            return None
        return _re_import(Organisation, found, row, update_existing)


class _ExistingContracts:
    """Registered contracts are the same when their registration number is: a second import of the
    office's register leaves them as they are (changes go through the desk's change procedure)."""

    def __init__(self, kind: ImportKind, organisation: Organisation | None):
        numbered = sa.select(Contract.registration_number, Contract.id).where(Contract.registration_number.is_not(None))
        self.by_number = dict(db.session.execute(numbered).all())

    def find(self, external_ref: str, form, row: RowReport, update_existing: bool):
        found = self.by_number.get(form.registration_number.data.strip())
        if found is None:
            return None
        return _re_import(Contract, found, row, update_existing)


KINDS = {
    "results": ImportKind("results", _l("Research results"), columns.RESULTS, AchievementForm, Achievement,
                          Role.RESEARCH, _save_listing, _Existing, (achievements.AchievementError,),
                          has_external_ref=True, create=achievements.create_achievement,
                          update=achievements.update_achievement, batched=True),
    "demands": ImportKind("demands", _l("Technology demands"), columns.DEMANDS, DemandForm, Demand,
                          Role.ENTERPRISE, _save_listing, _Existing, (demands.DemandError,),
                          create=demands.create_demand, update=demands.update_demand, batched=True),
    "organisations": ImportKind("organisations", _l("Organisations"), columns.ORGANISATIONS, OrganisationImportForm,
                                Organisation, None, _save_organisation, _ExistingOrganisations,
                                (accounts.AccountError,), title_key="org_name",
                                identity=lambda form, _ref: form.credit_code.data.strip().upper()),
    "contracts": ImportKind("contracts", _l("Registered technology contracts"), columns.CONTRACTS,
                            RegisteredContractForm, Contract, None, _save_registered_contract, _ExistingContracts,
                            (contracts.ContractError,), title_key="name",
                            identity=lambda form, _ref: form.registration_number.data.strip(),
                            gate=lambda user: contracts.registrar_office(user) is not None,
                            refusal=_l("Only registrars of a registration office import registered contracts.")),
}
