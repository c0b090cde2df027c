"""The per-entry and per-feed checks a cold cycle runs on every entry, against what they
replaced: bench_peer.py's feeds (WordPress-like, 50 entries, about 300 KB each).

    .venv/bin/python bench/bench_checks.py [--feeds 20] [--rounds 5]

Prints, best of the rounds (wall time of this process, one core), per call:
- raw_digest (each field tagged and length-prefixed) against legacy_raw_digest (the repr of
  the whole entry), per entry;
- the feed fast path's C1 check (_c1_possible) against the one alternation it replaced, per
  feed document;
- clean_content's control-character check (_has_control) against _CONTROL.search, per body.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peer_feeds import feed_bytes

from syndication.normalize import text
from syndication.sources.feed_fast import _c1_possible
from syndication.workers import legacy_raw_digest, parse, raw_digest

_C1_ALTERNATION = re.compile(rb"\xc2[\x80-\x9f]|&#")


def per_call(fn: Callable[[Any], object], values: Sequence[Any], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for value in values:
            fn(value)
        best = min(best, time.perf_counter() - start)
    return best / len(values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    bodies = [feed_bytes(i, 50, "http://127.0.0.1:1") for i in range(args.feeds)]
    raws = [
        raw
        for i, body in enumerate(bodies)
        for raw in parse(body, "s", f"http://127.0.0.1:1/feed/{i}/", "application/rss+xml")
    ]
    html = [raw.content_html or "" for raw in raws]
    rows = [
        ("raw_digest, per entry", raw_digest, legacy_raw_digest, raws, 1e6, "us"),
        ("C1 check, per feed", _c1_possible, _C1_ALTERNATION.search, bodies, 1e3, "ms"),
        ("control check, per body", text._has_control, text._CONTROL.search, html, 1e6, "us"),
    ]
    print(f"{len(bodies)} feeds, {len(raws)} entries, best of {args.rounds} rounds")
    for name, new, old, values, scale, unit in rows:
        now, before = (per_call(fn, values, args.rounds) * scale for fn in (new, old))
        print(f"  {name:26} {now:7.2f} {unit} (what it replaced: {before:.2f} {unit})")


if __name__ == "__main__":
    main()
