"""CPU time of the store's ingest alone: bench_peer.py's feeds, normalized once beforehand, each
stored by `store.ingest` into a fresh database (the cold run's store work, without fetching,
parsing or normalizing).

    .venv/bin/python bench/bench_store.py [--feeds 20] [--items 50] [--rounds 3] [--db sqlite|URL]
                                          [--twice]

Prints the CPU seconds (process time; a loaded machine inflates wall time far more) of the best
round, a first poll of every feed; with --twice also a second poll of the same items (every
entry known: the changed-entry path). With a PostgreSQL URL the database's own work is not
counted (it runs in the server's processes), and its tables are emptied before each round.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_normalize import context
from peer_feeds import feed_bytes

from syndication.sources.feed import parse_feed
from syndication.store import open_store
from syndication.store.sources import SourceSuccess
from syndication.types import Item
from syndication.workers import normalize


def items_of(feeds: int, n: int) -> list[list[Item]]:
    ctx, now = context(), datetime(2024, 6, 1, tzinfo=UTC)
    out = []
    for i in range(feeds):
        raws = parse_feed(feed_bytes(i, n, f"https://p{i}.test"), f"f{i}", f"https://p{i}.test/")
        out.append(normalize([(f"{k:064x}", r) for k, r in enumerate(raws)], ctx, now)[0])
    return out


def one_round(url: str, polls: list[list[Item]], twice: bool) -> tuple[float, float]:
    store = open_store(url)
    if not url.startswith("sqlite"):
        from sqlalchemy import text

        with store.engine.begin() as conn:  # type: ignore[attr-defined]
            conn.execute(
                text("TRUNCATE items, entries, item_scopes, dirty_scopes, deliveries CASCADE")
            )
    store.sync_sources([(f"f{i}", f"https://p{i}.test/") for i in range(len(polls))])
    now = datetime(2024, 6, 1, tzinfo=UTC)
    ok = SourceSuccess(None, None, None, 200, now + timedelta(hours=1))
    times = []
    for _ in range(2 if twice else 1):
        start = time.process_time()
        for i, items in enumerate(polls):
            store.ingest(f"f{i}", items, now, ok, route=lambda _: [], announce=lambda _: False)
        times.append(time.process_time() - start)
        now += timedelta(minutes=5)
    return times[0], times[-1] if twice else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--db", default="sqlite", help="sqlite, or a postgresql+psycopg:// URL")
    ap.add_argument("--twice", action="store_true", help="also a second poll of the same items")
    args = ap.parse_args()
    polls = items_of(args.feeds, args.items)
    first, second = float("inf"), float("inf")
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/db.sqlite3" if args.db == "sqlite" else args.db
            a, b = one_round(url, polls, args.twice)
        first, second = min(first, a), min(second, b)
    n = sum(map(len, polls))
    print(f"store.ingest, {n} items from {args.feeds} feeds, best of {args.rounds}, CPU s")
    print(f"  first poll (all new)     {first:7.3f}  ({1000 * first / n:.3f} ms/item)")
    if args.twice:
        print(f"  second poll (all known)  {second:7.3f}  ({1000 * second / n:.3f} ms/item)")


if __name__ == "__main__":
    main()
