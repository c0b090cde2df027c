"""CPU cost of one html-source poll: a listing with 20 new real article pages.

    .venv/bin/python bench/bench_listing.py [--articles 20] [--rounds 3] [--profile]

The real pages of tests/data/real/articles/ are served by a separate `http.server` process on
127.0.0.1 (its CPU is not ours), behind a plain listing page. A first poll stores one article
(the source's baseline, and every import warmed up); then the listing shows `--articles` new
ones and the next poll is measured: process CPU time (all threads: fetching, extraction,
normalization, the store) and wall time; the best and the median round are printed. Each
round starts from a fresh SQLite database. The issue's bound: under 1 s of CPU for 20 articles.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syndication.config import load
from syndication.pipeline import poll_source
from syndication.service import build_app
from tests.real_pages import REAL, Truth, load_truth

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "bench-listing"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def article_path(name: str) -> str:
    return f"/berita/2019/11/{name}-kabar-terbaru-hari-ini.html"


def write_listing(site: Path, base: str, pages: list[Truth]) -> None:
    """The listing shows each page's own headline (another wording is read as a correction)."""
    rows = "".join(
        f'<li class="item"><h2><a href="{base}{article_path(t.name)}">{escape(t.title)}</a>'
        "</h2></li>\n"
        for t in pages
    )
    page = f"<html><head><title>Berita</title></head><body><ul>{rows}</ul></body></html>"
    path = site / "index.html"
    before = path.stat().st_mtime if path.exists() else 0.0
    path.write_text(page, encoding="utf-8")
    # http.server answers If-Modified-Since to the second: a listing changed within the same
    # second would be "304 Not Modified"
    stamp = max(time.time(), before + 2)
    os.utime(path, (stamp, stamp))


def write_site(site: Path, pages: list[Truth]) -> None:
    for truth in pages:
        target = site / article_path(truth.name).lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REAL / "articles" / f"{truth.name}.html", target)


def write_config(folder: Path, url: str, articles: int) -> Path:
    """The repo's categories and gazetteer, one html source, SQLite in `folder`."""
    shipped = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    lines = [
        "[storage]",
        f"url = {json.dumps('sqlite:///' + str(folder / 'bench.sqlite3'))}",
        "[feeds]",
        f"output_dir = {json.dumps(str(folder / 'public'))}",
        "[server]",
        "enabled = false",
        "[telegram]",
        'token_env = "SYNDICATION_BENCH_NO_TOKEN"',
    ]
    for table in ("categories", "regencies"):
        for entry in shipped.get(table, []):
            lines.append(f"[[{table}]]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in entry.items() if k != "telegram_chat"]
    lines += ["[[sources]]", f'id = "{SOURCE}"', f'url = "{url}"', 'kind = "html"']
    lines.append(f"max_articles = {articles}")
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def one_round(
    folder: Path, site: Path, base: str, pages: list[Truth], profile: cProfile.Profile | None
) -> tuple[float, float, str]:
    """(CPU seconds, wall seconds, outcome) of the poll that finds len(pages) - 1 new ones."""
    config = load(write_config(folder, base + "/", len(pages) - 1))
    source = config.sources[0]
    write_listing(site, base, pages[:1])
    app = await build_app(config)
    if profile is not None:
        app.runtime.cpu = None  # everything on this thread, where cProfile sees it
    try:
        first = await poll_source(app.runtime, source, force=True)
        assert first.status == "new", first
        write_listing(site, base, pages)
        if profile is not None:
            profile.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        outcome = await poll_source(app.runtime, source, force=True)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profile is not None:
            profile.disable()
    finally:
        await app.aclose()
    result = outcome.result
    said = f"{outcome.status}: {outcome.entries} entries, {result.new if result else 0} new"
    return cpu, wall, said + (f", error {outcome.error}" if outcome.error else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the measured polls (extraction then runs on the loop's thread, as cProfile"
        " sees one thread only: slower than the figures without it)",
    )
    args = parser.parse_args()
    pages = load_truth()[: args.articles + 1]
    if len(pages) <= args.articles:
        raise SystemExit(f"bench: the corpus has {len(pages)} pages, {args.articles + 1} needed")
    profile = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory(prefix="bench-listing-") as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        write_site(site, pages)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=site,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(port)
            base = f"http://127.0.0.1:{port}"
            results = []
            for n in range(args.rounds):
                folder = Path(tmp) / f"round-{n}"
                folder.mkdir()
                results.append(asyncio.run(one_round(folder, site, base, pages, profile)))
        finally:
            server.terminate()
            server.wait()
    print(f"one poll of a listing with {args.articles} new real article pages (127.0.0.1)")
    for cpu, wall, said in results:
        print(f"  CPU {cpu:.3f} s   wall {wall:.3f} s   ({said})")
    cpus = sorted(cpu for cpu, _, _ in results)
    best, median = cpus[0], statistics.median(cpus)
    print(f"  best CPU {best:.3f} s = {best / args.articles * 1000:.0f} ms per article")
    print(f"  median CPU {median:.3f} s of {len(cpus)} rounds")
    if profile is not None:
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(60)
    return 0


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"bench: the page server on port {port} did not start")


if __name__ == "__main__":
    raise SystemExit(main())
