"""The SQLAlchemy base class, the unbound `db` extension and time helpers."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

#: The largest id a row can have: primary keys are PostgreSQL `integer` (SQLite's are wider, but the app
#: runs on both). A larger number in a URL, a query string, a form or a JSON body names no row, and
#: handing it to the driver overflows (a 500): ids from outside pass through `parse_id` or the URL
#: converter built on it (`tt_platform.web.IdConverter`, the app's "int").
MAX_ID = 2**31 - 1


def parse_id(raw) -> int | None:
    """An id sent by a client (text of ASCII digits, or an int from JSON): the number when it is one a row
    can have (1 … MAX_ID), else None. Never raises: signs, spaces, fractions, booleans, floats, huge
    numbers and non-ASCII digits are all None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 10:
        value = int(raw)
    else:
        return None
    return value if 1 <= value <= MAX_ID else None


#: The platform's zone: the dates users see and enter (validity, deadlines, registration) are Beijing dates.
CHINA = ZoneInfo("Asia/Shanghai")


def china_today() -> dt.date:
    """Today in Beijing, whatever the server's zone."""
    return dt.datetime.now(CHINA).date()


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC; every `*_at` column stores UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A DateTime that always comes back timezone-aware in UTC, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime stored; use tt_platform.database.utcnow()")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL for concurrent readers, enforced foreign keys, and SQLAlchemy's SAVEPOINT recipe."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@sa.event.listens_for(sa.Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


def _reusing_last(process):
    """`process`, skipped when a value is the very object it processed last: a bulk write's rows share
    their timestamps, status and holder, and processing a datetime for SQLite costs ~4 µs."""
    last_value, last_result = object(), None

    def run(value):
        nonlocal last_value, last_result
        if value is not last_value:
            last_value, last_result = value, process(value)
        return last_result
    return run


def bulk_insert(table: sa.Table, rows: list[dict]) -> None:
    """INSERT many rows through the driver's executemany, in the session's transaction.

    Core's executemany builds and processes a parameter dict per row in Python, which is most of a
    bulk import's database time; here the statement is compiled once for the dialect and each
    column's own bind processor (enums, JSON, dates on SQLite…) is applied per value, so the driver
    receives exactly what Core would send. Every row must give every column the statement needs:
    column defaults are not applied (a missing one is a KeyError, not a silent NULL)."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=list(rows[0]))
    names = list(compiled.positiontup) if dialect.positional else list(compiled.binds)
    processors = [(name, _reusing_last(process) if process else None) for name, process in
                  ((name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names)]
    if dialect.positional:
        params = [tuple(process(row[name]) if process else row[name] for name, process in processors)
                  for row in rows]
    else:
        params = [{name: process(row[name]) if process else row[name] for name, process in processors}
                  for row in rows]
    connection.exec_driver_sql(str(compiled), params)


def sqlite_path(engine) -> str | None:
    """The file of a SQLite engine, or None for another database (or an in-memory one)."""
    if engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    return path if path and path != ":memory:" else None


def backup_sqlite(engine, target: str) -> None:
    """A consistent copy of the live SQLite database into `target`, through SQLite's online backup API
    (readers and writers may go on meanwhile; the copy is of one moment)."""
    import sqlite3

    with sqlite3.connect(sqlite_path(engine)) as source, sqlite3.connect(target) as copy:
        source.backup(copy)


def restore_sqlite(engine, source: str) -> None:
    """Replace the SQLite database's contents with the backup `source` (the caller checks it was empty)."""
    import sqlite3

    engine.dispose()  # no pooled connection keeps the old pages
    with sqlite3.connect(source) as backup, sqlite3.connect(sqlite_path(engine)) as live:
        backup.backup(live)
    engine.dispose()
