"""Open the database (SQLite in WAL mode, or PostgreSQL) and bring its schema up to date."""

from __future__ import annotations

import functools
import os
import re
import time
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.exc import ArgumentError, DisconnectionError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from .. import stopping
from ..errors import StorageError, masked_url
from .base import WRITE_OPTION

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# the advisory lock that lets one process at a time migrate a PostgreSQL database ("synd")
MIGRATION_LOCK = 0x73796E64
_SQLITE_KEPT = 4  # SQLite connections kept open between transactions
_FILE_KEY = "syndication_file"  # a kept connection's (device, inode) of its database file


def open_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys. A URL that names
    no database the project can open is a StorageError (its password never shown).

    SQLite connections are kept between transactions: opening one per transaction cost more
    than the work in it (the pragmas, and a WAL checkpoint whenever the last one closed). A
    kept connection is used again only while the database file is still the one it opened,
    so a database deleted or replaced under the process is found away, as with a new one."""
    try:
        if url.startswith("sqlite"):
            return _sqlite_engine(url)
        return create_engine(
            url, pool_size=5, max_overflow=5, pool_pre_ping=True, connect_args=_pg_args(url)
        )
    except (ArgumentError, ImportError, ValueError, TypeError) as e:
        raise StorageError(
            f"storage: cannot open {masked_url(url)!r}: {masked_url(str(e))}"
            " (storage.url: use sqlite:///path or postgresql://user@host:5432/db)"
        ) from None


# seconds a PostgreSQL connection may take to open: a server that accepts and never answers
# (a hung host behind a proxy) held a start, a poll or Ctrl-C for libpq's minutes otherwise
PG_CONNECT_TIMEOUT = 10


def _pg_args(url: str) -> dict[str, object]:
    """PostgreSQL's connect arguments: a connect timeout, unless the URL sets its own."""
    return {} if "connect_timeout=" in url else {"connect_timeout": PG_CONNECT_TIMEOUT}


def _sqlite_engine(url: str) -> Engine:
    _ensure_parent(url)
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        poolclass=QueuePool,
        pool_size=_SQLITE_KEPT,
        max_overflow=-1,  # never wait for a connection: the extra ones close after use
    )
    path = make_url(url).database
    event.listen(engine, "connect", _sqlite_pragmas)
    if path and path != ":memory:" and not path.startswith("file:"):
        event.listen(engine, "connect", functools.partial(_remember_file, path))
        event.listen(engine, "checkout", functools.partial(_same_file, path))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def missing_sqlite_file(url: str) -> str | None:
    """The path of the SQLite database `url` names when no such file exists (None for any
    other database, or one that exists): a read-only command says so instead of creating it."""
    if not url.startswith("sqlite:"):
        return None
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return None if Path(path).exists() else path


def _ensure_parent(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:" and not url.startswith("sqlite://:"):
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageError(f"storage: cannot create the folder for {path}: {e}") from e


WAL_CHECKPOINT_PAGES = 10_000  # of 4 KB: SQLite's default is 1,000


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # the pysqlite driver opens transactions itself; let SQLAlchemy's "begin" event do it
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # a checkpoint (WAL pages copied into the database, both files synced) every 40 MB of
    # WAL rather than every 4 MB: a cold cycle writes hundreds of MB of stories and feed
    # files, and its checkpoints took an eighth of the store's time (bench/bench_store.py)
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    # and the WAL file cut back to that size once checkpointed (it keeps its largest size)
    cur.execute(f"PRAGMA journal_size_limit={WAL_CHECKPOINT_PAGES * 4096}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def _remember_file(path: str, _dbapi_conn: Any, record: Any) -> None:
    record.info[_FILE_KEY] = _file_identity(path)


def _same_file(path: str, _dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    """A kept connection whose file was deleted or replaced is dropped, and a new one opened
    (or refused: the folder gone) in its place."""
    if record.info.get(_FILE_KEY) != _file_identity(path):
        raise DisconnectionError(f"storage: {path} is not the file this connection opened")


def _sqlite_begin(conn: Any) -> None:
    # a write takes the write lock at the start (two writers never deadlock on a lock
    # upgrade); a read (the default, also for a plain engine.connect()) takes none and, in
    # WAL mode, never waits for a writer
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (a no-op when it is current).

    Neither a current schema nor a new database needs alembic (whose import, with running
    every migration, costs a start-up more than a whole warm cycle): a current one is
    recognised by its alembic_version against the head read from the version files; an
    empty one gets the tables of schema.py in one go, stamped with that head (a test holds
    them identical to what the migrations build). Anything else (an old database, a
    branched history) goes through alembic as always."""
    head = head_revision()
    if head is None:
        _upgrade(engine)
        return
    found = _versions(engine)
    if found == [head]:
        return
    _refuse_newer(engine, found, head)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                _lock_migrations(conn)
                # another process may have created (or upgraded) it while this one waited
                tables = _table_names(conn)
                if not tables:
                    _create_schema(conn, head)
                    return
                if "alembic_version" in tables:
                    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version")
                    found = [row[0] for row in rows]
                    if found == [head]:
                        return
                    _refuse_newer(engine, found, head)
    except SQLAlchemyError as e:
        raise StorageError(f"storage: cannot migrate {engine.url!r}: {e}") from e
    _upgrade(engine)


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from alembic.util import CommandError

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                _lock_migrations(conn)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
    except SQLAlchemyError as e:
        raise StorageError(f"storage: cannot migrate {engine.url!r}: {e}") from e
    except CommandError as e:  # a revision alembic cannot place: said, not a traceback
        raise StorageError(f"storage: cannot migrate {engine.url!r}: {e}") from e


def _refuse_newer(engine: Engine, found: list[str] | None, head: str) -> None:
    """A database a newer version upgraded (a deploy rolled back, an older process started
    beside newer ones) is left as it is: a StorageError that says so, never alembic's
    traceback, nor a downgrade."""
    known = known_revisions()
    unknown = sorted(set(found or ()) - known) if known is not None else []
    if unknown:
        raise StorageError(
            f"storage: {engine.url!r} holds schema revision {', '.join(unknown)}, newer than"
            f" this version of syndication knows (its newest is {head}): run the newer"
            " version, or restore the backup taken before it upgraded the database"
        )


# alembic's own table, as alembic creates it
_ALEMBIC_VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def _create_schema(conn: Connection, head: str) -> None:
    """The tables of schema.py and alembic_version at `head`, in the caller's transaction."""
    from .schema import metadata

    metadata.create_all(conn, checkfirst=False)
    _ALEMBIC_VERSION.create(conn, checkfirst=False)
    conn.execute(_ALEMBIC_VERSION.insert(), {"version_num": head})


def _table_names(conn: Connection) -> list[str]:
    return list(conn.dialect.get_table_names(conn))


# `revision = "0005"` / `down_revision = "0004"` (or None) at the top of a version file
_REVISION_LINE = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(?:[\"']([\w.-]+)[\"']|None)\s*$", re.M
)


def known_revisions(versions: Path = MIGRATIONS / "versions") -> set[str] | None:
    """Every revision of the version files, from their text; None when a file does not say
    its revision plainly."""
    revisions: set[str] = set()
    for path in versions.glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text("utf-8")))
        if "revision" not in found:
            return None
        revisions.add(found["revision"])
    return revisions


def head_revision(versions: Path = MIGRATIONS / "versions") -> str | None:
    """The one revision no other revision builds on, from the files' text; None when the
    files do not say it plainly (several heads, a merge), so alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        found = {name: value for name, value in _REVISION_LINE.findall(path.read_text("utf-8"))}
        if "revision" not in found or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _versions(engine: Engine) -> list[str] | None:
    """The revisions alembic_version holds; None when there is no such table (a new
    database, or one alembic never stamped)."""
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except SQLAlchemyError:  # no table yet: a new database
        return None
    return [row[0] for row in rows]


def _lock_migrations(conn: Connection) -> None:
    """Wait until no other process migrates, and keep them out until this transaction ends:
    any number of processes may start (or upgrade) at once. The first migrates, the others
    then find the schema current. SQLite needs nothing more: the transaction begins with
    BEGIN IMMEDIATE (a write), which already admits one writer at a time."""
    if conn.dialect.name != "postgresql":
        return
    # tried again and again rather than waited for in the server: a stop asked meanwhile (a
    # replica that migrates for minutes, a session stuck holding the lock) ends the wait
    taking = text("SELECT pg_try_advisory_xact_lock(:key)")
    while not conn.execute(taking, {"key": MIGRATION_LOCK}).scalar_one():
        if stopping.given_up():
            raise stopping.StopAsked("stopped while waiting for another process's migration")
        time.sleep(_LOCK_RETRY)


_LOCK_RETRY = 0.25  # seconds between tries of the migration lock
