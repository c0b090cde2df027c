"""Review of the CPU stage against hostile feeds (2026-12-07): a body feedparser reads element
by element held the CPU worker for minutes, every other source waited behind it, and a stop
waited for it. Each test a defect found there (real pools, fixture portal, SQLite; no mocks of
the parts under test). No test asserts a duration: each waits for events and checks their
order."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from syndication.commands import status_data
from syndication.config import load
from syndication.errors import ParseError
from syndication.service import run_once
from syndication.sources.feed import parse_feed
from syndication.store import open_store
from syndication.workers import AdaptivePool, CpuPool, parse
from tests.conftest import DATA, write_config
from tests.portal import Portal
from tests.test_daemon import source

HEAD = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
ITEM = "<item><title>Pemkab Kukar Buka Pelatihan {n}</title><link>{url}/p{n}/</link></item>"
FEED = (DATA / "pinned" / "feed-0.xml").read_bytes()


def unclosed_tags(url: str, count: int) -> bytes:
    """An item holding `count` unclosed tags: not well-formed, so feedparser's loose parser
    read it at 35-50 us a tag (2,000,000 of them, 6 MB, held a worker 102 s)."""
    item = ITEM.format(n=0, url=url).removesuffix("</item>")
    return (HEAD + item + "<x>" * count + "</item></channel></rss>").encode()


def open_cdata(url: str, count: int) -> bytes:
    """A description opening a CDATA section it never closes, `count` `<` in it."""
    item = ITEM.format(n=0, url=url).removesuffix("</item>")
    return (HEAD + item + "<description><![CDATA[" + "<" * count).encode()


def many_items(url: str, count: int) -> bytes:
    """A well-formed feed of `count` items (a 47,786-item one held a first poll 27 s)."""
    return (HEAD + "".join(ITEM.format(n=n, url=url) for n in range(count))).encode() + (
        b"</channel></rss>"
    )


def test_a_feed_past_the_bounds_is_refused_before_its_work_and_says_why() -> None:
    url = "http://p.test"
    with pytest.raises(ParseError, match=r"malformed feed: more than 100000 elements"):
        parse_feed(unclosed_tags(url, 120_000), "a", f"{url}/feed/", "application/rss+xml")
    with pytest.raises(ParseError, match=r"malformed feed: \d+ markup characters"):
        parse_feed(open_cdata(url, 1_200_000), "a", f"{url}/feed/", "application/rss+xml")
    with pytest.raises(ParseError, match=r"malformed feed: 3001 entries, more than 3000"):
        parse_feed(many_items(url, 3001), "a", f"{url}/feed/", "application/rss+xml")
    # within the bounds, as before: every entry read, by either path
    assert len(parse_feed(many_items(url, 3000), "a", f"{url}/feed/", "")) == 3000
    broken = unclosed_tags(url, 5_000)  # not well-formed: feedparser's loose parser
    assert [e.title for e in parse_feed(broken, "a", f"{url}/feed/", "")] == [
        "Pemkab Kukar Buka Pelatihan 0"
    ]


def test_hostile_feeds_get_their_own_error_and_every_other_source_goes_on(
    tmp_path: Path, portal: Portal
) -> None:
    """Each hostile body is recorded against its source (kind "parse", "malformed feed: ..."),
    and the plain feed beside them is read as ever."""
    kind = {"content_type": "application/rss+xml"}
    portal.set("/tags/", unclosed_tags(portal.url, 120_000), **kind)
    portal.set("/cdata/", open_cdata(portal.url, 1_200_000), **kind)
    portal.set("/items/", many_items(portal.url, 3001), **kind)
    portal.set("/plain/", many_items(portal.url, 3), **kind)
    names = ("tags", "cdata", "items", "plain")
    sources = "".join(source(name, f"{portal.url}/{name}/") for name in names)
    db = f"sqlite:///{tmp_path}/db.sqlite"
    config = load(write_config(tmp_path / "config.toml", db_url=db, sources=sources))
    assert asyncio.run(run_once(config)) == 0
    store = open_store(config.database_url)
    try:
        data = status_data(config, store)
    finally:
        store.engine.dispose()
    by_id = {s["id"]: s for s in data["sources"]}
    for name in ("tags", "cdata", "items"):
        hostile = by_id[name]
        assert (hostile["healthy"], hostile["error_kind"]) == (False, "parse"), hostile
        assert "malformed feed: " in hostile["last_error"], hostile
    assert by_id["plain"]["healthy"] is True and by_id["plain"]["error_kind"] is None
    assert data["totals"]["items"] == 3


def hold(started: threading.Event, release: threading.Event, done: list[str]) -> str:
    """A long job on the CPU thread (a hostile parse): it runs until released, or 20 s."""
    started.set()
    release.wait(20)
    done.append("long job")
    return "held"


async def _order_behind_a_long_job(pool: CpuPool | AdaptivePool) -> list[str]:
    started, release = threading.Event(), threading.Event()
    done: list[str] = []
    long = asyncio.ensure_future(pool.run(hold, started, release, done))
    while not started.is_set():
        await asyncio.sleep(0.01)
    entries = await pool.run(parse, FEED, "good", "http://p.test/feed/", "application/rss+xml")
    done.append(f"plain feed: {len(entries)} entries")
    release.set()
    assert await long == "held"
    return done


@pytest.mark.parametrize("kind", ["adaptive", "adaptive-one-core", "thread"])
def test_a_job_never_waits_behind_a_long_one(kind: str) -> None:
    """AdaptivePool chose where a job runs when it arrived: one arriving while a single job
    ran on the thread queued behind it (a normal feed waited the whole of a hostile parse).
    With one core or SYNDICATION_CPU_POOL=thread there was nowhere else: every source
    waited. The plain feed's parse now ends while the long job still runs."""
    pools: dict[str, Any] = {
        "adaptive": lambda: AdaptivePool(2),
        "adaptive-one-core": lambda: AdaptivePool(1),
        "thread": lambda: CpuPool(1, processes=False),
    }
    pool = pools[kind]()
    try:
        done = asyncio.run(_order_behind_a_long_job(pool))
    finally:
        pool.shutdown()
    assert done[0].startswith("plain feed: ") and done[1] == "long job", done


@pytest.mark.parametrize("kind", ["adaptive", "thread"])
def test_a_stop_does_not_wait_for_a_long_job_on_the_thread(kind: str) -> None:
    """App.aclose shut the pool down with shutdown(wait=True): a parse in flight kept running
    and the stop waited for it (12 s to 100 s measured), past a container's stop grace."""
    pool: CpuPool | AdaptivePool = (
        AdaptivePool(2) if kind == "adaptive" else CpuPool(1, processes=False)
    )
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    async def scenario() -> list[str]:
        long = asyncio.ensure_future(pool.run(hold, started, release, done))
        while not started.is_set():
            await asyncio.sleep(0.01)
        long.cancel()  # the daemon cuts the poll short
        await asyncio.to_thread(pool.shutdown)  # App.aclose
        return list(done)

    try:
        at_stop = asyncio.run(scenario())
    finally:
        release.set()
    assert at_stop == []  # the stop was over while the long job still ran


def sleep_marked(path: str, seconds: float) -> None:
    """A long job in a worker process: says it started, and writes `done` if it ends."""
    Path(f"{path}.started").write_text("started")
    time.sleep(seconds)
    Path(path).write_text("done")


def test_a_stop_kills_a_worker_process_still_on_a_long_job(tmp_path: Path) -> None:
    marker = tmp_path / "job"
    pool = CpuPool(2)

    async def scenario() -> None:
        await pool.run(os.getpid)  # started
        long = asyncio.ensure_future(pool.run(sleep_marked, str(marker), 30.0))
        while not Path(f"{marker}.started").exists():
            await asyncio.sleep(0.02)
        long.cancel()
        await asyncio.to_thread(pool.shutdown)

    asyncio.run(scenario())
    assert not marker.exists()  # stopped before the job's end: its worker was killed


LEFT_BEHIND = """
import asyncio, sys, time
from syndication.workers import CpuPool
pool = CpuPool(1, processes=False)
async def main():
    job = asyncio.ensure_future(pool.run(time.sleep, 120))
    await asyncio.sleep(0.5)
    job.cancel()
    await asyncio.to_thread(pool.shutdown)
asyncio.run(main())
print("stopped", flush=True)
"""


def test_the_process_exits_without_waiting_for_a_thread_job_left_behind() -> None:
    """Python joins a ThreadPoolExecutor's threads at exit even after its shutdown: the
    process stayed until the parse ended. Its job sleeps 120 s; the process ends first."""
    done = subprocess.run(
        [sys.executable, "-c", LEFT_BEHIND],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped"
