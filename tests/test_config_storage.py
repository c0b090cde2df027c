"""[storage] url: a scheme the project cannot open or a port out of range is a config error
naming storage.url (`check` exits 2, `run --once` never tracebacks), and the database password
never shows: not in `check`, not in the log, not on /status or /status.json after a reload."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from syndication.errors import StorageError
from syndication.store import open_store
from tests import inprocess
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_daemon import (  # noqa: F401
    DaemonProcess,
    daemon_config,
    daemons_fixture,
    fake_fixture,
    source,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s3cretPassw0rd"


def _cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return inprocess.run(["--config", str(path), *args], env=env, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"postgress://app:{SECRET}@127.0.0.1:5432/news", "unknown scheme 'postgress'"),
        (f"mysql://app:{SECRET}@127.0.0.1/news", "unknown scheme 'mysql'"),
        (f"postgresql://app:{SECRET}@127.0.0.1:99999/news", "port 99999 is out of range"),
        (f"postgresql://app:{SECRET}@127.0.0.1:port/news", "is not a database URL"),
        ("sqlite+nosuchdriver:///news.sqlite3", "unknown scheme 'sqlite+nosuchdriver'"),
    ],
)
def test_a_bad_storage_url_is_a_config_error_without_the_password(
    tmp_path: Path, url: str, expected: str
) -> None:
    path = write_config(tmp_path / "config.toml", db_url=url, sources="")
    for args in (("check",), ("run", "--once")):
        done = _cli(path, *args)
        assert done.returncode == 2, (args, done.returncode, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
        assert "storage.url" in done.stderr and expected in done.stderr, done.stderr
        assert SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///x.sqlite3",
        "sqlite+pysqlite:///x.sqlite3",
        "postgres://u@h/db",
        "postgresql+psycopg://u:p@h:5432/db",
    ],
)
def test_supported_storage_urls_pass_check(tmp_path: Path, url: str) -> None:
    path = write_config(tmp_path / "config.toml", db_url=url, sources="")
    done = _cli(path, "check")
    assert done.returncode == 0, done.stderr[-2000:]


def test_an_unreachable_database_is_a_storage_error_without_the_password(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path / "config.toml", sources="",
                        db_url=f"postgresql://app:{SECRET}@127.0.0.1:1/news")  # fmt: skip
    assert _cli(path, "check").returncode == 0
    assert SECRET not in _cli(path, "check").stdout
    done = _cli(path, "run", "--once")
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert SECRET not in done.stdout + done.stderr
    with pytest.raises(StorageError) as e:  # a URL that got past no config: still no secret
        open_store(f"postgress://app:{SECRET}@127.0.0.1/news")
    assert SECRET not in str(e.value) and "app:***@" in str(e.value), str(e.value)


def test_a_reload_with_a_bad_storage_url_shows_no_password(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    portal.set("/feed/", b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    path = tmp_path / "config.toml"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    daemon_config(path, db_url=db, fake=fake, server=True,
                  sources=source("a", f"{portal.url}/feed/"))  # fmt: skip
    daemon = daemons(path, fake.token)
    url = daemon.url
    text = path.read_text(encoding="utf-8")
    bad = f"postgress://app:{SECRET}@127.0.0.1:5432/news"
    path.write_text(text.replace(f'url = "{db}"', f'url = "{bad}"'), encoding="utf-8")
    daemon.wait_log("event=config_rejected", timeout=15)
    page = httpx.get(url + "status").text
    data = httpx.get(url + "status.json").text
    wait_until(lambda: "storage.url" in httpx.get(url + "status.json").text, 10, "the rejection")
    for shown in (page, data, httpx.get(url + "status.json").text, daemon.log()):
        assert SECRET not in shown
    assert "storage.url" in httpx.get(url + "status").text
    assert daemon.stop() == 0
    assert SECRET not in daemon.log()
