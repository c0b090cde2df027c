"""Open the database (SQLite in WAL mode, or PostgreSQL) and bring its schema up to date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from ..errors import StorageError
from .base import WRITE_OPTION

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# the advisory lock that lets one process at a time migrate a PostgreSQL database ("synd")
MIGRATION_LOCK = 0x73796E64


def open_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        _ensure_parent(url)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, poolclass=NullPool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True)


def _ensure_parent(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:" and not url.startswith("sqlite://:"):
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageError(f"storage: cannot create the folder for {path}: {e}") from e


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # the pysqlite driver opens transactions itself; let SQLAlchemy's "begin" event do it
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # a write takes the write lock at the start (two writers never deadlock on a lock
    # upgrade); a read (the default, also for a plain engine.connect()) takes none and, in
    # WAL mode, never waits for a writer
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (a no-op when it is current)."""
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


def _lock_migrations(conn: Connection) -> None:
    """Wait until no other process migrates, and keep them out until this transaction ends:
    any number of processes may start (or upgrade) at once. The first migrates, the others
    then find the schema current. SQLite needs nothing more: the transaction begins with
    BEGIN IMMEDIATE (a write), which already admits one writer at a time."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
