"""Coalescing: the small store writes of concurrent polls go in one transaction together."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from syndication.batching import Coalescing
from syndication.errors import StorageError
from syndication.store import Claim, SourceSuccess, Store, Unchanged, open_store, sources

NOW = datetime(2024, 5, 21, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


class Recorder:
    """run(batch) for Coalescing: records each batch; the first one waits for `release`."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail = fail

    def __call__(self, batch: Sequence[int]) -> list[int]:
        self.batches.append(list(batch))
        if len(self.batches) == 1:
            self.started.set()
            assert self.release.wait(10)
        if self.fail:
            raise StorageError("storage: database is locked")
        return [n * 10 for n in batch]


def test_requests_arriving_together_run_as_one_batch_each_with_its_own_result() -> None:
    rec = Recorder()
    rec.release.set()
    coalescing = Coalescing(rec)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(coalescing(n) for n in range(5))))

    assert asyncio.run(main()) == [0, 10, 20, 30, 40]
    assert rec.batches == [[0, 1, 2, 3, 4]]


def test_what_arrives_while_a_batch_runs_goes_in_the_next_and_a_cancelled_one_is_left_out() -> None:
    rec = Recorder()
    coalescing = Coalescing(rec)

    async def main() -> tuple[int, list[int]]:
        first = asyncio.create_task(coalescing(1))
        await asyncio.to_thread(rec.started.wait, 10)  # batch [1] is running
        later = [asyncio.create_task(coalescing(n)) for n in (2, 3, 4)]
        await asyncio.sleep(0)  # queued behind the running batch
        later[1].cancel()
        rec.release.set()
        results = [await later[0], await later[2]]
        with pytest.raises(asyncio.CancelledError):
            await later[1]
        return await first, results

    assert asyncio.run(main()) == (10, [20, 40])
    assert rec.batches == [[1], [2, 4]]


def test_a_failed_batch_fails_each_of_its_callers_and_the_next_batch_runs() -> None:
    rec = Recorder(fail=True)
    rec.release.set()
    coalescing = Coalescing(rec)

    async def main() -> list[object]:
        return list(await asyncio.gather(*(coalescing(n) for n in (1, 2)), return_exceptions=True))

    outcomes = asyncio.run(main())
    assert all(isinstance(o, StorageError) for o in outcomes), outcomes
    rec.fail = False
    assert asyncio.run(main()) == [10, 20]  # a new event loop: a new drain task serves it
    assert rec.batches == [[1, 2], [1, 2]]


def test_the_limit_splits_a_crowd_into_batches() -> None:
    rec = Recorder()
    rec.release.set()
    coalescing = Coalescing(rec, limit=2)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(coalescing(n) for n in range(5))))

    assert asyncio.run(main()) == [0, 10, 20, 30, 40]
    assert rec.batches == [[0, 1], [2, 3], [4]]


class Boom(BaseException):
    """Not an Exception: what no `except Exception` in a caller would catch."""


def test_a_base_exception_of_a_batch_reaches_its_callers_and_those_queued_behind() -> None:
    def run(batch: Sequence[int]) -> list[int]:
        raise Boom()

    coalescing: Coalescing[int, int] = Coalescing(run, limit=1)

    async def main() -> list[object]:
        return list(await asyncio.gather(*(coalescing(n) for n in (1, 2)), return_exceptions=True))

    outcomes = asyncio.run(main())
    assert [type(o) for o in outcomes] == [Boom, Boom], outcomes


def test_a_wrong_number_of_results_fails_the_batch_instead_of_leaving_callers_waiting() -> None:
    coalescing: Coalescing[int, int] = Coalescing(lambda batch: [1])

    async def main() -> list[object]:
        return list(await asyncio.gather(*(coalescing(n) for n in (1, 2)), return_exceptions=True))

    outcomes = asyncio.run(main())
    assert all(isinstance(o, RuntimeError) for o in outcomes), outcomes


@pytest.mark.parametrize("returning", [True, False], ids=["returning", "sqlite-before-3.35"])
def test_claims_and_304_records_in_one_transaction_answer_each_source(
    db_url: str, returning: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite before 3.35 has no UPDATE ... RETURNING: the update, then a read of the row
    monkeypatch.setattr(sources, "SQLITE_RETURNING", returning)
    store = open_store(db_url)
    try:
        store.sync_sources([("a", "https://a.test/feed"), ("b", "https://b.test/feed")])
        later = NOW + timedelta(hours=1)
        ok = SourceSuccess(None, None, None, 304, next_poll=later)
        [b, a] = store.claim_sources([Claim(s, "p1", NOW, LEASE, False) for s in "ba"])
        assert a is not None and a.id == "a" and b is not None and b.id == "b"
        # held by p1: p2 gets neither, forced or not; p1 itself may claim again
        assert store.claim_sources(
            [Claim("a", "p2", NOW, LEASE, True), Claim("b", "p2", NOW, LEASE, False)]
        ) == [None, None]
        [again] = store.claim_sources([Claim("a", "p1", NOW, LEASE, True)])
        assert again is not None and again.id == "a"
        # a lease run out is anyone's
        [expired] = store.claim_sources([Claim("b", "p2", NOW + 2 * LEASE, LEASE, True)])
        assert expired is not None and expired.id == "b"
        store.record_unchanged_many([Unchanged(s, NOW, ok) for s in "ab"])  # leases released
        # not due until `later`: only a forced claim gets a source before then
        [due, forced] = store.claim_sources(
            [Claim("a", "p2", NOW, LEASE, False), Claim("b", "p2", NOW, LEASE, True)]
        )
        assert due is None and forced is not None and forced.next_poll == later
        status = {s.id: s for s in store.source_statuses()}
        assert status["a"].not_modified_count == 1 and status["b"].not_modified_count == 1
    finally:
        store.engine.dispose()


IDS = [f"s{n:03d}" for n in range(200)]


def test_two_processes_claiming_in_opposite_orders_never_deadlock(pg_url: str) -> None:
    # one transaction holds every row it claimed until it commits: taken in arrival order,
    # two processes claiming [a..z] and [z..a] waited on each other (found by review: a
    # batch lost to "deadlock detected" in 4 of 4 runs); in source order, never
    url = pg_url.replace("postgresql://", "postgresql+psycopg://")
    stores = [open_store(url), open_store(url)]
    stores[0].sync_sources([(s, f"https://{s}.test/feed") for s in IDS])
    errors: list[BaseException] = []
    won: dict[str, list[str]] = {}
    start = threading.Barrier(2)

    def claim(store: Store, owner: str, order: list[str]) -> None:
        start.wait()
        try:
            got = store.claim_sources([Claim(s, owner, NOW, LEASE, True) for s in order])
        except StorageError as e:
            errors.append(e)
            return
        for s, state in zip(order, got, strict=True):
            if state is not None:
                won.setdefault(s, []).append(owner)

    threads = [
        threading.Thread(target=claim, args=(stores[0], "p1", IDS)),
        threading.Thread(target=claim, args=(stores[1], "p2", IDS[::-1])),
    ]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
    finally:
        for store in stores:
            store.engine.dispose()
    assert errors == [], [str(e) for e in errors]
    assert sorted(won) == IDS and all(len(owners) == 1 for owners in won.values())
