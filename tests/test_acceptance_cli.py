"""Acceptance, black-box: `check` on hand-written configs (every mistake on stderr as
`config.toml: <key path>: <what is wrong>`, exit 2), where the config comes from, and the
daemon and server commands started and stopped as processes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.acceptance_kit import ROOT, check_rss, cli, config_text, kukar, rss2, source, write
from tests.portal import Portal

GOOD = config_text(source("portal-a", "http://127.0.0.1:9/feed/"), chats={"kukar": "@kabar_kukar"})
LINE = re.compile(r"^config\.toml: (\S+): (.+)$")


def _swap(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


MISTAKES = [
    # (what the admin wrote, the key path the error must name)
    (_swap('interval = "5m"', 'intervall = "5m"'), "sources[0].intervall"),
    (_swap("[feeds]", "[feeds]\nbase_ulr = 'x'"), "feeds.base_ulr"),
    (_swap('interval = "5m"', 'interval = "5 minutes"'), "sources[0].interval"),
    (_swap('interval = "5m"', "interval = 300"), "sources[0].interval"),
    (_swap('max_age = "24h"', 'max_age = "sehari"'), "telegram.max_age"),
    (_swap('url = "http://127.0.0.1:9/feed/"', 'url = "127.0.0.1/feed"'), "sources[0].url"),
    (_swap('api_url = "http://127.0.0.1:9"', 'api_url = "api.telegram.org"'), "telegram.api_url"),
    (_swap('base_url = "http://127.0.0.1:8080/"', 'base_url = "/feeds/"'), "feeds.base_url"),
    (_swap('id = "portal-a"', 'id = "Portal A"'), "sources[0].id"),
    (_swap('kind = "feed"', 'kind = "atom"'), "sources[0].kind"),
    (_swap("port = 8080", 'port = "8080"'), "server.port"),
    (_swap("enabled = false", 'enabled = "no"'), "server.enabled"),
    (_swap("port = 8080", "port = 70000"), "server.port"),
    (_swap('slug = "bisnis"', 'slug = "Bisnis Lokal"'), "categories[2].slug"),
    (_swap('slug = "bisnis"', 'slug = "pemerintah"'), "categories[2].slug"),
    (_swap('"pemerintah", "advertorial"]', '"pemerintah", "olahraga"]'),
     "telegram.notify_categories[1]"),
    (_swap('notify_categories = ["pemerintah", "advertorial"]', 'notify_categories = "semua"'),
     "telegram.notify_categories"),
    (_swap('telegram_chat = "@kabar_kukar"', 'telegram_chat = "kabar kukar"'),
     "regencies[1].telegram_chat"),
    (_swap('telegram_chat = "@kabar_kukar"', "telegram_chat = true"),
     "regencies[1].telegram_chat"),
    (GOOD + source("portal-a", "http://127.0.0.1:9/other/"), "sources[1].id"),
    (_swap('url = "http://127.0.0.1:9/feed/"', 'url = "http://portal kukar.id/feed/"'),
     "sources[0].url"),
    (_swap('[storage]\nurl = "sqlite:///state.sqlite3"', '[storage]\nurl = "mongodb://x/y"'),
     "storage.url"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key"), MISTAKES, ids=[m[1] for m in MISTAKES])
def test_check_names_the_key_of_each_mistake(tmp_path: Path, text: str, key: str) -> None:
    done = cli(write(tmp_path, text), "check")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    keys = [m.group(1) for ln in lines if (m := LINE.match(ln))]
    assert key in keys, done.stderr


def test_check_never_echoes_a_token_pasted_into_token_env(tmp_path: Path) -> None:
    token = "987654321:AAH-secret-token-value"
    done = cli(write(tmp_path, GOOD.replace('token_env = "ACCEPT_BOT_TOKEN"',
                                            f'token_env = "{token}"')), "check")  # fmt: skip
    assert done.returncode == 2
    assert "config.toml: telegram.token_env: " in done.stderr
    assert "secret-token" not in done.stderr + done.stdout


def test_check_reports_every_problem_at_once(tmp_path: Path) -> None:
    text = (
        GOOD.replace('interval = "5m"', 'interval = "lima menit"')
        .replace('max_age = "24h"', 'max_age = "24"')
        .replace('kind = "feed"', 'kind = "rss"')
        .replace('"pemerintah", "advertorial"]', '"pemerintah", "olahraga"]')
    )
    done = cli(write(tmp_path, text), "check")
    assert done.returncode == 2
    keys = {m.group(1) for ln in done.stderr.splitlines() if (m := LINE.match(ln))}
    assert {"sources[0].interval", "telegram.max_age", "sources[0].kind",
            "telegram.notify_categories[1]"} <= keys, done.stderr  # fmt: skip


def test_check_accepts_valid_variants(tmp_path: Path) -> None:
    text = config_text(
        source("satu", "http://127.0.0.1:9/a/", interval="90s")
        + source("dua", "http://127.0.0.1:9/b/", kind="html", interval="1h"),
        chats={"kaltim": "@kabar_kaltim", "kukar": -1001234567890, "kutim": "-100987654321"},
        notify='["advertorial"]',
        max_age="90s",
    )
    done = cli(write(tmp_path, text), "check")
    assert done.returncode == 0, done.stderr
    for notify in ("[]", '["bisnis", "pemerintah", "advertorial"]'):
        again = write(tmp_path, text.replace('notify_categories = ["advertorial"]',
                                             f"notify_categories = {notify}"))  # fmt: skip
        done = cli(again, "check")
        assert done.returncode == 0, done.stderr


def test_config_path_from_option_env_and_cwd(tmp_path: Path) -> None:
    good = tmp_path / "good"
    bad = tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    write(good, GOOD)
    write(bad, GOOD.replace('interval = "5m"', 'interval = "x"'))
    env_cfg = {"SYNDICATION_CONFIG": str(good / "config.toml")}
    assert cli(None, "check", cwd=good).returncode == 0  # ./config.toml
    assert cli(None, "check", cwd=bad).returncode == 2
    assert cli(None, "check", cwd=bad, env_extra=env_cfg).returncode == 0  # env beats cwd
    # --config beats the environment
    bad_env = {"SYNDICATION_CONFIG": str(bad / "config.toml")}
    assert cli(good / "config.toml", "check", cwd=bad, env_extra=bad_env).returncode == 0
    missing = cli(tmp_path / "nope.toml", "check")
    assert missing.returncode == 2 and missing.stderr.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 60) -> tuple[int, bytes]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return int(r.status), r.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _start(config: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "SYNDICATION_CONFIG"}
    return subprocess.Popen(
        [sys.executable, "-m", "syndication", "--config", str(config), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_daemon_serves_feeds_and_stops_cleanly(portal: Portal, tmp_path: Path, sig: int) -> None:
    port = _free_port()
    portal.set("/feed/", rss2(portal.url, [kukar("d1", "Pemkab Kukar Buka Festival Daerah")]))
    server = f'enabled = true\nhost = "127.0.0.1"\nport = {port}'
    base = f"http://127.0.0.1:{port}/"
    config = write(tmp_path, config_text(source("d", f"{portal.url}/feed/", interval="90s"),
                                         server=server, base_url=base))  # fmt: skip
    proc = _start(config, "run")
    try:
        deadline = time.monotonic() + 60  # generous: a loaded machine starts a process slowly
        body = b""
        while time.monotonic() < deadline and b"Festival Daerah" not in body:
            with contextlib.suppress(OSError):
                body = _get(base + "all.rss", timeout=1)[1]
            time.sleep(0.3)
        assert b"Festival Daerah" in body
        status, index = _get(base + "index.html")
        assert status == 200 and b"all.atom" in index
        check_path = tmp_path / "served.rss"
        check_path.write_bytes(body)
        check_rss(check_path, base, "all.rss")
    finally:
        proc.send_signal(sig)
        try:
            _, err = proc.communicate(timeout=60)  # closes the pipes too
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def test_serve_only_serves_published_files(portal: Portal, tmp_path: Path) -> None:
    portal.set("/feed/", rss2(portal.url, [kukar("s1", "Pemkab Kukar Rapat Anggaran")]))
    for _ in range(5):  # a port a parallel test took between _free_port and the bind: again
        port = _free_port()
        base = f"http://127.0.0.1:{port}/"
        server = f'enabled = true\nhost = "127.0.0.1"\nport = {port}'
        config = write(tmp_path, config_text(source("s", f"{portal.url}/feed/"), server=server,
                                             base_url=base))  # fmt: skip
        assert cli(config, "run", "--once").returncode == 0
        hits = len(portal.hits)
        proc = _start(config, "serve")
        assert proc.stderr is not None
        if any("event=serving" in line for line in proc.stderr):  # ours listens
            break
        proc.wait(timeout=60)  # it ended: its port was another server's
    try:
        for rel in ("all.json", "feeds.opml", "category/pemerintah.atom", "regency/kukar.rss"):
            status, body = _get(base + rel)
            assert status == 200 and body == (tmp_path / "out" / rel).read_bytes()
        time.sleep(0.5)
        assert len(portal.hits) == hits  # serve does not poll
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_daemon_announces_what_appears_after_its_first_poll(portal: Portal, tmp_path: Path) -> None:
    from tests.fakes.telegram_api import FakeTelegram

    old = kukar("b1", "Pemkab Kukar Kabar Lama Sekali")
    portal.set("/feed/", rss2(portal.url, [old]))
    with FakeTelegram(per_minute=None, min_interval=None) as fake:
        text = config_text(source("d", f"{portal.url}/feed/", interval="2s"),
                           chats={"kukar": "@daemon_kukar"}, api_url=fake.url)  # fmt: skip
        config = write(tmp_path, text)
        env = {k: v for k, v in os.environ.items() if k != "SYNDICATION_CONFIG"}
        env["ACCEPT_BOT_TOKEN"] = fake.token
        proc = subprocess.Popen(
            [sys.executable, "-m", "syndication", "--config", str(config), "run"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not portal.hits_for("/feed/"):
                time.sleep(0.2)
            time.sleep(1.0)
            new = kukar("n1", "Pemkab Kukar Kabar Baru Saja Terbit", minutes_ago=1)
            portal.set("/feed/", rss2(portal.url, [new, old]))
            while time.monotonic() < deadline + 10 and not fake.messages:
                time.sleep(0.2)
            time.sleep(2.5)  # another poll or two: still one message
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert [m.text.count("Kabar Baru Saja Terbit") for m in fake.messages] == [1]
        assert fake.token not in err


def test_status_before_any_run_lists_every_configured_source_and_channel(tmp_path: Path) -> None:
    text = config_text(source("belum", "http://127.0.0.1:9/feed/") + source("juga", "http://127.0.0.1:9/b/"),
                       chats={"kukar": "@kabar_kukar", "kaltim": 123456789})  # fmt: skip
    done = cli(write(tmp_path, text), "status", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    sources = {s["id"]: s for s in data["sources"]}
    assert set(sources) == {"belum", "juga"}
    assert sources["belum"]["first_poll_done"] is False and sources["belum"]["last_success"] is None
    assert {c["chat"]: c["pending"] for c in data["channels"]} == {
        "@kabar_kukar": 0,
        "123456789": 0,
    }
    assert data["totals"] == {"items": 0, "pending_deliveries": 0}


def test_run_once_fails_only_for_config_or_storage(tmp_path: Path) -> None:
    bad = write(tmp_path, GOOD.replace('interval = "5m"', 'interval = "tiap lima menit"'))
    done = cli(bad, "run", "--once")
    assert done.returncode != 0 and "sources[0].interval" in done.stderr
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the database folder should be", encoding="utf-8")
    storage = GOOD.replace(
        'url = "sqlite:///state.sqlite3"', 'url = "sqlite:///blocked/db.sqlite3"'
    )
    done = cli(write(tmp_path, storage), "run", "--once")
    assert done.returncode != 0 and done.stderr.strip()
    # an unreachable source is no reason to fail
    assert cli(write(tmp_path, GOOD), "run", "--once").returncode == 0
