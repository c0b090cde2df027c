"""A channel's health, as a source's (the contract: last error and consecutive failures per
channel too): the failed tries since its last message went out, whichever messages they were,
and the last one's error; both cleared by the next message sent."""

from __future__ import annotations

from datetime import timedelta

from syndication.store import Store
from tests.test_store import NOW, OK, fresh_store, item, route, yes


def _channel(store: Store, chat: str) -> tuple[int, str | None]:
    [found] = [c for c in store.channel_statuses() if c.chat == chat]
    return found.consecutive_failures, found.last_error


def test_a_channel_counts_its_failed_tries_until_a_message_goes_out(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(1), item(2), item(3)], NOW, OK, route=route, announce=yes)
    assert _channel(store, "@chat_kukar") == (0, None)
    rows = sorted(d.id for d in store.claim_deliveries("w", NOW, timedelta(minutes=1), 10))
    first, second, third = rows
    # the tries go to one message, then the other: all of them count, in a row
    store.mark_retry(first, "Bad Gateway", NOW + timedelta(seconds=5))
    store.mark_retry(second, "Bad Gateway", NOW + timedelta(seconds=5))
    store.mark_retry(first, "Timed out", NOW + timedelta(seconds=10))
    store.mark_retry(second, "rate limited", NOW, count=False)  # a wait, not a failure
    assert _channel(store, "@chat_kukar") == (3, "Timed out")
    # another message goes out: the channel works again, whatever the first still waits for
    store.mark_sent(third, NOW, 103, "text", item(3).title)
    assert _channel(store, "@chat_kukar") == (0, None)
    store.mark_failed(second, "Bad Request: message is too long")  # refused for good
    assert _channel(store, "@chat_kukar") == (1, "Bad Request: message is too long")


def test_a_sent_message_keeps_no_tries_even_when_it_is_to_be_edited(db_url: str) -> None:
    """Its title corrected while it was on its way: the row waits to be edited, and its
    earlier failed tries are no failure of that edit."""
    store = fresh_store(db_url)
    store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
    [row] = store.claim_deliveries("w", NOW, timedelta(minutes=1), 10)
    store.mark_retry(row.id, "Bad Gateway", NOW)
    store.mark_retry(row.id, "Bad Gateway", NOW)
    store.mark_sent(row.id, NOW, 101, "text", "an older title")  # the item's title moved on
    [edit] = store.claim_deliveries("w", NOW + timedelta(minutes=2), timedelta(minutes=1), 10)
    assert edit.state == "edit" and edit.attempts == 0
    assert _channel(store, "@chat_kukar") == (0, None)


def test_a_message_taken_down_clears_the_channels_failures(db_url: str) -> None:
    """A deletion that failed counts as the channel's failure; one that worked is a request
    to the channel that worked, as a send is: the count and the error are cleared."""
    store = fresh_store(db_url)
    store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
    [row] = store.claim_deliveries("w", NOW, timedelta(minutes=1), 10)
    store.mark_sent(row.id, NOW, 101, "text", item(1).title)
    [found] = [s for s in store.scope_items("all", 10)]
    assert store.withdraw(found.id, "410 Gone", NOW) is True
    later = NOW + timedelta(minutes=1)
    [take_down] = store.claim_deliveries("w", later, timedelta(minutes=1), 10)
    store.mark_retry(take_down.id, "Bad Gateway", later)
    assert _channel(store, "@chat_kukar") == (1, "Bad Gateway")
    [again] = store.claim_deliveries("w", later, timedelta(minutes=1), 10)
    store.mark_withdrawn(again.id, "deleted", later)
    assert _channel(store, "@chat_kukar") == (0, None)


def test_a_take_down_that_sent_no_request_leaves_the_count(db_url: str) -> None:
    """No message id known: nothing was asked of Telegram, so nothing says the channel
    works again."""
    store = fresh_store(db_url)
    store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
    [row] = store.claim_deliveries("w", NOW, timedelta(minutes=1), 10)
    store.mark_retry(row.id, "Bad Gateway", NOW)
    store.mark_sent(row.id, NOW, None, "text", item(1).title)  # assumed sent, no id
    store.mark_retry(row.id, "Bad Gateway", NOW)  # the channel fails again meanwhile
    [found] = store.scope_items("all", 10)
    assert store.withdraw(found.id, "410 Gone", NOW) is True
    later = NOW + timedelta(minutes=1)
    for take_down in store.claim_deliveries("w", later, timedelta(minutes=1), 10):
        store.mark_withdrawn(take_down.id, "no message id known", None)
    assert _channel(store, "@chat_kukar") == (1, "Bad Gateway")
