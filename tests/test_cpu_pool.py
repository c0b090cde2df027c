"""The CPU pool: parse and normalize in worker processes give what the loop's thread gives,
and a pool whose processes cannot start falls back to a thread."""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
from datetime import UTC, datetime
from pathlib import Path

from syndication.pipeline import raw_digest
from syndication.types import NormalizeContext
from syndication.workers import CpuPool, normalize, parse

FEED = (Path(__file__).parent / "data" / "pinned" / "feed-0.xml").read_bytes()
NOW = datetime(2024, 5, 21, tzinfo=UTC)
CTX = NormalizeContext(regencies=(), categories=())


async def through(pool: CpuPool) -> tuple[object, object]:
    raws = await pool.run(parse, FEED, "s", "https://p.test/feed/", "application/rss+xml")
    todo = [(raw_digest(r), r) for r in raws]
    return raws, await pool.run(normalize, todo, CTX, NOW)


def test_worker_processes_give_what_the_thread_gives() -> None:
    pool = CpuPool(2)
    try:
        raws, (items, skipped) = asyncio.run(through(pool))
        assert pool.kind == "process"
    finally:
        pool.shutdown()
    local = parse(FEED, "s", "https://p.test/feed/", "application/rss+xml")
    assert raws == local
    assert (items, skipped) == normalize([(raw_digest(r), r) for r in local], CTX, NOW)
    assert len(items) == 20


def test_a_pool_that_cannot_start_processes_falls_back_to_a_thread(tmp_path: Path) -> None:
    multiprocessing.set_executable(str(tmp_path / "no-python-here"))
    pool = CpuPool(2)
    try:
        _, (items, _) = asyncio.run(through(pool))
        assert pool.kind == "thread"
        assert len(items) == 20
    finally:
        pool.shutdown()
        multiprocessing.set_executable(sys.executable)
