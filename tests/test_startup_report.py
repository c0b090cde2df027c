"""`run` says what runs when it starts, and after its first round which sources failed and
that `make demo` works offline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_config
from tests.portal import Portal
from tests.test_daemon import wait_until

ROOT = Path(__file__).resolve().parents[1]


def test_run_says_what_runs_and_which_sources_failed(tmp_path: Path, portal: Portal) -> None:
    portal.set("/gone/", b"gone", status=404)
    sources = (
        '[[sources]]\nid = "mati"\nurl = "http://127.0.0.1:1/feed/"\ninterval = "1h"\n'
        f'[[sources]]\nid = "hilang"\nurl = "{portal.url}/gone/"\ninterval = "1h"\n'
    )
    path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        sources=sources,
        chats={"kukar": "@demo_kukar"},
    )

    def text() -> str:
        return out.read_text(encoding="utf-8", errors="replace")

    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATION")}
    out = tmp_path / "console.txt"
    with out.open("wb") as console:
        proc = subprocess.Popen(
            [sys.executable, "-m", "syndication", "--config", str(path), "run"],
            cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=console,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_until(lambda: "make demo" in text(), 60, "the first round's report")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
    log = text()
    head = [line for line in log.splitlines() if "event=startup" in line]
    assert "sources: 2 enabled of 2: mati (feed) http://127.0.0.1:1/feed/" in head[0]
    assert "channels: 1: kukar -> @demo_kukar" in head[1]
    assert "no token in $SYNDICATION_TEST_TOKEN; delivery runs dry" in head[2]
    assert "server off" in head[3]
    assert "event=first_round source=hilang" in log and "404" in log.split("source=hilang")[1]
    assert "event=first_round source=mati" in log
    assert "no source could be read (2 of 2 failed)" in log


async def test_a_poll_under_way_is_not_reported_as_read(tmp_path: Path) -> None:
    """The first-round report counts a source once its poll's outcome is recorded, not when
    the poll takes its lease (a failure recorded a moment later was reported as a success)."""
    import asyncio
    import logging
    from datetime import UTC, datetime, timedelta

    from syndication.config import load
    from syndication.startup import report_first_round
    from syndication.store import open_store

    path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        sources='[[sources]]\nid = "lambat"\nurl = "http://127.0.0.1:1/feed/"\n',
    )
    config = load(path)
    store = open_store(config.database_url)
    try:
        store.sync_sources([("lambat", "http://127.0.0.1:1/feed/")])
        logger = logging.getLogger("syndication.startup")
        records: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
        logger.addHandler(handler)
        try:
            report = asyncio.create_task(report_first_round(config, store, poll=0.01))
            await asyncio.sleep(0.05)
            now = datetime.now(UTC)
            assert store.claim_source("lambat", "me", now, timedelta(minutes=10), force=True)
            for _ in range(20):  # the report polls the store every 10 ms meanwhile
                await asyncio.sleep(0.01)
            assert not report.done(), records
            store.record_failure("lambat", now, "connect", "connection refused", now)
            await asyncio.wait_for(report, 60)
        finally:
            logger.removeHandler(handler)
    finally:
        store.engine.dispose()
    assert any("source=lambat" in r and "connection refused" in r for r in records), records
    assert not any("sources read" in r for r in records), records


def test_a_long_list_of_sources_is_cut_short_in_the_startup_line(tmp_path: Path) -> None:
    """A thousand sources made one start-up line of 60 KB: ten are named, the rest counted."""
    from syndication.config import load
    from syndication.startup import startup_lines

    sources = "".join(
        f'[[sources]]\nid = "s{i:02d}"\nurl = "http://127.0.0.1:1/{i}/"\n' for i in range(25)
    )
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite3", sources=sources
    )
    line = startup_lines(load(path))[0]
    assert line.startswith("sources: 25 enabled of 25: s00 (feed) http://127.0.0.1:1/0/, ")
    assert "s09 (feed)" in line and "s10 (feed)" not in line
    assert line.endswith(" and 15 more")
