"""Publishing against plain feedgen: the same feeds built side by side in one run.

    .venv/bin/python bench/bench_publish.py [--scopes 100] [--items 50] [--rounds 3]
                                            [--listed-in 1] [--profile]

For `scopes` scopes of `items` entries each (generated stories with a body, two categories,
an author and an image; each story in one scope, or with --listed-in 4 in four, as a story is
in the service), the CPU seconds (process time: a loaded machine inflates it far less
than wall time) of the best round, and the median over the rounds of each one's ratio to
plain feedgen built in the same round, of:

- plain feedgen: a FeedGenerator per scope, every entry's fields set once, rss_str + atom_str
  written to files (no atomic replace): the floor a feedgen-based publisher cannot beat;
- ours, RSS + Atom: `feeds.render.render_feeds` written the same way (the same two feeds
  from one generator, with our fixes: hub link, own dates, advertorial labels, hex escapes);
- ours, publish: `feeds.publish`, what a cycle does per touched scope (RSS, Atom, JSON Feed,
  the HTML page, each written atomically only when its bytes changed, each folder synced once),
  first with every file new, then again with nothing changed: with the PublishMemo the
  service keeps (the inputs' digest tells the scope unchanged without rendering), and as a new
  process without one (every scope rendered and compared with the bytes on disk).
"""

from __future__ import annotations

import argparse
import copy
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feedgen.feed import FeedGenerator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feeds import Entry, Image, Scope, Site, publish
from feeds.model import category_scope
from feeds.render import render_feeds

try:
    from feeds.publish import PublishMemo
except ImportError:  # older code (PYTHONPATH=<a checkout of main>): compared without a memo
    PublishMemo = None  # type: ignore[assignment,misc]

SITE = Site(base_url="https://feeds.example.org/", title="Berita Kaltim", link="https://x.test/")
START = datetime(2024, 6, 1, tzinfo=UTC)
PARAGRAPH = (
    "<p>TENGGARONG – Pemkab Kukar melalui Dinas Pekerjaan Umum menggelar rapat koordinasi "
    "pembangunan jalan di Kecamatan Loa Kulu bersama warga desa &amp; tokoh adat.</p>"
)


def entries(scope: int, items: int) -> list[Entry]:
    return [story(scope, i, items) for i in range(items)]


def story(scope: int, i: int, items: int) -> Entry:
    return Entry(
        id=f"tag:feeds.example.org,2024-06-01:item/{scope * items + i}",
        title=f"Pemkab Kukar Gelar Rapat Pembangunan Jalan Nomor {i} di Loa Kulu",
        link=f"https://p{scope}.test/2024/06/berita-{i}/",
        published=START - timedelta(minutes=i),
        updated=START - timedelta(minutes=i),
        summary="Pemkab Kukar melalui Dinas Pekerjaan Umum menggelar rapat koordinasi " * 3,
        content_html=PARAGRAPH * 8,
        author="Redaksi",
        categories=(("pemerintah", "Pemerintah"), ("kutai-kartanegara", "Kukar")),
        image=Image(f"https://p{scope}.test/wp-content/uploads/{i}.jpg"),
    )


def scope_entries(scopes: int, items: int, listed_in: int) -> list[list[Entry]]:
    """Each scope's entries; with listed_in > 1 each story is listed by that many scopes (as in
    the service: all, its category, its regency, the pair), each scope holding its own equal
    copy (the service builds each scope's entries from its own rows). listed_in 1 gives
    every scope its own stories, `entries(scope, items)`."""
    stride = max(1, items // listed_in)
    pool = [story(k // items, k % items, items) for k in range(stride * scopes)]
    return [
        [copy.copy(pool[(s * stride + j) % len(pool)]) for j in range(items)] for s in range(scopes)
    ]


def plain_feedgen(scope: Scope, chosen: list[Entry], out: Path) -> None:
    """What a publisher written straight on feedgen does: the same fields, no fixes."""
    fg = FeedGenerator()
    fg.id(SITE.url(scope.path + ".atom"))
    fg.title(f"{scope.title} | {SITE.title}")
    fg.description(scope.description)
    fg.language(SITE.language)
    fg.author({"name": SITE.title})
    fg.link(href=SITE.url(scope.path + ".atom"), rel="self")
    fg.link(href=SITE.link, rel="alternate")
    fg.updated(max(e.updated for e in chosen))
    for entry in chosen:
        fe = fg.add_entry(order="append")
        fe.id(entry.id)
        fe.title(entry.title)
        fe.link(href=entry.link)
        fe.summary(entry.summary)
        fe.content(entry.content_html, type="html")
        fe.category([{"term": s, "label": n} for s, n in entry.categories])
        fe.author({"name": entry.author or ""})
        fe.published(entry.published)
        fe.updated(entry.updated)
        if entry.image is not None:
            fe.enclosure(entry.image.url, "0", "image/jpeg")
    (out / f"{scope.path}.rss").write_bytes(fg.rss_str(pretty=True))
    (out / f"{scope.path}.atom").write_bytes(fg.atom_str(pretty=True))


def ours_rss_atom(scope: Scope, chosen: list[Entry], out: Path) -> None:
    rss, atom = render_feeds(SITE, scope, chosen)
    (out / f"{scope.path}.rss").write_bytes(rss)
    (out / f"{scope.path}.atom").write_bytes(atom)


def each(
    build: Callable[[Scope, list[Entry], Path], None],
    data: list[tuple[Scope, list[Entry]]],
    out: Path,
) -> None:
    for scope, chosen in data:
        build(scope, chosen, out)


def cpu_of(run: Callable[[], object]) -> float:
    started = time.process_time()
    run()
    return time.process_time() - started


PLAIN = "plain feedgen (rss + atom)"


def one_round(data: list[tuple[Scope, list[Entry]]]) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    plain, ours, published = folder / "plain", folder / "ours", folder / "published"
    memo = {"memo": PublishMemo()} if PublishMemo is not None else {}
    try:
        for name in (plain, ours):
            (name / "category").mkdir(parents=True)
        return {
            PLAIN: cpu_of(lambda: each(plain_feedgen, data, plain)),
            "ours, rss + atom": cpu_of(lambda: each(ours_rss_atom, data, ours)),
            "ours, publish (4 files, new)": cpu_of(lambda: publish(SITE, published, data, **memo)),
            "ours, publish (unchanged)": cpu_of(lambda: publish(SITE, published, data, **memo)),
            "ours, publish (unchanged, no memo)": cpu_of(lambda: publish(SITE, published, data)),
        }
    finally:
        shutil.rmtree(folder)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scopes", type=int, default=100)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--listed-in", type=int, default=1, help="scopes listing each story")
    ap.add_argument("--profile", action="store_true", help="then cProfile both, one round")
    args = ap.parse_args()
    scopes = [category_scope(f"c{i}", f"Kategori {i}") for i in range(args.scopes)]
    data = list(zip(scopes, scope_entries(args.scopes, args.items, args.listed_in), strict=True))
    best: dict[str, float] = {}
    ratios: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        times = one_round(data)
        for name, value in times.items():
            best[name] = min(best.get(name, value), value)
            ratios.setdefault(name, []).append(value / times[PLAIN])
    print(
        f"{args.scopes} scopes x {args.items} items (each in {args.listed_in} scopes), "
        f"{args.rounds} rounds: best CPU s, and the "
        "median of each round's ratio to plain feedgen (both built in the same round)"
    )
    for name, value in best.items():
        print(f"  {name:36} {value:7.3f}  {statistics.median(ratios[name]):5.2f}x")
    if args.profile:
        profile(data)


def profile(data: list[tuple[Scope, list[Entry]]]) -> None:
    """Where plain feedgen's and our RSS + Atom time goes (cProfile, 15 costliest functions)."""
    import cProfile
    import pstats

    folder = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        for name, build in (("plain feedgen", plain_feedgen), ("ours, rss + atom", ours_rss_atom)):
            out = folder / name.split(",")[0].replace(" ", "-")
            (out / "category").mkdir(parents=True)
            profiler = cProfile.Profile()
            profiler.runcall(each, build, data, out)
            print(f"\n{name}:")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
