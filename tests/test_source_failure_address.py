"""A poll of a source's old address that fails after a reload gave it a new one: the new
address was due at once with no failures, and the old one's failure put it into backoff
(next poll minutes or hours away, 'failing' on the status page) for an address never tried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syndication.store import open_store


def test_a_failure_of_the_old_address_leaves_the_new_one_due(db_url: str) -> None:
    store = open_store(db_url)
    try:
        now = datetime.now(UTC)
        store.sync_sources([("kukar", "https://old.example/feed/")])
        claimed = store.claim_source("kukar", "me", now, timedelta(minutes=5), force=True)
        assert claimed is not None and claimed.url == "https://old.example/feed/"
        store.sync_sources([("kukar", "https://new.example/feed/")])  # the reload, mid-poll
        later = now + timedelta(hours=2)
        count = store.record_failure(
            "kukar", now, "http", "HTTP 500", later, 500, "me", "https://old.example/feed/"
        )
        state = store.source_state("kukar")
        assert count == 0 and state.consecutive_failures == 0
        assert state.next_poll is None or state.next_poll <= now  # still due at once
        # the lease is the poll's, freed all the same: the new address is polled now
        assert store.claim_source("kukar", "other", now, timedelta(minutes=5), force=False)
        # a failure of the address it has counts
        count = store.record_failure(
            "kukar", now, "http", "HTTP 500", later, 500, "other", "https://new.example/feed/"
        )
        assert count == 1 and store.source_state("kukar").consecutive_failures == 1
    finally:
        store.engine.dispose()
