"""A publish asked for while another runs is not lost. The debounced publish is an APScheduler
job; a second one falling due while the first still ran was skipped ("maximum number of running
instances reached"), and the change it was for stayed unpublished until some later item."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syndication.config import load
from syndication.scheduler import Daemon
from syndication.service import build_app
from tests.conftest import write_config
from tests.portal import Portal


def test_a_publish_requested_during_a_publish_still_happens(tmp_path: Path, portal: Portal) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    path = write_config(tmp_path / "config.toml", db_url=sqlite_url,
                        sources=f'[[sources]]\nid = "p"\nurl = "{portal.url}/feed/"\n')  # fmt: skip

    async def scenario() -> dict[str, int]:
        app = await build_app(load(path))
        daemon = Daemon(path, app)
        reading, go_on = threading.Event(), threading.Event()
        read_items = app.store.scope_items

        def scope_items(scope: str, limit: int) -> Any:
            items = read_items(scope, limit)
            if scope == "all" and not reading.is_set():  # the first publish stalls here
                reading.set()
                go_on.wait(30)
            return items

        app.store.scope_items = scope_items  # type: ignore[method-assign]
        daemon.scheduler.start()
        try:
            app.store.mark_dirty(["all"], datetime.now(UTC))
            daemon._request_publish()
            deadline = time.monotonic() + 30
            while not reading.is_set():
                assert time.monotonic() < deadline, "the first publish never ran"
                await asyncio.sleep(0.02)
            # a change the running publish did not see, and its publish falls due at once
            app.store.mark_dirty(["all"], datetime.now(UTC))
            daemon._request_publish()
            while daemon.scheduler.get_job("publish") is not None:  # the second job has run
                assert time.monotonic() < deadline, "the second publish never came due"
                await asyncio.sleep(0.02)
            go_on.set()
            deadline = time.monotonic() + 30
            while (marks := app.store.dirty_marks()) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            while daemon.inflight:
                await asyncio.sleep(0.02)
            return marks
        finally:
            go_on.set()
            daemon.scheduler.shutdown(wait=False)
            await app.aclose()

    assert asyncio.run(scenario()) == {}  # the change was published
