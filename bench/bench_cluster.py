"""What more `syndication run` processes on one database buy: polls a minute and delivery time.

    .venv/bin/python bench/bench_cluster.py                 # 1, 2, 3 on PostgreSQL; 1 on SQLite
    .venv/bin/python bench/bench_cluster.py --feeds 100 --instances 1,2

Each row starts N daemons on a fresh database over the same FEEDS sources on the fixture portal
(10 stories each, interval 3 s) and the fake Bot API, then measures:
- cold: the first round, every story new (polls a minute = FEEDS / time until all are done);
- warm: every source answered 304, polls a minute over WARM seconds (the demand is FEEDS every
  3 s: a figure below it means the processes cannot keep up);
- delivery: 40 fresh stories, 20 to each of two chats, from the moment they appear on the
  portal until the last message arrives, against the least time Telegram's per-chat limits
  allow. Telegram's minute is scaled down tenfold (`pace_window`, the fake's window), as in
  tests/test_cluster.py, so the run takes minutes, not hours.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from bots.pacing import Limits, minimum_schedule
from syndication.store import schema as t
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import running_portal
from tests.test_cluster import free_port, start, story

WINDOW = 6.0  # Telegram's minute, scaled down tenfold
WARM = 20.0
FRESH = 40
CHATS = {"kukar": "@kabar_kukar", "kutim": "@kabar_kutim"}


def fresh_db(base: str) -> str:
    """A new empty database on the PostgreSQL server at `base`."""
    name = f"bench_cluster_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base}/{name}"


def stories(f: int, prefix: str, count: int, regency: str) -> list[Post]:
    return [
        story(f"{prefix}-{f}-{k}", regency, f"Pemkab Kabar {prefix} {f:03d} {k:02d}", 60 + k)
        for k in range(count)
    ]


def configs(
    folder: Path, db_url: str, portal: Any, fake: FakeTelegram, n: int, feeds: int
) -> list[Path]:
    sources = "".join(
        f'[[sources]]\nid = "feed{f:03d}"\nurl = "{portal.url}/feed/{f}/"\ninterval = "3s"\n'
        for f in range(feeds)
    )
    paths = []
    for k in range(n):
        sub = folder / f"instance{k}"
        sub.mkdir()
        path = write_config(sub / "config.toml", db_url=db_url, api_url=fake.url, chats=CHATS,
                            sources=sources, server=True, port=free_port())  # fmt: skip
        body = path.read_text().replace(
            'max_age = "24h"', f'max_age = "24h"\npace_window = "{WINDOW:g}s"'
        )
        path.write_text(body)
        paths.append(path)
    return paths


def wait(check: object, seconds: float) -> float:
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        if time.monotonic() - started > seconds:
            raise SystemExit("timed out")
        time.sleep(0.05)
    return time.monotonic() - started


def one_row(db_url: str, n: int, feeds: int) -> dict[str, float]:
    engine = create_engine(db_url)
    s = t.sources.c
    with tempfile.TemporaryDirectory() as tmp, running_portal() as portal, FakeTelegram(
        per_minute=20, min_interval=1.0, window=WINDOW
    ) as fake:  # fmt: skip
        for f in range(feeds):
            portal.set(f"/feed/{f}/", rss(portal.url, stories(f, "lama", 10, "kukar")))
        procs = [start(p, fake.token) for p in configs(Path(tmp), db_url, portal, fake, n, feeds)]
        try:
            done = select(func.count()).where(s.first_poll_done.is_(True))

            def cold_done() -> bool:
                try:
                    with engine.connect() as conn:
                        return conn.execute(done).scalar() == feeds
                except Exception:  # still migrating
                    return False

            t0 = time.monotonic()
            wait(cold_done, 900)
            cold = time.monotonic() - t0
            time.sleep(5)  # the first round's stragglers
            before = len(portal.hits)
            time.sleep(WARM)
            warm = (len(portal.hits) - before) / WARM * 60
            fresh: dict[int, list[Post]] = {f: [] for f in range(feeds)}
            for k in range(FRESH):
                regency = "kukar" if k % 2 == 0 else "kutim"
                title = f"Pemkab Resmikan Proyek Baru {k:03d}"
                fresh[k % feeds].append(story(f"baru-{k}", regency, title, 5))
            for f, posts in fresh.items():
                if posts:
                    portal.set(
                        f"/feed/{f}/", rss(portal.url, posts + stories(f, "lama", 10, "kukar"))
                    )
            t1 = time.monotonic()
            wait(lambda: len(fake.messages) >= FRESH, 900)
            delivery = time.monotonic() - t1
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(60)
    engine.dispose()
    least = minimum_schedule(FRESH // 2, Limits(chat_window=WINDOW))[-1]
    return {"cold": feeds / cold * 60, "warm": warm, "delivery": delivery, "least": least}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--instances", default="1,2,3")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    rows = [
        (f"{n} on PostgreSQL", fresh_db(args.pg), n) for n in map(int, args.instances.split(","))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            rows.append(("1 on SQLite", f"sqlite:///{tmp}/bench.db", 1))
        print(f"{args.feeds} feeds, interval 3 s (demand {args.feeds * 20} polls/min); "
              f"{FRESH} messages to 2 chats, Telegram's minute scaled to {WINDOW:g} s")  # fmt: skip
        print("| processes | cold polls/min | warm polls/min | delivery | Telegram's least |")
        print("| --- | --- | --- | --- | --- |")
        for label, url, n in rows:
            r = one_row(url, n, args.feeds)
            print(f"| {label} | {r['cold']:.0f} | {r['warm']:.0f} | {r['delivery']:.1f} s "
                  f"| {r['least']:.1f} s |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
