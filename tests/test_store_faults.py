"""The store under faults, on real SQLite and PostgreSQL: one bad entry costs that entry only,
races between ingest and publish lose no update, driver errors come out as StorageError."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syndication.config import load
from syndication.service import run_once
from syndication.store import open_store
from tests.conftest import write_config
from tests.feedmaker import Post, rss
from tests.portal import Portal
from tests.test_store import NOW, OK, fresh_store, item, route, yes


def _post(slug: str, title: str, **kw: object) -> Post:
    body = "<p>TENGGARONG – Pemkab Kukar menggelar kegiatan di Tenggarong.</p>"
    return Post(slug, title, datetime.now(UTC) - timedelta(hours=1), ["Pemerintah"], body, **kw)  # type: ignore[arg-type]


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
    config = load(path)
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
