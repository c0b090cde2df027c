"""`make demo` (python -m syndication.demo): offline, a free port, feeds served with items, the
dry-run Telegram messages in the console, everything written to the given folder only, and a
clean exit on SIGINT and SIGTERM."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import feedparser
import httpx
import pytest

from tests.test_daemon import wait_until

ROOT = Path(__file__).resolve().parents[1]


def tree(folder: Path) -> set[str]:
    skip = {".venv", ".git", ".mypy_cache", ".ruff_cache", "__pycache__", ".pytest_cache"}
    out: set[str] = set()
    for here, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in skip]  # pruned, never walked
        out.update(str((Path(here) / name).relative_to(folder)) for name in [*dirs, *files])
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_demo_serves_feeds_and_prints_messages(tmp_path: Path, sig: signal.Signals) -> None:
    before = tree(ROOT)
    out = tmp_path / "console.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATION")}
    with out.open("wb") as console:
        proc = subprocess.Popen(
            [sys.executable, "-m", "syndication.demo", "--port", "0", "--every", "1",
             "--dir", str(tmp_path / "demo")],
            cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=console,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            text = lambda: out.read_text(encoding="utf-8", errors="replace")  # noqa: E731
            wait_until(lambda: "demo: feeds at" in text(), 10, "the demo's URL")
            match = re.search(r"demo: feeds at (http://127\.0\.0\.1:(\d+)/)", text())
            assert match and match.group(2) != "0", text()
            url = match.group(1)

            def items() -> int:
                try:
                    resp = httpx.get(url + "all.rss", timeout=2)
                except httpx.HTTPError:
                    return 0
                return len(feedparser.parse(resp.content).entries) if resp.is_success else 0

            wait_until(lambda: items() >= 3, 60, "items in the served feed")
            # what it prints and serves does not depend on the signal that stops it: checked
            # once; SIGTERM then stops a demo still busy with its first stories
            if sig == signal.SIGINT:
                wait_until(lambda: "event=telegram_dry_run" in text(), 60, "a dry-run message")
                # the message as the channel shows it: the title's words, the address once
                after = text().split("event=telegram_dry_run", 1)[1].splitlines()[1:]
                dry = "\n".join(itertools.takewhile(lambda line: line.startswith("    "), after))
                assert "    │ " in dry and "<a href=" not in dry and "<b>" not in dry, dry
                assert dry.count("http://127.0.0.1") == 1, dry
                assert f"--config {tmp_path / 'demo' / 'config.toml'} status" in text()
                assert "explain http://127.0.0.1:" in text()
                # it keeps publishing after the 8 samples: the 9th is a new story
                wait_until(lambda: items() > 8, 60, "more items than the 8 samples")
                index = httpx.get(url, timeout=2)
                assert index.status_code == 200 and "regency/kukar.rss" in index.text
                assert httpx.get(url + "readyz", timeout=2).status_code == 200
            proc.send_signal(sig)
            assert proc.wait(20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    log = out.read_text(encoding="utf-8", errors="replace")
    assert "event=stopped" in log and "Traceback" not in log
    assert (tmp_path / "demo" / "public" / "all.rss").exists()
    assert (tmp_path / "demo" / "demo.sqlite3").exists()
    # nothing written into the source tree (other new files there are not the demo's)
    written = (".sqlite3", ".sqlite3-wal", ".rss", ".atom", ".json", ".opml", ".html", ".toml")
    assert [p for p in tree(ROOT) - before if p.endswith(written)] == []
