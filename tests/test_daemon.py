"""`syndication run` as a subprocess: new items reach the feeds and the fake Bot API within one
interval. The helpers here (a daemon process, waiting, configs) serve the other daemon tests."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from tests import inprocess
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

ROOT = Path(__file__).resolve().parents[1]


class DaemonProcess:
    """One `python -m syndication --config X run` with its log in a file."""

    def __init__(self, config: Path, token: str | None, *args: str) -> None:
        self.config = config
        self.log_path = config.parent / f"daemon-{time.monotonic_ns()}.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("SYNDICATION_TEST_TOKEN", None)
        if token:
            env["SYNDICATION_TEST_TOKEN"] = token
        self.log_file = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "syndication", "--config", str(config), "run", *args],
            cwd=config.parent, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def count(self, needle: str) -> int:
        return self.log().count(needle)

    def wait_log(self, needle: str, timeout: float = 10, times: int = 1) -> float:
        return wait_until(lambda: self.count(needle) >= times, timeout, f"log {needle!r}", self)

    @property
    def url(self) -> str:
        self.wait_log("event=serving url=")
        match = re.search(r"event=serving url=(\S+)", self.log())
        assert match
        return match.group(1)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 120) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.log_file.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.log_file.close()


DEADLINE_FACTOR = 4


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str = "condition",
    daemon: DaemonProcess | None = None,
    step: float = 0.05,
) -> float:
    """Seconds until `predicate` held; fails with the daemon's log after `timeout` times
    DEADLINE_FACTOR (a deadline only a failing test waits out: generous on a loaded machine)."""
    timeout *= DEADLINE_FACTOR
    start = time.monotonic()
    while not predicate():
        if daemon is not None and daemon.proc.poll() is not None:
            pytest.fail(f"daemon exited ({daemon.proc.returncode}) waiting for {what}:\n"
                        + daemon.log()[-4000:])  # fmt: skip
        if time.monotonic() - start > timeout:
            tail = daemon.log()[-4000:] if daemon else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{tail}")
        time.sleep(step)
    return time.monotonic() - start


@pytest.fixture(name="daemons")
def daemons_fixture() -> Iterator[Callable[..., DaemonProcess]]:
    """start(config, token=None, *run_args) -> a running daemon, killed at teardown."""
    started: list[DaemonProcess] = []

    def start(config: Path, token: str | None = None, *args: str) -> DaemonProcess:
        d = DaemonProcess(config, token, *args)
        started.append(d)
        d.wait_log("event=started", timeout=20)
        return d

    yield start
    for d in started:
        d.kill()


@pytest.fixture(name="fake")
def fake_fixture() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=20, min_interval=1.0) as f:
        yield f


def cli(config: Path, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    if token:
        env["SYNDICATION_TEST_TOKEN"] = token
    return inprocess.run(["--config", str(config), *args], env=env, cwd=config.parent)


def status_json(config: Path) -> dict[str, object]:
    done = cli(config, "status", "--json")
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def daemon_config(
    path: Path, *, db_url: str, sources: str, fake: FakeTelegram | None = None,
    admin: str | None = None, server: bool = False, max_backoff: str | None = None,
    read_timeout: str | None = None, chats: dict[str, str] | None = None,
) -> Path:  # fmt: skip
    """write_config, plus the keys a daemon test needs inside their tables."""
    write_config(
        path, db_url=db_url, sources=sources, server=server,
        api_url=fake.url if fake else "http://127.0.0.1:9/",
        chats=chats if chats is not None else {"kukar": "@kabar_kukar", "kutim": "@kabar_kutim"},
    )  # fmt: skip
    text = path.read_text(encoding="utf-8")
    if admin:
        text = text.replace("[telegram]\n", f'[telegram]\nadmin_chat = "{admin}"\n', 1)
    if max_backoff:
        text = text.replace("[fetch]\n", f'[fetch]\nmax_backoff = "{max_backoff}"\n', 1)
    if read_timeout:
        text = text.replace('read_timeout = "2s"', f'read_timeout = "{read_timeout}"')
        text = text.replace('total_timeout = "5s"', 'total_timeout = "20s"')
    path.write_text(text, encoding="utf-8")
    return path


def source(source_id: str, url: str, interval: str = "1s") -> str:
    return f'\n[[sources]]\nid = "{source_id}"\nurl = "{url}"\ninterval = "{interval}"\n'


def kukar(slug: str, title: str, minutes: float = 30) -> Post:
    return Post(slug, title, datetime.now(UTC) - timedelta(minutes=minutes), ["Pemerintah"],
                "<p>TENGGARONG – Pemkab Kukar menggelar kegiatan di Tenggarong.</p>"
                "<p>Kegiatan berlangsung lancar. (adv/diskominfo/kukar)</p>")  # fmt: skip


def entries(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [e.link for e in feedparser.parse(path.read_bytes()).entries]


# --- the test ------------------------------------------------------------------------------


def test_new_items_reach_feeds_and_telegram_after_the_next_poll(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    portal.set("/feed/", rss(portal.url, [kukar("lama", "Pemkab Kukar Bahas Jalan Desa")]))
    config = daemon_config(
        tmp_path / "config.toml", db_url=db_url, fake=fake,
        sources=source("portal", f"{portal.url}/feed/", "2s"),
    )  # fmt: skip
    daemon = daemons(config, fake.token)
    all_rss = tmp_path / "public" / "all.rss"
    wait_until(lambda: len(entries(all_rss)) == 1, 10, "the backlog in all.rss", daemon)
    daemon.wait_log("event=poll source=portal status=ok")
    assert fake.messages == []  # the first poll is the backlog: feeds only

    posts = [
        kukar("lama", "Pemkab Kukar Bahas Jalan Desa"),
        kukar("baru", "Bupati Kukar Resmikan Jembatan Loa Kulu", minutes=5),
    ]
    portal.set("/feed/", rss(portal.url, posts))
    to_telegram = wait_until(lambda: len(fake.messages) == 1, 10, "a message", daemon)
    to_feed = wait_until(lambda: len(entries(all_rss)) == 2, 5, "the feed", daemon)
    print(f"new item -> Telegram in {to_telegram:.2f}s, -> all.rss {to_feed:.2f}s later")
    assert fake.messages[0].chat == "@kabar_kukar"
    assert "Jembatan Loa Kulu" in fake.messages[0].text
    kukar_rss = tmp_path / "public" / "regency" / "kukar.rss"
    wait_until(lambda: f"{portal.url}/baru/" in entries(kukar_rss), 3, "regency/kukar.rss")

    # quiet now: the next polls are conditional and answered 304, nothing more is sent
    before = len(portal.hits_for("/feed/"))
    wait_until(lambda: len(portal.hits_for("/feed/")) >= before + 2, 8, "two more polls", daemon)
    assert {(h.status, h.conditional) for h in portal.hits_for("/feed/")[before:]} == {(304, True)}
    assert len(fake.messages) == 1
    assert daemon.stop() == 0
    log = daemon.log()
    assert "event=stopped" in log and "Traceback" not in log
    assert fake.token not in log
