"""Peer benchmark: `syndication run --once` against the `reader` library on the same feeds.

    .venv/bin/python bench/bench_peer.py [--feeds 200] [--items 50] [--rounds 3]
                                         [--phases cold,warm,same] [--tools syndication,reader]
    make bench-peer                       (the same, with the defaults)

--phases and --tools measure a part only (say, cold syndication alone at 1,000 feeds for its
peak RSS): the table then shows what was run, and the ratio only where both tools ran.

    ensure reader's own virtualenv (reused) -> generate N WordPress-like feeds, serve them on
    127.0.0.1 -> per round, fresh databases: cold, warm (304), same bytes without validators,
    each as whole processes, syndication then reader -> median per phase, peak RSS, the ratio

Phases:
    cold   fresh databases, everything new; the server sends ETag and Last-Modified
    warm   the same databases again; the server answers every conditional request with 304
    same   again, the server sends no validators (and honours none): the same bytes
reader runs `update_feeds` with 10 workers over every feed (scheduled=False, as run --once
forces every source); syndication gets per_host = concurrency = 10 so both fetch 10 at a time
from the one local host. Telegram has no token: delivery runs dry.
Peak RSS is the largest resident set of any process of the run (wait4's ru_maxrss), and the
whole tree's summed peak (worker processes included; sampled from /proc on Linux).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer_feeds import FeedServer

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("cold", "warm", "same")
TOOLS = ("syndication", "reader")
PHASE_NAMES = {
    "cold": "cold (everything new)",
    "warm": "warm, all 304",
    "same": "same bytes, no validators",
}
READER_SPEC = ("reader>=3.26,<4", "sgmllib3k")  # some feedparser wheels omit sgmllib3k
READER_SCRIPT = """\
import json, sys
from reader import make_reader
db, urls_file = sys.argv[1], sys.argv[2]
reader = make_reader(db)
urls = open(urls_file, encoding="utf-8").read().split()
known = {f.url for f in reader.get_feeds()}
for url in urls:
    if url not in known:
        reader.add_feed(url)
results = reader.update_feeds_iter(workers=10, scheduled=False)
errors = [r.url for r in results if isinstance(r.value, Exception)]
print(json.dumps({"entries": reader.get_entry_counts().total, "errors": len(errors)}))
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu: float  # user + system seconds of the whole tree (what a loaded machine cannot steal)
    max_rss_kb: int  # the largest single process (its VmHWM)
    tree_rss_kb: int  # the tree's summed peak (0 without /proc)
    note: str


def default_venv() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "syndication-bench" / "reader-venv"


def ensure_reader(venv: Path) -> Path:
    """reader in its own virtualenv, outside the source tree; reused when it imports."""
    python = venv / "bin" / "python"
    if python.exists() and _imports_reader(python):
        return python
    print(f"bench: installing {' '.join(READER_SPEC)} into {venv}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *READER_SPEC], check=True)
    if not _imports_reader(python):
        raise SystemExit(f"bench: reader does not import in {venv}; remove it and retry")
    return python


def _imports_reader(python: Path) -> bool:
    done = subprocess.run([str(python), "-c", "import reader, sgmllib"], capture_output=True)
    return done.returncode == 0


def syndication_command(config: Path) -> list[str]:
    script = Path(sys.executable).parent / "syndication"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "syndication"]
    return [*head, "--config", str(config), "run", "--once"]


def write_config(folder: Path, urls: list[str]) -> Path:
    """The repo's categories and gazetteer, these feeds, SQLite and output in `folder`."""
    shipped = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    lines = [
        "[storage]",
        f"url = {json.dumps('sqlite:///' + str(folder / 'syndication.sqlite3'))}",
        "[feeds]",
        f"output_dir = {json.dumps(str(folder / 'public'))}",
        'publish_delay = "0s"',
        "[server]",
        "enabled = false",
        "[telegram]",
        'token_env = "SYNDICATION_BENCH_NO_TOKEN"',
        "[fetch]",
        "per_host = 10",
        "concurrency = 10",
    ]
    for table in ("categories", "regencies"):
        for entry in shipped.get(table, []):
            lines.append(f"[[{table}]]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in entry.items() if k != "telegram_chat"]
    for i, url in enumerate(urls):
        lines += ["[[sources]]", f'id = "portal-{i:04d}"', f'url = "{url}"', 'kind = "feed"']
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bytecode_env() -> dict[str, str]:
    """syndication's environment: its bytecode cached, as for any installed program.

    reader's virtualenv holds the bytecode pip compiled at install time; syndication's
    editable install holds none for its own modules, and where the environment sets
    PYTHONDONTWRITEBYTECODE every run would compile them afresh (60-70 ms of a warm run).
    So syndication runs with a cache under its virtualenv (where `make test` keeps its own),
    primed once before the rounds and allowed to take what the priming missed."""
    return {"PYTHONPYCACHEPREFIX": str(Path(sys.prefix) / "pycache"), "PYTHONDONTWRITEBYTECODE": ""}


def prime_bytecode() -> None:
    paths = sysconfig.get_paths()
    folders = {paths["stdlib"], paths["purelib"], paths["platlib"]}
    folders |= {str(ROOT / name) for name in ("syndication", "feeds", "bots")}
    command = [sys.executable, "-m", "compileall", "-qq", "-j0", *sorted(folders)]
    # some of the standard library's test data does not compile on purpose: not checked
    subprocess.run(command, env={**os.environ, **bytecode_env()}, check=False)


def measure(command: list[str], extra: dict[str, str] | None = None) -> tuple[Run, str, str]:
    """Run one whole process; its wall time, peak RSS, stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if "TELEGRAM" not in k} | (extra or {})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(stderr.splitlines()[-20:])
        raise SystemExit(f"bench: {command[0]} exited {proc.returncode}:\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    # not wait4's ru_maxrss: Linux carries the pre-exec high-water mark across exec, i.e. this
    # bench's own RSS at the fork (the feeds it serves: 328 MB at 1,000 feeds, whatever the
    # child did); the child's own high-water mark (VmHWM) as last polled is its peak
    single = sampler.hwm_kb or usage.ru_maxrss
    return Run(seconds, cpu, single, sampler.peak_kb, ""), stdout, stderr


class TreeSampler:
    """The summed RSS of a process and its descendants (worker processes included), polled
    every 50 ms from /proc (Linux); nothing elsewhere."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb, self.hwm_kb = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        if not Path("/proc/self/status").exists():
            return
        while not self._stop.wait(0.05):
            sizes = [_memory_kb(pid) for pid in _tree(self.pid)]
            self.peak_kb = max(self.peak_kb, sum(rss for rss, _ in sizes))
            self.hwm_kb = max(self.hwm_kb, *(hwm for _, hwm in sizes), 0)


def _tree(root: int) -> list[int]:
    """`root` and every process descended from it, from /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process: now, and its high-water mark since its exec."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
    return int(found.get("VmRSS", 0)), int(found.get("VmHWM", 0))


def one_round(
    server: FeedServer,
    reader_python: Path | None,
    folder: Path,
    phases: tuple[str, ...] = PHASES,
    tools: tuple[str, ...] = TOOLS,
) -> dict[str, list[Run]]:
    urls = server.urls()
    config = write_config(folder, urls)
    (folder / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
    (folder / "reader_update.py").write_text(READER_SCRIPT, encoding="utf-8")
    reader_cmd = [
        str(reader_python or "reader-not-installed"),
        str(folder / "reader_update.py"),
        str(folder / "reader.sqlite"),
        str(folder / "urls.txt"),
    ]
    runs: dict[str, list[Run]] = {}
    commands = {"syndication": syndication_command(config), "reader": reader_cmd}
    envs = {"syndication": bytecode_env()}
    for phase in phases:
        server.mode = "plain" if phase == "same" else "validators"
        for tool in tools:
            command = commands[tool]
            before = (server.requests, server.not_modified, server.resets)
            run, stdout, stderr = measure(command, envs.get(tool))
            got, got304 = server.requests - before[0], server.not_modified - before[1]
            resets = server.resets - before[2]
            note = f"{got} requests, {got304} x 304, {resets} resets, "
            note += _outcome(tool, stdout, stderr)
            runs[f"{phase}/{tool}"] = [
                Run(run.seconds, run.cpu, run.max_rss_kb, run.tree_rss_kb, note)
            ]
            print(
                f"  {phase:5} {tool:12} {run.seconds:7.2f} s, cpu {run.cpu:6.2f} s, "
                f"{_mb(run)} ({note})",
                flush=True,  # progress shows when the output goes to a file
            )
    return runs


def _outcome(tool: str, stdout: str, stderr: str) -> str:
    if tool == "reader":
        data = json.loads(stdout.strip().splitlines()[-1])
        return f"{data['entries']} entries, {data['errors']} errors"
    cycle = re.search(r"sources=(\d+) failed=(\d+)", stderr)
    if cycle is None:
        return "no cycle line logged"
    first = re.search(r"status=error kind=(\S+) failures=\d+ error=(.{0,120})", stderr)
    why = f"; first error: {first.group(1)} {first.group(2)}" if first else ""
    return f"{cycle.group(2)} failed of {cycle.group(1)}{why}"


def _mb(run: Run) -> str:
    tree = f", tree {run.tree_rss_kb / 1024:.0f} MB" if run.tree_rss_kb else ""
    return f"peak {run.max_rss_kb / 1024:4.0f} MB{tree}"


def table(all_runs: dict[str, list[Run]], feeds: int, items: int, rounds: int) -> str:
    out = [
        f"{feeds} feeds x {items} items, median of {rounds} round(s), whole processes",
        "",
        "| phase | syndication | reader | reader / syndication | cpu: synd / reader / ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for phase in PHASES:
        synd, peer = all_runs.get(f"{phase}/syndication"), all_runs.get(f"{phase}/reader")
        if not synd and not peer:
            continue
        cells = [_cell(runs) for runs in (synd, peer)]
        ratio, cpu = (
            "-",
            " / ".join(f"{_cpu(runs):.2f} s" if runs else "-" for runs in (synd, peer)),
        )
        if synd and peer:
            ratio = f"**{_wall(peer) / _wall(synd):.2f}**"
            cpu += f" / {_cpu(peer) / _cpu(synd):.2f}"
        out.append(f"| {PHASE_NAMES[phase]} | {cells[0]} | {cells[1]} | {ratio} | {cpu} |")
    out += [
        f"note: {name}: {r.note}" for name, runs in all_runs.items() for r in runs if _failed(r)
    ]
    return "\n".join(out)


def _wall(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def _cpu(runs: list[Run]) -> float:
    return statistics.median(r.cpu for r in runs)


def _cell(runs: list[Run] | None) -> str:
    return f"{_wall(runs):.2f} s, {_peak(runs)}" if runs else "not run"


def _failed(run: Run) -> bool:
    """A run where a feed failed: its figures (and the next phase's) compare unlike work."""
    counts = re.findall(r"(\d+) (?:failed of|errors)", run.note)
    return any(int(n) for n in counts)


def _peak(runs: list[Run]) -> str:
    single = max(r.max_rss_kb for r in runs) / 1024
    tree = max(r.tree_rss_kb for r in runs) / 1024
    return f"{max(single, tree):.0f} MB peak"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--feeds", type=int, default=200)
    p.add_argument("--items", type=int, default=50)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reader-venv", type=Path, default=default_venv())
    p.add_argument("--phases", type=_names(PHASES), default=PHASES)
    p.add_argument("--tools", type=_names(TOOLS), default=TOOLS)
    args = p.parse_args(argv)
    if args.feeds < 1 or args.items < 1 or args.rounds < 1:
        p.error("--feeds, --items and --rounds must be at least 1")
    reader_python = ensure_reader(args.reader_venv) if "reader" in args.tools else None
    if "syndication" in args.tools:
        prime_bytecode()
    all_runs: dict[str, list[Run]] = {}
    with FeedServer(args.feeds, args.items) as server:
        size = statistics.mean(len(b) for b in server.bodies) / 1024
        print(f"bench: {args.feeds} feeds x {args.items} items, {size:.0f} KB each, {server.base}")
        for n in range(args.rounds):
            print(f"round {n + 1}/{args.rounds}", flush=True)
            folder = Path(tempfile.mkdtemp(prefix="bench-peer-"))
            try:
                done = one_round(server, reader_python, folder, args.phases, args.tools)
                for name, runs in done.items():
                    all_runs.setdefault(name, []).extend(runs)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    print()
    print(table(all_runs, args.feeds, args.items, args.rounds))
    return 0


def _names(allowed: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    """A comma-separated subset of `allowed`, in `allowed`'s order."""

    def parse(text: str) -> tuple[str, ...]:
        names = {n.strip() for n in text.split(",") if n.strip()}
        if not names or names - set(allowed):
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)}")
        return tuple(n for n in allowed if n in names)

    return parse


if __name__ == "__main__":
    sys.exit(main())
