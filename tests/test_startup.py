"""Starting `syndication run` / `serve`: a taken [server] port stops the start with a message
naming the key (exit 2, before any poll), and the log says when Telegram runs dry."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.portal import Portal
from tests.test_daemon import cli, source


@pytest.fixture
def taken_port() -> socket.socket:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    yield holder  # type: ignore[misc]
    holder.close()


@pytest.mark.parametrize("command", [("run",), ("serve",)])
def test_taken_port_stops_the_start(
    portal: Portal, tmp_path: Path, taken_port: socket.socket, command: tuple[str, ...]
) -> None:
    portal.set("/feed/", "<rss version='2.0'><channel><title>t</title></channel></rss>")
    port = taken_port.getsockname()[1]
    config = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite",
        sources=source("s", portal.url + "/feed/"), server=True, port=port,
    )  # fmt: skip
    done = cli(config, *command)  # returns: the daemon does not run on without its server
    assert done.returncode == 2, done.stderr
    assert "[server] port" in done.stderr and f"127.0.0.1:{port}" in done.stderr
    assert "in use" in done.stderr
    assert "Traceback" not in done.stderr
    assert portal.hits_for("/feed/") == []  # nothing else was done before the refusal


def test_run_once_logs_that_telegram_runs_dry(portal: Portal, tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite",
        sources=source("s", portal.url + "/nothing"),
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "syndication", "--config", str(config), "run", "--once"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={k: v for k, v in __import__("os").environ.items() if k != "SYNDICATION_TEST_TOKEN"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "telegram: no token in $SYNDICATION_TEST_TOKEN; delivery runs dry" in done.stderr
    with_token = cli(config, "run", "--once", token="123:abc")
    assert "delivery runs dry" not in with_token.stderr
