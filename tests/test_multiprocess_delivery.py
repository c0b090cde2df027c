"""Several processes on one database deliver to Telegram without flooding a chat: one process
at a time sends to a chat (its send lease in `channels`), the next holder paces from what the
last one did, a dead holder's chats are taken over (at once when provably dead, else when its
lease expires), and a migrated chat's lease never lets two processes send to the new id."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.pacing import Limits
from syndication.config import load
from syndication.delivery import LEASE, Deliverer, SharedPacer
from syndication.pipeline import router
from syndication.store import Store, open_store
from syndication.store import schema as t
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_deliver import KUKAR, KUTIM, OK, Env, item, make_env, utcnow
from tests.test_e2e_telegram import ROOT, cli

SMD = "@kabar_smd"
CHATS = {"kukar": KUKAR, "kutim": KUTIM, "samarinda": SMD}
REGENCY = {KUKAR: "kukar", KUTIM: "kutim", SMD: "samarinda"}
FOREIGN = "otherbox:7#0badc0de.1.1"  # another machine's process: never provably dead here

# A Deliverer alone in its own process, as `run` drains the queue (with a short lease).
SENDER = """
import asyncio, logging, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from syndication import delivery
from syndication.delivery import core
from syndication.config import load
from syndication.store import open_store

logging.basicConfig(level=logging.INFO, stream=sys.stderr)
core.LEASE = timedelta(seconds=float(sys.argv[3]))
core.RENEW = float(sys.argv[3]) / 4
config = load(Path(sys.argv[1]))

async def main() -> None:
    store = open_store(config.database_url)
    d = delivery.Deliverer(config, store, lambda: datetime.now(UTC), owner=sys.argv[2])
    try:
        print(await d.drain(horizon=timedelta(seconds=60)), flush=True)
    finally:
        await d.aclose()

asyncio.run(main())
"""


def three_chat_config(tmp_path: Path, db_url: str, fake: FakeTelegram, portal: Portal) -> Path:
    portal.set("/feed/", rss(portal.url, []))
    path = write_config(
        tmp_path / "config.toml", db_url=db_url, api_url=fake.url, chats=CHATS,
        sources=f'[[sources]]\nid = "portal"\nurl = "{portal.url}/feed/"\n',
    )  # fmt: skip
    # a first run (no token: nothing to send) publishes the files: two processes publishing
    # the same new files at once is a race of their own, not this file's subject
    assert cli(path, "run", "--once", token=None).returncode == 0
    return path


def queue(path: Path, per_chat: int) -> dict[str, list[str]]:
    """Queue `per_chat` messages for each chat; chat -> their titles."""
    config = load(path)
    store = open_store(config.database_url)
    store.sync_sources([("portal", str(config.sources[0].url))])
    items = [
        item(100 * c + k, (REGENCY[chat],))
        for c, chat in enumerate(CHATS.values())
        for k in range(per_chat)
    ]
    store.ingest("portal", items, utcnow(), OK, route=router(config),
                 announce=lambda _: True)  # fmt: skip
    store.clear_dirty(store.dirty_marks())  # this test is about Telegram only
    store.engine.dispose()
    return {
        chat: [i.title for i in items if i.regencies == (REGENCY[chat],)] for chat in CHATS.values()
    }


def spawn(path: Path, token: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SYNDICATION_TEST_TOKEN": token}
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def run_once(path: Path, token: str) -> subprocess.Popen[str]:
    return spawn(path, token, "-m", "syndication", "--config", str(path), "run", "--once")


def sender(path: Path, token: str, owner: str, lease: float) -> subprocess.Popen[str]:
    return spawn(path, token, "-c", SENDER, str(path), owner, str(lease))


def tally(fake: FakeTelegram, titles: dict[str, list[str]]) -> dict[str, Counter[str]]:
    """chat -> how many times each of its titles arrived."""
    out: dict[str, Counter[str]] = {}
    for chat, names in titles.items():
        got = [m.text for m in fake.messages_to(chat)]
        out[chat] = Counter({n: sum(n in text for text in got) for n in names})
    return out


def chat_leases(store: Store) -> dict[str, str | None]:
    c = t.channels.c
    with store.engine.connect() as conn:
        return {r.chat: r.lease_owner for r in conn.execute(select(c.chat, c.lease_owner))}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


# --- two processes, one database, one bot ---------------------------------------------------


def test_two_run_once_processes_send_each_message_once_without_a_429(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    """60 messages over 3 chats, two `run --once` at the same moment against 20/min and 1/s
    per chat: without one sender per chat they would split each chat's rows and together
    send 2 a second to it."""
    with FakeTelegram(per_minute=20, min_interval=1.0) as fake:
        path = three_chat_config(tmp_path, db_url, fake, portal)
        titles = queue(path, per_chat=20)
        procs = [run_once(path, fake.token) for _ in range(2)]
        outputs = [p.communicate(timeout=180) for p in procs]  # about 20 s of pace
        for p, (_, err) in zip(procs, outputs, strict=True):
            assert p.returncode == 0, err
        assert fake.flood_count == 0, [r for r in fake.requests if r.status == 429][:3]
        counts = tally(fake, titles)
        assert all(set(c.values()) == {1} for c in counts.values()), counts  # none lost or twice
        assert len(fake.messages) == 60
        for chat in CHATS.values():  # the fake enforces these too; this says where it broke
            at = [m.at for m in fake.messages_to(chat)]
            assert min(b - a for a, b in itertools.pairwise(at)) >= 0.95
        store = open_store(str(load(path).database_url))
        assert store.counts()["pending_deliveries"] == 0
        assert set(chat_leases(store).values()) == {None}  # every chat let go


def test_only_one_of_racing_processes_gets_a_chat(db_url: str) -> None:
    """Eight processes (own engines, own connections) race for each of 12 chats that have no
    channels row yet: exactly one wins each; an expired lease is taken over; only the owner
    renews or releases."""
    stores = [open_store(db_url) for _ in range(8)]
    now = utcnow()
    wins: Counter[str] = Counter()
    errors: list[BaseException] = []
    for n in range(12):
        chat = f"@race_{n}"
        gate = threading.Barrier(len(stores))

        def grab(i: int, store: Store, chat: str = chat, gate: threading.Barrier = gate) -> None:
            try:
                gate.wait()
                if store.acquire_chat(chat, f"p{i}", now, LEASE, since=now) is not None:
                    wins[chat] += 1
            except BaseException as e:  # surfaced below: a thread's failure must fail the test
                errors.append(e)

        threads = [threading.Thread(target=grab, args=(i, s)) for i, s in enumerate(stores)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(30)
    assert errors == [] and wins == Counter({f"@race_{n}": 1 for n in range(12)})

    store = stores[0]
    holder = chat_leases(store)["@race_0"]
    assert holder is not None
    other = "p9" if holder != "p9" else "p8"
    assert store.acquire_chat("@race_0", other, now, LEASE, since=now) is None
    assert store.acquire_chat("@race_0", holder, now, LEASE, since=now) is not None  # its own
    assert not store.renew_chat("@race_0", other, now, LEASE)
    store.release_chat("@race_0", other)  # not its lease: nothing happens
    assert chat_leases(store)["@race_0"] == holder
    later = now + LEASE + timedelta(seconds=1)
    assert store.acquire_chat("@race_0", other, later, LEASE, since=now) is not None  # expired
    assert not store.renew_chat("@race_0", holder, later, LEASE)  # the old holder stands down
    for s in stores:
        s.engine.dispose()


def deliverer(env: Env, owner: str, limits: Limits | None = None) -> Deliverer:
    d = Deliverer(env.config, env.store, utcnow, owner=owner)
    if limits is not None:
        d.pacer = SharedPacer(limits)
    return d


def drain(d: Deliverer, horizon: float = 30) -> dict[str, int]:
    async def go() -> dict[str, int]:
        try:
            return await d.drain(horizon=timedelta(seconds=horizon))
        finally:
            await d.aclose()

    return asyncio.run(go())


def test_the_next_holder_keeps_the_interval_and_the_minute(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sends 5 to a chat and lets it go; B takes it at once. Telegram counts both: B's first
    waits out the interval after A's last, its second the window after A's first."""
    limits = Limits(chat_interval=0.5, chat_per_minute=6, chat_window=5.0, bot_per_second=25)
    with FakeTelegram(per_minute=6, min_interval=0.5, window=5.0) as fake:
        env = make_env(tmp_path, db_url, fake, monkeypatch)
        env.add(*(item(n) for n in range(5)))
        a, b = deliverer(env, "proc-a", limits), deliverer(env, "proc-b", limits)
        assert drain(a)["sent"] == 5
        env.add(*(item(10 + n) for n in range(5)))
        assert drain(b)["sent"] == 5
        assert fake.flood_count == 0
        at = [m.at for m in fake.messages_to(KUKAR)]
        assert len(at) == 10 and at[5] - at[4] >= 0.5 and at[6] - at[0] >= 5.0


def test_a_429_pause_is_kept_by_the_next_holder(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeTelegram(per_minute=20, min_interval=1.0) as fake:
        env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
        env.add(item(1), item(2))
        fake.fail_next(KUKAR, "flood", retry_after=3)
        a = deliverer(env, "proc-a")

        async def stop_a_after_the_429() -> None:
            task = asyncio.create_task(a.drain(horizon=timedelta(seconds=30)))
            while fake.flood_count == 0:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            a.stopped = True  # SIGTERM while it waits out retry_after
            await asyncio.wait_for(task, 5)
            await a.aclose()

        asyncio.run(stop_a_after_the_429())
        assert fake.messages == [] and chat_leases(env.store)[KUKAR] is None
        drain(deliverer(env, "proc-b"))
        flood = next(r.at for r in fake.requests if r.status == 429)
        first = fake.messages_to(KUKAR)[0].at
        assert first - flood >= 2.9 and len(fake.messages_to(KUKAR)) == 2


def test_a_migrated_chat_held_elsewhere_is_left_to_its_holder(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows move to the new id, but only the holder of the new id's lease sends there."""
    new = "-1007770001"
    with FakeTelegram(per_minute=20, min_interval=1.0) as fake:
        env = make_env(tmp_path, db_url, fake, monkeypatch)
        env.add(item(1), item(2))
        now = utcnow()
        assert env.store.acquire_chat(new, FOREIGN, now, LEASE, since=now) is not None
        fake.fail_next(KUKAR, "migrate", new_chat_id=int(new))
        counts = drain(deliverer(env, "proc-a"), horizon=3)
        assert counts["moved"] == 1 and fake.messages == []
        assert env.store.migrated_chats() == {KUKAR: new}
        assert [r.state for r in env.delivery(new)] == ["pending", "pending"]
        assert chat_leases(env.store) == {KUKAR: None, new: FOREIGN}
        env.store.release_chat(new, FOREIGN)
        drain(deliverer(env, "proc-a"))
        assert len(fake.messages_to(int(new))) == 2 and fake.messages_to(KUKAR) == []


# --- a holder killed with SIGKILL -----------------------------------------------------------


def wait_for(check: object, proc: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline and proc.poll() is None, "the holder never got there"
        time.sleep(0.02)


def kill(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == -9
    return err


def hanging(fake: FakeTelegram, chat: str) -> bool:
    answered = [r for r in fake.requests if r.chat == chat and r.status == 200]
    return len(fake.messages_to(chat)) > len(answered)


def test_a_killed_holder_on_this_machine_is_taken_over_at_once(
    tmp_path: Path, portal: Portal, pg_url: str, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    with FakeTelegram(per_minute=20, min_interval=1.0, hang_seconds=30) as fake:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
        path = three_chat_config(tmp_path, pg_url, fake, portal)
        titles = queue(path, per_chat=5)
        holder = sender(path, fake.token, "holder:1", lease=60)
        try:
            wait_for(lambda: all(len(fake.messages_to(c)) >= 2 for c in CHATS.values()),
                     holder, 20)  # fmt: skip
            for chat in CHATS.values():  # the next request of each chat is never answered
                fake.fail_next(chat, "hang")
            wait_for(lambda: all(hanging(fake, c) for c in CHATS.values()), holder, 10)
            time.sleep(1.1)  # Telegram's 1 s since the unanswered one, which no store knows
            in_flight = {c: fake.messages_to(c)[-1].text for c in CHATS.values()}
        finally:
            err = kill(holder)
        assert "Traceback" not in err
        store = open_store(pg_url)
        assert set(chat_leases(store).values()) - {None}  # the dead holder's leases remain
        env = Env(load(path), store, fake)
        with caplog.at_level(logging.INFO, logger="syndication.deliver"):
            # 4 messages a chat at 1/s: a 60 s lease still honoured would leave them all unsent
            drain(deliverer(env, "taker:1"), horizon=30)
        assert "event=leases_released" in caplog.text
        assert fake.flood_count == 0
        for chat, counts in tally(fake, titles).items():
            twice = [n for n, k in counts.items() if k == 2]
            assert min(counts.values()) == 1 and max(counts.values()) <= 2, counts
            assert len(twice) == 1 and twice[0] in in_flight[chat]  # the documented duplicate


def test_a_killed_holder_elsewhere_is_taken_over_when_its_lease_expires(
    tmp_path: Path, portal: Portal, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lease = 4.0
    with FakeTelegram(per_minute=20, min_interval=1.0) as fake:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
        path = three_chat_config(tmp_path, sqlite_url, fake, portal)
        titles = queue(path, per_chat=4)
        holder = sender(path, fake.token, FOREIGN, lease=lease)
        try:
            wait_for(lambda: all(len(fake.messages_to(c)) >= 2 for c in CHATS.values()),
                     holder, 20)  # fmt: skip
        finally:
            kill(holder)
        killed_at = utcnow()
        before = len(fake.messages)
        store = open_store(sqlite_url)
        env = Env(load(path), store, fake)
        assert drain(deliverer(env, "taker:1"), horizon=30)["sent"] == 0  # left to its holder
        assert len(fake.messages) == before
        due = store.next_delivery_due()  # what a daemon sleeps until
        assert due is not None and killed_at < due <= killed_at + timedelta(seconds=lease + 1)
        time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 0.1)
        drain(deliverer(env, "taker:1"), horizon=5)
        assert fake.flood_count == 0
        for chat, counts in tally(fake, titles).items():  # a message in flight may come twice
            assert min(counts.values()) == 1 and sum(counts.values()) <= 5, (chat, counts)
        assert store.counts()["pending_deliveries"] == 0


def test_two_daemon_loops_pass_chats_between_them_without_a_429(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two Deliverers, each with its own engine, loop as `run` daemons do while bursts of
    stories arrive, one chat at a time: a chat goes to whichever is free, and the next holder
    paces from the last one's sends (4 a 3 s window here, a short stand-in for the minute)."""
    limits = Limits(chat_interval=0.3, chat_per_minute=4, chat_window=3.0, bot_per_second=25)
    with FakeTelegram(per_minute=4, min_interval=0.3, window=3.0) as fake:
        env = make_env(tmp_path, pg_url, fake, monkeypatch)
        others = [Env(env.config, open_store(pg_url), fake) for _ in range(2)]
        loops = [deliverer(e, f"daemon-{i}", limits) for i, e in enumerate(others)]
        stop = asyncio.Event()

        async def daemon(d: Deliverer, nap: float) -> None:
            while not stop.is_set():
                await d.drain(horizon=timedelta(0))
                await asyncio.sleep(nap)
            await d.aclose()

        async def arrivals() -> None:
            for wave in range(8):  # a burst of a full window's worth, to one chat
                regency = ("kukar",) if wave % 2 == 0 else ("kutim",)
                await asyncio.to_thread(env.add, *(item(10 * wave + k, regency) for k in range(4)))
                await asyncio.sleep(1.2)
            while await asyncio.to_thread(lambda: env.store.counts()["pending_deliveries"]):
                await asyncio.sleep(0.2)
            stop.set()

        async def go() -> None:
            await asyncio.wait_for(
                asyncio.gather(arrivals(), daemon(loops[0], 0.1), daemon(loops[1], 0.15)), 40
            )

        asyncio.run(go())
        assert fake.flood_count == 0
        assert len(fake.messages) == 32 and len({m.text for m in fake.messages}) == 32
        assert loops[0].sent_total + loops[1].sent_total == 32
        assert min(d.sent_total for d in loops) > 0  # the chats did change hands
