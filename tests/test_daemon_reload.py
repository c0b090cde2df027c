"""Hot reload: saving config.toml adds and removes sources without a restart; a broken edit is
rejected (log, `status --json`, admin chat) while the daemon goes on with the old config."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_daemon import (  # noqa: F401
    DaemonProcess,
    daemon_config,
    daemons_fixture,
    fake_fixture,
    kukar,
    source,
    status_json,
    wait_until,
)


def test_config_edits_apply_live_and_broken_ones_are_rejected(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    portal.set("/a/", rss(portal.url, []))
    portal.set("/b/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    a, b = source("a", f"{portal.url}/a/"), source("b", f"{portal.url}/b/")

    def save(sources: str) -> None:
        daemon_config(path, db_url=db, fake=fake, admin="@admin", sources=sources)

    def hits(p: str) -> int:
        return len(portal.hits_for(p))

    save(a)
    daemon = daemons(path, fake.token)
    wait_until(lambda: hits("/a/") >= 1, 5, "a polled", daemon)
    assert hits("/b/") == 0

    save(a + b)  # a source added: polled soon after, without a restart
    wait_until(lambda: hits("/b/") >= 1, 30, "b polled after the edit", daemon)
    assert daemon.count("event=config_reloaded sources=2 added=1 removed=0") == 1

    save(b)  # a source removed: no more polls
    daemon.wait_log("event=config_reloaded sources=1 added=0 removed=1")
    time.sleep(0.3)  # a poll already running may finish
    a_hits, b_hits = hits("/a/"), hits("/b/")
    # two more polls of b (1 s interval, like a's): a would have been polled meanwhile
    wait_until(lambda: hits("/b/") >= b_hits + 2, 10, "b polled twice more", daemon)
    assert hits("/a/") == a_hits

    # a broken edit: every problem reported, the running config stays
    path.write_text(
        path.read_text().replace('interval = "1s"', 'interval = "soon"')
        .replace('max_age = "24h"', 'max_age = "-"'),
        encoding="utf-8",
    )  # fmt: skip
    daemon.wait_log("event=config_rejected", timeout=6)
    log = daemon.log()
    assert "sources[0].interval" in log and "telegram.max_age" in log
    wait_until(lambda: len(fake.messages_to("@admin")) == 1, 5, "the admin alert", daemon)
    alert = fake.messages_to("@admin")[0].text
    assert "rejected" in alert and "sources[0].interval" in alert
    data = status_json(path)  # works on the broken file, from its [storage] table
    assert "sources[0].interval" in str(data["config_error"])
    b_hits = hits("/b/")
    wait_until(lambda: hits("/b/") >= b_hits + 2, 5, "b still polled", daemon)
    assert hits("/a/") == a_hits

    save(b + a)  # fixed again: applied, and the rejection is cleared
    wait_until(lambda: hits("/a/") > a_hits, 6, "a polled again", daemon)
    assert status_json(path)["config_error"] is None
    assert daemon.stop() == 0
    assert len(fake.messages_to("@admin")) == 1
    assert "Traceback" not in daemon.log()


def test_a_changed_output_dir_needs_a_restart_and_publishing_stays_where_it_is_served(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    import httpx

    from tests.test_daemon import kukar

    first = kukar("lama", "Pemkab Kukar Bahas Jalan Desa")
    portal.set("/a/", rss(portal.url, [first]))
    path = tmp_path / "config.toml"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    daemon_config(path, db_url=db, fake=fake, server=True, sources=source("a", f"{portal.url}/a/"))
    daemon = daemons(path, fake.token)
    url = daemon.url
    wait_until(lambda: first.title in httpx.get(url + "all.rss").text, 10, "published", daemon)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('output_dir = "public"', 'output_dir = "moved"'), "utf-8")
    daemon.wait_log("event=config_needs_restart section=feeds key=output_dir")
    daemon.wait_log("event=config_reloaded")
    later = kukar("baru", "Bupati Kukar Resmikan Jembatan Loa Kulu", minutes=5)
    portal.set("/a/", rss(portal.url, [later, first]))
    # still published where it is served, nothing in the new folder before a restart
    wait_until(lambda: later.title in httpx.get(url + "all.rss").text, 15, "served", daemon)
    assert later.title in (tmp_path / "public" / "all.rss").read_text(encoding="utf-8")
    assert not (tmp_path / "moved").exists()
    assert daemon.stop() == 0
    assert daemon.count("event=config_needs_restart section=feeds key=output_dir") == 1
    assert "Traceback" not in daemon.log()


def test_the_admin_hears_of_a_rejected_config_while_a_queue_goes_out(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """Review of 2026-12-06: admin alerts went out only once every channel's queue was empty
    (a 30-message queue held a rejected config's alert for 35 s)."""
    portal.set("/feed/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    daemon_config(path, db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", fake=fake, admin="@admin",
                  sources=source("feed", f"{portal.url}/feed/", interval="2s"))  # fmt: skip
    daemon = daemons(path, fake.token)
    daemon.wait_log("event=poll source=feed status=ok")  # the empty backlog
    queue = [
        kukar(f"q{k}", f"Bupati Kukar Resmikan Jembatan Desa Nomor {k:02d}", 5) for k in range(12)
    ]  # fmt: skip  (one a second: 12 s of sending)
    portal.set("/feed/", rss(portal.url, queue))
    wait_until(lambda: len(fake.messages_to("@kabar_kukar")) >= 2, 30, "sending under way", daemon)
    path.write_text(path.read_text().replace('max_age = "24h"', 'max_age = "24 jam"'))
    wait_until(lambda: fake.messages_to("@admin"), 60, "the admin alert", daemon)
    wait_until(lambda: len(fake.messages_to("@kabar_kukar")) == 12, 60, "the queue", daemon)
    alert = fake.messages_to("@admin")[0]
    assert "rejected" in alert.text
    assert alert.at < fake.messages_to("@kabar_kukar")[-1].at  # not held behind the queue
