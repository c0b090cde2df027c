"""Review of the ingest pipeline and its CPU pool (2026-12-07): each test a defect found there
(the real pool, fixture portal, SQLite; no mocks of the parts under test)."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from syndication.config import load
from syndication.service import run_once
from syndication.store import open_store
from syndication.store import schema as t
from syndication.workers import CpuPool
from tests.conftest import write_config
from tests.feedmaker import Post, rss
from tests.portal import Portal


def test_a_process_pool_whose_worker_died_starts_new_processes_for_the_next_jobs() -> None:
    """SYNDICATION_CPU_POOL=process: a worker killed once (the OOM killer, a crash in a C
    parser) broke the pool for good, and every later job of every source failed with
    BrokenProcessPool until the daemon was restarted. The job that was running fails; the
    next ones get new processes."""
    from concurrent.futures.process import BrokenProcessPool

    pool = CpuPool(2)

    async def scenario() -> tuple[BaseException | None, set[int]]:
        first = await pool.run(os.getpid)
        assert first != os.getpid()
        error: BaseException | None = None
        try:
            await pool.run(os._exit, 1)
        except BaseException as e:  # what the poll of that source records
            error = e
        return error, set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(3))))

    try:
        error, after = asyncio.run(scenario())
    finally:
        pool.shutdown()
    assert isinstance(error, BrokenProcessPool)
    assert after and os.getpid() not in after and pool.kind == "process"


def _posts(n: int) -> list[Post]:
    when = datetime.now(UTC) - timedelta(minutes=30)
    body = "<p>TENGGARONG – Pemerintah menggelar kegiatan di Tenggarong.</p>"
    title = "Pemkab Kukar Gelar Rapat Nomor {}"
    return [
        Post(f"berita-{k}", title.format(k), when - timedelta(minutes=k), ["Pemerintah"], body)
        for k in range(n)
    ]


def _withdrawn(db_url: str) -> int:
    store = open_store(db_url)
    try:
        with store.engine.connect() as conn:
            query = select(func.count()).where(t.items.c.withdrawn_at.is_not(None))
            return int(conn.execute(query).scalar_one())
    finally:
        store.engine.dispose()


def _counts(db_url: str) -> tuple[int, str | None]:
    """The source's 304 count (no poll here was one) and its stored body hash."""
    store = open_store(db_url)
    try:
        with store.engine.connect() as conn:
            c = t.sources.c
            row = conn.execute(select(c.not_modified_count, c.body_hash)).one()
            return int(row[0] or 0), row[1]
    finally:
        store.engine.dispose()


def _config(tmp_path: Path, portal: Portal) -> tuple[Path, str]:
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    sources = f'[[sources]]\nid = "a"\nurl = "{portal.url}/feed/"\n'
    return write_config(tmp_path / "config.toml", db_url=db, sources=sources), db


def test_withdrawals_beyond_one_polls_checks_are_made_while_the_feed_stays_the_same(
    tmp_path: Path, portal: Portal
) -> None:
    """A portal took down seven articles at once (a purge of advertorials): the poll that
    saw them leave its feed checked five (MAX_CHECKS), and every later poll answered 304 or
    the same bytes, which checks nothing: the other two stayed in every feed and channel
    until the portal happened to publish again."""
    posts = _posts(8)
    path, db = _config(tmp_path, portal)
    portal.set("/feed/", rss(portal.url, posts))
    assert asyncio.run(run_once(load(path))) == 0
    portal.set("/feed/", rss(portal.url, posts[:1]))  # seven gone; their pages answer 404
    assert asyncio.run(run_once(load(path))) == 0
    assert _withdrawn(db) == 5
    assert _counts(db) == (0, None)  # polled whole, and no validators kept for the next
    assert asyncio.run(run_once(load(path))) == 0  # the feed as it was: a 304 had it kept any
    assert _withdrawn(db) == 7
    not_modified, body_hash = _counts(db)
    assert not_modified == 0 and body_hash is not None  # settled: validators kept again


def test_a_withdrawal_check_the_portal_did_not_answer_is_made_again_on_an_unchanged_feed(
    tmp_path: Path, portal: Portal
) -> None:
    """The check of an article that left the feed met a 503 (the portal busy): "try again
    next poll", the design says, but the next polls found the feed unchanged and checked
    nothing, so the article, answering 404 by then, was never withdrawn."""
    posts = _posts(2)
    path, db = _config(tmp_path, portal)
    portal.set("/feed/", rss(portal.url, posts))
    assert asyncio.run(run_once(load(path))) == 0
    portal.set("/feed/", rss(portal.url, posts[:1]))
    portal.set("/berita-1/", b"busy", status=503, content_type="text/plain")
    assert asyncio.run(run_once(load(path))) == 0
    assert _withdrawn(db) == 0
    del portal.pages["/berita-1/"]  # now a 404
    assert asyncio.run(run_once(load(path))) == 0
    assert _withdrawn(db) == 1


def test_a_portal_busy_on_every_check_gets_its_listing_read_whole_once_per_half_hour(
    tmp_path: Path, portal: Portal
) -> None:
    """A check met by a 503 is asked again at the next poll, which reads the listing whole
    for it; a portal that answers every check so (refusing bots with 503s) had its listing
    read whole on every poll for a day (max_age), never a 304: now once per TRANSIENT_RETRY."""
    posts = _posts(2)
    path, db = _config(tmp_path, portal)
    portal.set("/feed/", rss(portal.url, posts))
    assert asyncio.run(run_once(load(path))) == 0
    portal.set("/feed/", rss(portal.url, posts[:1]))
    portal.set("/berita-1/", b"busy", status=503, content_type="text/plain")
    assert asyncio.run(run_once(load(path))) == 0  # the check meets a 503: asked again
    assert asyncio.run(run_once(load(path))) == 0  # read whole once, the 503 again
    before = len(portal.hits_for("/feed/"))
    for _ in range(3):
        assert asyncio.run(run_once(load(path))) == 0
    statuses = [h.status for h in portal.hits_for("/feed/")[before:]]
    assert statuses == [304, 304, 304], statuses
    assert _withdrawn(db) == 0
