"""A channel Telegram refuses ("chat not found", the bot kicked) counts the try that found it
so in `status`: it showed "broken" with `consecutive_failures` 0 and no `last_error`, where
the README counts every failed try of a send (a black-box review). The next message that
goes out clears both, as for any failed try."""

from __future__ import annotations

from datetime import timedelta

from tests.test_store import NOW, OK, fresh_store, item, route, yes


def test_a_broken_channel_counts_its_failed_try(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
    store.channel_broken("@chat_kukar", "Bad Request: chat not found (1 attempts)", NOW)
    [status] = [c for c in store.channel_statuses() if c.chat == "@chat_kukar"]
    assert status.state == "broken" and status.pending == 1
    assert status.consecutive_failures == 1
    assert status.last_error == "Bad Request: chat not found (1 attempts)"
    store.channel_broken("@chat_kukar", "Bad Request: chat not found (1 attempts)", NOW)
    [status] = [c for c in store.channel_statuses() if c.chat == "@chat_kukar"]
    assert status.consecutive_failures == 2
    # the chat works again: its message goes out, the count and the error are cleared
    store.reset_channel("@chat_kukar", NOW)
    [row] = store.claim_deliveries("p1", NOW, timedelta(minutes=5), 10)
    assert store.mark_sent(row.id, NOW, 501, "text", "Judul")
    [status] = [c for c in store.channel_statuses() if c.chat == "@chat_kukar"]
    assert status.consecutive_failures == 0 and status.last_error is None
