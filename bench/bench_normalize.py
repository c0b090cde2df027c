"""CPU time of parsing and normalizing generated feeds in this process (no server, no store).

    .venv/bin/python bench/bench_normalize.py [--feeds 20] [--items 50] [--rounds 3] [--peer]

Prints, per stage, the CPU seconds (process time, which a loaded machine inflates far less
than wall time) of the best round, and a digest of every normalized item: an optimisation
that changes a result changes the digest. The feeds are tests/pinned_feeds.py's, or with --peer
bench_peer.py's (about 5 KB a body, as in the peer benchmark's cold run).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peer_feeds import START, feed_bytes

from syndication.normalize import clean_content, normalize_entry
from syndication.normalize.classify import classify
from syndication.sources.feed import parse_feed
from syndication.types import CategoryInfo, NormalizeContext, RegencyInfo
from tests.pinned_feeds import feed


def context() -> NormalizeContext:
    import tempfile

    from syndication.config import load
    from tests.conftest import write_config

    with tempfile.TemporaryDirectory() as tmp:
        path = write_config(
            Path(tmp) / "config.toml", db_url=f"sqlite:///{tmp}/db.sqlite3", sources=""
        )
        return load(path).normalize_context(None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--peer", action="store_true", help="bench_peer.py's feeds")
    args = ap.parse_args()
    if args.peer:
        bodies = [feed_bytes(i, args.items, f"https://p{i}.test") for i in range(args.feeds)]
    else:
        bodies = [feed(i, args.items, base=f"https://p{i}.test") for i in range(args.feeds)]
    ctx = context()
    assert isinstance(ctx.regencies[0], RegencyInfo) and isinstance(ctx.categories, tuple)
    assert all(isinstance(c, CategoryInfo) for c in ctx.categories)
    # after every date of the feeds, as in a real run: a date in the future is read again
    # from its printed form (three times an entry), which a real run never does for these
    now = START + timedelta(days=7) if args.peer else datetime(2024, 6, 1, tzinfo=UTC)
    best: dict[str, float] = {}
    digest = ""
    for _ in range(args.rounds):
        t0 = time.process_time()
        raws = [
            e
            for i, b in enumerate(bodies)
            for e in parse_feed(b, f"f{i}", f"https://p{i}.test/feed/")
        ]
        t1 = time.process_time()
        bodies_clean = [clean_content(r.content_html or r.summary_html, r.base_url) for r in raws]
        t2 = time.process_time()
        for r, c in zip(raws, bodies_clean, strict=True):
            classify(r.title or "", c.text, c.credit, c.dateline, r.labels, r.tags, r.link, ctx)
        t3 = time.process_time()
        items = [normalize_entry(r, ctx, now, now) for r in raws]
        t4 = time.process_time()
        for name, value in (
            ("parse_feed", t1 - t0),
            ("clean_content", t2 - t1),
            ("classify", t3 - t2),
            ("normalize_entry (all)", t4 - t3),
        ):
            best[name] = min(best.get(name, value), value)
        h = hashlib.sha256()
        for item in items:
            h.update(repr(item).encode())
        digest = h.hexdigest()[:16]
    print(f"{len(raws)} entries from {args.feeds} feeds, best of {args.rounds} rounds, CPU s")
    for name, value in best.items():
        print(f"  {name:24} {value:8.3f}  ({1000 * value / len(raws):.2f} ms/entry)")
    print(f"  digest {digest}")


if __name__ == "__main__":
    main()
