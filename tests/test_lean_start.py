"""A `syndication` process loads only what its command needs: `check` no SQLAlchemy, a dry
`run --once` no python-telegram-bot, no HTML extraction stack and no httpx command-line client
(click, rich, pygments), and no feed renderer when nothing changed. The test suite alone
starts hundreds of these processes.

`check` reads [storage] url with its own copy of SQLAlchemy's URL grammar: held here to the
same answers as SQLAlchemy's make_url."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from syndication.config import db_url_parts
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]
# what the process had imported when its command returned, as JSON on the last stdout line
PROBE = """
import json, sys
from syndication.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(k for k, v in sys.modules.items() if v)}))
"""


def _modules(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "SYNDICATION_TEST_TOKEN"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["code"] == 0, done.stderr[-2000:]
    return set(answer["modules"])


def _loaded(modules: set[str], *names: str) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in names)


def test_check_loads_no_database_layer_and_no_telegram(tmp_path: Path) -> None:
    url = "postgresql://app@127.0.0.1:5432/news"
    path = write_config(tmp_path / "config.toml", db_url=url, sources="")
    modules = _modules("--config", str(path), "check")
    assert not _loaded(modules, "sqlalchemy", "telegram", "httpx", "asyncio", "rich")


def test_a_dry_run_once_loads_no_telegram_and_no_html_stack(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    path = write_config(tmp_path / "config.toml", db_url=db, sources="")
    _modules("--config", str(path), "run", "--once")  # creates the database
    modules = _modules("--config", str(path), "run", "--once")
    assert "syndication.pipeline" in modules  # the run did run
    assert not _loaded(modules, "telegram", "click", "rich", "pygments")
    assert "httpx._main" not in modules
    assert "bots.telegram" not in modules
    assert "syndication.sources.html_source" not in modules
    assert "syndication.commands" not in modules  # check, status, explain, send-test only


def test_a_run_once_with_every_feed_current_loads_no_renderer(tmp_path: Path) -> None:
    """A cycle that finds nothing new (every source 304) publishes nothing: the renderers
    (feedgen, lxml) and the pages stay unloaded."""
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    path = write_config(tmp_path / "config.toml", db_url=db, sources="")
    first = _modules("--config", str(path), "run", "--once")  # publishes the empty feeds
    assert "feeds.render" in first
    modules = _modules("--config", str(path), "run", "--once")
    assert "feeds.publish" in modules  # the publish did run
    assert not _loaded(modules, "feedgen", "lxml")
    assert not {"feeds.render", "feeds.index", "feeds.pages", "feeds.websub"} & modules


def _sqlalchemy_parts(url: str) -> tuple[str, int | None] | None:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    return parsed.drivername, parsed.port


def _ours(url: str) -> tuple[str, int | None] | None:
    try:
        return db_url_parts(url)
    except ValueError:
        return None


URL_CHARS = st.sampled_from([*"ab1_+-:/@?[]=&.% 9٣\n", "sqlite", "postgresql", "://"])


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///x.sqlite3",
        "sqlite+pysqlite:///x.sqlite3",
        "sqlite://",
        "postgresql://u:p@h:5432/db",
        "postgresql://u:p@h:/db",
        "postgresql://u:p@h:port/db",
        "postgresql://u:p@h: 12 /db",
        "postgresql://u:p@[::1]:99999/db?sslmode=require",
        "postgresql://h:+5/db",
        "postgresql://h:1_000/db",
        "postgresql://h:٣/db",
        "post-gres://h/db",
        "://h/db",
        "postgresql:/h/db",
        "",
    ],
)
def test_the_storage_url_reads_as_sqlalchemy_reads_it(url: str) -> None:
    assert _ours(url) == _sqlalchemy_parts(url)


@settings(max_examples=300, deadline=None)
@given(st.lists(URL_CHARS, max_size=12).map("".join))
@example("postgresql://@:/")
def test_any_storage_url_reads_as_sqlalchemy_reads_it(url: str) -> None:
    assert _ours(url) == _sqlalchemy_parts(url)
