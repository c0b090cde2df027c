"""Each process's share of the CPU during a cold `run --once`: the main process and its worker
processes, over bench_peer.py's feeds served on 127.0.0.1.

    .venv/bin/python bench/cpu_share.py [--feeds 200] [--items 50]

Samples every process of the run's tree every half second from /proc/<pid>/stat (Linux) and
prints, for the main process and each worker, the mean share of one core over the run: the
stage that uses the most is the one the others wait for.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_peer import bytecode_env, syndication_command, write_config
from peer_feeds import FeedServer

TICK = os.sysconf("SC_CLK_TCK")
INTERVAL = 0.5


def children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            kids.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(name))
    return kids


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def tree(root: int) -> list[int]:
    kids, found, todo = children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += kids.get(pid, [])
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FeedServer(args.feeds, args.items) as server:
        config = write_config(Path(tmp), server.urls())
        env = {**os.environ, **bytecode_env()}
        run = subprocess.Popen(
            syndication_command(config),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        used: dict[int, float] = {}  # pid -> CPU seconds seen last
        started = time.monotonic()
        while run.poll() is None:
            time.sleep(INTERVAL)
            for pid in tree(run.pid):
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    used[pid] = max(used.get(pid, 0.0), seconds)
        wall = time.monotonic() - started
    main_share = used.pop(run.pid, 0.0) / wall
    print(f"cold run --once over {args.feeds} feeds: {wall:.1f} s")
    print(f"  main process   {main_share:4.2f} of a core")
    busy = [seconds for seconds in sorted(used.values(), reverse=True) if seconds > 0.1]
    for n, seconds in enumerate(busy, 1):
        print(f"  process {n}      {seconds / wall:4.2f} of a core")


if __name__ == "__main__":
    main()
