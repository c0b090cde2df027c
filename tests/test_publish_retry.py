"""A publish that cannot write (disk full, a path taken) keeps its dirty marks and is retried
by the daemon on its own, without waiting for the next new item."""

from __future__ import annotations

import errno
import hashlib
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.publishing import Publisher
from tests.fakes.telegram_api import FakeTelegram
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
from tests.test_deliver import item, make_env


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


def test_a_publish_cut_short_shares_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills up after a few files: the files written before it are shared with
    the database at once, so other processes and a restart never serve or sync back older
    bytes."""
    import importlib

    fp = importlib.import_module("feeds.publish")  # the module, not feeds' publish()

    with FakeTelegram() as fake:
        env = make_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", fake, monkeypatch)
        env.add(item(1))
        publisher = Publisher(env.config, env.store, lambda: datetime.now(UTC))
        publisher._publish_sync()
        env.add(item(2))
        real = fp.write_if_changed
        written = {"n": 0}

        def filling_up(path: Path, data: bytes) -> bool:
            if written["n"] >= 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            changed = real(path, data)
            written["n"] += changed
            return changed

        monkeypatch.setattr(fp, "write_if_changed", filling_up)
        publisher._publish_sync()
        assert publisher.failed and written["n"] == 2
        out = env.config.output_dir
        shared = env.store.file_digests()
        for relative, digest in shared.items():
            assert hashlib.sha256((out / relative).read_bytes()).hexdigest() == digest, relative
        # a restart syncs from the database: the newer files on disk stay as they are
        before = (out / "all.rss").read_bytes()
        Publisher(env.config, env.store, lambda: datetime.now(UTC)).sync_from_store()
        assert (out / "all.rss").read_bytes() == before
        assert "Nomor 2" in before.decode()
