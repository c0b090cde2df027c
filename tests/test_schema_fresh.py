"""A new database gets its tables from schema.py in one go, stamped with the head revision,
without alembic: the schema it gets must be the one that running every migration builds, on
SQLite and on PostgreSQL (a column, default, index or constraint that one has and the other
lacks would make a database depend on how it was first created)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, inspect

from syndication.store import open_store
from syndication.store.db import _upgrade, head_revision, migrate, open_engine

ROOT = Path(__file__).resolve().parents[1]


def _schema(engine: Engine) -> dict[str, Any]:
    """Everything SQLAlchemy's inspector reports of every table, in comparable form."""
    found = inspect(engine)
    tables: dict[str, Any] = {}
    for table in sorted(found.get_table_names()):
        columns = [
            (
                c["name"],
                str(c["type"]),
                getattr(c["type"], "timezone", None),
                c["nullable"],
                str(c.get("default")),
            )
            for c in found.get_columns(table)
        ]
        foreign = sorted(
            (
                str(f["name"]),
                tuple(f["constrained_columns"]),
                f["referred_table"],
                tuple(f["referred_columns"]),
                tuple(sorted((f.get("options") or {}).items())),
            )
            for f in found.get_foreign_keys(table)
        )
        indexes = sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in found.get_indexes(table)
        )
        unique = sorted(
            (u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)
        )
        checks = sorted((c["name"], c["sqltext"]) for c in found.get_check_constraints(table))
        primary = found.get_pk_constraint(table)
        tables[table] = {
            "columns": columns,
            "primary": (primary.get("name"), tuple(primary["constrained_columns"])),
            "foreign": foreign,
            "indexes": indexes,
            "unique": unique,
            "checks": checks,
        }
    return tables


def _second_database(db_url: str, tmp_path: Path) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    import psycopg

    from tests.conftest import PG_ADMIN

    name = db_url.rsplit("/", 1)[1] + "_m"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return db_url.rsplit("/", 1)[0] + "/" + name


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        import psycopg

        from tests.conftest import PG_ADMIN

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_a_new_database_gets_the_schema_the_migrations_build(db_url: str, tmp_path: Path) -> None:
    created = open_engine(db_url)
    migrate(created)
    other = _second_database(db_url, tmp_path)
    migrated = open_engine(other)
    try:
        _upgrade(migrated)  # every migration, one after the other, through alembic
        fresh, upgraded = _schema(created), _schema(migrated)
        assert "alembic_version" in fresh and "feed_files" in fresh
        assert fresh == upgraded
        for engine in (created, migrated):
            with engine.connect() as conn:
                rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
            assert rows == [(head_revision(),)]
    finally:
        created.dispose()
        migrated.dispose()
        _drop(other)


def test_a_new_database_is_created_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    script = (
        "import sys\n"
        "from syndication.store import open_store\n"
        f"open_store({url!r}).engine.dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout == "[]\n", out.stderr


def test_a_database_created_in_one_go_upgrades_through_alembic_later(tmp_path: Path) -> None:
    """A stamped database is a real alembic one: alembic finds it at head (no migration runs
    twice) and store opens it as current."""
    from alembic.runtime.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    open_store(url).engine.dispose()
    engine = create_engine(url)
    try:
        _upgrade(engine)  # nothing to do: it would fail creating tables that exist
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == (head_revision(),)
    finally:
        engine.dispose()


@pytest.mark.parametrize("leftover", ["CREATE TABLE stray (x INTEGER)"])
def test_a_database_with_tables_but_no_version_is_left_to_alembic(
    tmp_path: Path, leftover: str
) -> None:
    """Only an empty database gets the schema in one go: one holding anything else goes to
    alembic, as before (which creates what the migrations create, next to the stray table)."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(leftover)
    engine.dispose()
    store = open_store(url)
    try:
        assert "stray" in inspect(store.engine).get_table_names()
        assert "items" in inspect(store.engine).get_table_names()
    finally:
        store.engine.dispose()
