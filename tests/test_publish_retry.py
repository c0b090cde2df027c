"""A publish that cannot write (disk full, a path taken) keeps its dirty marks and is retried
by the daemon on its own, without waiting for the next new item."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_daemon import (  # noqa: F401
    DaemonProcess,
    daemon_config,
    daemons_fixture,
    entries,
    kukar,
    source,
    wait_until,
)


def test_a_failed_publish_is_retried_until_it_lands(
    tmp_path: Path, portal: Portal, daemons: Callable[..., DaemonProcess]
) -> None:
    portal.set("/feed/", rss(portal.url, [kukar("satu", "Pemkab Kukar Bahas Jalan Desa")]))
    config = daemon_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        sources=source("portal", f"{portal.url}/feed/", "60s"),
    )
    # a folder where the file must go: every write of all.rss fails, as a full disk would
    blocker = tmp_path / "public" / "all.rss"
    (blocker / "x").mkdir(parents=True)
    daemon = daemons(config)
    daemon.wait_log("event=publish_failed", timeout=30)
    daemon.wait_log("event=publish_failed", timeout=30, times=2)  # retried on its own
    shutil.rmtree(blocker)
    # the source is not polled again within this test (interval 60s): only a retry publishes
    wait_until(lambda: len(entries(blocker)) == 1, 30, "all.rss after the retry", daemon)
    assert len(portal.hits_for("/feed/")) == 1
    assert daemon.stop() == 0
