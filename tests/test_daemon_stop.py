"""SIGTERM in the middle of a busy cycle: a slow poll in flight and deliveries queued. The
daemon exits 0, the poll's items are stored, every announcement is sent or still pending, and
`run --once` afterwards sends the rest, none twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syndication.config import load
from syndication.store import open_store
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal
from tests.test_daemon import (  # noqa: F401
    DaemonProcess,
    cli,
    daemon_config,
    daemons_fixture,
    fake_fixture,
    kukar,
    source,
    wait_until,
)

SLOW = 2.0  # seconds the slow portal takes to answer (less than scheduler.POLL_GRACE)


def kutim(slug: str, title: str) -> Post:
    body = "<p>SANGATTA – Pemkab Kutim menyalurkan bantuan di Sangatta Utara.</p>"
    return Post(slug, title, datetime.now(UTC) - timedelta(minutes=20), ["Pemerintah"], body)


def test_sigterm_during_a_busy_cycle_loses_nothing(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    portal.set("/fast/", rss(portal.url, []))
    portal.set("/slow/", rss(portal.url, []), delay=SLOW)
    path = daemon_config(
        tmp_path / "config.toml", db_url=db_url, fake=fake, read_timeout="8s",
        sources=source("fast", f"{portal.url}/fast/") + source("slow", f"{portal.url}/slow/"),
    )  # fmt: skip
    portal.set("/slow/", rss(portal.url, []))  # quick for the backlog, slow afterwards
    daemon = daemons(path, fake.token)
    daemon.wait_log("event=poll source=slow status=ok")  # both backlogs are in

    fast = [kukar(f"fast-{i}", f"Pemkab Kukar Gelar Kegiatan Ke-{i} Tenggarong") for i in range(6)]
    slow = [kutim(f"slow-{i}", f"Bupati Kutim Tinjau Proyek Ke-{i} Sangatta") for i in range(3)]
    slow_polls = portal.begun.count("/slow/")
    portal.set("/slow/", rss(portal.url, slow), delay=SLOW)
    portal.set("/fast/", rss(portal.url, fast))
    # both are polled within an interval or so; the slow poll then takes SLOW s
    wait_until(lambda: len(fake.messages) >= 1, 20, "sending under way", daemon)
    wait_until(lambda: portal.begun.count("/slow/") > slow_polls, 20, "the slow poll", daemon)

    assert daemon.stop(timeout=60) == 0  # waits for the slow poll, not for the queue
    log = daemon.log()
    assert "event=stopped" in log and "Traceback" not in log
    # the new content was fetched (the backlog's poll was the first 200); under load a poll
    # may have begun after it, answered 304, before the stop
    assert [h.status for h in portal.hits_for("/slow/")].count(200) >= 2
    portal.set("/slow/", rss(portal.url, slow))

    config = load(path)
    store = open_store(config.database_url)
    try:
        by_source = {s.id: s.items_count for s in store.source_statuses()}
        sent_by_daemon = len(fake.messages)
        pending = store.counts()["pending_deliveries"]
    finally:
        store.engine.dispose()
    assert by_source == {"fast": 6, "slow": 3}  # the in-flight slow poll finished and stored
    assert sent_by_daemon < 9, "the stop came too late to interrupt anything"
    assert sent_by_daemon + pending == 9  # 6 for @kabar_kukar, 3 for @kabar_kutim

    done = cli(path, "run", "--once", token=fake.token)
    assert done.returncode == 0, done.stderr
    titles = Counter(m.text.split("\n")[1] for m in fake.messages)
    assert len(fake.messages) == 9 and all(n == 1 for n in titles.values()), titles


def test_sigterm_cuts_a_hung_poll_short_and_frees_its_source(
    tmp_path: Path, portal: Portal, fake: FakeTelegram,
    daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """A portal that takes minutes to answer does not hold a stop for the fetch's timeout
    (review of 2026-12-06: 30 s, then an error and a traceback): past POLL_GRACE the poll is
    cut short, its source's lease freed, and the daemon exits 0 cleanly."""
    portal.set("/hung/", rss(portal.url, []))
    db_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    path = daemon_config(
        tmp_path / "config.toml", db_url=db_url, fake=fake, read_timeout="600s",
        sources=source("hung", f"{portal.url}/hung/"),
    )  # fmt: skip
    path.write_text(path.read_text().replace('total_timeout = "20s"', 'total_timeout = "900s"'))
    daemon = daemons(path, fake.token)
    daemon.wait_log("event=poll source=hung status=ok")
    polls = portal.begun.count("/hung/")
    portal.set("/hung/", rss(portal.url, []), delay=600)
    wait_until(lambda: portal.begun.count("/hung/") > polls, 20, "the hung poll", daemon)
    assert daemon.stop(timeout=120) == 0
    log = daemon.log()
    assert "event=poll_cut_short task=poll:hung" in log
    assert "event=stop_timeout" not in log and "Traceback" not in log
    assert "event=stopped" in log
    store = open_store(load(path).database_url)
    try:
        (state,) = [s for s in store.source_statuses() if s.id == "hung"]
        assert state.lease_until is None  # another process may poll it at once
    finally:
        store.engine.dispose()
