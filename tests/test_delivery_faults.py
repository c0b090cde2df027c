"""Delivery faults from issue 10: a [telegram] value that would fail at send time is refused
when the config loads; a dry run goes idle; an unreachable Bot API is knowably not sent and
bounded by max_attempts; a sent message's record survives the database being away; a reload
of pacing, api_url or token applies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from syndication.cli import main
from syndication.config import ConfigError, load
from syndication.delivery import Deliverer
from syndication.errors import StorageError
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_daemon import (  # noqa: F401
    DaemonProcess,
    daemon_config,
    daemons_fixture,
    fake_fixture,
    source,
)
from tests.test_deliver import KUKAR, Env, item, make_env, utcnow

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens there


def set_telegram(env: Env, **values: Any) -> None:
    tg = env.config.telegram.model_copy(update=values)
    env.config = env.config.model_copy(update={"telegram": tg})


def with_telegram_keys(path: Path, lines: str) -> Path:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[telegram]\n", f"[telegram]\n{lines}\n", 1), encoding="utf-8")
    return path


# --- 2: every [telegram] value is checked when the config loads ---------------------------


@pytest.mark.parametrize(
    ("lines", "key", "words"),
    [
        ('quiet_hours = "25:00-06:00"', "telegram.quiet_hours", "25:00 is not a time of day"),
        ('quiet_hours = "22:00-06:61"', "telegram.quiet_hours", "06:61 is not a time of day"),
        ('template = "<b>{title}</b>"', "telegram.template", "must contain {url}"),
        ('template = "{title} {url} <blink>x</blink>"', "telegram.template", "<blink>"),
        ('template = "{title} {url} {nope}"', "telegram.template", "unknown placeholder"),
        ('pace_window = "0s"', "telegram.pace_window", "more than 0s"),
        ("max_attempts = 0", "telegram.max_attempts", "greater than or equal to 1"),
        ('timezone = "Asia/Nowhere"', "telegram.timezone", "unknown time zone"),
    ],
)
def test_check_names_the_bad_telegram_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: str, key: str, words: str
) -> None:
    path = daemon_config(tmp_path / "config.toml", db_url="sqlite:///db.sqlite3", sources="")
    with_telegram_keys(path, lines)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert any(p.startswith(f"{key}: ") and words in p for p in info.value.problems), info.value
    assert main(["--config", str(path), "check"]) == 2
    assert f"config.toml: {key}: " in capsys.readouterr().err


def test_valid_telegram_values_load(tmp_path: Path) -> None:
    path = daemon_config(tmp_path / "config.toml", db_url="sqlite:///db.sqlite3", sources="")
    with_telegram_keys(
        path,
        'quiet_hours = "22:00-06:00"\npace_window = "2s"\nmax_attempts = 3\n'
        'template = "<b>{labels}</b>\\n<a href=\\"{url}\\">{title}</a>\\n{source} · {time}"',
    )
    tg = load(path).telegram
    assert tg.quiet is not None and tg.quiet[0].hour == 22 and tg.quiet[1].hour == 6
    assert tg.pace_window == timedelta(seconds=2) and tg.max_attempts == 3


def test_daemon_rejects_a_reload_with_bad_quiet_hours_and_keeps_delivering(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess]
) -> None:
    from tests.feedmaker import rss

    portal.set("/a/", rss(portal.url, []))
    path = tmp_path / "config.toml"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    daemon_config(
        path, db_url=db, fake=fake, admin="@admin", sources=source("a", f"{portal.url}/a/")
    )
    daemon = daemons(path, fake.token)
    with_telegram_keys(path, 'quiet_hours = "25:00-06:00"')
    daemon.wait_log("event=config_rejected", timeout=20)
    assert "telegram.quiet_hours" in daemon.log()
    # the running config stays, and delivery with it: the admin hears of the rejection
    deadline = asyncio.run(_wait(lambda: len(fake.messages_to("@admin")) >= 1, 20))
    assert deadline, daemon.log()
    assert "telegram.quiet_hours" in fake.messages_to("@admin")[0].text
    assert daemon.stop() == 0
    assert "Traceback" not in daemon.log()


async def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    for _ in range(int(seconds * 10)):
        if predicate():
            return True
        await asyncio.sleep(0.1)
    return predicate()


# --- reload: pacing, api_url and token apply ----------------------------------------------


def test_reload_applies_pacing_and_a_new_api_url(
    tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", fake, monkeypatch)
    set_telegram(env, api_url=CLOSED)
    d = Deliverer(env.config, env.store, utcnow, owner="test:1")
    assert d.pacer.limits.chat_window == 60.0
    new = env.config.telegram.model_copy(
        update={"api_url": fake.url, "per_chat_per_minute": 7, "pace_window": timedelta(seconds=3)}
    )
    d.reconfigure(env.config.model_copy(update={"telegram": new}))
    assert d.pacer.limits.chat_per_minute == 7 and d.pacer.limits.chat_window == 3.0
    env.add(item(1))
    counts = env.drain(d)
    assert counts["sent"] == 1 and len(fake.messages_to(KUKAR)) == 1


def test_reload_with_a_token_ends_the_dry_run(
    tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", fake, monkeypatch, token=False)
    d = Deliverer(env.config, env.store, utcnow, owner="test:1")
    assert d.dry
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    d.reconfigure(env.config)
    env.add(item(1))
    assert env.drain(d)["sent"] == 1


# --- 4: a dry run goes idle -----------------------------------------------------------------


def test_dry_run_logs_each_message_once_then_writes_nothing(
    tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    env = make_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", fake, monkeypatch, token=False)
    env.add(item(1), item(2))
    writes: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(statement)

    event.listen(env.store.engine, "before_cursor_execute", count)
    d = Deliverer(env.config, env.store, utcnow, owner="test:1")

    async def rounds(n: int) -> list[int]:
        return [(await d.drain(horizon=timedelta(0)))["dry"] for _ in range(n)]

    with caplog.at_level(logging.INFO, logger="syndication.deliver"):
        assert asyncio.run(rounds(1)) == [2]
        first = len(writes)
        assert asyncio.run(rounds(5)) == [0] * 5
        assert len(writes) == first  # idle: no claim, no release
        env.add(item(3))  # something new: rendered and logged, the others not again
        assert asyncio.run(rounds(2)) == [1, 0]
    logged = [r.getMessage() for r in caplog.records if "event=telegram_dry_run" in r.getMessage()]
    assert len(logged) == 3
    assert all(r.state == "pending" for r in env.delivery(KUKAR))


def test_dry_run_holds_one_batch_of_rows_at_a_time(
    tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """10,000 rows with their items' text were claimed at once (a third of a cold run's peak
    memory at 1,000 feeds); now batches, each row still logged once and every row released."""
    from syndication.delivery import dry

    env = make_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", fake, monkeypatch, token=False)
    env.add(*(item(n) for n in range(1, 8)))
    monkeypatch.setattr(dry, "DRY_BATCH", 3)
    asked: list[int] = []
    claim = env.store.claim_deliveries

    def counted(*args: Any, **kwargs: Any) -> Any:
        asked.append(args[3])
        return claim(*args, **kwargs)

    monkeypatch.setattr(env.store, "claim_deliveries", counted)
    d = Deliverer(env.config, env.store, utcnow, owner="test:1")
    with caplog.at_level(logging.INFO, logger="syndication.deliver"):
        assert asyncio.run(d.drain(horizon=timedelta(0)))["dry"] == 7
        env.add(item(8))
        assert asyncio.run(d.drain(horizon=timedelta(0)))["dry"] == 1
    assert asked and max(asked) == 3
    logged = [r.getMessage() for r in caplog.records if "event=telegram_dry_run" in r.getMessage()]
    assert len(logged) == 8
    rows = env.delivery(KUKAR)
    assert len(rows) == 8 and all(r.state == "pending" and r.lease_owner is None for r in rows)


def test_a_dry_pass_longer_than_the_lease_claims_each_row_once(
    tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """Each batch claimed at its own moment: once the first batch's lease had run out, the
    next claim took the first rows again, until 10,000 (found by a hostile read)."""
    from syndication.delivery import dry

    env = make_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", fake, monkeypatch, token=False)
    env.add(*(item(n) for n in range(1, 8)))
    monkeypatch.setattr(dry, "DRY_BATCH", 3)
    start, calls = utcnow(), [0]

    def slow_clock() -> datetime:  # every look at the clock 61 s later: a slow pass
        calls[0] += 1
        return start + timedelta(seconds=61 * calls[0])

    d = Deliverer(env.config, env.store, slow_clock, owner="test:1")
    with caplog.at_level(logging.INFO, logger="syndication.deliver"):
        assert asyncio.run(d.drain(horizon=timedelta(0)))["dry"] == 7
    logged = [r.getMessage() for r in caplog.records if "event=telegram_dry_run" in r.getMessage()]
    assert len(logged) == 7
    assert all(r.lease_owner is None for r in env.delivery(KUKAR))


# --- 18: an unreachable Bot API is knowably not sent; attempts are bounded -----------------


@pytest.mark.parametrize("policy", ["resend", "assume-sent"])
def test_unreachable_api_is_not_sent_and_run_once_gives_up(
    tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, policy: str
) -> None:
    env = make_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", fake, monkeypatch)
    set_telegram(env, api_url=CLOSED, max_attempts=2, on_timeout=policy)
    env.add(item(1))
    d = Deliverer(env.config, env.store, utcnow, owner="test:1")

    async def go() -> dict[str, int]:
        try:  # a generous bound: before the fix this never ends
            return await asyncio.wait_for(d.drain(probe_broken=True), timeout=120)
        finally:
            await d.aclose()

    counts = asyncio.run(go())
    [row] = env.delivery(KUKAR)
    assert row.state == "pending" and row.message_id is None  # never taken for sent
    assert "cannot reach the Bot API" in (row.last_error or "")
    assert counts["sent"] == 0 and counts["retry"] == 1 and counts["chat-broken"] == 1
    assert env.store.channel_states().get(KUKAR) == "broken"


def test_timeouts_are_bounded_by_max_attempts_and_the_admin_told(
    tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", fake, monkeypatch)
    set_telegram(env, max_attempts=2, admin_chat="@admin_synd")
    env.add(item(1))
    fake.fail_next(KUKAR, "hang", n=5, seconds=2.0)
    counts = env.drain(env.deliverer(read_timeout=0.5))
    [row] = env.delivery(KUKAR)
    assert row.state == "failed" and "gave up after 2 attempts" in (row.last_error or "")
    assert counts["retry"] == 1 and counts["failed"] == 1
    [alert] = fake.messages_to("@admin_synd")
    assert "not delivered" in alert.text and KUKAR in alert.text


# --- 17: the record of a sent message survives the database being away -------------------


class LockingFake(FakeTelegram):
    """Takes the SQLite database's table away while answering a send, for `away` seconds."""

    def __init__(self, db: Path, away: float, **kw: Any) -> None:
        super().__init__(**kw)
        self.db, self.away, self.done = db, away, threading.Event()

    def handle(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path.endswith("/sendMessage") and not self.done.is_set():
            self.done.set()
            conn = sqlite3.connect(self.db, timeout=30, check_same_thread=False)
            conn.execute("ALTER TABLE deliveries RENAME TO deliveries_away")
            conn.commit()

            def back() -> None:
                conn.execute("ALTER TABLE deliveries_away RENAME TO deliveries")
                conn.commit()
                conn.close()

            threading.Timer(self.away, back).start()
        return super().handle(path, params)


def test_a_sent_message_is_recorded_after_the_database_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "db.sqlite3"
    with LockingFake(db, 1.5, per_minute=20, min_interval=1.0) as fake:
        env = make_env(tmp_path, f"sqlite:///{db}", fake, monkeypatch)
        env.add(item(1))
        # the dispatcher's own reads may meet the missing table too: that may stop it
        with contextlib.suppress(StorageError, SQLAlchemyError):
            env.drain(horizon=5)
        assert len(fake.messages_to(KUKAR)) == 1
        [row] = env.delivery(KUKAR)
        assert row.state == "sent" and row.message_id == fake.messages_to(KUKAR)[0].message_id
        env.drain(horizon=5)  # the next run sends nothing again
        assert len(fake.messages_to(KUKAR)) == 1


def test_rows_of_a_chat_taken_out_of_the_config_wait_unsent_until_it_is_back(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from tests.conftest import write_config
    from tests.test_deliver import KUTIM

    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1, regencies=("kukar", "kutim")))  # one row per chat, both pending
    # a reload took Kutim's channel out of config.toml: the same config but for that chat
    other = write_config(
        tmp_path / "without-kutim.toml", db_url=db_url, api_url=fake.url, chats={"kukar": KUKAR},
        sources='[[sources]]\nid = "portal"\nurl = "https://portal.test/feed/"\n',
    )  # fmt: skip
    without = dataclasses.replace(env, config=load(other))
    assert without.drain().get("sent") == 1
    assert len(fake.messages_to(KUKAR)) == 1 and fake.messages_to(KUTIM) == []
    assert [r.state for r in env.delivery(KUTIM)] == ["pending"]  # kept, not lost
    # the chat is configured again: its row goes out
    assert env.drain().get("sent") == 1
    assert len(fake.messages_to(KUTIM)) == 1 and len(fake.messages_to(KUKAR)) == 1
