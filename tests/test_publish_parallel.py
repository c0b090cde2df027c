"""A big publish in the CPU pool's worker processes fails as a publish on one core does: it
logs, keeps the dirty marks, shares what it wrote, and nothing writes on after it returned
(found by a hostile review of the parallel publish)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from syndication import publishing
from syndication.config import Config, load
from syndication.service import build_app, poll_all
from syndication.workers import AdaptivePool, sync_runner
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_daemon import source
from tests.test_e2e_once import kukar_post, kutim_post


def _config(tmp_path: Path, portal: Portal) -> Config:
    posts = [kukar_post("satu", "Pemkab Kukar Buka Pelatihan"), kutim_post("dua", "Kutim Bantu")]
    portal.set("/feed/", rss(portal.url, posts))
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite",
        sources=source("portal", f"{portal.url}/feed/"),
    )  # fmt: skip
    return load(path)


def test_a_pool_broken_mid_publish_is_a_failed_publish_that_shares_what_it_wrote(
    tmp_path: Path, portal: Portal
) -> None:
    config = _config(tmp_path, portal)

    async def main() -> tuple[int, bool, int, list[str]]:
        app = await build_app(config)
        try:
            await poll_all(app, force=True)

            def runner(fn: Any, jobs: Any) -> Iterator[Any]:
                for n, job in enumerate(jobs):
                    if n == 1:  # a worker killed (the OOM killer) on this job and its retry
                        raise BrokenProcessPool("A process in the process pool was terminated")
                    yield fn(*job)

            app.publisher.runner = runner
            written = await app.publisher.publish_dirty()  # no exception: a failed publish
            shared = len(await asyncio.to_thread(app.store.file_digests))
            dirty = await asyncio.to_thread(app.store.dirty_scopes)
            return written, app.publisher.failed, shared, dirty
        finally:
            await app.aclose()

    written, failed, shared, dirty = asyncio.run(main())
    assert written == 0 and failed  # tried again soon
    assert shared > 0  # the first part's files, written, are shared
    assert "all" in dirty  # and every scope is published again next time


def test_no_part_writes_on_after_a_failed_publish_returned(tmp_path: Path, portal: Portal) -> None:
    config = _config(tmp_path, portal)
    (config.output_dir / "all.rss").mkdir(parents=True)  # the first part fails at once

    async def main() -> list[tuple[str, float]]:
        app = await build_app(config)
        try:
            pool = AdaptivePool(2)
            app.runtime.cpu = pool
            app.publisher.runner = sync_runner(pool, asyncio.get_running_loop(), 4)
            await poll_all(app, force=True)
            pool.expect_backlog()  # the worker processes running, as in a first run
            assert pool._prestart is not None
            await pool._prestart
            await app.publisher.publish_dirty()
            returned = time.time()
            await asyncio.sleep(1.5)
            return [
                (str(p.relative_to(config.output_dir)), p.stat().st_mtime - returned)
                for p in config.output_dir.rglob("*.*")
                if p.is_file() and p.stat().st_mtime > returned
            ]
        finally:
            await app.aclose()

    late = asyncio.run(main())
    # a job running in a worker cannot be cancelled: the runner waits for those under way
    assert late == [], f"{len(late)} files written after the failed publish returned: {late[:3]}"


def test_a_big_publish_shares_each_parts_files_while_the_next_parts_render(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not all at the end: sharing 66 MB of files after the last part was a cold run's serial
    tail (issue 12). The last part is rendered only once the first parts' files are in the
    store; what is shared is what is on disk, every file once."""
    config = _config(tmp_path, portal)
    # a transaction per file, not per 4 MB (these feeds are small)
    monkeypatch.setattr(publishing, "SHARE_BATCH", 1)

    async def main() -> tuple[list[int], dict[str, str]]:
        app = await build_app(config)
        try:
            await poll_all(app, force=True)
            seen: list[int] = []  # files in the store as each part after the first renders

            def runner(fn: Any, jobs: Any) -> Iterator[Any]:
                for n, job in enumerate(jobs):
                    if n:  # wait (up to 30 s) for the files of the parts before it
                        deadline = time.monotonic() + 30
                        while not app.store.file_digests() and time.monotonic() < deadline:
                            time.sleep(0.01)
                        seen.append(len(app.store.file_digests()))
                    yield fn(*job)

            app.publisher.runner = runner
            await app.publisher.publish_dirty()
            return seen, await asyncio.to_thread(app.store.file_digests)
        finally:
            await app.aclose()

    seen, shared = asyncio.run(main())
    assert len(seen) >= 2 and 0 < seen[-1] < len(shared)  # shared part by part, the index last
    on_disk = {
        p.relative_to(config.output_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in config.output_dir.rglob("*.*")
        if p.is_file()
    }
    assert shared == on_disk
