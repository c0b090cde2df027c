"""Gazetteer matcher benchmark: `places.find` over titles and bodies, as classify calls it.

    .venv/bin/python bench/bench_places.py [--feeds 20] [--repeat 5]

Texts: the title and plain-text body of every item of bench_peer's generated feeds (about
5 KB a body) and the golden and held-out case texts. Prints the best of `repeat` passes in
CPU time (process_time: a loaded machine skews wall time).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peer_feeds import feed_bytes

from syndication.normalize.places import find, gazetteer
from tests.test_normalize_places import build_ctx, case_texts

_FIELD = re.compile(r"<(title|content:encoded)>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def texts(feeds: int) -> list[str]:
    out = []
    for i in range(feeds):
        xml = feed_bytes(i, 50, "https://portal.test").decode()
        out += [unescape(_TAG.sub(" ", m.group(2))) for m in _FIELD.finditer(xml)]
    return out + case_texts()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--feeds", type=int, default=20)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    gaz = gazetteer(build_ctx())
    corpus = texts(args.feeds)
    chars = sum(len(t) for t in corpus)
    best, hits = float("inf"), 0
    for _ in range(args.repeat):
        start = time.process_time()
        hits = sum(len(find(t, gaz)) for t in corpus)
        best = min(best, time.process_time() - start)
    print(
        f"places.find: {len(corpus)} texts, {chars / 1e6:.1f} M chars, {hits} hits: "
        f"{best:.3f} s CPU, best of {args.repeat}, {best / len(corpus) * 1e6:.0f} us a text"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
