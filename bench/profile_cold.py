"""Where a cold `run --once` spends its time: N generated WordPress-like feeds on 127.0.0.1.

    .venv/bin/python bench/profile_cold.py [--feeds 40] [--items 50] [--top 25] [--no-profile]

Prints the wall time of one cold run (everything new, fresh SQLite database) and, unless
--no-profile, the top functions by cumulative and by own time under cProfile. cProfile sees
only the event loop's thread: parse and normalize run in the service's CPU thread (and the
store's calls in theirs), so they show up as the loop's wait; bench/bench_normalize.py
profiles that work on its own, and --no-profile gives wall and CPU time of the whole run
(this process's, and its CPU workers' once they have ended).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import pstats
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syndication.config import load
from syndication.service import run_once
from tests.conftest import write_config
from tests.pinned_feeds import feed
from tests.portal import running_portal


def cold_run(feeds: int, items: int, profile: cProfile.Profile | None) -> float:
    with running_portal() as portal, tempfile.TemporaryDirectory() as tmp:
        sources = ""
        for i in range(feeds):
            portal.set(f"/f{i}/feed/", feed(i, items, base=f"https://p{i}.test"))
            sources += f'[[sources]]\nid = "f{i}"\nurl = "{portal.url}/f{i}/feed/"\n'
        path = write_config(
            Path(tmp) / "config.toml", db_url=f"sqlite:///{tmp}/db.sqlite3", sources=sources
        )
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
    args = ap.parse_args()
    logging.disable(logging.INFO)
    times = []
    profile = None if args.no_profile else cProfile.Profile()
    cpu, workers = time.process_time(), children_cpu()
    for _ in range(args.rounds):
        times.append(cold_run(args.feeds, args.items, profile))
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
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(key).print_stats(args.top)
        print(f"--- top {args.top} by {key} ---")
        print(out.getvalue().split("\n\n", 2)[-1].rstrip())


if __name__ == "__main__":
    main()
