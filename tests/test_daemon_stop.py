"""SIGTERM in the middle of a busy cycle: a slow poll in flight and deliveries queued. The
daemon exits 0, the poll's items are stored, every announcement is sent or still pending, and
`run --once` afterwards sends the rest, none twice."""

from __future__ import annotations

import time
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

SLOW = 3.0  # seconds the slow portal takes to answer


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
    changed = time.monotonic()
    portal.set("/slow/", rss(portal.url, slow), delay=SLOW)
    portal.set("/fast/", rss(portal.url, fast))
    # both are polled within one interval (1 s + jitter); the slow poll then takes SLOW s
    wait_until(lambda: len(fake.messages) >= 1, 5, "sending under way", daemon)
    time.sleep(max(0.0, changed + 1.5 - time.monotonic()))

    assert daemon.stop(timeout=60) == 0  # waits for the slow poll, not for the queue
    log = daemon.log()
    assert "event=stopped" in log and "Traceback" not in log
    assert portal.hits_for("/slow/")[-1].status == 200  # the new content was fetched
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
