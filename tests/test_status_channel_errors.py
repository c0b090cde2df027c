"""A channel's health, as for a source (the contract: last error and consecutive failures per
channel too): the tries in a row that failed and the last error, cleared once it sends."""

from __future__ import annotations

from datetime import timedelta

from syndication.store import Store
from tests.test_store import NOW, OK, fresh_store, item, route, yes


def _channel(store: Store, chat: str) -> tuple[int, str | None]:
    [found] = [c for c in store.channel_statuses() if c.chat == chat]
    return found.consecutive_failures, found.last_error


def test_a_channel_shows_its_failures_in_a_row_and_its_last_error(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(1), item(2)], NOW, OK, route=route, announce=yes)
    assert _channel(store, "@chat_kukar") == (0, None)
    first, second = sorted(d.id for d in store.claim_deliveries("w", NOW, timedelta(minutes=1), 10))
    store.mark_retry(first, "Bad Gateway", NOW + timedelta(seconds=5))
    store.mark_retry(first, "Timed out", NOW + timedelta(seconds=10))
    store.release([second])
    assert _channel(store, "@chat_kukar") == (2, "Timed out")
    store.mark_sent(first, NOW, 101, "text", item(1).title)
    assert _channel(store, "@chat_kukar") == (0, None)  # it sends again
    store.mark_failed(second, "Bad Request: message is too long")
    assert _channel(store, "@chat_kukar") == (0, "Bad Request: message is too long")
