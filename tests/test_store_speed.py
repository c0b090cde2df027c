"""Issue 12, the store's share of a cycle: SQLite writers of one process queue for each
other instead of timing out, and a start on a current schema does not load alembic."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime, event, insert, select
from sqlalchemy.dialects import sqlite

from syndication.errors import StorageError
from syndication.store import open_store, schema
from syndication.store.base import ITEM_VALUE_COLUMNS, BulkInsert, Queries, _item_values
from syndication.store.db import MIGRATIONS, head_revision, open_engine
from syndication.store.schema import UTC_TS
from syndication.types import Evidence, Item


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


def test_bulk_insert_stores_what_sqlalchemys_executemany_stores(db_url: str) -> None:
    """BulkInsert hands rows to the driver itself: the stored rows, read back through the
    table's types, must be those that conn.execute(insert(table), rows) stores, on both
    backends (positional and named parameters; the UTC timestamps' own bind processing)."""
    store = open_store(db_url)
    east = timezone(timedelta(hours=9))
    rows = [
        {"scope": f"category/s{n}", "item_id": n, "published": when}
        for n, when in enumerate(
            [
                datetime(2026, 12, 5, 1, 2, 3, tzinfo=UTC),
                datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=east),
                datetime(1, 1, 1, 23, 59, tzinfo=UTC),
                datetime(9999, 12, 31, 8, tzinfo=east),
            ]
        )
    ]
    with store._tx() as conn:
        conn.execute(insert(schema.items), [_item_row(n) for n in range(len(rows))])
        conn.execute(insert(schema.item_scopes), rows[:2])
        BulkInsert(schema.item_scopes, ("scope", "item_id", "published"))(conn, rows[2:])
        BulkInsert(schema.item_scopes, ("published", "scope", "item_id"))(conn, [])
        ours = conn.execute(
            select(schema.item_scopes.c.published).order_by(schema.item_scopes.c.item_id)
        ).all()
        raw = conn.exec_driver_sql("SELECT published FROM item_scopes ORDER BY item_id").all()
    assert [r[0] for r in ours] == [r["published"] for r in rows]
    if db_url.startswith("sqlite"):  # the text SQLAlchemy's SQLite DateTime stores
        assert [r[0] for r in raw] == [
            "2026-12-05 01:02:03.000000",
            "2026-12-04 16:02:03.456789",
            "0001-01-01 23:59:00.000000",
            "9999-12-30 23:00:00.000000",
        ]


def test_one_item_inserted_by_bulk_insert_is_the_row_sqlalchemy_inserts(db_url: str) -> None:
    """insert_one (INSERT ... RETURNING, or the driver's lastrowid) stores the row and gives
    the key that conn.execute(insert(items)) would: every column read back equal, JSON,
    NULLs, the column defaults and timestamps in other zones included."""
    store = open_store(db_url)
    east = timezone(timedelta(hours=8))
    values = _item_values(
        Item(
            source_id="kaltim",
            entry_key="e",
            url="https://e.id/a/",
            url_key="e.id/a",
            title="Bupati Kukar \u201cmeresmikan\u201d jembatan",
            title_key="bupati kukar meresmikan jembatan",
            summary="ringkas",
            content_html="<p>isi</p>",
            author=None,
            published=datetime(2026, 12, 5, 9, 30, tzinfo=east),
            updated=datetime(2026, 12, 5, 1, 31, 7, 250, tzinfo=UTC),
            categories=("pemerintah", "advertorial"),
            regencies=("kukar",),
            advertorial=True,
            image=None,
            dateline="TENGGARONG",
            credit="(adv/diskominfo kukar)",
            evidence=(Evidence("kukar", "credit", 1, "diskominfo kukar"),),
            content_hash="c" * 64,
        )
    )
    now = datetime(2026, 12, 5, 2, tzinfo=UTC)
    bulk = BulkInsert(schema.items, (*ITEM_VALUE_COLUMNS, "first_seen", "version"))
    with store._tx() as conn:
        theirs = conn.execute(insert(schema.items), {**values, "first_seen": now})
        their_key = theirs.inserted_primary_key[0]  # type: ignore[index]
        our_key = bulk.insert_one(conn, {**values, "first_seen": now, "version": 1})
        assert our_key != their_key
        later_key = bulk.insert_one(conn, {**values, "first_seen": now, "version": 1})
        assert later_key > our_key
        rows = {
            row.id: row._asdict()
            for row in conn.execute(select(schema.items).order_by(schema.items.c.id))
        }
    assert set(rows) == {their_key, our_key, later_key}
    for key in (their_key, our_key, later_key):
        rows[key].pop("id")
    assert rows[our_key] == rows[their_key] == rows[later_key]
    assert rows[our_key]["published"] == values["published"]
    assert rows[our_key]["evidence"] == values["evidence"]
    assert rows[our_key]["withdrawn_at"] is None


def test_bulk_insert_converts_a_timestamp_shared_by_rows_for_each_row(db_url: str) -> None:
    """A poll's rows share timestamps, converted once per call: the same instant given in
    two zones, and two instants, each stored as its own."""
    store = open_store(db_url)
    east = timezone(timedelta(hours=9))
    first = datetime(2026, 12, 5, 1, 2, 3, tzinfo=UTC)
    same_elsewhere = first.astimezone(east)
    second = first + timedelta(microseconds=1)
    stamps = [first, same_elsewhere, second, first, None]
    with store._tx() as conn:
        conn.execute(insert(schema.items), [_item_row(n) for n in range(len(stamps))])
        rows = [
            {"source_id": "s", "entry_key": f"k{n}", "item_id": n, "first_seen": first,
             "last_seen": first, "raw_hash": None, "gone_checked": when}
            for n, when in enumerate(stamps)
        ]  # fmt: skip
        BulkInsert(schema.entries, tuple(rows[0]))(conn, rows)
        stored = conn.execute(
            select(schema.entries.c.gone_checked).order_by(schema.entries.c.item_id)
        ).all()
    assert [r[0] for r in stored] == stamps


def test_bulk_insert_keeps_two_local_times_a_dst_fold_apart(db_url: str) -> None:
    """01:30 twice on the night New York's clocks go back: equal datetimes (fold aside) that
    are two instants an hour apart, each stored as its own."""
    store = open_store(db_url)
    first = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    second = first.replace(fold=1)
    assert first == second and second - first == timedelta(0)
    with store._tx() as conn:
        conn.execute(insert(schema.items), [_item_row(n) for n in range(2)])
        rows = [
            {"source_id": "s", "entry_key": f"k{n}", "item_id": n, "first_seen": when,
             "last_seen": when, "raw_hash": None, "gone_checked": when}
            for n, when in enumerate((first, second))
        ]  # fmt: skip
        BulkInsert(schema.entries, tuple(rows[0]))(conn, rows)
        stored = conn.execute(
            select(schema.entries.c.gone_checked).order_by(schema.entries.c.item_id)
        ).all()
    assert [r[0] for r in stored] == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
    ]


def test_the_item_columns_are_those_of_item_values() -> None:
    item = Item(
        source_id="s", entry_key="k", url="u", url_key="u", title="t", title_key="t",
        summary="", content_html="", author=None, published=datetime(2026, 1, 1, tzinfo=UTC),
        updated=datetime(2026, 1, 1, tzinfo=UTC), categories=(), regencies=(), advertorial=False,
    )  # fmt: skip
    assert tuple(_item_values(item)) == ITEM_VALUE_COLUMNS


def _item_row(n: int) -> dict[str, Any]:
    when = datetime(2026, 12, 5, tzinfo=UTC)
    return {
        "id": n,
        "source_id": "s",
        "url": f"https://e.id/{n}/",
        "url_key": f"e.id/{n}",
        "title": "T",
        "title_key": f"t{n}",
        "summary": "",
        "content_html": "",
        "published": when,
        "updated": when,
        "first_seen": when,
        "categories": [],
        "regencies": [],
        "advertorial": False,
        "evidence": [],
        "content_hash": "h",
    }


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    )
)
def test_sqlite_timestamps_are_bound_as_sqlalchemy_binds_them(when: datetime) -> None:
    """UTCDateTime's one-call SQLite bind gives the text of its two steps (to naive UTC,
    then SQLAlchemy's SQLite DateTime formatting)."""
    dialect = sqlite.dialect()
    fused = UTC_TS.dialect_impl(dialect).bind_processor(dialect)
    formats = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    assert fused is not None and formats is not None
    naive_utc = when.astimezone(UTC).replace(tzinfo=None)
    assert fused(when) == formats(naive_utc)
    assert fused(None) is None
    with pytest.raises(ValueError, match="naive"):
        fused(naive_utc)


def test_insert_one_needs_a_single_integer_key(db_url: str) -> None:
    store = open_store(db_url)
    with store._tx() as conn, pytest.raises(TypeError, match="entries has no single integer"):
        BulkInsert(schema.entries, ("source_id", "entry_key")).insert_one(conn, {})
