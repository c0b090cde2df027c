"""Where a cold `run --once` spends its time: N generated WordPress-like feeds on 127.0.0.1.

    .venv/bin/python bench/profile_cold.py [--feeds 40] [--items 50] [--top 25] [--no-profile]
                                           [--pinned] [--dump FILE]

The feeds are bench_peer.py's (well-formed WordPress RSS), or with --pinned those of
tests/pinned_feeds.py (a blank line before `<?xml` and raw `&`: feedparser's loose parser).
Prints the wall time of one cold run (everything new, fresh SQLite database) and, unless
--no-profile, the top functions by cumulative and by own time under cProfile. cProfile sees one
thread only, so under it the work the service hands to threads and processes (parse,
normalize, the store's calls) runs on the event loop instead, where it is counted; the wall
time is then no measure of the service's. --no-profile runs the service as it is and gives
wall and CPU time of the whole run (this process's, and its CPU workers' once they have ended).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import pstats
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peer_feeds import feed_bytes

from syndication import service
from syndication.config import load
from syndication.service import run_once
from tests import pinned_feeds
from tests.conftest import write_config
from tests.portal import running_portal


def cold_run(feeds: int, items: int, profile: cProfile.Profile | None, pinned: bool) -> float:
    make = pinned_feeds.feed if pinned else feed_bytes
    with running_portal() as portal, tempfile.TemporaryDirectory() as tmp:
        sources = ""
        for i in range(feeds):
            portal.set(f"/f{i}/feed/", make(i, items, f"https://p{i}.test"))
            sources += f'[[sources]]\nid = "f{i}"\nurl = "{portal.url}/f{i}/feed/"\n'
        path = write_config(
            Path(tmp) / "config.toml", db_url=f"sqlite:///{tmp}/db.sqlite3", sources=sources
        )
        # the tests' 2 s / 5 s fetch timeouts would fail feeds waiting behind a profiled parse
        text = re.sub(r'(_timeout = )"\d+s"', r'\1"600s"', path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        config = load(path)
        start = time.perf_counter()
        if profile is not None:
            profile.enable()
        try:
            asyncio.run(run_once(config))
        finally:
            if profile is not None:
                profile.disable()
        return time.perf_counter() - start


def children_cpu() -> float:
    """CPU seconds of the child processes ended so far (the CPU pool's workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=40)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--pinned", action="store_true", help="tests/pinned_feeds.py's feeds")
    ap.add_argument("--dump", help="also write the raw cProfile stats to this file")
    args = ap.parse_args()
    logging.disable(logging.INFO)
    if not args.no_profile:
        _everything_on_the_loop()
    times = []
    profile = None if args.no_profile else cProfile.Profile()
    cpu, workers = time.process_time(), children_cpu()
    for _ in range(args.rounds):
        times.append(cold_run(args.feeds, args.items, profile, args.pinned))
    cpu, workers = time.process_time() - cpu, children_cpu() - workers
    entries = args.feeds * args.items
    print(
        f"cold run --once: {args.feeds} feeds x {args.items} items ({entries} entries): "
        f"median {statistics.median(times):.2f} s of {args.rounds} "
        f"({', '.join(f'{t:.2f}' for t in times)}){' under cProfile' if profile else ''}, "
        f"{cpu / args.rounds:.2f} s CPU per round in this process (portal included) + "
        f"{workers / args.rounds:.2f} s in its CPU workers"
    )
    if profile is None:
        return
    if args.dump:
        profile.dump_stats(args.dump)
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(key).print_stats(args.top)
        print(f"--- top {args.top} by {key} ---")
        print(out.getvalue().split("\n\n", 2)[-1].rstrip())


def _everything_on_the_loop() -> None:
    """For cProfile: no CPU pool and no threads, so the profile sees every call."""

    async def inline(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    setattr(service, "service_pool", lambda: None)  # noqa: B010 (not exported, read at call)
    asyncio.to_thread = inline  # type: ignore[assignment]


if __name__ == "__main__":
    main()
