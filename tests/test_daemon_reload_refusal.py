"""Hot reload refuses what would wreck a running daemon: an empty file (every source and channel
gone), a file nested too deep, a file removed; a save caught half-written is read again."""

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
    source,
    status_json,
    wait_until,
)


def _start(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess]
) -> tuple[Path, DaemonProcess]:
    portal.set("/a/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    daemon_config(path, db_url=db, fake=fake, sources=source("a", f"{portal.url}/a/"))
    daemon = daemons(path, fake.token)
    wait_until(lambda: len(portal.hits_for("/a/")) >= 1, 30, "a polled", daemon)
    return path, daemon


def _still_polled(portal: Portal, daemon: DaemonProcess) -> None:
    hits = len(portal.hits_for("/a/"))
    wait_until(lambda: len(portal.hits_for("/a/")) >= hits + 2, 30, "a still polled", daemon)


def test_an_empty_file_saved_while_running_is_refused(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    path, daemon = _start(tmp_path, portal, fake, daemons)
    good = path.read_text(encoding="utf-8")
    path.write_text("", encoding="utf-8")
    daemon.wait_log("event=config_rejected", timeout=30)
    log = daemon.log()
    assert "sources: the new file lists no source (the running config has 1)" in log
    assert "event=config_reloaded" not in log
    _still_polled(portal, daemon)
    # status shows the refusal: the storage table is gone from the file, so put it back first
    path.write_text(good, encoding="utf-8")
    path.write_text(good.replace('interval = "1s"', 'interval = "2s"'), encoding="utf-8")
    daemon.wait_log("event=config_reloaded sources=1", timeout=30)
    assert status_json(path)["config_error"] is None
    assert daemon.stop() == 0
    assert "Traceback" not in daemon.log()


def test_refusal_is_shown_in_status(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    path, daemon = _start(tmp_path, portal, fake, daemons)
    text = path.read_text(encoding="utf-8")
    # valid, with its [storage] table, but no source left
    kept = text[: text.index("[[sources]]")]
    path.write_text(kept, encoding="utf-8")
    daemon.wait_log("event=config_rejected", timeout=30)
    assert "lists no source" in str(status_json(path)["config_error"])
    _still_polled(portal, daemon)
    assert daemon.stop() == 0


def test_a_deeply_nested_file_is_rejected_without_a_traceback(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    path, daemon = _start(tmp_path, portal, fake, daemons)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n[x]\ny = " + "[" * 4000 + "]" * 4000 + "\n", encoding="utf-8")
    daemon.wait_log("event=config_rejected", timeout=30)
    assert "nesting too deep" in daemon.log()
    _still_polled(portal, daemon)
    assert daemon.stop() == 0
    assert "Traceback" not in daemon.log() and "RecursionError" not in daemon.log()


def test_a_removed_file_is_reported_once_and_a_restored_one_applies(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    path, daemon = _start(tmp_path, portal, fake, daemons)
    text = path.read_text(encoding="utf-8")
    path.unlink()
    daemon.wait_log("event=config_rejected", timeout=30)
    assert "cannot be read (removed or moved?)" in daemon.log()
    _still_polled(portal, daemon)
    time.sleep(4.5)  # two more looks at the missing file: no second report
    assert daemon.count("event=config_rejected") == 1
    path.write_text(text.replace('interval = "1s"', 'interval = "2s"'), encoding="utf-8")
    daemon.wait_log("event=config_reloaded sources=1", timeout=30)
    assert daemon.stop() == 0
    assert "Traceback" not in daemon.log()


def test_a_save_caught_half_written_is_read_again(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    path, daemon = _start(tmp_path, portal, fake, daemons)
    portal.set("/b/", rss(portal.url, []))
    full = path.read_text(encoding="utf-8") + source("b", f"{portal.url}/b/")
    cut = full[: full.rindex('url = "') + 12]  # an editor's first write: cut mid-string
    # Saves whose two writes are 0.7 s apart: a look (every 2 s) that lands early in that gap
    # reads the cut file twice in a row; it must look again rather than reject it.
    for n in range(1, 9):
        path.write_text(cut, encoding="utf-8")
        time.sleep(0.7)
        path.write_text(full, encoding="utf-8")
        daemon.wait_log("event=config_reloaded", timeout=30, times=n)
        full += "\n"
    wait_until(lambda: len(portal.hits_for("/b/")) >= 1, 30, "b polled", daemon)
    assert daemon.count("event=config_rejected") == 0
    assert daemon.stop() == 0
