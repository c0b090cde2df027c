"""Instructions per normalized entry, counted by valgrind's callgrind: a figure the machine's
noise does not move (the same binary, inputs and environment give the same count), for
changes too small to see in a whole run's wall time.

    .venv/bin/python bench/normalize_instructions.py [--feeds 4]

Runs itself twice under `valgrind --tool=callgrind` over bench_peer.py's feeds: once parsing
them and normalizing every entry, once parsing only; prints the difference divided by the
number of entries. Takes about a minute a feed. Needs valgrind (on every machine here).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ITEMS = 50


def child(feeds: int, normalize: bool) -> None:
    from bench_normalize import context
    from peer_feeds import START, feed_bytes

    from syndication.normalize import normalize_entry
    from syndication.sources.feed import parse_feed

    ctx, now = context(), START + timedelta(days=7)
    raws = [
        e
        for i in range(feeds)
        for e in parse_feed(
            feed_bytes(i, ITEMS, f"https://p{i}.test"), f"f{i}", f"https://p{i}.test/feed/"
        )
    ]
    normalize_entry(raws[0], ctx, now, now)  # the lazy parts (the gazetteer's matcher) built
    if normalize:
        for raw in raws:
            normalize_entry(raw, ctx, now, now)


def count(feeds: int, normalize: bool) -> int:
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--child", str(int(normalize)), "--feeds", str(feeds),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ)
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=4)
    ap.add_argument("--child", type=int, choices=(0, 1), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.feeds, bool(args.child))
        return
    entries = args.feeds * ITEMS
    with_work, without = count(args.feeds, True), count(args.feeds, False)
    print(
        f"{(with_work - without) // entries} instructions per normalized entry ({entries} entries)"
    )


if __name__ == "__main__":
    main()
