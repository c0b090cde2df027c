"""Hostile review of the store (syndication/store, syndication/migrations) on real SQLite and
real PostgreSQL: a database from a newer version, and races between two processes sharing one
PostgreSQL database (a row changed while another process claims or restores it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from syndication.errors import StorageError
from syndication.store import open_store, scopes_of
from syndication.store import schema as t
from tests.legacy_store import writing_as_before_0011
from tests.test_store import NOW, OK, fresh_store, item, route, yes

LEASE = timedelta(minutes=5)


def _sa(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://")


# --- 1: a database written by a newer version ---------------------------------------------


def test_a_database_from_a_newer_version_is_refused_with_a_storage_error(db_url: str) -> None:
    """Rolling back a deploy (or two versions sharing one PostgreSQL database) left the schema
    at a revision this code does not know: alembic's CommandError came out as a traceback,
    not the storage error `run` and `status` report (exit status, one clear line)."""
    store = open_store(_sa(db_url))
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    store.engine.dispose()
    with pytest.raises(StorageError, match="0999") as caught:
        open_store(_sa(db_url))
    assert "newer" in str(caught.value)


# --- 2: races between two processes on PostgreSQL -------------------------------------------


def _while_row_locked(pg_url: str, change: str, call: Callable[[], Any]) -> list[Any]:
    """Run `change` in a transaction of its own, then `call` in a thread until it waits on the
    row lock `change` holds, then commit `change`: what a second process committing between
    the read and the write of `call` does. Returns what `call` gave (or raised)."""
    db = pg_url.rsplit("/", 1)[1]
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(call())
        except BaseException as e:  # the test inspects what came out
            out.append(e)

    with psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("BEGIN")
        other.execute(change)
        worker = threading.Thread(target=run)
        worker.start()
        waiting = (
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            " AND wait_event_type = 'Lock'"
        )
        deadline = time.monotonic() + 30
        while not other.execute(waiting, (db,)).fetchall():
            assert time.monotonic() < deadline, "the call never waited on the row lock"
            assert worker.is_alive(), f"the call did not wait on the row: {out}"
            time.sleep(0.02)
        other.execute("COMMIT")
        worker.join(30)
    assert len(out) == 1, out
    if isinstance(out[0], BaseException):
        raise out[0]
    return out


@pytest.mark.parametrize(
    "change",
    [
        # the item was withdrawn meanwhile: its unsent message is cancelled, never sent
        "UPDATE deliveries SET state = 'cancelled'",
        # another process sent it meanwhile (its lease expired while it was slow)
        "UPDATE deliveries SET state = 'sent', message_id = 5, lease_owner = NULL,"
        " lease_until = NULL",
        # a [[filters]] reload held it back meanwhile
        "UPDATE deliveries SET state = 'filtered'",
        # a failed try put it off for an hour meanwhile
        "UPDATE deliveries SET next_attempt = next_attempt + interval '1 hour',"
        " lease_owner = NULL, lease_until = NULL",
    ],
    ids=["withdrawn", "sent", "filtered", "retry-later"],
)
def test_a_delivery_changed_while_being_claimed_is_not_claimed(pg_url: str, change: str) -> None:
    """claim_deliveries chose its rows with one statement and leased each with another that
    checked the lease only: a row cancelled, sent, held or put off between the two (READ
    COMMITTED sees the other commit) was leased all the same and handed to the sender, which
    sends a withdrawn or filtered story, or announces one a second time."""
    store = fresh_store(pg_url)
    try:
        store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
        [got] = _while_row_locked(
            pg_url, change, lambda: store.claim_deliveries("p2", NOW, LEASE, 10)
        )
        assert got == [], [(r.id, r.state) for r in got]
        d = t.deliveries.c
        [owner] = store.read_rows(select(d.lease_owner))
        assert owner.lease_owner != "p2"
    finally:
        store.engine.dispose()


def test_an_item_restored_while_reclassified_lands_in_its_new_scopes(pg_url: str) -> None:
    """restore read the item's categories, regencies and date, then took its row: an ingest
    that reclassified the withdrawn item in between (it leaves a withdrawn item's scopes
    alone) committed first, and the restored item went back into the feeds it had left, with
    its old date, until its next change."""
    store = fresh_store(pg_url)
    try:
        it = item(1)
        store.ingest("a", [it], NOW, OK, route=route, announce=yes)
        [story] = store.scope_items("all", 10)
        assert store.withdraw(story.id, "404", NOW) is True
        change = (
            "UPDATE items SET categories = '[\"bisnis\"]', regencies = '[\"kutim\"]',"
            f" version = version + 1 WHERE id = {story.id}"
        )
        [back] = _while_row_locked(
            pg_url, change, lambda: store.restore("a", [it.entry_key], NOW, None)
        )
        assert back == 1
        s = t.item_scopes.c
        found = {r.scope for r in store.read_rows(select(s.scope).where(s.item_id == story.id))}
        assert found == set(scopes_of(("bisnis",), ("kutim",)))
    finally:
        store.engine.dispose()


def test_a_message_claimed_while_rehomed_stays_with_its_sender(pg_url: str) -> None:
    """rehome_pending chose the unleased pending rows with one statement and moved each with
    another that checked nothing: a row a sender claimed in between (its chat's sender, in
    another process) was moved to the regency's new chat with its lease cleared, so it went
    out to the old chat (the sender) and again to the new one (whoever claims it there)."""
    store = fresh_store(pg_url)
    try:
        store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
        claimed = (
            "UPDATE deliveries SET lease_owner = 'p1',"
            " lease_until = timestamptz '2024-11-18 12:05:00+00'"
        )
        [moved] = _while_row_locked(
            pg_url,
            claimed,
            lambda: store.rehome_pending({"kukar": "@new_kukar"}, {"@new_kukar"}, NOW),
        )
        assert moved == 0
        d = t.deliveries.c
        [row] = store.read_rows(select(d.chat, d.lease_owner, d.state))
        assert (row.chat, row.lease_owner, row.state) == ("@chat_kukar", "p1", "pending")
    finally:
        store.engine.dispose()


# --- 3: the delivery queue's queries do not grow with the stories kept ----------------------


def _item_lines(store: Any, statements: list[tuple[str, Any]]) -> list[str]:
    """The lines of the statements' plans that read the items table."""
    out: list[str] = []
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        cur = raw.cursor()
        sqlite = store.engine.dialect.name == "sqlite"
        if not sqlite:
            cur.execute("ANALYZE")
        for sql, params in statements:
            cur.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql, params)
            lines = [str(r[-1] if sqlite else r[0]) for r in cur.fetchall()]
            out += [line for line in lines if "items" in line and "item_scopes" not in line]
        cur.close()
    return out


def test_the_delivery_queue_reads_no_whole_items_table(db_url: str) -> None:
    """The queue's guard against a withdrawn item's message (`NOT IN (SELECT id FROM items
    WHERE withdrawn_at IS NOT NULL)`, no index on withdrawn_at) read every stored story on
    every claim, due check and wake-up time, every few seconds per chat: on PostgreSQL a
    sequential scan of items (5,000 pages, 10-15 ms each, for 20,000 stories), growing with
    the 90 days of stories kept. Each message's own item is looked up by its key instead."""
    from sqlalchemy import event

    store = fresh_store(db_url)
    try:
        old = [item(n, summary="x" * 1500) for n in range(1, 1501)]
        store.ingest("a", old, NOW, OK, route=route, announce=lambda _: False)
        fresh = [item(n) for n in range(2000, 2010)]
        store.ingest("a", fresh, NOW, OK, route=route, announce=yes)
        seen: list[tuple[str, Any]] = []

        def record(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
            if "withdrawn_at" in sql:
                seen.append((sql, params))

        event.listen(store.engine, "before_cursor_execute", record)
        try:
            assert store.chat_has_due("@chat_kukar", NOW)
            assert store.due_chats(NOW, "me") == ["@chat_kukar"]
            assert store.next_delivery_due() == NOW
            assert len(store.claim_deliveries("me", NOW, LEASE, 3, chat="@chat_kukar")) == 3
        finally:
            event.remove(store.engine, "before_cursor_execute", record)
        assert len(seen) >= 4
        lines = _item_lines(store, seen)
        if store.engine.dialect.name == "sqlite":
            bad = [line for line in lines if "PRIMARY KEY" not in line]
        else:
            bad = [line for line in lines if "items_pkey" not in line]
        assert bad == [], "\n".join(bad)
    finally:
        store.engine.dispose()


# --- 4: an upgrade that fails half-way leaves the database as it was ----------------------


def test_an_upgrade_that_fails_half_way_leaves_the_old_schema_whole(db_url: str) -> None:
    """Revisions 0009 and 0010 in one upgrade, 0010 failing (a column an admin added by hand
    under its name): 0009's rewrite of the stored chats is undone with it, the database stays
    at 0008 for the old code, and the failure is a StorageError."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    from syndication.store import Store, open_engine
    from syndication.store.db import MIGRATIONS

    engine = open_engine(_sa(db_url))
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    legacy = Store(engine)
    legacy.sync_sources([("a", "https://portal.test/feed")])
    with writing_as_before_0011():
        legacy.ingest("a", [item(1)], NOW, OK, route=lambda _: [("kukar", "@Kabar")], announce=yes)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE channels ADD COLUMN failures INTEGER")
    try:
        with pytest.raises(StorageError):
            open_store(_sa(db_url))
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            chats = conn.exec_driver_sql("SELECT chat FROM deliveries").scalars().all()
        assert (version, chats) == ("0008", ["@Kabar"])
    finally:
        engine.dispose()
