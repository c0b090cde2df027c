"""Issue 12, the store's share of a cycle: SQLite writers of one process queue for each
other instead of timing out, and a start on a current schema does not load alembic."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from syndication.errors import StorageError
from syndication.store import open_store
from syndication.store.base import Queries
from syndication.store.db import MIGRATIONS, head_revision, open_engine


def test_sqlite_writers_in_threads_take_turns(tmp_path: Path) -> None:
    """Before: every thread waited in SQLite's busy handler, and one that waited longer than
    busy_timeout failed the cycle with "database is locked". Here busy_timeout is 0, so any
    writer that reaches SQLite while another holds the lock fails at once."""
    engine = open_engine(f"sqlite:///{tmp_path}/db.sqlite3")

    def impatient(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=0")

    event.listen(engine, "connect", impatient)
    queries = Queries(engine)
    with queries._tx() as conn:
        conn.exec_driver_sql("CREATE TABLE t (thread INTEGER, n INTEGER)")
    errors: list[BaseException] = []

    def writer(thread: int) -> None:
        try:
            for n in range(15):
                with queries._tx() as conn:
                    conn.exec_driver_sql(f"INSERT INTO t VALUES ({thread}, {n})")
                    time.sleep(0.002)  # hold the lock a moment, as an ingest does
        except StorageError as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with queries._read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 90
    engine.dispose()


def test_the_head_revision_is_read_from_the_version_files() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()


def test_a_branched_history_is_left_to_alembic(tmp_path: Path) -> None:
    for name, rev, down in (
        ("a", "0001", "None"),
        ("b", "0002", '"0001"'),
        ("c", "0003", '"0001"'),
    ):
        (tmp_path / f"{name}.py").write_text(f'revision = "{rev}"\ndown_revision = {down}\n')
    assert head_revision(tmp_path) is None


def test_a_current_database_opens_without_alembic(tmp_path: Path, db_url: str) -> None:
    open_store(db_url).engine.dispose()  # creates and migrates
    probe = (
        "import sys; from syndication.store import open_store; "
        f"s = open_store({db_url!r}); s.engine.dispose(); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("stale", ["0001", None])
def test_an_old_or_unversioned_database_is_still_migrated(
    tmp_path: Path, stale: str | None
) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    open_store(url).engine.dispose()
    engine = open_engine(url)
    with Queries(engine)._tx() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        if stale:
            conn.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{stale}')")
    engine.dispose()
    with pytest.raises(StorageError):
        open_store(url)  # alembic ran: 0001 -> 0002 meets the tables that already exist
