"""The plumbing every query module shares: the engine, short transactions, small helpers."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError, StatementError

from ..errors import StorageError
from ..types import Evidence, Item
from . import schema as t
from .records import (
    ScopeItem,
)
from .schema import UTCDateTime

T = TypeVar("T")


class Queries:
    """Holds the engine; each query mixin opens one short transaction per method."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _tx(self) -> _Transaction:
        """A write transaction (on SQLite it takes the write lock at BEGIN: see db.py)."""
        return _Transaction(self.engine, write=True)

    def _read(self) -> _Transaction:
        """A read: on SQLite a deferred transaction that takes no write lock, so a reader
        never waits for another process's write."""
        return _Transaction(self.engine, write=False)

    def reading(self) -> _Transaction:
        """A read for read-outs kept next to their use (explain, dry run, /readyz): no write
        lock, and every driver error comes out as StorageError."""
        return self._read()


class _Transaction:
    """One connection and transaction, committed at the end (rolled back on an error); every
    driver error, in opening, in the body or in committing, comes out as StorageError (a busy
    SQLite waits out its busy_timeout first; see db.py). Errors that are not the driver's
    pass through unchanged."""

    def __init__(self, engine: Engine, *, write: bool) -> None:
        self.engine = engine
        self.write = write
        self.conn: Connection | None = None
        self.lock = _sqlite_write_lock(engine) if write else None

    def __enter__(self) -> Connection:
        try:
            conn = self.engine.connect()
        except SQLAlchemyError as e:
            raise StorageError(f"storage: cannot connect: {_reason(e)}") from e
        self.conn = conn
        if self.lock is not None:  # connected first: only the transaction is one at a time
            self.lock.acquire()
        try:
            conn.execution_options(**{WRITE_OPTION: self.write})
            conn.begin()
        except SQLAlchemyError as e:
            self._release()
            conn.close()
            raise StorageError(f"storage: cannot open a transaction: {_reason(e)}") from e
        except BaseException:
            self._release()
            conn.close()
            raise
        return conn

    def _release(self) -> None:
        if self.lock is not None:
            self.lock.release()

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        conn = self.conn
        assert conn is not None
        try:
            if exc is None:
                conn.commit()
            else:
                conn.rollback()
        except SQLAlchemyError as e:
            if exc is None:
                raise StorageError(f"storage: transaction failed: {_reason(e)}") from e
        finally:
            self._release()
            with contextlib.suppress(SQLAlchemyError):
                conn.close()
        if isinstance(exc, SQLAlchemyError):
            raise StorageError(f"storage: query failed: {_reason(exc)}") from exc


WRITE_OPTION = "syndication_write"  # read by db.py's SQLite "begin" listener

# One SQLite writer at a time per database file in this process. The threads of a busy cycle
# (ingests, publishing, deliveries) otherwise all wait in SQLite's busy handler, which is
# neither fair nor patient: under load one waited out the 30 s busy_timeout and the cycle
# failed with "database is locked" (issue 12). Queued here, they wait their turn without a
# limit; another process is still waited for by busy_timeout. Re-entrant: a thread that
# writes inside its own write waits on SQLite as before, never on itself.
_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _sqlite_write_lock(engine: Engine) -> threading.RLock | None:
    if engine.dialect.name != "sqlite":
        return None
    name = str(engine.url)
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(name, threading.RLock())


def _reason(e: SQLAlchemyError) -> str:
    orig = getattr(e, "orig", None)
    return str(orig if orig is not None else e).strip().splitlines()[0][:500]


def channel_health(conn: Connection, delivery_id: int, error: str | None) -> None:
    """The health of the delivery's chat after a request about it: `error`, one more failed
    try since its last message went out (or was taken down); None, a request that worked,
    which clears the count. The row is made first if missing, without a race between two
    processes (ON CONFLICT DO NOTHING), then updated."""
    d, c = t.deliveries.c, t.channels.c
    chat = conn.execute(select(d.chat).where(d.id == delivery_id)).scalar_one_or_none()
    if chat is None:
        return
    made = upsert_insert(conn, t.channels).values(chat=chat, state="ok")
    conn.execute(made.on_conflict_do_nothing(index_elements=[c.chat]))
    if error is None:
        values: dict[str, Any] = {"failures": 0, "last_error": None}
    else:
        values = {"failures": c.failures + 1, "last_error": error[:2000]}
    conn.execute(update(t.channels).where(c.chat == chat).values(**values))


def upsert_insert(conn: Connection, table: Table) -> Any:
    """An INSERT of `table` that can take ON CONFLICT, in the connection's dialect. The
    PostgreSQL dialect is imported only where it is used: it costs a SQLite process's start
    more than its whole warm cycle of store calls."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


# the events holding when a story last left each scope ("scope_left:<path>" -> ISO time)
SCOPE_LEFT = "scope_left:"


def note_left(conn: Connection, scopes: Iterable[str], now: datetime) -> None:
    """Note that a story left `scopes` now (withdrawn, or reclassified out): each one's feeds
    keep a date past it (Publisher: Scope.changed), where the newest story left would date
    them back, and a reader that goes by the date would keep the version listing it."""
    rows = [
        {"key": f"{SCOPE_LEFT}{scope}", "value": now.isoformat(), "updated": now}
        for scope in sorted(set(scopes))
    ]
    if not rows:
        return
    upsert = upsert_insert(conn, t.events)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[t.events.c.key],
            set_={"value": upsert.excluded.value, "updated": upsert.excluded.updated},
        ),
        rows,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Compiled:
    """A BulkInsert's statement for one dialect, and how its parameters are laid out."""

    columns: tuple[str, ...]
    sql: str
    returning_sql: str | None  # INSERT ... RETURNING the primary key, where the dialect has it
    order: tuple[int, ...] | None  # positional drivers: the columns' order in the statement
    processors: tuple[Any, ...]
    timestamps: frozenset[int]  # the columns whose values are datetimes, converted memoized

    def one(self, row: Mapping[str, Any]) -> Any:
        """One row's parameters, as parameters([row]) gives them."""
        try:
            values = [
                row[c] if p is None else p(row[c])
                for c, p in zip(self.columns, self.processors, strict=True)
            ]
        except Exception as e:
            raise self._refused(e) from e
        if self.order is None:
            return dict(zip(self.columns, values, strict=True))
        return tuple([values[i] for i in self.order])

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The rows as the driver takes them, each value through its bind processor: one
        column at a time, and a UTC timestamp converted once per call (a poll's rows share a
        few; only UTC ones: two local times a DST fold apart are equal, other instants)."""
        try:
            converted = [self._column(i, rows) for i in range(len(self.columns))]
        except Exception as e:
            raise self._refused(e) from e
        if self.order is None:  # named parameters (psycopg's pyformat): dicts
            columns = self.columns
            return [dict(zip(columns, row, strict=True)) for row in zip(*converted, strict=True)]
        ordered = [converted[i] for i in self.order]
        return list(zip(*ordered, strict=True))

    def _column(self, index: int, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        column, process = self.columns[index], self.processors[index]
        values = [row[column] for row in rows]
        if process is None:
            return values
        if index not in self.timestamps:
            return list(map(process, values))
        memo: dict[datetime, Any] = {}
        out = []
        for value in values:
            if type(value) is datetime and value.tzinfo is UTC:
                found = memo.get(value)
                if found is None:
                    found = memo[value] = process(value)
                out.append(found)
            else:
                out.append(process(value))
        return out

    def _refused(self, e: Exception) -> StatementError:
        """A value its column's type cannot bind, as SQLAlchemy's own execute reports it (the
        ingest takes a StatementError for the entry's fault, not the poll's)."""
        return StatementError(f"{type(e).__name__}: {e}", self.sql, None, e)


class BulkInsert:
    """`conn.execute(insert(table), rows)` for many rows of the same columns: each value goes
    through its column type's bind processor as SQLAlchemy's own executemany would (the same
    rows stored), but the statement is compiled once per dialect and the rows go straight to
    the driver's executemany, without SQLAlchemy's per-row parameter bookkeeping (two thirds
    of the CPU of inserting a cold poll's entries and scopes). `insert_one` inserts one row and
    gives its primary key, as `conn.execute(insert(table), row).inserted_primary_key` would."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table, self.columns = table, tuple(columns)
        self._compiled: dict[str, _Compiled] = {}
        keys = list(table.primary_key.columns)
        # insert_one's key: RETURNING it, or on SQLite the rowid an integer key stands for
        self._keyed = len(keys) == 1 and isinstance(keys[0].type, Integer)

    def __call__(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        compiled = self._for(conn.dialect)
        conn.exec_driver_sql(compiled.sql, compiled.parameters(rows))

    def insert_one(self, conn: Connection, row: Mapping[str, Any]) -> int:
        if not self._keyed:
            raise TypeError(f"insert_one: {self.table.name} has no single integer key")
        compiled = self._for(conn.dialect)
        parameters = compiled.one(row)
        if compiled.returning_sql is not None:
            key = conn.exec_driver_sql(compiled.returning_sql, parameters).scalar_one()
        else:
            key = conn.exec_driver_sql(compiled.sql, parameters).lastrowid
        return int(key)

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            statement = insert(self.table).values({c: bindparam(c) for c in self.columns})
            compiled = statement.compile(dialect=dialect)
            returning_sql = None
            # SQLite: the cursor holds the new rowid, no result row to fetch (a third of an
            # item's insert)
            if self._keyed and dialect.insert_returning and dialect.name != "sqlite":
                (key,) = self.table.primary_key.columns
                returning_sql = str(statement.returning(key).compile(dialect=dialect))
            order = None
            if compiled.positional:
                names = list(compiled.positiontup or ())
                order = tuple(self.columns.index(n) for n in names)
            types = [self.table.c[c].type for c in self.columns]
            found = self._compiled[dialect.name] = _Compiled(
                columns=self.columns,
                sql=str(compiled),
                returning_sql=returning_sql,
                order=order,
                processors=tuple(
                    kind.dialect_impl(dialect).bind_processor(dialect) for kind in types
                ),
                timestamps=frozenset(
                    i for i, kind in enumerate(types) if isinstance(kind, UTCDateTime)
                ),
            )
        return found


def _chunks(values: list[T], size: int) -> Iterable[list[T]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _aware(value: Any) -> Any:  # datetime | None, from any driver
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# Evidence's fields hold str and int only: a dict of them is what dataclasses.asdict gives,
# without its deep copy of each value (a fifth of a cold ingest's CPU).
_EVIDENCE_FIELDS = tuple(f.name for f in dataclasses.fields(Evidence))


# the keys of _item_values, in its order (a test holds them together)
ITEM_VALUE_COLUMNS = (
    "source_id",
    "url",
    "url_key",
    "title",
    "title_key",
    "summary",
    "content_html",
    "author",
    "image",
    "dateline",
    "credit",
    "published",
    "updated",
    "categories",
    "regencies",
    "advertorial",
    "evidence",
    "content_hash",
    "lead_key",
    "article_key",
)


def _item_values(item: Item) -> dict[str, Any]:
    return {
        "source_id": item.source_id,
        "url": item.url,
        "url_key": item.url_key,
        "title": item.title,
        "title_key": item.title_key,
        "summary": item.summary,
        "content_html": item.content_html,
        "author": item.author,
        "image": item.image,
        "dateline": item.dateline,
        "credit": item.credit,
        "published": item.published,
        "updated": item.updated,
        "categories": list(item.categories),
        "regencies": list(item.regencies),
        "advertorial": item.advertorial,
        "evidence": [{f: getattr(e, f) for f in _EVIDENCE_FIELDS} for e in item.evidence],
        "content_hash": item.content_hash,
        "lead_key": item.lead_key or None,
        "article_key": item.article_key or None,
    }


def _scope_item(row: Any) -> ScopeItem:
    return ScopeItem(
        id=row.id,
        source_id=row.source_id,
        url=row.url,
        title=row.title,
        summary=row.summary,
        content_html=row.content_html,
        author=row.author,
        image=row.image,
        published=row.published,
        updated=row.updated,
        first_seen=row.first_seen,
        categories=tuple(row.categories),
        regencies=tuple(row.regencies),
        advertorial=bool(row.advertorial),
        dateline=row.dateline,
        credit=row.credit,
        version=row.version,
        evidence=tuple(Evidence(**e) for e in row.evidence or ()),
        withdrawn_at=row.withdrawn_at,
        withdrawn_reason=row.withdrawn_reason,
    )
