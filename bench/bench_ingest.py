"""Ingest benchmark: what a poll costs, on a fixture portal served on 127.0.0.1.

    .venv/bin/python bench/bench_ingest.py [--sources 300] [--items 50] [--db sqlite|URL]

Prints, for one 50-item feed: one bare feedparser parse, a full changed poll (fetch, parse,
normalize, store), an unchanged poll answered 304, an unchanged poll with the same bytes
(no validators); then hundreds of sources polled at once, first (new) and second (304) round.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syndication.config import Config, SourceConfig, loads
from syndication.fetch import Fetcher, FetchPolicy
from syndication.pipeline import poll_source
from syndication.runtime import Runtime
from syndication.store import open_store
from tests.conftest import CATEGORIES_TOML, gazetteer_toml
from tests.feedmaker import Post, rss
from tests.portal import Portal

BODY = (
    "<p>TENGGARONG, portal.test – Pemkab Kukar melalui Dinas Pekerjaan Umum menggelar rapat "
    "koordinasi pembangunan jalan di Kecamatan Loa Kulu bersama warga desa.</p>"
    "<p>Baca Juga : Bupati Kutim Resmikan Pasar Baru</p>"
    "<p>Rapat membahas jadwal pengerjaan dan pembebasan lahan. (adv/diskominfo/kukar)</p>"
)


START = datetime.now(UTC).replace(microsecond=0)


def feed(base: str, n: int, salt: str = "", newest: int = 0) -> bytes:
    """n posts, newest first, numbered newest..newest-n+1: a higher `newest` slides the window
    (one new post on top, the oldest falls off), as a portal's feed changes between polls."""
    now = START
    posts = [
        Post(
            f"berita-{salt}{i}",
            f"Pemkab Kukar Gelar Rapat Pembangunan Jalan Nomor {i} {salt}",
            now + timedelta(minutes=i - 2000),
            ["Advertorial", "Pemerintah"],
            BODY,
        )
        for i in range(newest, newest - n, -1)
    ]
    return rss(base, posts)


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.2f} ms"


async def poll_times(
    rt: Runtime, source: SourceConfig, portal: Portal, n: int, *, change: str, items: int
) -> list[float]:
    times = []
    for i in range(n):
        if change == "all":  # every entry new: the worst case
            portal.set(f"/{source.id}", feed(portal.url, items, salt=f"r{i}-"))
        elif change == "one":  # one new entry on top: the usual case
            portal.set(f"/{source.id}", feed(portal.url, items, newest=1000 + i))
        started = time.perf_counter()
        await poll_source(rt, source, force=True)
        times.append(time.perf_counter() - started)
    return times


def make_config(db: str, folder: Path) -> Config:
    url = f"sqlite:///{folder}/bench.sqlite3" if db == "sqlite" else db
    return loads(f'[storage]\nurl = "{url}"\n' + CATEGORIES_TOML + gazetteer_toml())


async def main_async(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    config = make_config(args.db, folder)
    store = open_store(config.database_url)
    portal = Portal().start()
    fetcher = Fetcher(FetchPolicy(user_agent="bench", per_host=8, concurrency=16))
    rt = Runtime(config, store, fetcher, "bench", lambda: datetime.now(UTC))
    try:
        body = feed(portal.url, args.items)
        parse = []
        for _ in range(20):
            started = time.perf_counter()
            feedparser.parse(body)
            parse.append(time.perf_counter() - started)
        one = SourceConfig(id="one", url=f"{portal.url}/one")
        same = SourceConfig(id="same", url=f"{portal.url}/same")
        store.sync_sources([(one.id, one.url), (same.id, same.url)])
        all_new = await poll_times(rt, one, portal, 10, change="all", items=args.items)
        one_new = await poll_times(rt, one, portal, 20, change="one", items=args.items)
        not_modified = await poll_times(rt, one, portal, 20, change="none", items=args.items)
        portal.set("/same", body, validators=False)
        await poll_source(rt, same, force=True)
        same_bytes = await poll_times(rt, same, portal, 20, change="none", items=args.items)

        many = [SourceConfig(id=f"s{i}", url=f"{portal.url}/s{i}") for i in range(args.sources)]
        for s in many:
            portal.set(f"/s{s.id[1:]}", feed(portal.url, 20, salt=f"{s.id}-"))
        store.sync_sources([(s.id, s.url) for s in many])
        rounds = []
        for _ in range(2):
            started = time.perf_counter()
            await asyncio.gather(*(poll_source(rt, s, force=True) for s in many))
            rounds.append(time.perf_counter() - started)
    finally:
        await fetcher.aclose()
        portal.stop()
    print(f"ingest benchmark ({args.items}-item feed, {config.database_url.split(':')[0]})")
    print(f"  feedparser.parse alone          {median_ms(parse)}")
    print(f"  changed poll, 1 new entry       {median_ms(one_new)}")
    print(f"  changed poll, all entries new   {median_ms(all_new)}")
    print(f"  unchanged poll, 304             {median_ms(not_modified)}")
    print(f"  unchanged poll, same bytes      {median_ms(same_bytes)}")
    n = args.sources
    for label, secs in zip(
        ("first round (all new)", "second round (all 304)"), rounds, strict=True
    ):
        print(f"  {n} sources, {label:<22} {secs:6.2f} s  = {n / secs * 60:8.0f} polls/min")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--db", default="sqlite", help="sqlite, or a postgresql+psycopg:// URL")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
