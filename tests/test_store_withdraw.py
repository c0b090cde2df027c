"""Withdrawn items in the store, on real SQLite and PostgreSQL: out of every feed scope, queued
messages cancelled, sent ones queued for deletion; back as an update when republished."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from syndication.store import Store, scopes_of
from syndication.store import schema as t
from tests.test_store import NOW, OK, fresh_store, item, route, yes

LEASE = timedelta(minutes=5)


def states(store: Store) -> dict[tuple[int, str], str]:
    d = t.deliveries.c
    rows = store.read_rows(select(d.item_id, d.chat, d.state))
    return {(r.item_id, r.chat): r.state for r in rows}


def ids(store: Store, scope: str) -> list[int]:
    return [i.id for i in store.scope_items(scope, 50)]


def two_sent_one_pending(store: Store) -> tuple[int, int]:
    """Item 1 sent to two chats, item 2 pending: their ids."""
    both = item(1, regencies=("kukar", "kutim"))
    store.ingest("a", [both, item(2)], NOW, OK, route=route, announce=yes)
    rows = store.claim_deliveries("p1", NOW, LEASE, 10)
    first = {r.item.id for r in rows if r.item.url == both.url}.pop()
    for n, row in enumerate(r for r in rows if r.item.id == first):
        store.mark_sent(row.id, NOW, 100 + n, "text", row.item.title)
    store.release([r.id for r in rows if r.item.id != first])
    other = next(r.item.id for r in rows if r.item.id != first)
    return first, other


def test_withdraw_leaves_every_scope_and_queues_deletions(db_url: str) -> None:
    store = fresh_store(db_url)
    gone, kept = two_sent_one_pending(store)
    store.clear_dirty(store.dirty_marks())
    later = NOW + timedelta(minutes=3)
    assert store.withdraw(gone, "410 Gone", later) is True
    assert store.withdraw(gone, "410 Gone", later) is False  # once
    for scope in scopes_of(("pemerintah",), ("kukar", "kutim")):
        assert gone not in ids(store, scope)
    assert ids(store, "all") == [kept]
    assert set(store.dirty_scopes()) == set(scopes_of(("pemerintah",), ("kukar", "kutim")))
    assert "regency/kutim" not in store.nonempty_pair_scopes() + list(store.scope_stats())
    assert states(store) == {
        (gone, "@chat_kukar"): "withdraw",
        (gone, "@chat_kutim"): "withdraw",
        (kept, "@chat_kukar"): "pending",
    }
    rows = store.claim_deliveries("p1", later, LEASE, 10)
    assert sorted((r.state, r.message_id) for r in rows) == [
        ("pending", None),
        ("withdraw", 100),
        ("withdraw", 101),
    ]
    shown = store.item(gone)
    assert shown is not None and shown.withdrawn_at == later
    assert shown.withdrawn_reason == "410 Gone"
    assert store.withdrawn_counts() == {"a": 1}
    for row in rows:
        if row.state == "withdraw":
            store.mark_withdrawn(row.id, "deleted", later)
        else:
            store.release([row.id])
    assert store.next_delivery_due() == NOW  # only the pending row of the other item is left


def test_withdraw_cancels_pending_and_deletes_a_message_awaiting_an_edit(db_url: str) -> None:
    store = fresh_store(db_url)
    gone, waiting = two_sent_one_pending(store)
    fixed = item(1, regencies=("kukar", "kutim"), title="Judul diperbaiki", content_hash="x")
    store.ingest("a", [fixed], NOW, OK, route=route, announce=yes)  # sent rows -> edit
    store.withdraw(waiting, "404 Not Found", NOW)
    store.withdraw(gone, "404 Not Found", NOW)
    assert set(states(store).values()) == {"cancelled", "withdraw"}
    assert states(store)[(waiting, "@chat_kukar")] == "cancelled"
    assert states(store)[(gone, "@chat_kukar")] == "withdraw"  # sent, awaiting a new title


def test_unlisted_young_entries_are_checked_once(db_url: str) -> None:
    store = fresh_store(db_url)
    old = item(3, published=NOW - timedelta(days=5))
    store.ingest("a", [item(1), item(2), old], NOW, OK, route=route, announce=yes)
    since = NOW - timedelta(days=1)
    listed = {item(1).entry_key}
    [unlisted] = store.unlisted("a", listed, since, 5)
    assert unlisted.entry_key == item(2).entry_key and unlisted.url == item(2).url
    assert store.unlisted("b", listed, since, 5) == []
    store.set_gone_checked("a", unlisted.entry_key, NOW)
    assert store.unlisted("a", listed, since, 5) == []
    assert len(store.unlisted("a", set(), since, 1)) == 1  # bounded
    store.withdraw(store.unlisted("a", set(), since, 1)[0].item_id, "410 Gone", NOW)
    assert store.unlisted("a", set(), since, 5) == []  # withdrawn: not checked again


def test_republished_item_comes_back_without_a_new_message(db_url: str) -> None:
    store = fresh_store(db_url)
    gone, waiting = two_sent_one_pending(store)
    later = NOW + timedelta(minutes=3)
    store.withdraw(gone, "410 Gone", later)
    store.withdraw(waiting, "410 Gone", later)
    store.clear_dirty(store.dirty_marks())
    back = store.restore("a", [item(1).entry_key, item(2).entry_key], later)
    assert back == 2
    assert sorted(ids(store, "all")) == sorted([gone, waiting])
    assert gone in ids(store, "regency/kutim/pemerintah")
    assert "all" in store.dirty_scopes()
    restored = store.item(gone)
    assert restored is not None and restored.withdrawn_at is None and restored.version == 2
    assert states(store)[(waiting, "@chat_kukar")] == "cancelled"  # no new announcement
    # listed again in the next poll: nothing more happens
    store.ingest(
        "a", [item(1, regencies=("kukar", "kutim")), item(2)], later, OK, route=route, announce=yes
    )
    assert states(store)[(waiting, "@chat_kukar")] == "cancelled"
    rows = store.claim_deliveries("p1", later, LEASE, 10)
    assert sorted(r.state for r in rows) == ["withdraw", "withdraw"]  # the old messages go


def test_a_listing_that_keeps_a_dead_link_brings_nothing_back(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
    key = item(1).entry_key
    assert store.withdraw_entries("a", {key: "404 Not Found", "nope": "410 Gone"}, NOW) == 1
    assert ids(store, "all") == []
    later = NOW + timedelta(minutes=5)
    # still listed, its entry changed: the item is updated, and stays out of every feed
    changed = item(1, title="Judul yang diperbarui", content_hash="changed")
    store.clear_dirty(store.dirty_marks())
    assert store.ingest("a", [changed], later, OK, route=route, announce=yes).updated == 1
    assert ids(store, "all") == [] and store.dirty_scopes() == []
    # listed: its URL is worth a look (and only its answer decides)
    [again] = store.relisted("a", [key, "nope"], 5)
    assert again.entry_key == key and again.url == item(1).url
    assert store.relisted("a", [], 5) == [] and store.relisted("b", [key], 5) == []
    # its page answered again: it is back, with what the source said meanwhile
    assert store.restore("a", [key], later) == 1
    assert [i.title for i in store.scope_items("all", 5)] == ["Judul yang diperbarui"]
    assert store.relisted("a", [key], 5) == []


def test_no_announcement_of_a_withdrawn_item_is_queued_or_claimed(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
    [gone] = ids(store, "all")
    assert store.withdraw(gone, "410 Gone", NOW)
    assert states(store) == {(gone, "@chat_kukar"): "cancelled"}
    # another source lists it for a chat it has no row for: no row is added
    other = item(1, source_id="b", entry_key="https://b.test/1/", regencies=("kukar", "kutim"))
    store.ingest("b", [other], NOW, OK, route=route, announce=yes)
    assert states(store) == {(gone, "@chat_kukar"): "cancelled"}
    # a pending row that slipped past the withdrawal is never handed to a sender
    d = t.deliveries.c
    with store.engine.begin() as conn:
        conn.execute(t.deliveries.update().where(d.item_id == gone).values(state="pending"))
    assert store.claim_deliveries("p1", NOW, LEASE, 10) == []
    assert store.due_chats(NOW) == [] and store.next_delivery_due() is None


def test_an_item_the_portal_publishes_again_is_announced_again(db_url: str) -> None:
    """The contract: a withdrawn item is never announced again unless the portal publishes it
    again. Republished (its page answers again) within max_age: each chat has it back."""
    store = fresh_store(db_url)
    gone, waiting = two_sent_one_pending(store)
    later = NOW + timedelta(minutes=3)
    store.withdraw(gone, "410 Gone", later)
    store.withdraw(waiting, "410 Gone", later)
    deleted, edited = store.claim_deliveries("p1", later, LEASE, 10)[:2]
    store.mark_withdrawn(deleted.id, "deleted", later)
    store.mark_withdrawn(edited.id, "edited: too old to delete", later)
    since = later - timedelta(hours=24)
    assert store.restore("a", [item(1).entry_key, item(2).entry_key], later, since) == 2
    assert states(store) == {
        (gone, deleted.chat): "pending",  # its message was deleted: a new one
        (gone, edited.chat): "edit",  # edited to say "withdrawn": edited back
        (waiting, "@chat_kukar"): "pending",  # never sent: back in the queue
    }
    rows = {r.chat: r for r in store.claim_deliveries("p2", later, LEASE, 10) if r.item.id == gone}
    assert rows[deleted.chat].message_id is None and rows[edited.chat].message_id is not None


def test_a_republished_item_older_than_max_age_comes_back_silently(db_url: str) -> None:
    store = fresh_store(db_url)
    gone, _ = two_sent_one_pending(store)
    later = NOW + timedelta(minutes=3)
    store.withdraw(gone, "410 Gone", later)
    # not deleted yet when it answers again: the message stays as it is
    assert store.restore("a", [item(1).entry_key], later, later - timedelta(hours=24)) == 1
    assert {s for (i, _), s in states(store).items() if i == gone} == {"sent"}
    store.withdraw(gone, "410 Gone", later)
    for row in store.claim_deliveries("p1", later, LEASE, 10):
        store.mark_withdrawn(row.id, "deleted", later)
    assert store.restore("a", [item(1).entry_key], later, later) == 1  # published before `since`
    assert {s for (i, _), s in states(store).items() if i == gone} == {"withdrawn"}


def test_a_delete_that_lands_after_the_item_came_back_is_sent_anew(db_url: str) -> None:
    """Restored while a worker's deleteMessage was on its way: the message is gone all the
    same, so the row goes back to the queue for a new one (found by a hostile read)."""
    store = fresh_store(db_url)
    gone, _ = two_sent_one_pending(store)
    later = NOW + timedelta(minutes=3)
    store.withdraw(gone, "410 Gone", later)
    claimed = store.claim_deliveries("p1", later, LEASE, 10)
    deleting, editing = [r for r in claimed if r.state == "withdraw"]
    since = later - timedelta(hours=24)
    assert store.restore("a", [item(1).entry_key], later, since) == 1  # both rows: "sent"
    store.mark_withdrawn(deleting.id, "deleted", later)
    store.mark_withdrawn(editing.id, "edited: too old to delete", later)
    mine = {c: st for (i, c), st in states(store).items() if i == gone}
    assert mine == {deleting.chat: "pending", editing.chat: "edit"}


def test_a_message_assumed_sent_is_not_sent_twice_when_the_item_comes_back(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
    [row] = store.claim_deliveries("p1", NOW, LEASE, 10)
    store.mark_sent(row.id, NOW, None, "text", row.item.title)  # timed out: assumed sent
    later = NOW + timedelta(minutes=3)
    store.withdraw(row.item.id, "410 Gone", later)
    store.mark_withdrawn(row.id, "no message id known", later)
    assert store.restore("a", [item(1).entry_key], later, later - timedelta(hours=24)) == 1
    assert states(store) == {(row.item.id, row.chat): "sent"}  # it may still be out there
