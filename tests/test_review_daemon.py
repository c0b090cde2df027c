"""Review of the daemon (2026-12-07): the scheduler, hot reload, stopping and the database
going away, each test a defect found there (the real daemon, portal, Telegram fake, SQLite and
PostgreSQL; no mocks)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_daemon import (  # noqa: F401
    DaemonProcess,
    daemon_config,
    daemons_fixture,
    fake_fixture,
    source,
    status_json,
    wait_until,
)


def test_an_editor_that_moves_the_old_file_away_before_writing_raises_no_alarm(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """vim (backupcopy=no) and some sync tools rename the old file away, then write the new
    one: a look that landed in between reported the file removed, to the log, `status` and
    the admin chat, for an ordinary save. A missing file is looked at once more first, as a
    half-written one is."""
    portal.set("/a/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    daemon_config(
        path, db_url=db, fake=fake, admin="@admin", sources=source("a", f"{portal.url}/a/")
    )
    daemon = daemons(path, fake.token)
    wait_until(lambda: len(portal.hits_for("/a/")) >= 1, 30, "a polled", daemon)
    text = path.read_text(encoding="utf-8")
    # the looks come every 2 s: a 0.5 s gap, a dozen times at shifting offsets from the last
    # look, is caught by one on the code before
    for n in range(1, 13):
        text += "\n"
        time.sleep((n * 0.37) % 1.5)
        path.rename(tmp_path / "config.toml~")
        time.sleep(0.5)
        path.write_text(text, encoding="utf-8")
        daemon.wait_log("event=config_reloaded", timeout=30, times=n)
    assert daemon.count("event=config_rejected") == 0
    assert status_json(path)["config_error"] is None
    assert daemon.stop() == 0
    assert fake.messages_to("@admin") == []


def test_a_slow_poll_that_overruns_its_interval_is_not_warned_about_at_every_tick(
    tmp_path: Path, portal: Portal, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """A poll longer than its source's interval had APScheduler log a WARNING at every tick
    it skipped ("Execution of job "Daemon._poll_job ..." skipped: maximum number of running
    instances reached"), naming no source: an admin saw a warning a second and could not
    tell which portal was slow. The overrun is said once per poll, naming the source; the
    other sources go on at their pace and the slow one is never polled twice at once."""
    portal.set("/fast/", rss(portal.url, []))
    portal.set("/slow/", rss(portal.url, []))
    path = daemon_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        read_timeout="8s",
        sources=source("fast", f"{portal.url}/fast/") + source("slow", f"{portal.url}/slow/"),
    )  # fmt: skip
    daemon = daemons(path)
    daemon.wait_log("event=poll source=slow status=ok")
    portal.set("/slow/", rss(portal.url, []), delay=3.5)  # 1 s interval: 3 ticks overrun
    slow = len(portal.arrived("/slow/"))
    wait_until(lambda: len(portal.hits_for("/slow/")) >= slow + 2, 30, "two slow polls", daemon)
    fast = len(portal.hits_for("/fast/"))
    wait_until(lambda: len(portal.hits_for("/fast/")) >= fast + 2, 10, "fast polled", daemon)
    assert daemon.stop() == 0
    log = daemon.log()
    assert "maximum number of running instances" not in log
    assert "event=poll_overrun source=slow" in log
    # one poll of slow at a time: each request arrived after the one before was answered
    hits = portal.hits_for("/slow/")
    assert all(b.start >= a.end - 0.01 for a, b in itertools.pairwise(hits)), hits
    assert "Traceback" not in log


@contextlib.contextmanager
def database_away(pg_url: str) -> Iterator[Callable[[], None]]:
    """Yields `away()`: the test's PostgreSQL database refuses connections and its sessions
    end, as in a server restart that takes a while; connections are allowed again after."""
    admin = pg_url.rsplit("/", 1)[0] + "/postgres"
    name = pg_url.rsplit("/", 1)[1]

    def allow(on: bool) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(on).lower()}')
            if not on:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )

    try:
        yield lambda: allow(False)
    finally:
        allow(True)


def test_a_stop_while_the_database_is_away_is_clean(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, pg_url: str,
    daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """PostgreSQL restarting when SIGTERM comes: the last publish cannot read its marks.
    It logged a traceback of some 130 lines (and one per retry while the daemon ran), as did
    the delivery loop at each look, where every other job says `storage: cannot connect` in
    one line."""
    portal.set("/a/", rss(portal.url, []))
    path = daemon_config(
        tmp_path / "config.toml", db_url=pg_url, fake=fake,
        sources=source("a", f"{portal.url}/a/"),
    )  # fmt: skip
    daemon = daemons(path, fake.token)
    daemon.wait_log("event=poll source=a status=ok")
    wait_until(lambda: (tmp_path / "public" / "index.html").exists(), 30, "published", daemon)
    with database_away(pg_url) as away:
        away()
        daemon.wait_log("event=poll_storage_error source=a", timeout=30)
        # a rejected save wakes the delivery loop (the admin's alert), which finds it away too
        path.write_text(path.read_text().replace('max_age = "24h"', 'max_age = "-"'))
        daemon.wait_log("event=delivery_failed", timeout=30)
        assert daemon.stop() == 0
    log = daemon.log()
    assert "event=stopped" in log
    assert "event=publish_failed error='storage: cannot connect" in log
    assert "event=delivery_failed error='storage: cannot connect" in log
    assert "Traceback" not in log


def test_a_reload_the_database_cuts_short_is_applied_whole_on_the_next_look(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, pg_url: str,
    daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """A reload that failed on the database halfway (after the running config was switched,
    before the scheduler followed it) was retried against the half-applied config: it saw no
    source added, so a source added in that save was never polled until a restart, while
    `config_reloaded` said all was well."""
    portal.set("/a/", rss(portal.url, []))
    portal.set("/b/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    db = pg_url + "?options=-c%20lock_timeout%3D300"  # a locked table fails, as an outage does
    daemon_config(path, db_url=db, fake=fake, sources=source("a", f"{portal.url}/a/"))
    daemon = daemons(path, fake.token)
    wait_until(lambda: len(portal.hits_for("/a/")) >= 1, 30, "a polled", daemon)
    with psycopg.connect(pg_url) as conn:  # the deliveries table is away for a moment
        conn.execute("LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE")
        both = source("a", f"{portal.url}/a/") + source("b", f"{portal.url}/b/")
        daemon_config(path, db_url=db, fake=fake, sources=both)
        daemon.wait_log("event=config_apply_failed", timeout=30)
    wait_until(lambda: len(portal.hits_for("/b/")) >= 1, 15, "b polled", daemon)
    assert daemon.count("event=config_reloaded sources=2 added=1 removed=0") == 1
    assert daemon.stop() == 0


def test_news_brings_a_backed_off_publish_retry_forward(tmp_path: Path) -> None:
    """After a long database outage a failed publish's retry waits up to 5 minutes; news
    stored meanwhile (the database answers again) brings it to the usual publish_delay, so
    the feeds do not trail the Telegram channels by minutes."""
    from syndication.config import load
    from syndication.scheduler import Daemon
    from syndication.service import build_app
    from tests.conftest import write_config

    path = write_config(tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db", sources="")

    async def scenario() -> tuple[float, float, float]:
        app = await build_app(load(path))
        daemon = Daemon(path, app)
        daemon.scheduler.start()
        try:
            daemon._request_publish(timedelta(seconds=300))  # the retry of a failed publish
            due = daemon.scheduler.get_job("publish").next_run_time
            retry = (due - datetime.now(UTC)).total_seconds()
            daemon._request_publish(timedelta(seconds=600))  # a later retry moves nothing
            kept = (daemon.scheduler.get_job("publish").next_run_time - due).total_seconds()
            daemon._request_publish()  # news
            due = daemon.scheduler.get_job("publish").next_run_time
            return retry, kept, (due - datetime.now(UTC)).total_seconds()
        finally:
            daemon.scheduler.shutdown(wait=False)
            await app.aclose()

    retry, kept, news = asyncio.run(scenario())
    assert retry > 250 and kept == 0
    assert news <= load(path).feeds.publish_delay.total_seconds() + 1
