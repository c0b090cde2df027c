"""The command line per the contract: exit codes, config path resolution, --once on both
databases, status --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_e2e_once import kukar_post

ROOT = Path(__file__).resolve().parents[1]


def cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syndication", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_run_once_and_status_json_on_both_databases(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    portal.set("/feed/", rss(portal.url, [kukar_post("a", "Pemkab Kukar Gelar Rapat Banjir")]))
    path = write_config(
        tmp_path / "config.toml",
        db_url=db_url,
        chats={"kukar": "@kabar_kukar"},
        sources=f'[[sources]]\nid = "portal"\nurl = "{portal.url}/feed/"\n'
        '[[sources]]\nid = "dead"\nurl = "http://127.0.0.1:9/feed/"\n',
    )
    once = cli("--config", str(path), "run", "--once")
    assert once.returncode == 0, once.stderr  # a failing source is not a failure of the run
    status = cli("--config", str(path), "status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    sources = {s["id"]: s for s in data["sources"]}
    assert sources["portal"]["healthy"] and sources["portal"]["items_count"] == 1
    assert sources["dead"]["consecutive_failures"] == 1 and sources["dead"]["last_error"]
    assert data["totals"]["items"] == 1 and data["dry_run"] is True
    assert [c["chat"] for c in data["channels"]] == ["@kabar_kukar"]
    table = cli("--config", str(path), "status")
    assert table.returncode == 0 and "portal" in table.stdout and "@kabar_kukar" in table.stdout


def test_storage_failure_exits_non_zero(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{blocker}/sub/db.sqlite3", sources=""
    )
    res = cli("--config", str(path), "run", "--once")
    assert res.returncode == 3 and "storage" in res.stderr
    down = write_config(
        tmp_path / "pg.toml", db_url="postgresql://nobody@127.0.0.1:9/none", sources=""
    )
    res = cli("--config", str(down), "run", "--once")
    assert res.returncode == 3 and "storage" in res.stderr


def test_invalid_config_exits_2_for_every_command(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[[sources]]\nid = "Bad Id"\nurl = "nope"\n')
    for args in (["check"], ["run", "--once"], ["serve"]):
        res = cli("--config", str(bad), *args)
        assert res.returncode == 2, args
        assert "config.toml: sources[0].id: " in res.stderr
        assert "config.toml: sources[0].url: " in res.stderr
    # status still reports the stored state (a daemon may run on the previous config)
    res = cli("--config", str(bad), "status", "--json")
    assert res.returncode == 0 and "config.toml: sources[0].id: " in res.stderr
    assert json.loads(res.stdout)["sources"] == []


def test_default_config_path_is_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[feeds]\nlanguage = 5\n")
    res = cli("check", cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert res.returncode == 2 and "config.toml: feeds.language: " in res.stderr


def test_status_without_a_database_still_answers(tmp_path: Path) -> None:
    path = write_config(
        tmp_path / "config.toml",
        db_url="postgresql://nobody@127.0.0.1:9/x",
        chats={"kukar": "@kabar_kukar"},
        sources='[[sources]]\nid = "p"\nurl = "https://portal.test/feed/"\n',
    )
    res = cli("--config", str(path), "status", "--json")
    assert res.returncode == 0 and "storage" in res.stderr
    data = json.loads(res.stdout)
    assert data["storage_error"] and [s["id"] for s in data["sources"]] == ["p"]
    assert data["channels"][0]["chat"] == "@kabar_kukar" and data["totals"]["items"] is None
    table = cli("--config", str(path), "status")
    assert table.returncode == 0 and "database unreachable" in table.stdout


@pytest.mark.parametrize("buffered", [True, False])
def test_a_reader_that_closes_the_output_gets_no_traceback(tmp_path: Path, buffered: bool) -> None:
    """`syndication check | head -1`: the pipe closed before the summary was written ended in
    a BrokenPipeError traceback; now status 1 and nothing on stderr. Buffered, print() only
    fills the buffer, and the error comes when the command's output is flushed at its end."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte
    try:
        done = subprocess.run(
            [sys.executable, "-m", "syndication", "--config", str(config), "check"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
