"""Where a `run --once` spends its wall time, stage by stage: N generated feeds on 127.0.0.1,
a cold run (fresh database) then a warm one (every feed answers 304), each a whole process.

    .venv/bin/python bench/stages.py [--feeds 200] [--rounds 3]

Each stage is timed around the service's own function (imports until the service module is
loaded, config load, build_app, poll_all, the publish, the deliveries, App.aclose, which
stops the CPU worker processes), in a process that runs `syndication.cli.main` as the
command does (without the command's quick exit, so "whole process" includes the
interpreter's teardown); the median of the rounds is printed per stage.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_peer import bytecode_env, write_config
from peer_feeds import FeedServer

STAGES = ("imports", "load", "build_app", "poll_all", "publish", "deliveries", "aclose")
# run in the measured process: wraps the stages, then runs the command as `syndication` does
CHILD = """
import sys, time
T0 = time.perf_counter()
marks = {}
import functools
from syndication import cli
import syndication.config as C, syndication.service as S
from syndication.delivery import Deliverer
from syndication.publishing import Publisher
marks["imports"] = time.perf_counter() - T0
def timed(owner, name, stage, is_async):
    f = getattr(owner, name)
    if is_async:
        async def w(*a, **k):
            t = time.perf_counter()
            try:
                return await f(*a, **k)
            finally:
                marks[stage] = marks.get(stage, 0) + time.perf_counter() - t
    else:
        def w(*a, **k):
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                marks[stage] = marks.get(stage, 0) + time.perf_counter() - t
    setattr(owner, name, functools.wraps(f)(w))
if __name__ == "__main__":
    timed(C, "load", "load", False)
    timed(S, "build_app", "build_app", True)
    timed(S, "poll_all", "poll_all", True)
    timed(Publisher, "publish_dirty", "publish", True)
    timed(Deliverer, "drain", "deliveries", True)
    timed(S.App, "aclose", "aclose", True)
    cli.main(sys.argv[1:], loaded=cli._loaded)
    print(" ".join(f"{k}={v:.4f}" for k, v in marks.items()), flush=True)
"""


def one_run(config: Path) -> dict[str, float]:
    env = {**os.environ, **bytecode_env()}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "--config", str(config), "run", "--once"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    last = done.stdout.strip().splitlines()[-1]
    return {k: float(v) for k, v in (pair.split("=") for pair in last.split())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
    with FeedServer(args.feeds, 50) as server:
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as tmp:
                config = write_config(Path(tmp), server.urls())
                for phase in ("cold", "warm"):
                    started = time.perf_counter()
                    marks = one_run(config)
                    marks["whole process"] = time.perf_counter() - started
                    runs[phase].append(marks)
    print(f"{args.feeds} feeds x 50 items, median of {args.rounds} rounds, seconds")
    print(f"  {'stage':16} {'cold':>8} {'warm':>8}")
    for stage in (*STAGES, "whole process"):
        cells = [statistics.median(r.get(stage, 0.0) for r in runs[p]) for p in ("cold", "warm")]
        print(f"  {stage:16} {cells[0]:8.3f} {cells[1]:8.3f}")


if __name__ == "__main__":
    main()
