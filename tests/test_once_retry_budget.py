"""`run --once` against a Bot API that does not take its messages: the retries it waits for are
bounded (service.ONCE_RETRIES), the rows stay pending for the next run, and what is due is
still sent. Before, a cron job's `run --once` held on for 2.5 minutes when the API refused
connections and about 4 when it never answered."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

import syndication.service
from syndication.delivery import Counts, Outcome
from tests.acceptance_kit import config_text, kukar, once, rss2, source, status, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_deliver import KUKAR, item, make_env, sends


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as f:
        yield f


def test_drain_waits_for_no_retry_past_its_budget(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
    env.add(item(1))
    fake.fail_next(KUKAR, "5xx", n=20)  # every send answers 502: retried in 5 s, 10 s, 20 s...
    d = env.deliverer()

    async def go() -> Counts:
        try:
            return await d.drain(horizon=timedelta(seconds=90), budget=timedelta(seconds=7))
        finally:
            await d.aclose()

    counts = asyncio.run(go())
    # the first try and the retry 5 s later fit in 7 s; the next, 10 s after, does not
    assert sends(fake, KUKAR) == [502, 502]
    assert counts[Outcome.RETRY] == 2
    [row] = env.delivery(KUKAR)
    assert row.state == "pending" and row.attempts == 2
    fake.reset()  # the API is back: the next drain sends it, once
    d = env.deliverer()

    async def again() -> Counts:
        try:
            return await d.drain(horizon=timedelta(seconds=30))
        finally:
            await d.aclose()

    assert asyncio.run(again())[Outcome.SENT] == 1
    assert len(fake.messages_to(KUKAR)) == 1


def test_run_once_with_the_api_away_leaves_messages_pending_and_says_so(
    portal: Portal,
    tmp_path: Path,
    closed_port: int,
    monkeypatch: pytest.MonkeyPatch,
    fake: FakeTelegram,
) -> None:
    monkeypatch.setattr(syndication.service, "ONCE_RETRIES", timedelta(seconds=3))
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    away = f"http://127.0.0.1:{closed_port}"
    path = write(tmp_path, config_text(source("utama", f"{b}/feed/"), chats={"kukar": KUKAR},
                                       api_url=away))  # fmt: skip
    once(path, fake.token)  # the first poll: backlog
    portal.set("/feed/", rss2(b, [kukar("baru", "Bupati Kukar Resmikan Pasar Rakyat")]))
    done = once(path, fake.token)
    assert done.returncode == 0, done.stderr
    # one try (refused), its retry due in 5 s is past the 3 s budget: the run ends, and says so
    assert "event=deliveries_deferred" in done.stderr
    assert done.stderr.count("event=telegram_retry") == 1
    [channel] = [c for c in status(path)["channels"] if c["chat"] == KUKAR]
    assert channel["pending"] == 1
    # the API back at the address in config.toml: the next run sends the message, once (with
    # the budget as shipped, which waits out the retry's remaining few seconds)
    monkeypatch.undo()
    path.write_text(path.read_text().replace(away, fake.url))
    done = once(path, fake.token)
    assert done.returncode == 0, done.stderr
    assert len(fake.messages_to(KUKAR)) == 1
