"""Hostile review (ops, sixteenth): an admin running the daemon from one config.toml and
editing it while it runs; `status`, `check` and restarts, through the contract only."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.acceptance_kit import ROOT, Story, config_text, once, rss2, write
from tests.acceptance_kit import cli as acc_cli
from tests.acceptance_kit import kukar as kukar_story
from tests.acceptance_kit import source as acc_source
from tests.acceptance_kit import status as acc_status
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
from tests.test_daemon import cli as run_cli


def test_a_rejection_the_admin_fixed_while_the_daemon_was_stopped_is_not_shown(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """README, `status --json`: "`config_error` holds the problems of a rejected config.toml
    (the daemon runs on the previous one)". The daemon rejects a broken save; the admin stops
    it, fixes the file, `check` says valid and `run --once` runs on it: `status` must not go
    on reporting the old rejection (an admin, or a monitoring script on `config_error`, is
    told the file is broken when it is not), yet it does, until a daemon is started again."""
    portal.set("/a/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    daemon_config(path, db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", fake=fake,
                  sources=source("a", f"{portal.url}/a/", "2s"))  # fmt: skip
    good = path.read_text(encoding="utf-8")
    daemon = daemons(path, fake.token)
    daemon.wait_log("event=poll source=a status=ok")
    path.write_text(good.replace('interval = "2s"', 'interval = "2 detik"'), "utf-8")
    daemon.wait_log("event=config_rejected")
    assert "sources[0].interval" in str(status_json(path)["config_error"])
    assert daemon.stop() == 0
    path.write_text(good, "utf-8")  # fixed while the daemon is stopped
    assert run_cli(path, "check").returncode == 0
    assert run_cli(path, "run", "--once", token=fake.token).returncode == 0
    data = status_json(path)
    assert data["config_error"] is None, data["config_error"]


def test_waiting_kukar_messages_follow_kukar_when_a_shared_channel_is_split(
    tmp_path: Path, portal: Portal
) -> None:
    """README, Changing a channel: "When a regency's `telegram_chat` changes ..., the
    messages still waiting for the old chat go to the new one". Kukar and Kutim shared one
    channel; the admin gives Kukar a channel of its own while Kukar's stories wait (no token
    yet: a dry run). Kukar's waiting story must now go to @kabar_kukar, not to the channel
    that is Kutim's alone."""

    b = portal.url
    portal.set("/feed/", rss2(b, []))
    shared: dict[str, str | int] = {"kukar": "@kabar_timur", "kutim": "@kabar_timur"}
    text = config_text(acc_source("utama", f"{b}/feed/"), chats=shared)
    config = write(tmp_path, text)
    once(config)  # the first poll: an empty backlog
    news = [kukar_story("satu", "Pemkab Kukar Gelar Rapat Koordinasi", minutes_ago=2),
            Story("dua", "Bupati Kutim Tinjau Jalan Rusak", "kutim", minutes_ago=1)]  # fmt: skip
    portal.set("/feed/", rss2(b, news))
    once(config)
    before = {c["chat"]: c["pending"] for c in acc_status(config)["channels"]}
    assert before == {"@kabar_timur": 2}, before

    split: dict[str, str | int] = {"kukar": "@kabar_kukar", "kutim": "@kabar_timur"}
    config = write(tmp_path, config_text(acc_source("utama", f"{b}/feed/"), chats=split))
    once(config)  # still dry: the rows are re-homed, nothing is sent
    after = {c["chat"]: c["pending"] for c in acc_status(config)["channels"]}
    assert after == {"@kabar_kukar": 1, "@kabar_timur": 1}, after


SHIPPED = (ROOT / "config.toml").read_text(encoding="utf-8")
NOTIFY = 'notify_categories = ["pemerintah", "advertorial"]'
ALIASES = '"dprd", "parlementaria", "legislatif"]'
UNCLOSED = [
    # (the shipped config with one array left open, the key path of that array)
    (SHIPPED.replace(NOTIFY, NOTIFY[:-1], 1), "telegram.notify_categories"),
    (SHIPPED.replace(ALIASES, ALIASES[:-1], 1), "categories[0].aliases"),
    (SHIPPED.replace(NOTIFY, 'notify_categories = [\n  "pemerintah"\n  "advertorial",\n]', 1),
     "telegram.notify_categories"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "key"), UNCLOSED, ids=["notify-open", "aliases-open", "multiline-missing-comma"]
)
def test_an_array_left_open_is_reported_at_its_own_key(tmp_path: Path, text: str,
                                                        key: str) -> None:  # fmt: skip
    """CONTRACT, `check`: every problem on stderr as `config.toml: <key path>: <what is
    wrong>`. An array the admin forgot to close (or a missing comma in a multi-line one) is
    the commonest TOML slip; the error must name that array's key, not the next key or table
    the parser stumbled on (the admin would go and 'fix' a line that is right)."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    done = acc_cli(path, "check")
    assert done.returncode == 2, done.stdout
    assert done.stderr.startswith(f"config.toml: {key}: "), done.stderr


def test_a_save_while_the_daemon_is_still_starting_is_applied(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """README, Running: "Saving config.toml applies a valid change without a restart". The
    admin starts the daemon and, while it is still starting (here: waiting for the database,
    which another process holds for a moment), saves config.toml with a second source. The
    daemon reads the file once before opening the store and takes the file's fingerprint only
    after: the saved change is then never applied (until some later save)."""
    portal.set("/a/", rss(portal.url, []))
    portal.set("/b/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    db = tmp_path / "db.sqlite3"
    a, b = source("a", f"{portal.url}/a/"), source("b", f"{portal.url}/b/")
    daemon_config(path, db_url=f"sqlite:///{db}", fake=fake, sources=a)
    assert run_cli(path, "run", "--once").returncode == 0  # the database exists
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing for a moment
    try:
        log_path = tmp_path / "daemon.log"
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "syndication", "--config", str(path), "run"],
                cwd=tmp_path, stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_until(lambda: "event=startup" in log_path.read_text(errors="replace"), 20,
                       "the config read at start")  # fmt: skip
            daemon_config(path, db_url=f"sqlite:///{db}", fake=fake, sources=a + b)
            time.sleep(0.5)
            holder.execute("ROLLBACK")
            wait_until(lambda: "event=started" in log_path.read_text(errors="replace"), 20,
                       "started")  # fmt: skip
            # the daemon looks at the file every CONFIG_CHECK seconds: b within a few looks
            wait_until(lambda: bool(portal.hits_for("/b/")), 15, "b, saved while starting, polled")
        finally:
            proc.terminate()
            proc.wait(60)
    finally:
        holder.close()


def test_an_interval_edit_does_not_override_a_portals_retry_after(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """README, Running: a failing source is retried "never sooner than a `Retry-After`"
    (DESIGN: polite polling, honouring Retry-After). Only a new `url` or `kind` forgets the
    old address's `Retry-After`. A portal answers 503 with `Retry-After: 3600`; the admin then
    retunes that source's interval (the same address): the daemon must still leave the portal
    alone for its hour, not poll it at once."""
    portal.set("/a/", "sedang pemeliharaan", status=503, content_type="text/plain",
               headers={"Retry-After": "3600"})  # fmt: skip
    portal.set("/b/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    def save(interval: str) -> None:
        daemon_config(path, db_url=db, fake=fake, sources=source("a", f"{portal.url}/a/",
                      interval) + source("b", f"{portal.url}/b/", "1s"))  # fmt: skip

    save("2s")
    daemon = daemons(path, fake.token)
    daemon.wait_log("event=poll source=a status=error")
    a_hits = len(portal.hits_for("/a/"))
    assert a_hits == 1
    save("3s")  # the same address, another interval
    daemon.wait_log("event=config_reloaded")
    b_hits = len(portal.hits_for("/b/"))
    wait_until(lambda: len(portal.hits_for("/b/")) >= b_hits + 3, 15, "b polled", daemon)
    assert len(portal.hits_for("/a/")) == a_hits, "polled within the portal's Retry-After"
    assert daemon.stop() == 0


def test_a_file_saved_in_a_windows_code_page_is_reported_in_the_contracts_form(
    tmp_path: Path,
) -> None:
    """CONTRACT, `check`: exit 2 "with every problem on stderr as `config.toml: <key path>:
    <what is wrong>`". An admin edits config.toml in an editor that saves the Windows code
    page (cp1252) and types a name with a dash (–): the problem names the whole path of the
    file instead of `config.toml`, and no key path, unlike every other problem `check` reports
    (a script or a reader grepping for `config.toml: regencies[1].name:` finds nothing)."""
    text = config_text(acc_source("utama", "http://127.0.0.1:9/feed/"))
    text = text.replace('name = "Kutai Kartanegara"', 'name = "Kutai Kartanegara – Tenggarong"')
    path = tmp_path / "config.toml"
    path.write_bytes(text.encode("cp1252"))
    done = acc_cli(path, "check")
    assert done.returncode == 2
    assert done.stderr.startswith("config.toml: regencies[1].name: "), done.stderr


def test_a_queue_going_out_follows_a_changed_channel(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """README, Changing a channel: "When a regency's `telegram_chat` changes ..., the messages
    still waiting for the old chat go to the new one, on a reload or at the next start". A
    queue of twelve Kukar headlines is going out, one a second; the admin saves the regency's
    new channel after the sixth. What still waits must go to the new channel (one send may be
    in flight), not the whole queue to the old one."""
    portal.set("/feed/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    daemon_config(path, db_url=db, fake=fake, sources=source("feed", f"{portal.url}/feed/", "2s"))
    daemon = daemons(path, fake.token)
    daemon.wait_log("event=poll source=feed status=ok")  # the empty backlog
    queue = [kukar(f"q{k}", f"Bupati Kukar Resmikan Jembatan Desa Nomor {k:02d}", 5)
             for k in range(12)]  # fmt: skip
    portal.set("/feed/", rss(portal.url, queue))
    wait_until(lambda: len(fake.messages_to("@kabar_kukar")) >= 6, 30, "sending under way", daemon)
    path.write_text(path.read_text("utf-8").replace("@kabar_kukar", "@kabar_kukar_baru"), "utf-8")
    daemon.wait_log("event=config_reloaded")
    sent_before = len(fake.messages_to("@kabar_kukar"))  # counted after the reload was logged
    wait_until(lambda: len(fake.messages) == 12, 60, "the whole queue", daemon)
    late = len(fake.messages_to("@kabar_kukar")) - sent_before
    # at most the one in flight as the reload was applied goes to the old channel
    assert late <= 1, f"{late} more headlines went to the old channel after the reload"
    assert len(fake.messages_to("@kabar_kukar_baru")) == 12 - sent_before - late
    assert daemon.stop() == 0


def test_a_filter_saved_while_a_queue_goes_out_holds_what_is_not_sent(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    """README, Filters: "Changed filters (a hot reload, or a restart) apply to messages not
    yet sent: a pending one now held is filtered". Twelve Kukar headlines about a bridge are
    going out, one a second; the admin saves a filter excluding "jembatan" for Kukar after the
    sixth. At most the one in flight may still go out; the rest must be held."""
    portal.set("/feed/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    daemon_config(path, db_url=db, fake=fake, sources=source("feed", f"{portal.url}/feed/", "2s"))
    daemon = daemons(path, fake.token)
    daemon.wait_log("event=poll source=feed status=ok")  # the empty backlog
    queue = [kukar(f"q{k}", f"Bupati Kukar Resmikan Jembatan Desa Nomor {k:02d}", 5)
             for k in range(12)]  # fmt: skip
    portal.set("/feed/", rss(portal.url, queue))
    wait_until(lambda: len(fake.messages_to("@kabar_kukar")) >= 6, 30, "sending under way", daemon)
    text = path.read_text("utf-8")
    rule = '[[filters]]\nregencies = ["kukar"]\nexclude = ["jembatan"]\n\n'
    path.write_text(text.replace("[[regencies]]", rule + "[[regencies]]", 1), "utf-8")
    daemon.wait_log("event=config_reloaded")
    sent_before = len(fake.messages_to("@kabar_kukar"))  # counted after the reload was logged
    wait_until(lambda: acc_status(path)["channels"][0]["pending"] == 0, 30, "queue settled",
               daemon)  # fmt: skip
    late = len(fake.messages_to("@kabar_kukar")) - sent_before
    assert late <= 1, f"{late} headlines the new filter holds went out after the reload"
    assert daemon.stop() == 0


def test_status_on_a_mistyped_database_path_does_not_create_an_empty_database(
    tmp_path: Path, portal: Portal
) -> None:
    """README, `status --json`: "when the database cannot be reached, `status` still exits 0
    with `storage_error` set ... and their counts `null`" (and the CLI itself holds that
    `status` must not open a database that would be created by opening it). The service has
    run on `state.sqlite3`; the admin mistypes the file name in `[storage].url`. `status`, a
    read-only command, instead creates a new empty database (and its folder) there and
    reports every source as never polled and 0 items: a false picture, and a stray file the
    daemon will later start on. (Fixed: nothing is created, and stderr says no database is
    there yet; the JSON stays that of a store where nothing has run, as before any run.)"""
    portal.set("/feed/", rss2(portal.url, [kukar_story("k1", "Bupati Kukar Resmikan Jembatan")]))
    text = config_text(acc_source("utama", f"{portal.url}/feed/"))
    config = write(tmp_path, text)
    once(config)
    assert acc_status(config)["totals"]["items"] == 1
    typo = 'url = "sqlite:///data/stat.sqlite3"'
    write(tmp_path, text.replace('url = "sqlite:///state.sqlite3"', typo))
    done = run_cli(config, "status", "--json")
    assert done.returncode == 0, done.stderr
    created = (tmp_path / "data").exists()
    assert not created, "status created the mistyped database's folder"
    assert "no database at" in done.stderr and "stat.sqlite3" in done.stderr, done.stderr


def test_messages_waiting_in_a_category_no_longer_notified_are_not_sent(
    tmp_path: Path, portal: Portal
) -> None:
    """README, What gets pushed: "An item is announced in a regency's channel when its
    categories meet `notify_categories`". An admin runs dry first (no token: messages "stay
    pending until a token is set"), then decides the channel takes advertorials only, saves
    `notify_categories = ["advertorial"]` and sets the token: the Pemerintah headlines queued
    under the old setting must not go out now (as changed `[[filters]]` re-apply to what is
    not yet sent), yet they do."""
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        b = portal.url
        portal.set("/feed/", rss2(b, []))
        text = config_text(acc_source("utama", f"{b}/feed/"), chats={"kukar": "@kabar_kukar"},
                           api_url=tg.url)  # fmt: skip
        config = write(tmp_path, text)
        once(config)  # the empty backlog
        adv = kukar_story("adv", "Pemkab Kukar Gelar Pameran UMKM", labels=("Advertorial",),
                          minutes_ago=3)  # fmt: skip
        gov = kukar_story("gov", "Bupati Kukar Resmikan Jembatan", minutes_ago=2)
        portal.set("/feed/", rss2(b, [adv, gov]))
        once(config)  # dry: both wait
        only_adv = text.replace('notify_categories = ["pemerintah", "advertorial"]',
                                'notify_categories = ["advertorial"]')  # fmt: skip
        assert only_adv != text
        once(write(tmp_path, only_adv), tg.token)
        sent = [m.text.split("\n")[1] for m in tg.messages]
        assert gov.title not in sent, sent
        assert adv.title in sent, sent
