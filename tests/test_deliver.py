"""The Deliverer against the fake Bot API (real python-telegram-bot, real store): every error
kind, pacing per chat, quiet hours, dry run, leases of dead processes."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bots.telegram import TelegramSender
from syndication.commands import status_data
from syndication.config import Config, load
from syndication.delivery import Deliverer
from syndication.liveness import is_dead, lease_owner
from syndication.pipeline import router
from syndication.store import SourceSuccess, Store, open_store
from syndication.store import schema as t
from syndication.types import Item
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram

KUKAR, KUTIM, ADMIN = "@kabar_kukar", "@kabar_kutim", "@admin_synd"
OK = SourceSuccess(etag=None, last_modified=None, body_hash=None, status=200,
                   next_poll=datetime.now(UTC))  # fmt: skip


def utcnow() -> datetime:
    return datetime.now(UTC)


def item(n: int, regencies: tuple[str, ...] = ("kukar",), **kw: Any) -> Item:
    now = utcnow()
    base = Item(
        source_id="portal", entry_key=f"e{n}", url=f"https://portal.test/berita-{n}/",
        url_key=f"portal.test/berita-{n}", title=f"Pemkab Gelar Kegiatan Nomor {n} di Daerah",
        title_key=f"pemkab gelar kegiatan nomor {n} di daerah", summary="Ringkasan berita.",
        content_html="<p>x</p>", author=None, published=now - timedelta(minutes=30),
        updated=now - timedelta(minutes=30), categories=("pemerintah",), regencies=regencies,
        advertorial=False, content_hash=f"h{n}",
    )  # fmt: skip
    return replace(base, **kw)


@dataclass
class Env:
    config: Config
    store: Store
    fake: FakeTelegram

    def add(self, *items: Item) -> None:
        route = router(self.config)
        self.store.ingest("portal", list(items), utcnow(), OK, route=route,
                          announce=lambda _: True)  # fmt: skip

    def deliverer(self, *, read_timeout: float = 5.0) -> Deliverer:
        d = Deliverer(self.config, self.store, utcnow, owner="test:1")
        if d.sender is not None:  # a short read timeout so a "hang" is unknowable quickly
            d.sender = TelegramSender(self.fake.token, self.fake.url, read_timeout=read_timeout)
        return d

    def drain(
        self, d: Deliverer | None = None, horizon: float = 30, probe_broken: bool = False
    ) -> dict[str, int]:
        d = d or self.deliverer()

        async def go() -> dict[str, int]:
            try:
                return await d.drain(horizon=timedelta(seconds=horizon), probe_broken=probe_broken)
            finally:
                await d.aclose()

        return asyncio.run(go())

    def delivery(self, chat: str) -> list[Any]:
        d = t.deliveries.c
        with self.store.engine.connect() as conn:
            return list(conn.execute(select(t.deliveries).where(d.chat == chat).order_by(d.id)))


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=20, min_interval=1.0) as f:
        yield f


def make_env(tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
             extra: str = "", token: bool = True) -> Env:  # fmt: skip
    if token:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    else:
        monkeypatch.delenv("SYNDICATION_TEST_TOKEN", raising=False)
    path = write_config(
        tmp_path / "config.toml", db_url=db_url, api_url=fake.url, extra=extra,
        chats={"kukar": KUKAR, "kutim": KUTIM},
        sources='[[sources]]\nid = "portal"\nurl = "https://portal.test/feed/"\n',
    )  # fmt: skip
    config = load(path)
    store = open_store(config.database_url)
    store.sync_sources([("portal", "https://portal.test/feed/")])
    return Env(config, store, fake)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


def sends(fake: FakeTelegram, chat: str) -> list[int]:
    """HTTP statuses of the sendMessage/sendPhoto requests to `chat`, in order."""
    return [r.status for r in fake.requests if r.chat == chat and r.method.startswith("send")]


def test_5xx_is_retried_with_backoff_and_sent_once(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1), item(2, regencies=("kutim",)))
    fake.fail_next(KUKAR, "5xx")
    counts = env.drain()
    assert sends(fake, KUKAR) == [502, 200] and sends(fake, KUTIM) == [200]
    failed, ok = [r for r in fake.requests if r.chat == KUKAR]
    assert ok.at - failed.at >= 4.9  # the first backoff is 5 s
    assert len(fake.messages_to(KUKAR)) == 1 and counts["retry"] == 1 and counts["sent"] == 2
    [row] = env.delivery(KUKAR)
    assert row.state == "sent" and row.attempts == 1
    assert row.message_id == fake.messages_to(KUKAR)[0].message_id


@pytest.mark.parametrize("kind", ["kicked", "not_found"])
def test_broken_channel_waits_others_go_on_admin_told_once(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:  # fmt: skip
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
    env.config = env.config.model_copy(
        update={"telegram": env.config.telegram.model_copy(update={"admin_chat": ADMIN})}
    )
    env.add(*(item(n) for n in range(3)), *(item(10 + n, ("kutim",)) for n in range(3)))
    fake.fail_next(KUKAR, kind)
    env.drain()
    assert sends(fake, KUKAR) == [403 if kind == "kicked" else 400]
    assert len(fake.messages_to(KUTIM)) == 3
    assert [r.state for r in env.delivery(KUKAR)] == ["pending"] * 3
    [alert] = fake.messages_to(ADMIN)
    assert KUKAR in alert.text and "broken" in alert.text
    chans = {c["chat"]: c for c in status_data(env.config, env.store)["channels"]}
    assert chans[KUKAR]["state"] == "broken" and chans[KUKAR]["pending"] == 3
    assert ("kicked" if kind == "kicked" else "chat not found") in chans[KUKAR]["reason"].lower()
    assert chans[KUTIM]["state"] == "ok" and chans[KUTIM]["sent"] == 3
    # a new item for the broken chat waits too; no second alert
    env.add(item(20))
    env.drain()
    assert sends(fake, KUKAR) == [403 if kind == "kicked" else 400]
    assert len(fake.messages_to(ADMIN)) == 1
    assert len(env.delivery(KUKAR)) == 4


def test_broken_channel_is_tried_again_later_and_recovers(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
    env.add(item(1), item(2))
    long_ago = utcnow() - timedelta(minutes=11)
    env.store.channel_broken(KUKAR, "Forbidden: bot was kicked", long_ago)
    env.drain()  # the bot was re-added meanwhile: the probe succeeds, the rest follows
    assert len(fake.messages_to(KUKAR)) == 2
    assert {c.chat: c.state for c in env.store.channel_statuses()}[KUKAR] == "ok"


def test_run_once_probes_a_broken_channel_once(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run --once` delivers every pending message it can: a broken channel gets one try."""
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
    env.add(item(1), item(2))
    env.store.channel_broken(KUKAR, "Forbidden: bot was kicked", utcnow())
    fake.fail_next(KUKAR, "kicked")
    env.drain(probe_broken=True)  # still kicked: one request, nothing else
    assert sends(fake, KUKAR) == [403] and fake.messages_to(KUKAR) == []
    env.drain()  # the daemon's loop does not hammer it
    assert sends(fake, KUKAR) == [403]
    env.drain(probe_broken=True)  # the bot is back: everything goes out
    assert len(fake.messages_to(KUKAR)) == 2
    assert {c.chat: c.state for c in env.store.channel_statuses()}[KUKAR] == "ok"


def test_migrated_chat_is_followed_and_recorded(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1), item(2), item(3))
    fake.fail_next(KUKAR, "migrate", new_chat_id=-1007770001)
    env.drain()
    assert fake.messages_to(KUKAR) == []
    assert len(fake.messages_to(-1007770001)) == 3
    assert env.store.migrated_chats() == {KUKAR: "-1007770001"}
    env.add(item(4))  # routed to the new id from now on
    env.drain()
    assert len(fake.messages_to(-1007770001)) == 4 and sends(fake, KUKAR) == [400]
    assert [r.state for r in env.delivery("-1007770001")] == ["sent"] * 4


class RejectingFake(FakeTelegram):
    """Answers the next sendMessage to a chat as Telegram answers malformed HTML."""

    def __init__(self, reject: set[str]) -> None:
        super().__init__()
        self.reject = reject

    def handle(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat = str(params.get("chat_id"))
        if path.endswith("/sendMessage") and chat in self.reject:
            self.reject.discard(chat)
            from tests.fakes.telegram_api import RequestRecord

            with self._lock:
                self._requests.append(RequestRecord("sendMessage", chat, 400, time.time()))
            desc = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3'
            return 400, {"ok": False, "error_code": 400, "description": desc}
        return super().handle(path, params)


def test_rejected_message_is_failed_with_reason_never_retried(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with RejectingFake({KUKAR}) as fake:
        env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
        env.add(item(1), item(2))
        counts = env.drain()
        env.drain()
        assert sends(fake, KUKAR) == [400, 200] and counts["failed"] == 1
        first, second = env.delivery(KUKAR)
        assert first.state == "failed" and "can't parse entities" in first.last_error.lower()
        assert second.state == "sent"
        [chan] = [c for c in env.store.channel_statuses() if c.chat == KUKAR]
        assert chan.failed == 1 and chan.pending == 0


def test_429_waits_for_that_chat_only(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeTelegram(per_minute=20, min_interval=1.0) as fake:
        env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
        env.add(item(1), item(2), *(item(10 + n, ("kutim",)) for n in range(6)))
        fake.fail_next(KUKAR, "flood", retry_after=4)
        env.drain()
        assert sends(fake, KUKAR) == [429, 200, 200] and fake.flood_count == 1
        flood = next(r.at for r in fake.requests if r.status == 429)
        first_kukar = fake.messages_to(KUKAR)[0].at
        assert first_kukar - flood >= 4.0  # retry_after honoured
        during = [m for m in fake.messages_to(KUTIM) if flood < m.at < first_kukar]
        assert len(during) >= 3  # kutim kept its own pace meanwhile (1/s)
        assert len(fake.messages_to(KUTIM)) == 6


@pytest.mark.parametrize("policy", ["resend", "assume-sent"])
def test_unknowable_follows_on_timeout(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
    policy: str,
) -> None:  # fmt: skip
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
    env.config = env.config.model_copy(
        update={"telegram": env.config.telegram.model_copy(update={"on_timeout": policy})}
    )
    env.add(item(1))
    fake.fail_next(KUKAR, "hang", seconds=2.0)  # posted, but the answer comes too late
    counts = env.drain(env.deliverer(read_timeout=0.5))
    [row] = env.delivery(KUKAR)
    got = fake.messages_to(KUKAR)
    assert row.state == "sent"
    if policy == "resend":  # the one documented duplicate
        assert len(got) == 2 and got[0].html == got[1].html
        assert counts["retry"] == 1 and row.message_id == got[1].message_id
    else:
        assert len(got) == 1 and row.message_id is None and row.attempts == 0


def test_quiet_hours_send_silently(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
    wita = datetime.now(UTC) + timedelta(hours=8)
    window = f"{(wita - timedelta(hours=1)):%H:00}-{(wita + timedelta(hours=2)):%H:00}"
    env.add(item(1, ("kutim",)))
    env.drain()  # no quiet hours: a normal notification
    env.config = env.config.model_copy(
        update={"telegram": env.config.telegram.model_copy(update={"quiet_hours": window})}
    )
    env.add(item(2))
    env.drain()
    assert [m.silent for m in fake.messages_to(KUTIM)] == [False]
    assert [m.silent for m in fake.messages_to(KUKAR)] == [True]


def test_dry_run_logs_keeps_pending_then_sends_with_a_token(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch, token=False)
    env.add(item(1), item(2, ("kutim",)))
    with caplog.at_level(logging.INFO, logger="syndication.deliver"):
        counts = env.drain()
    assert counts["dry"] == 2 and fake.requests == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "telegram_dry_run chat=@kabar_kukar" in logged and "Nomor 1 di Daerah" in logged
    assert env.store.counts()["pending_deliveries"] == 2
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    env.drain()
    assert len(fake.messages_to(KUKAR)) == 1 and len(fake.messages_to(KUTIM)) == 1
    assert env.store.counts()["pending_deliveries"] == 0


def test_a_chat_never_waits_for_another_chats_batch(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KUKAR is held by its per-minute limit; a KUTIM item arriving meanwhile goes at once."""
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
    env.config = env.config.model_copy(
        update={"telegram": env.config.telegram.model_copy(update={"per_chat_per_minute": 1})}
    )
    env.add(item(1), item(2))

    async def go() -> int:
        d = env.deliverer()
        task = asyncio.create_task(d.drain(horizon=timedelta(seconds=120)))
        while not fake.messages_to(KUKAR):
            await asyncio.sleep(0.05)
        await asyncio.to_thread(env.add, item(3, ("kutim",)))
        deadline = time.monotonic() + 45  # generous, yet inside KUKAR's 60 s window
        while not fake.messages_to(KUTIM) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        kukar_sent = len(fake.messages_to(KUKAR))  # when KUTIM's went (or the deadline passed)
        d.stopped = True
        await asyncio.wait_for(task, 5)
        await d.aclose()
        return kukar_sent

    assert asyncio.run(go()) == 1  # KUTIM went while KUKAR still waited out its minute
    assert len(fake.messages_to(KUTIM)) == 1
    assert len(fake.messages_to(KUKAR)) == 1  # its second waits out the minute
    assert [r.state for r in env.delivery(KUKAR)] == ["sent", "pending"]
    assert all(r.lease_owner is None for r in env.delivery(KUKAR))  # stopping handed it back


def dead_owner() -> str:
    proc = subprocess.Popen(["sleep", "30"])
    owner = lease_owner("otherhost:1234", proc.pid)
    assert not is_dead(owner)
    proc.kill()
    proc.wait()
    return owner


def test_rows_of_a_dead_process_are_taken_over_at_once(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1), item(2, ("kutim",)))
    owner = dead_owner()
    assert is_dead(owner) and "#" in owner and len(owner) <= 64
    claimed = env.store.claim_deliveries(owner, utcnow(), timedelta(minutes=5), 10)
    assert len(claimed) == 2
    env.drain(horizon=2)  # a lease still honoured would send nothing within the horizon
    assert len(fake.messages_to(KUKAR)) == 1 and len(fake.messages_to(KUTIM)) == 1


def test_rows_of_a_process_not_provably_dead_wait_for_the_lease(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
    env.add(item(1))
    mine = lease_owner("here:1")
    other_machine = mine.rsplit("#", 1)[0] + "#0badc0de." + mine.rsplit(".", 2)[1] + ".1"
    for owner in ("otherhost:1", other_machine, mine):
        assert not is_dead(owner), owner
    now = utcnow()
    env.store.claim_deliveries("otherhost:1", now, timedelta(seconds=2), 10)
    due = env.store.next_delivery_due()
    assert due is not None and due >= now + timedelta(seconds=1.9)  # the lease, not the row
    env.drain(horizon=0)
    assert fake.messages == []
    env.drain(horizon=5)  # waits out the 2 s lease, then sends
    assert len(fake.messages_to(KUKAR)) == 1


def test_leases_are_renewed_by_their_owner_only(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    store.sync_sources([("portal", "https://portal.test/feed/")])
    route = lambda it: [(r, f"@c_{r}") for r in it.regencies]  # noqa: E731
    store.ingest("portal", [item(1), item(2, ("kutim",))], utcnow(), OK, route=route,
                 announce=lambda _: True)  # fmt: skip
    now = utcnow()
    store.claim_deliveries("a", now, timedelta(seconds=1), 1)
    store.claim_deliveries("b", now, timedelta(seconds=1), 1)
    assert store.renew_leases("a", now, timedelta(minutes=1)) == 1
    later = now + timedelta(seconds=5)
    assert sorted(store.lease_owners(later)) == ["a"]
    assert [r.chat for r in store.claim_deliveries("c", later, timedelta(seconds=1), 5)] == [
        "@c_kutim"
    ]
    assert store.release_owner("a") == 1
    assert store.due_chats(later) == ["@c_kukar"]
