"""What the command's exit costs: `run --once` over N unchanged feeds (all answered 304), run
as `python -m syndication` (the command's own exit, `syndication.cli.entry`) and as a plain
`sys.exit(main())` (the interpreter's ordinary teardown), alternately.

    .venv/bin/python bench/bench_exit.py [--feeds 200] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_peer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    with bench_peer.FeedServer(args.feeds, 50) as server, tempfile.TemporaryDirectory() as tmp:
        config = bench_peer.write_config(Path(tmp), server.urls())
        server.mode = "validators"
        once = ["--config", str(config), "run", "--once"]
        py = sys.executable
        subprocess.run([py, "-m", "syndication", *once], capture_output=True, check=True)
        commands = {
            "the command's exit": [py, "-m", "syndication", *once],
            "ordinary teardown": [
                py, "-c", "import sys; from syndication.cli import main; sys.exit(main())", *once
            ],
        }  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, capture_output=True, check=True)
                times[name].append(time.perf_counter() - start)
    for name, seconds in times.items():
        print(f"{name:20} median {statistics.median(seconds):.3f} s, best {min(seconds):.3f} s")


if __name__ == "__main__":
    main()
