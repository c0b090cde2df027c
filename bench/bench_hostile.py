"""CPU time of hostile shapes at growing sizes (issue 10): nesting and repetition that were
quadratic in normalization and HTML extraction.

    .venv/bin/python bench/bench_hostile.py [--budget 30] [--repo PATH] [--only TEXT]

Each case runs in a fresh interpreter and prints the CPU seconds (process time) of the work
alone; a shape stops growing once a size takes longer than --budget seconds of wall time (the
case is killed and shown as "> budget"). --repo runs the same cases against another checkout
(for example `git worktree add /tmp/old main`), to print before and after side by side.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> (sizes, setup building `work` from n; `work()` is what is timed)
SHAPES: dict[str, tuple[tuple[int, ...], str]] = {
    "entry: nested <div>s": (
        (1_000, 4_000, 16_000, 64_000, 100_000),
        """
        from syndication.normalize import clean_content
        body = "<div>" * n + "Tenggarong" + "</div>" * n
        work = lambda: clean_content(body, "https://x.id/")
        """,
    ),
    "entry: nested <blockquote>s": (
        (1_000, 4_000, 16_000, 64_000),
        """
        from syndication.normalize import clean_content
        body = "<blockquote>" * n + "Tenggarong" + "</blockquote>" * n
        work = lambda: clean_content(body, "https://x.id/")
        """,
    ),
    "entry: a run of &#160;": (
        (25_000, 100_000, 400_000, 1_600_000),
        """
        from syndication.normalize import clean_content
        body = "<p>Pemkab Kukar rapat." + "&#160;" * n + "</p>"
        work = lambda: clean_content(body, "https://x.id/")
        """,
    ),
    "entry: a run of NBSP characters": (
        (50_000, 200_000, 800_000, 3_200_000),
        """
        from syndication.normalize import clean_content
        body = "<p>Pemkab Kukar rapat." + "\\u00a0" * n + "</p>"
        work = lambda: clean_content(body, "https://x.id/")
        """,
    ),
    "entry: hashtags": (
        (5_000, 20_000, 80_000, 160_000),
        """
        from syndication.normalize.classify import classify
        text = "TENGGARONG - Pemkab Kukar rapat. " + "#info " * n
        work = lambda: classify("Pemkab Kukar", text, None, None, (), (), None, ctx)
        """,
    ),
    "entry: .go.id hosts and kecamatan": (
        (5_000, 20_000, 80_000),
        """
        from syndication.normalize.classify import classify
        text = "Pemkab Kukar. " + "lihat kukarkab.go.id dan Kecamatan Damai, " * n
        work = lambda: classify("Pemkab Kukar", text, None, None, (), (), None, ctx)
        """,
    ),
    "places.find: hashtags, whole text": (
        (5_000, 20_000, 80_000, 160_000),
        """
        from syndication.normalize.places import find, gazetteer
        text = "Pemkab Kukar rapat. " + "#info " * n
        gaz = gazetteer(ctx)
        work = lambda: find(text, gaz)
        """,
    ),
    "html: article in nested <div>s": (
        (1_000, 4_000, 16_000, 64_000),
        """
        from syndication.sources.html import extract_article
        page = (
            "<html><head><title>Pemkab Kukar Rapat</title></head><body><article>"
            "<h1>Pemkab Kukar Rapat</h1><div class='entry-content'>" + "<div>" * n
            + "<p>TENGGARONG - Pemkab Kukar rapat di Tenggarong hari ini bersama warga.</p>"
            + "</div>" * n + "</div></article></body></html>"
        )
        import trafilatura  # its import is start-up, not the page's work
        work = lambda: extract_article(page, "https://x.id/berita/a/", source_id="s")
        """,
    ),
    "html: listing in nested <div>s": (
        (1_000, 4_000, 16_000, 64_000),
        """
        from syndication.sources.html import extract_titled_links
        links = "".join(
            f"<h2><a href='/berita/2024/11/{i}/judul-berita-nomor-{i}/'>Judul berita nomor {i} "
            "di Kukar</a></h2>" for i in range(20)
        )
        page = "<html><body>" + "<div>" * n + links + "</div>" * n + "</body></html>"
        work = lambda: extract_titled_links(page, "https://x.id/")
        """,
    ),
    "html: links in <nav>, 250 levels deep": (
        (2_000, 8_000, 32_000),
        """
        from syndication.sources.html import extract_titled_links
        page = (
            "<html><body><nav>" + "<div>" * 250 + "<a href='/x/'>x</a>" * n + "</div>" * 250
            + "</nav></body></html>"
        )
        work = lambda: extract_titled_links(page, "https://x.id/")
        """,
    ),
    "feed: unclosed tags in an item (refused past its bounds)": (
        (10_000, 90_000, 200_000, 2_000_000),
        """
        from syndication.errors import ParseError
        from syndication.sources.feed import parse_feed
        body = (b"<rss version='2.0'><channel><item><title>x</title><description>"
                + b"<x>" * n + b"</description></item></channel></rss>")
        def work():
            try:
                parse_feed(body, "s", "https://x.id/feed/")
            except ParseError:  # past MAX_ELEMENTS or MAX_MARKUP: refused, as it should be
                pass
        """,
    ),
}

PRELUDE = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from syndication.config import load
ctx = load(Path({repo!r}) / "config.toml").normalize_context()
n = {n}
"""
TIMED = """
start = time.process_time()
work()
print(f"{time.process_time() - start:.3f}")
"""


def run_case(repo: Path, setup: str, n: int, budget: float) -> str:
    code = PRELUDE.format(repo=str(repo), n=n) + textwrap.dedent(setup) + TIMED
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=budget, cwd=repo
        )
    except subprocess.TimeoutExpired:
        return f"> {budget:.0f}"
    if done.returncode != 0:
        return "error: " + (done.stderr.strip().splitlines() or ["?"])[-1][:60]
    return done.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=30.0, help="wall seconds per case")
    ap.add_argument("--repo", type=Path, default=None, help="another checkout, side by side")
    ap.add_argument("--only", default="", help="shapes whose name contains this")
    args = ap.parse_args()
    repos = [("this", ROOT)] + ([("other", args.repo.resolve())] if args.repo else [])
    print(f"{'shape':36} {'n':>8} " + " ".join(f"{name + ' (s cpu)':>16}" for name, _ in repos))
    over = {name: False for name, _ in repos}
    for shape, (sizes, setup) in SHAPES.items():
        if args.only not in shape:
            continue
        over = dict.fromkeys(over, False)
        for n in sizes:
            cells = []
            for name, repo in repos:
                if over[name]:
                    cells.append(f"{'-':>16}")
                    continue
                started = time.monotonic()
                result = run_case(repo, setup, n, args.budget)
                over[name] = result.startswith(">") or time.monotonic() - started > args.budget
                cells.append(f"{result:>16}")
            print(f"{shape:36} {n:>8} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
