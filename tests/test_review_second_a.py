"""Second hostile review of the storage races, delivery leases, withdrawal checks, Telegram
messages and shared-channel filters (2026-12-07): each test a defect those fixes left, failing
before its fix (real SQLite and PostgreSQL, the fixture portal, the fake Bot API)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from syndication.config import load
from syndication.delivery import Outcome
from syndication.delivery.withdraw import NOTICE
from syndication.service import run_once
from syndication.store import Store, open_store
from syndication.store import schema as t
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_deliver import KUKAR, item, make_env, utcnow
from tests.test_review_lease import STALL, Clock, deliverer, drain, send_rows, take
from tests.test_review_pipeline import _posts
from tests.test_store import NOW, OK, fresh_store, route, yes
from tests.test_store import item as store_item

SHORT = timedelta(minutes=1)
LATER = NOW + timedelta(minutes=2)  # p1's lease (SHORT) ran out and p2 took the row


def _row(store: Store, delivery_id: int) -> Any:
    d = t.deliveries.c
    [row] = store.read_rows(select(t.deliveries).where(d.id == delivery_id))
    return row


# --- a stalled sender's late "withdrawn" record ----------------------------------------------


def _withdraw_taken_over(db_url: str) -> tuple[Store, int]:
    """Item 1's message (id 7) is out; the item is withdrawn; p1 leased the withdraw row at
    NOW and stalled; p2 leased it at LATER."""
    store = fresh_store(db_url)
    store.ingest("a", [store_item(1)], NOW, OK, route=route, announce=yes)
    [row] = store.claim_deliveries("p0", NOW, SHORT, 10)
    assert store.mark_sent(row.id, NOW, 7, "text", row.item.title, owner="p0")
    assert store.withdraw(row.item.id, "404 Not Found", NOW)
    [mine] = store.claim_deliveries("p1", NOW, SHORT, 10)
    [theirs] = store.claim_deliveries("p2", LATER, SHORT, 10)
    assert mine.id == theirs.id == row.id and mine.state == "withdraw"
    return store, row.id


def test_a_stalled_senders_late_withdrawn_record_does_not_bring_the_headline_back(
    db_url: str,
) -> None:
    """p1 edited the too-old message to say "withdrawn", then stalled past its lease; p2 took
    the row, found the same, edited it again and recorded it withdrawn. p1's late record
    (mark_withdrawn, never owner-conditioned) found the row no longer "withdraw" and took that
    for "the item came back": the row became an "edit", which the next sender makes with the
    story's headline and link, on a story the portal took down."""
    store, rid = _withdraw_taken_over(db_url)
    try:
        assert store.mark_withdrawn(rid, "edited: too old to delete", LATER, owner="p2")
        assert _row(store, rid).state == "withdrawn"
        assert not store.mark_withdrawn(rid, "edited: too old to delete", LATER, owner="p1")
        row = _row(store, rid)
        assert (row.state, row.message_id) == ("withdrawn", 7)
        assert store.claim_deliveries("p3", LATER + SHORT * 3, SHORT, 10) == []
    finally:
        store.engine.dispose()


class EditHook(FakeTelegram):
    """Runs `after_edit` once an edit has applied, before its answer leaves."""

    def __init__(self) -> None:
        super().__init__(per_minute=None, min_interval=None)
        self.after_edit: Callable[[], None] | None = None

    def _edit(
        self, chat_id: int, params: dict[str, Any], kind: str, markup: str, text: str
    ) -> dict[str, Any]:
        answer = super()._edit(chat_id, params, kind, markup, text)
        hook, self.after_edit = self.after_edit, None
        if hook is not None:
            hook()
        return answer


@pytest.fixture
def edit_hook() -> Iterator[EditHook]:
    with EditHook() as f:
        yield f


def test_a_sender_that_stalls_after_editing_a_withdrawn_message_does_not_restore_it(
    tmp_path: Path, db_url: str, edit_hook: EditHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message too old to delete is edited to the "withdrawn" notice; a stalled past its
    lease while that edit's answer was on its way, and b took the row over and recorded it
    withdrawn. a's late record turned the row into an "edit", and the next drain edited the
    headline and its link back onto a story the portal took down."""
    fake = edit_hook
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1))
    assert env.drain()["sent"] == 1
    [posted] = fake.messages_to(KUKAR)
    fake.delete_window = 0.0  # every message is too old to delete: it is edited instead
    [row] = env.delivery(KUKAR)
    assert env.store.withdraw(row.item_id, "404 Not Found", utcnow())
    a = deliverer(env, "a:1", Clock())
    b = deliverer(env, "b:1", Clock(STALL))
    by_b: list[dict[str, int]] = []

    def b_takes_over() -> None:
        worker = threading.Thread(target=lambda: by_b.append(drain(b)))
        worker.start()
        worker.join(30)

    rows = take(a)
    fake.after_edit = b_takes_over
    send_rows(a, rows)
    assert by_b and by_b[0]["withdrawn"] == 1
    [row] = env.delivery(KUKAR)
    assert row.state == "withdrawn"
    later = deliverer(env, "c:1", Clock(STALL * 3))
    assert drain(later).get(Outcome.EDITED, 0) == 0
    last = [e.html for e in fake.edits if e.message_id == posted.message_id][-1]
    assert NOTICE in last and "href" not in last


# --- withdrawal checks that never settle -----------------------------------------------------


def _withdrawn_and_hash(db_url: str) -> tuple[set[str], str | None]:
    store = open_store(db_url)
    try:
        with store.engine.connect() as conn:
            i = t.items.c
            gone = {r.url for r in conn.execute(select(i.url).where(i.withdrawn_at.is_not(None)))}
            body_hash = conn.execute(select(t.sources.c.body_hash)).scalar_one()
            return gone, body_hash
    finally:
        store.engine.dispose()


def test_five_pages_that_answer_403_do_not_keep_a_sixth_withdrawal_from_ever_being_made(
    tmp_path: Path, portal: Portal
) -> None:
    """Six articles left the feed: the five newest answer 403 (a WAF, a private post) and
    are never settled ("try again next poll"), and the oldest answers 404. unlisted() lists
    newest first, so every poll checks the same five, finds one more left (`more`), drops the
    validators and fetches the listing whole again: the sixth is never checked, never
    withdrawn, and the feed is fetched whole on every poll until they age past max_age."""
    posts = _posts(7)
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    sources = f'[[sources]]\nid = "a"\nurl = "{portal.url}/feed/"\n'
    path = write_config(tmp_path / "config.toml", db_url=db, sources=sources)
    portal.set("/feed/", rss(portal.url, posts))
    assert asyncio.run(run_once(load(path))) == 0
    portal.set("/feed/", rss(portal.url, posts[:1]))
    for k in range(1, 6):
        portal.set(f"/berita-{k}/", b"forbidden", status=403, content_type="text/plain")
    for _ in range(4):
        assert asyncio.run(run_once(load(path))) == 0
    gone, body_hash = _withdrawn_and_hash(db)
    assert gone == {f"{portal.url}/berita-6/"}
    assert body_hash is not None  # settled: the next poll may be a 304 again


def test_a_late_first_send_record_does_not_land_on_a_row_moved_to_another_chat(
    db_url: str,
) -> None:
    """p1 sent the message to the row's chat and stalled past its lease; a reload moved the
    row, still pending, to the regency's new chat. p1's late record (a first send: it applies
    while no send is recorded) put the old chat's message id on the moved row, and its later
    edits and deletions went to a message of another chat."""
    store = fresh_store(db_url)
    try:
        store.ingest("a", [store_item(1)], NOW, OK, route=route, announce=yes)
        [row] = store.claim_deliveries("p1", NOW, SHORT, 10)
        old_chat = row.chat
        moved = store.rehome_pending({"kukar": "@kabar_baru"}, {"@kabar_baru"}, LATER)
        assert moved == 1
        applied = store.mark_sent(
            row.id, LATER, 41, "text", row.item.title, owner="p1", fresh=True, chat=old_chat
        )
        assert not applied
        with store.engine.connect() as conn:
            d = t.deliveries.c
            state = conn.execute(select(d.chat, d.message_id).where(d.id == row.id)).one()
        assert (state.chat, state.message_id) == ("@kabar_baru", None)
    finally:
        store.engine.dispose()
