"""A process killed with SIGKILL in the middle of a poll: another `run` process on the same
PostgreSQL database polls that feed again soon after. The dead process's poll lease is freed by
the survivor's look for dead processes (every 2 s), not left to run out (60 s)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select

from syndication.store import schema as t
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_cluster import daemons, scalar, start  # noqa: F401  (daemons: a fixture)

pytestmark = pytest.mark.postgres

SLOW = 30.0  # seconds the portal takes to answer: the kill comes while the poll waits
# the poll lease is 60 s from the claim; a dead owner's is freed within ~2 s (and the next
# try comes within the 3 s interval)
SOONER_THAN_THE_LEASE = 30.0


def poller(engine: Engine) -> int | None:
    """The pid of the process holding the slow feed's poll lease, if any."""
    c = t.sources.c
    owner = scalar(engine, select(c.lease_owner).where(c.id == "slow"))
    if not isinstance(owner, str):
        return None
    return int(owner.split("#")[0].rsplit(":", 1)[1])


def test_a_feed_whose_poller_was_killed_is_polled_again_by_another_process(
    tmp_path: Path,
    portal: Portal,
    pg_url: str,
    daemons: list,  # noqa: F811
) -> None:
    portal.set("/slow/", rss(portal.url, []), delay=SLOW)
    with FakeTelegram() as fake:
        paths = []
        for n in range(2):
            folder = tmp_path / f"instance{n}"
            folder.mkdir()
            path = write_config(
                folder / "config.toml", db_url=pg_url, api_url=fake.url, chats={},
                sources=f'[[sources]]\nid = "slow"\nurl = "{portal.url}/slow/"\ninterval = "3s"\n',
            )  # fmt: skip
            text = path.read_text().replace('read_timeout = "2s"', 'read_timeout = "60s"')
            path.write_text(text.replace('total_timeout = "5s"', 'total_timeout = "90s"'))
            paths.append(path)
        engine = create_engine(pg_url)
        first = start(paths[0], fake.token)
        daemons.append(first)
        deadline = time.monotonic() + 60
        while poller(engine) != first.pid:  # the first process's poll is on its way
            assert time.monotonic() < deadline and first.poll() is None, "no poll began"
            time.sleep(0.05)
        second = start(paths[1], fake.token)
        daemons.append(second)
        log = paths[1].parent / "daemon.log"
        while "event=started" not in log.read_text():
            assert time.monotonic() < deadline and second.poll() is None, "no second process"
            time.sleep(0.05)
        time.sleep(1.0)  # the second one's first try: the lease keeps it off the feed
        assert poller(engine) == first.pid and len(portal.arrived("/slow/")) == 1
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
        killed_at = time.time()
        deadline = time.monotonic() + SOONER_THAN_THE_LEASE
        while poller(engine) != second.pid:
            assert time.monotonic() < deadline, "the feed was not taken over"
            assert second.poll() is None, log.read_text()[-2000:]
            time.sleep(0.1)
        deadline = time.monotonic() + 30
        while not any(at > killed_at for at in portal.arrived("/slow/")):
            assert time.monotonic() < deadline, "the feed was not polled again"
            assert second.poll() is None, log.read_text()[-2000:]
            time.sleep(0.1)
        portal.hurry()  # the survivor's poll is answered now: the stop waits for it
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0
    engine.dispose()
    text = log.read_text()
    assert "event=leases_released" in text and "reason=dead" in text, text[-2000:]
