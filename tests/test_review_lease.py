"""A sender whose delivery leases ran out (it stalled: a suspended VM, a database it could not
reach for a minute while Telegram answered) and which then writes to its rows, on real SQLite
and real PostgreSQL: each write a sender makes on a leased row applies only while the row is
still its own, so it never wipes or overwrites the new holder's lease or state, and the new
holder never sends a message twice. Two owners share one store, as two processes do; a stall
is a clock two minutes ahead (past LEASE) for the process that takes over."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bots.telegram import TelegramSender
from syndication.delivery import LEASE, Deliverer, Outcome
from syndication.store import Store
from syndication.store import schema as t
from tests.fakes.telegram_api import FakeTelegram
from tests.test_deliver import KUKAR, Env, item, make_env, utcnow
from tests.test_store import NOW, OK, fresh_store, route, yes
from tests.test_store import item as store_item

SHORT = timedelta(minutes=1)
LATER = NOW + timedelta(minutes=2)  # p1's lease (SHORT) ran out and p2 took the row
STALL = timedelta(minutes=2)  # longer than LEASE: the stalled process renewed nothing


def _row(store: Store, delivery_id: int) -> Any:
    d = t.deliveries.c
    [row] = store.read_rows(select(t.deliveries).where(d.id == delivery_id))
    return row


def _taken_over(db_url: str) -> tuple[Store, int]:
    """p1 leased the row at NOW for a minute and stalled; p2 leased it at LATER."""
    store = fresh_store(db_url)
    store.ingest("a", [store_item(1)], NOW, OK, route=route, announce=yes)
    [mine] = store.claim_deliveries("p1", NOW, SHORT, 10)
    [theirs] = store.claim_deliveries("p2", LATER, SHORT, 10)
    assert mine.id == theirs.id
    return store, mine.id


# --- the store: a stalled owner's writes leave the new holder's row alone --------------------


@pytest.mark.parametrize("write", ["release", "mark_retry", "mark_failed", "mark_attempt"])
def test_a_stalled_owners_write_leaves_the_new_holders_row(db_url: str, write: str) -> None:
    store, rid = _taken_over(db_url)
    try:
        stale: dict[str, Callable[[str], Any]] = {
            "release": lambda o: store.release([rid], owner=o),
            "mark_retry": lambda o: store.mark_retry(rid, "Bad Gateway", LATER, owner=o),
            "mark_failed": lambda o: store.mark_failed(rid, "gave up", owner=o),
            "mark_attempt": lambda o: store.mark_attempt(rid, LATER, owner=o, lease=SHORT),
        }
        assert not stale[write]("p1")  # did not apply: p2 owns the row now
        row = _row(store, rid)
        assert (row.state, row.lease_owner, row.attempts, row.last_error) == (
            "pending", "p2", 0, None,
        )  # fmt: skip
        assert row.lease_until is not None
        # nobody else can claim it while p2 sends it: a third sender would send it again
        assert store.claim_deliveries("p3", LATER, SHORT, 10) == []
        c = t.channels.c
        assert [r.failures for r in store.read_rows(select(c.failures))] in ([], [0])
        assert stale[write]("p2")  # the holder's own write applies
    finally:
        store.engine.dispose()


def test_a_stalled_owners_sent_mark_applies_while_nobody_sent_the_row(db_url: str) -> None:
    """Telegram took p1's message, then p1 stalled and p2 leased the row: the message WAS
    sent, and the row is still pending, so p1's record applies and p2 finds out before it
    sends (mark_attempt): one message. Once p2 has recorded its own, p1's no longer applies
    (p2's message id is kept; p1 then deletes its copy, see below)."""
    store, rid = _taken_over(db_url)
    try:
        title = store_item(1).title
        assert store.mark_sent(rid, LATER, 41, "text", title, owner="p1", fresh=True)
        row = _row(store, rid)
        assert (row.state, row.message_id, row.lease_owner) == ("sent", 41, None)
        assert not store.mark_attempt(rid, LATER, owner="p2", lease=SHORT)  # p2 does not send
        assert not store.mark_sent(rid, LATER, 42, "text", title, owner="p2", fresh=True)
        assert _row(store, rid).message_id == 41
    finally:
        store.engine.dispose()


def test_a_stalled_owners_edit_mark_leaves_the_new_holders_edit(db_url: str) -> None:
    store = fresh_store(db_url)
    try:
        store.ingest("a", [store_item(1)], NOW, OK, route=route, announce=yes)
        [row] = store.claim_deliveries("p0", NOW, SHORT, 10)
        assert store.mark_sent(row.id, NOW, 7, "text", row.item.title, owner="p0")
        fixed = store_item(1, title="Judul yang diperbaiki", content_hash="fixed")
        store.ingest("a", [fixed], NOW, OK, route=route, announce=yes)
        [edit] = store.claim_deliveries("p1", NOW, SHORT, 10)
        [again] = store.claim_deliveries("p2", LATER, SHORT, 10)
        assert edit.state == again.state == "edit"
        assert not store.mark_sent(edit.id, LATER, 7, "text", "Judul yang diperbaiki", owner="p1")
        after = _row(store, edit.id)
        assert (after.state, after.lease_owner) == ("edit", "p2")
        assert store.mark_sent(edit.id, LATER, 7, "text", "Judul yang diperbaiki", owner="p2")
        assert _row(store, edit.id).state == "sent"
    finally:
        store.engine.dispose()


# --- the sender: the same stall through the Deliverer against the fake Bot API ---------------


class HookedTelegram(FakeTelegram):
    """Runs `after_send` once Telegram has taken a message, before its answer leaves: what
    another process does while this one waits for the answer (or stalls after it)."""

    def __init__(self) -> None:
        super().__init__(per_minute=None, min_interval=None)
        self.after_send: Callable[[], None] | None = None

    def _send_message(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._send_message(chat_id, params)
        hook, self.after_send = self.after_send, None
        if hook is not None:
            hook()
        return answer


@pytest.fixture
def fake() -> Iterator[HookedTelegram]:
    with HookedTelegram() as f:
        yield f


class Clock:
    def __init__(self, ahead: timedelta = timedelta(0)) -> None:
        self.ahead = ahead

    def __call__(self) -> datetime:
        return utcnow() + self.ahead


def deliverer(env: Env, label: str, clock: Clock) -> Deliverer:
    d = Deliverer(env.config, env.store, clock, owner=label)
    d.sender = TelegramSender(env.fake.token, env.fake.url, read_timeout=10.0)
    return d


def take(d: Deliverer) -> list[Any]:
    """What a chat worker does before it sends: the chat's lease, then its due rows."""
    now = d.clock()
    assert d.store.acquire_chat(KUKAR, d.owner, now, LEASE, since=now - SHORT) is not None
    rows = d.store.claim_deliveries(d.owner, now, LEASE, 5, chat=KUKAR)
    assert rows
    return rows


def send_rows(d: Deliverer, rows: list[Any]) -> dict[Outcome, int]:
    counts: dict[Outcome, int] = {}

    async def go() -> None:
        try:
            await d._send_rows(KUKAR, rows, counts)
        finally:
            assert d.sender is not None
            await d.sender.close()

    asyncio.run(go())
    return counts


def drain(d: Deliverer) -> dict[str, int]:
    async def go() -> dict[str, int]:
        try:
            return await d.drain(horizon=timedelta(seconds=10))
        finally:
            await d.aclose()

    return asyncio.run(go())


def test_a_sender_that_wakes_after_a_takeover_sends_nothing_twice(
    tmp_path: Path, db_url: str, fake: HookedTelegram, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1))
    stalled = Clock()
    a = deliverer(env, "a:1", stalled)
    rows = take(a)  # then a stalls, past its leases
    b = deliverer(env, "b:1", Clock(STALL))
    assert drain(b)["sent"] == 1
    stalled.ahead = STALL  # a wakes up and goes on with the rows it holds in memory
    counts = send_rows(a, rows)
    assert len(fake.messages_to(KUKAR)) == 1
    assert counts.get(Outcome.SENT, 0) == 0 and a.sent_total == 0
    [row] = env.delivery(KUKAR)
    assert row.state == "sent" and row.message_id == fake.messages_to(KUKAR)[0].message_id
    assert caplog.text.count("event=delivery_lease_lost") == 1


def test_a_stalled_senders_stop_leaves_the_new_holders_lease(
    tmp_path: Path, db_url: str, fake: HookedTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1), item(2))
    stalled = Clock()
    a = deliverer(env, "a:1", stalled)
    rows = take(a)
    b = deliverer(env, "b:1", Clock(STALL))
    taken = env.store.claim_deliveries(b.owner, b.clock(), LEASE, 5, chat=KUKAR)
    assert [r.id for r in taken] == [r.id for r in rows]
    stalled.ahead = STALL
    a.stopped = True  # a wakes to a SIGTERM: it hands back the rows it holds
    assert send_rows(a, rows).get(Outcome.SENT, 0) == 0
    assert {r.lease_owner for r in env.delivery(KUKAR)} == {b.owner}
    # a third process finds nothing to take: b alone sends them
    assert env.store.claim_deliveries("c:1", b.clock(), LEASE, 5) == []
    assert send_rows(b, taken)[Outcome.SENT] == 2
    assert len(fake.messages_to(KUKAR)) == 2
    assert {r.state for r in env.delivery(KUKAR)} == {"sent"}


def test_a_message_recorded_late_stops_the_new_holder_sending_it_again(
    tmp_path: Path, db_url: str, fake: HookedTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram took a's message; before a recorded it (the database away for a minute, or a
    stall), its leases ran out and b leased the row. a's record still lands, and b, which has
    not sent yet, sends nothing: one message."""
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1))
    a = deliverer(env, "a:1", Clock())
    b = deliverer(env, "b:1", Clock(STALL))
    held: list[Any] = []
    fake.after_send = lambda: held.extend(take(b))
    assert drain(a)["sent"] == 1
    assert held  # b leased the row while a's answer was on its way
    counts = send_rows(b, held)
    assert counts.get(Outcome.SENT, 0) == 0 and b.sent_total == 0
    [posted] = fake.messages_to(KUKAR)
    [row] = env.delivery(KUKAR)
    assert (row.state, row.message_id, row.lease_owner) == ("sent", posted.message_id, None)


def test_a_message_sent_by_both_is_recorded_once_and_the_copy_deleted(
    tmp_path: Path, db_url: str, fake: HookedTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b took over and sent the row while a's answer was on its way: two messages are out.
    b recorded first, so a's record does not apply; a deletes its own copy, and the row keeps
    b's message (which later edits and withdrawals address)."""
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1))
    a = deliverer(env, "a:1", Clock())
    b = deliverer(env, "b:1", Clock(STALL))
    sent_by_b: list[dict[str, int]] = []

    def b_sends() -> None:
        worker = threading.Thread(target=lambda: sent_by_b.append(drain(b)))
        worker.start()
        worker.join(30)

    fake.after_send = b_sends
    counts = drain(a)
    assert sent_by_b and sent_by_b[0]["sent"] == 1
    assert counts["sent"] == 0 and a.sent_total == 0
    first, second = fake.messages_to(KUKAR)
    assert fake.deleted == [(fake.chat_id(KUKAR), first.message_id)]
    [row] = env.delivery(KUKAR)
    assert (row.state, row.message_id) == ("sent", second.message_id)
