"""The store under faults, on real SQLite and PostgreSQL: one bad entry costs that entry only,
races between ingest and publish lose no update, driver errors come out as StorageError."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import psycopg
import pytest
from sqlalchemy import event

from syndication.config import Config, load
from syndication.errors import StorageError
from syndication.metrics import LagWatcher
from syndication.normalize.dedup import title_key
from syndication.publishing import Publisher
from syndication.service import run_once
from syndication.store import Gate, Store, migrate, open_engine, open_store
from syndication.types import Item
from syndication.urls import bounded_key, url_key
from tests.conftest import write_config
from tests.feedmaker import Post, rss
from tests.legacy_store import writing_as_before_0011
from tests.portal import Portal
from tests.test_store import NOW, OK, fresh_store, item, route, yes


def _post(slug: str, title: str, **kw: object) -> Post:
    body = "<p>TENGGARONG – Pemkab Kukar menggelar kegiatan di Tenggarong.</p>"
    return Post(slug, title, datetime.now(UTC) - timedelta(hours=1), ["Pemerintah"], body, **kw)  # type: ignore[arg-type]


def _portal_config(tmp_path: Path, portal: Portal, db_url: str) -> Config:
    """A config with the portal's /feed/ as its one source."""
    path = write_config(
        tmp_path / "config.toml",
        db_url=db_url,
        sources=f"""
        [[sources]]
        id = "portal"
        url = "{portal.url}/feed/"
        interval = "5m"
        """,
    )
    return load(path)


def test_a_year_0001_date_costs_nothing_and_the_other_entries_are_ingested(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    posts = [
        _post("satu", "Bupati Kukar Meresmikan Jembatan Baru di Tenggarong"),
        _post(
            "nol",
            "Pemkab Kukar Gelar Rapat Koordinasi Bersama Camat",
            pub_text="0001-01-01T00:00:00Z",
        ),
        _post("dua", "Warga Tenggarong Sambut Festival Erau dengan Meriah"),
    ]
    portal.set("/feed/", rss(portal.url, posts), content_type="application/rss+xml")
    config = _portal_config(tmp_path, portal, db_url)
    assert asyncio.run(run_once(config)) == 0
    store = open_store(config.storage.url)
    try:
        titles = {i.title: i for i in store.scope_items("all", 50)}
        assert set(titles) == {p.title for p in posts}
        zero = titles["Pemkab Kukar Gelar Rapat Koordinasi Bersama Camat"]
        assert zero.published.year >= 2000  # the zero time is no date: first seen stands in
        assert store.source_state("portal").consecutive_failures == 0
    finally:
        store.engine.dispose()


def test_an_entry_the_database_refuses_costs_that_entry_only(pg_url: str) -> None:
    # PostgreSQL refuses a NUL character in text: a real per-entry failure
    store = fresh_store(pg_url)
    try:
        bad = item(2, title="Judul dengan \x00 karakter nol di Kukar")
        res = store.ingest("a", [item(1), bad, item(3)], NOW, OK, route=route, announce=yes)
        assert (res.new, res.rejected, res.deliveries) == (2, 1, 2)
        assert {i.id for i in store.scope_items("all", 10)} and store.counts() == {
            "items": 2,
            "pending_deliveries": 2,
        }
        assert store.source_state("a").etag == '"e1"'  # the poll itself succeeded
    finally:
        store.engine.dispose()


def test_a_feed_guid_and_link_of_8_kb_are_stored_bounded_and_known_next_time(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    # on PostgreSQL such a key failed the whole poll, every poll: its index row is too large
    long = _post(os.urandom(4000).hex(), "Pemkab Kukar Gelar Rapat Koordinasi Bersama Camat")
    posts = [_post("satu", "Bupati Kukar Meresmikan Jembatan Baru di Tenggarong"), long]
    portal.set("/feed/", rss(portal.url, posts), content_type="application/rss+xml")
    config = _portal_config(tmp_path, portal, db_url)
    assert asyncio.run(run_once(config)) == 0
    posts.append(_post("dua", "Warga Tenggarong Sambut Festival Erau dengan Meriah"))
    portal.set("/feed/", rss(portal.url, posts), content_type="application/rss+xml")
    assert asyncio.run(run_once(config)) == 0  # the long entry again: known, not new
    store = open_store(config.storage.url)
    try:
        assert sorted(i.title for i in store.scope_items("all", 50)) == sorted(
            p.title for p in posts
        )
        assert store.counts()["items"] == 3
        assert store.source_state("portal").consecutive_failures == 0
    finally:
        store.engine.dispose()


def test_an_entry_too_large_for_an_index_costs_that_entry_only(pg_url: str) -> None:
    # keys reaching the store unbounded (normalization bounds them): PostgreSQL's "index row
    # size exceeds btree maximum" is that entry's fault, not the database's
    store = fresh_store(pg_url)
    try:
        huge = item(2, entry_key=os.urandom(4000).hex())
        res = store.ingest("a", [item(1), huge, item(3)], NOW, OK, route=route, announce=yes)
        assert (res.new, res.rejected, res.deliveries) == (2, 1, 2)
        assert store.source_state("a").etag == '"e1"'
    finally:
        store.engine.dispose()


def test_keys_an_older_version_stored_long_are_bounded_by_the_upgrade(db_url: str) -> None:
    # before revision 0007, a 600-character guid and link were stored as they were (SQLite
    # took them, and PostgreSQL too, under 2,704 bytes): after the upgrade the entry is the
    # same story under the key the code now computes, so a correction updates it
    from alembic import command
    from alembic.config import Config as AlembicConfig

    from syndication.store.db import MIGRATIONS

    url = db_url.replace("postgresql://", "postgresql+psycopg://")
    engine = open_engine(url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
    guid, link = "tag:portal.test,2024:" + "g" * 600, "https://portal.test/" + "p" * 600
    title = "Bupati Kukar Meresmikan Jembatan " + "Panjang " * 70
    old = item(1, entry_key=guid, url=link, url_key=link.removeprefix("https://"), title=title)
    old = replace(old, title_key=title.lower().strip())
    legacy = Store(engine)
    with engine.begin() as conn:  # as that version did (its sources had no kind, no schedule)
        conn.exec_driver_sql(
            "INSERT INTO sources (id, url, first_poll_done, consecutive_failures,"
            " not_modified_count, items_count, alerted)"
            " VALUES ('a', 'https://portal.test/feed', false, 0, 0, 0, false)"
        )
    with writing_as_before_0011():
        assert legacy.ingest("a", [old], NOW, OK, route=route, announce=yes).new == 1
    migrate(engine)
    store = Store(engine)
    try:
        with engine.connect() as conn:
            keys = conn.exec_driver_sql("SELECT entry_key FROM entries").scalars().all()
            url_keys = conn.exec_driver_sql("SELECT url_key, title_key FROM items").all()
        assert keys == [bounded_key(guid)]
        assert url_keys == [(url_key(link), title_key(title))]
        fixed = replace(
            old,
            entry_key=bounded_key(guid),
            url_key=url_key(link),
            title_key=title_key(title),
            content_hash="changed",
            title="Bupati Kukar Meresmikan Jembatan Baru",
        )
        res = store.ingest("a", [fixed], NOW, OK, route=route, announce=yes)
        assert (res.new, res.updated, res.duplicates) == (0, 1, 0)
        assert store.counts()["items"] == 1
    finally:
        engine.dispose()


def test_an_entry_with_a_value_the_store_cannot_bind_costs_that_entry_only(db_url: str) -> None:
    store = fresh_store(db_url)
    try:
        naive = item(2, updated=datetime(2024, 11, 18, 11, 0))  # no zone: refused by the store
        res = store.ingest("a", [item(1), naive, item(3)], NOW, OK, route=route, announce=yes)
        assert (res.new, res.rejected, res.deliveries) == (2, 1, 2)
        assert store.item_by_url_key(naive.url_key) is None
        assert store.counts() == {"items": 2, "pending_deliveries": 2}
        assert "all" in store.dirty_scopes()
    finally:
        store.engine.dispose()


def test_a_poll_without_a_refused_entry_runs_no_savepoint(db_url: str) -> None:
    store = fresh_store(db_url)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        res = store.ingest("a", [item(n) for n in range(1, 6)], NOW, OK, route=route, announce=yes)
        assert (res.new, res.rejected, res.deliveries) == (5, 0, 5)
        assert statements and not any("SAVEPOINT" in s.upper() for s in statements)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
        store.engine.dispose()


def test_a_refused_entry_stores_the_poll_again_and_counts_the_burst_cap_once(db_url: str) -> None:
    # the first try (no savepoints) is rolled back at the refused entry; the second try must
    # start from the gate's counts before the poll, or the messages of the first try count twice
    store = fresh_store(db_url)
    try:
        naive = item(2, updated=datetime(2024, 11, 18, 11, 0))  # no zone: refused by the store
        gate = Gate(source_id="a", per_chat=2)
        polled = [item(1), naive, item(3), item(4)]
        res = store.ingest("a", polled, NOW, OK, route=route, announce=yes, gate=gate)
        assert (res.new, res.rejected, res.deliveries, res.capped) == (3, 1, 2, 1)
        assert gate.queued == {"@chat_kukar": 2} and gate.capped == {"@chat_kukar": 1}
        assert store.counts() == {"items": 3, "pending_deliveries": 2}
    finally:
        store.engine.dispose()


def test_a_year_0001_published_date_reaching_the_store_does_not_overflow(db_url: str) -> None:
    store = fresh_store(db_url)
    try:
        zero = datetime(1, 1, 1, tzinfo=UTC)
        res = store.ingest(
            "a",
            [item(1), item(2, published=zero, updated=zero)],
            NOW,
            OK,
            route=route,
            announce=yes,
        )
        assert res.new == 2 and res.rejected == 0
    finally:
        store.engine.dispose()


# --- 1: an ingest that commits while a publish runs is published next time -------------


def _config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "config.toml", db_url=db_url, sources="")


class _IngestDuringClear(Store):
    """A real store whose first clear_dirty lets an ingest commit just before it: the moment
    after the publish read the scopes' items and before it clears their marks."""

    racer: Item | None = None

    def clear_dirty(self, *args: Any, **kwargs: Any) -> None:
        racer, self.racer = self.racer, None
        if racer is not None:
            self.ingest("a", [racer], NOW, OK, route=route, announce=yes)
        super().clear_dirty(*args, **kwargs)


def _titles(path: Path) -> list[str]:
    return [e.title for e in feedparser.parse(path.read_bytes()).entries]


def test_an_ingest_between_publish_read_and_clear_is_published_next_time(
    tmp_path: Path, db_url: str
) -> None:
    config = load(_config(tmp_path, db_url))
    engine = open_engine(config.database_url)
    migrate(engine)
    store = _IngestDuringClear(engine)
    try:
        store.sync_sources([("a", "https://portal.test/feed")])
        store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
        publisher = Publisher(config, store, lambda: NOW)
        store.racer = item(2)
        publisher._publish_sync()
        all_rss = config.output_dir / "all.rss"
        assert _titles(all_rss) == [item(1).title]  # the racer came after the read
        assert "all" in store.dirty_scopes()  # ... so its mark stays
        publisher._publish_sync()
        assert sorted(_titles(all_rss)) == sorted([item(1).title, item(2).title])
        assert store.dirty_scopes() == []
    finally:
        engine.dispose()


# --- 6: a migrated chat's duplicate rows are superseded ---------------------------------


def test_migrating_a_chat_supersedes_rows_the_new_chat_already_has(db_url: str) -> None:
    store = fresh_store(db_url)
    try:

        def both(it: Item) -> list[tuple[str, str]]:
            return [("kukar", "@old"), ("kutim", "-100new")] if it is one else [("kukar", "@old")]

        one, two = item(1), item(2)
        store.ingest("a", [one, two], NOW, OK, route=both, announce=yes)
        store.migrate_chat("@old", "-100new", NOW)
        assert store.due_chats(NOW + timedelta(seconds=1)) == ["-100new"]
        assert store.next_delivery_due() is not None
        rows = store.claim_deliveries("me", NOW, timedelta(minutes=1), 10, chat="-100new")
        assert sorted(r.item.title for r in rows) == sorted([one.title, two.title])
        assert store.claim_deliveries("me", NOW, timedelta(minutes=1), 10, chat="@old") == []
        # a poll routed with the old id (its router read the config) queues for the new one
        store.ingest("a", [item(3)], NOW, OK, route=lambda _: [("kukar", "@old")], announce=yes)
        assert store.due_chats(NOW + timedelta(seconds=1)) == ["-100new"]
    finally:
        store.engine.dispose()


# --- 5: every driver error is a StorageError; a dropped connection is survived -----------


def test_a_read_from_a_database_that_is_away_raises_storage_error(closed_port: int) -> None:
    store = Store(open_engine(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/none"))
    try:
        with pytest.raises(StorageError, match="storage: cannot connect"):
            store.dirty_scopes()
        with pytest.raises(StorageError):
            store.lease_owners(NOW)
    finally:
        store.engine.dispose()


def test_lease_renewal_survives_a_terminated_connection(pg_url: str) -> None:
    store = fresh_store(pg_url)
    db = pg_url.rsplit("/", 1)[1]
    try:
        store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
        assert len(store.claim_deliveries("me", NOW, timedelta(minutes=1), 10)) == 1
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("BEGIN")
            admin.execute("SELECT id FROM deliveries FOR UPDATE")  # renewal waits on this
            outcome: list[BaseException | int] = []
            renew = threading.Thread(
                target=lambda: outcome.append(_catch(store.renew_leases, "me", NOW, MINUTE))
            )
            renew.start()
            waiting = (
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
                " AND wait_event_type = 'Lock'"
            )
            deadline = time.monotonic() + 30
            while not (pids := admin.execute(waiting, (db,)).fetchall()):
                assert time.monotonic() < deadline, "the renewal never waited on the lock"
                time.sleep(0.05)
            for (pid,) in pids:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            renew.join(30)
            admin.execute("ROLLBACK")
        assert len(outcome) == 1 and isinstance(outcome[0], StorageError), outcome
        assert store.renew_leases("me", NOW, MINUTE) >= 1  # the next renewal works
    finally:
        store.engine.dispose()


MINUTE = timedelta(minutes=1)


def _catch(fn: Any, *args: Any) -> BaseException | int:
    try:
        return int(fn(*args))
    except BaseException as e:  # the test inspects what came out
        return e


# --- 8: the queries that run every few seconds use an index; memory stays bounded ------


def _statements(store: Store, call: Any) -> list[tuple[str, Any]]:
    """The SQL statements (with their parameters) that `call` sends to the database."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "UPDATE")):
            seen.append((sql, params))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return seen


def _plans(store: Store, statements: list[tuple[str, Any]]) -> list[str]:
    out = []
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        if store.engine.dialect.name == "sqlite":
            for sql, params in statements:
                cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                out.append(" | ".join(str(r[-1]) for r in cur.fetchall()))
        else:
            cur.execute("SET enable_seqscan = off")  # tiny tables: ask whether an index serves
            for sql, params in statements:
                cur.execute("EXPLAIN " + sql, params)
                out.append(" | ".join(str(r[0]) for r in cur.fetchall()))
        cur.close()
    return out


def test_lease_and_lag_queries_use_an_index(db_url: str) -> None:
    store = fresh_store(db_url)
    try:
        store.ingest("a", [item(n) for n in range(1, 30)], NOW, OK, route=route, announce=yes)
        store.claim_deliveries("me", NOW, MINUTE, 5)
        lag = LagWatcher(store, NOW - timedelta(days=1))
        calls = {
            "renew_leases": lambda: store.renew_leases("me", NOW, MINUTE),
            "lease_owners": lambda: store.lease_owners(NOW),
            "lag": lag.observe,
        }
        for name, call in calls.items():
            statements = [
                (sql, p) for sql, p in _statements(store, call) if "deliveries" in sql.lower()
            ]
            assert statements, name
            for plan in _plans(store, statements):
                assert "ix_deliveries_" in plan, f"{name}: {plan}"
                assert "SCAN deliveries" not in plan and "Seq Scan on deliveries" not in plan
    finally:
        store.engine.dispose()


def test_the_lag_watcher_remembers_a_bounded_number_of_rows(db_url: str) -> None:
    store = fresh_store(db_url)
    try:
        store.ingest("a", [item(n) for n in range(1, 41)], NOW, OK, route=route, announce=yes)
        lag = LagWatcher(store, NOW - timedelta(days=1), keep=10)
        counted = 0
        for n, row in enumerate(store.claim_deliveries("me", NOW, MINUTE, 100)):
            store.mark_sent(row.id, NOW + timedelta(seconds=n + 1), n, "text", row.item.title)
            counted += lag.observe()
            assert len(lag.seen) <= 10
        assert counted == 40
    finally:
        store.engine.dispose()


def test_prune_in_small_batches_removes_every_old_item(db_url: str) -> None:
    store = fresh_store(db_url)
    try:
        old = [item(n, published=NOW - timedelta(days=90)) for n in range(1, 12)]
        seen = NOW - timedelta(days=60)  # read then, and not listed since
        store.ingest("a", old, seen, OK, route=route, announce=lambda _: False)
        pending = item(50, published=NOW - timedelta(days=100))  # outside every window
        store.ingest("a", [pending], seen, OK, route=route, announce=yes)
        assert store.prune(NOW - timedelta(days=30), keep_per_scope=2, batch=3) == 9
        assert store.counts()["items"] == 3  # the window's two newest, and the pending one
        assert store.item_by_url_key(pending.url_key) is not None
    finally:
        store.engine.dispose()


def test_the_migrations_build_the_schema_the_code_declares(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from syndication.store.schema import metadata

    store = fresh_store(db_url)
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        # only what autogenerate cannot tell apart (a TypeDecorator, JSON on SQLite) may differ
        assert [d for d in diff if not _type_only(d)] == []
    finally:
        store.engine.dispose()


def _type_only(d: Any) -> bool:
    first = d[0] if isinstance(d, list) else d
    return isinstance(first, tuple) and first[0] in ("modify_type", "modify_default")


class _IngestBeforeScopes(Store):
    """A real store that lets an ingest commit a new regency x category pair just before the
    publish reads the dirty marks (had it listed the pair scopes before, it would miss the
    pair and still clear its mark)."""

    racer: Item | None = None

    def dirty_marks(self) -> dict[str, int]:
        racer, self.racer = self.racer, None
        if racer is not None:
            self.ingest("a", [racer], NOW, OK, route=route, announce=yes)
        return super().dirty_marks()


def test_a_pair_scope_created_while_a_publish_starts_is_never_lost(
    tmp_path: Path, db_url: str
) -> None:
    config = load(_config(tmp_path, db_url))
    engine = open_engine(config.database_url)
    migrate(engine)
    store = _IngestBeforeScopes(engine)
    try:
        store.sync_sources([("a", "https://portal.test/feed")])
        store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
        publisher = Publisher(config, store, lambda: NOW)
        publisher._publish_sync()
        store.racer = item(2, regencies=("kutim",), categories=("pemerintah",))
        publisher._publish_sync()  # the racer's pair is either published now or stays dirty
        pair = config.output_dir / "regency" / "kutim" / "pemerintah.rss"
        if not pair.exists():
            assert "regency/kutim/pemerintah" in store.dirty_scopes()
            publisher._publish_sync()
        assert _titles(pair) == [item(2).title]
    finally:
        engine.dispose()


def test_only_a_value_too_large_for_an_index_is_blamed_on_its_entry() -> None:
    # 54000 comes from one entry's value; 54001 (statement too complex) and the rest of class
    # 54 come from the statement, would refuse every entry, and so fail the poll instead
    from sqlalchemy.exc import OperationalError

    from syndication.store.items import _entrys_fault

    def raised(orig: Exception) -> OperationalError:
        return OperationalError("INSERT", {}, orig)

    assert _entrys_fault(raised(psycopg.errors.ProgramLimitExceeded("index row size")))
    assert not _entrys_fault(raised(psycopg.errors.StatementTooComplex("too complex")))
    assert not _entrys_fault(raised(psycopg.errors.TooManyConnections("too many")))
