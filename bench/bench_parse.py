"""CPU time per entry of parsing a feed: the service's parse_feed against feedparser alone.

    .venv/bin/python bench/bench_parse.py [--feeds 10] [--items 50] [--rounds 3] [--pinned]

The feeds are bench_peer.py's (well-formed WordPress RSS: the lxml fast path takes them), or
with --pinned those of tests/pinned_feeds.py (ill-formed: both go through feedparser). Prints
the process CPU time of the best round per entry, and whether the records are the same.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peer_feeds import feed_bytes

from syndication.sources.feed import parse_feed, parse_with_feedparser
from syndication.types import RawEntry
from tests import pinned_feeds

URL, TYPE = "https://portal.test/feed/", "application/rss+xml; charset=UTF-8"


def best_round(
    parse: Callable[..., list[RawEntry]], bodies: list[bytes], rounds: int
) -> tuple[float, list[list[RawEntry]]]:
    """The least CPU seconds of `rounds` passes over every body, and the last pass's records."""
    best, records = float("inf"), []
    for _ in range(rounds):
        start = time.process_time()
        records = [parse(body, "src", URL, TYPE) for body in bodies]
        best = min(best, time.process_time() - start)
    return best, records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=10)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pinned", action="store_true", help="tests/pinned_feeds.py's feeds")
    args = ap.parse_args()
    make = pinned_feeds.feed if args.pinned else feed_bytes
    bodies = [make(i, args.items, f"https://p{i}.test") for i in range(args.feeds)]
    warnings.simplefilter("ignore", DeprecationWarning)  # feedparser's `updated` fallback
    fast, fast_records = best_round(parse_feed, bodies, args.rounds)
    slow, slow_records = best_round(parse_with_feedparser, bodies, args.rounds)
    entries = sum(len(r) for r in fast_records)
    print(f"{args.feeds} feeds x {args.items} items ({entries} entries), best of {args.rounds}")
    print(f"parse_feed            {fast / entries * 1000:6.3f} ms CPU per entry")
    print(f"feedparser alone      {slow / entries * 1000:6.3f} ms CPU per entry")
    print(f"same records: {fast_records == slow_records}")


if __name__ == "__main__":
    main()
