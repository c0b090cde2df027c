"""Delivery benchmark through the whole Deliverer: store-backed queue (leases, per-chat
workers, pacing, recording message ids) -> real python-telegram-bot -> the fake Bot API.

    .venv/bin/python bench/bench_pipeline_delivery.py            # 300 messages, 10 chats, ~70 s
    .venv/bin/python bench/bench_pipeline_delivery.py --quick    # 100 messages, 10 chats, ~10 s
    .venv/bin/python bench/bench_pipeline_delivery.py --db postgresql://postgres@127.0.0.1/x

The fake enforces Telegram's per-chat limits (20 a minute, one a second) and answers 429
beyond them. The run prints the 429s (the goal is 0), the elapsed time, the least time the
limits allow (the slowest chat's greedy earliest schedule) and, per chat, the longest pause
between two of its messages beyond what its limits impose (a chat idling while others send
would show here).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from bots.pacing import Limits, minimum_schedule
from syndication.config import load
from syndication.delivery import Deliverer
from syndication.store import SourceSuccess, open_store
from syndication.types import Item
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram


def utcnow() -> datetime:
    return datetime.now(UTC)


def items(count: int) -> list[Item]:
    now = utcnow()
    return [
        Item(
            source_id="bench",
            entry_key=f"e{n}",
            url=f"https://portal.test/{n}/",
            url_key=f"portal.test/{n}",
            title=f"Berita pemerintah nomor {n}",
            title_key=f"berita pemerintah nomor {n}",
            summary="Ringkasan.",
            content_html="",
            author=None,
            published=now - timedelta(minutes=5),
            updated=now,
            categories=("pemerintah",),
            regencies=("kukar",),
            advertorial=False,
            content_hash=f"h{n}",
        )
        for n in range(count)
    ]


def fill(db_url: str, config_path: Path, count: int, chats: int) -> None:
    """Queue `count` deliveries, round-robin over `chats` chats, as ingest would."""
    config = load(config_path)
    store = open_store(config.database_url)
    store.sync_sources([("bench", "https://portal.test/feed/")])
    ok = SourceSuccess(None, None, None, 200, utcnow())
    batch = items(count)
    chat_of = {it.entry_key: f"@bench_chat{k % chats}" for k, it in enumerate(batch)}
    store.ingest("bench", batch, utcnow(), ok, route=lambda it: [("kukar", chat_of[it.entry_key])],
                 announce=lambda _: True)  # fmt: skip
    store.engine.dispose()


async def drain(config_path: Path) -> tuple[dict[str, int], float]:
    config = load(config_path)
    store = open_store(config.database_url)
    deliverer = Deliverer(config, store, utcnow, owner="bench:1")
    start = time.monotonic()
    try:
        counts = await deliverer.drain(horizon=timedelta(seconds=120))
    finally:
        await deliverer.aclose()
        store.engine.dispose()
    return counts, time.monotonic() - start


def least_time(count: int, chats: int) -> float:
    limits = Limits(chat_interval=1.0, chat_per_minute=20, slack=0.0)
    per_chat = [count // chats + (1 if i < count % chats else 0) for i in range(chats)]
    return max(minimum_schedule(n, limits)[-1] for n in per_chat if n)


def worst_idle(fake: FakeTelegram) -> float:
    """The longest gap between two messages of one chat beyond what its limits require."""
    worst = 0.0
    by_chat: dict[int, list[float]] = {}
    for m in fake.messages:
        by_chat.setdefault(m.chat_id, []).append(m.at)
    for times in by_chat.values():
        for k in range(1, len(times)):
            allowed = times[k - 1] + 1.0
            if k >= 20:
                allowed = max(allowed, times[k - 20] + 60.0)
            worst = max(worst, times[k] - allowed)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="100 messages (about 10 s)")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    if args.quick:
        args.messages = 100
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeTelegram(per_minute=20, min_interval=1.0) as fake,
    ):
        db_url = args.db or f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["SYNDICATION_TEST_TOKEN"] = fake.token
        source = '[[sources]]\nid = "bench"\nurl = "https://portal.test/feed/"\n'
        path = write_config(Path(tmp) / "config.toml", db_url=db_url, api_url=fake.url,
                            sources=source)  # fmt: skip
        fill(db_url, path, args.messages, args.chats)
        counts, elapsed = asyncio.run(drain(path))
        minimum = least_time(args.messages, args.chats)
        rows = [
            ("messages sent", f"{len(fake.messages)} / {args.messages}"),
            ("chats", str(args.chats)),
            ("outcomes", str(counts)),
            ("429 answers", str(fake.flood_count)),
            ("elapsed (s)", f"{elapsed:.2f}"),
            ("least allowed (s)", f"{minimum:.2f}"),
            ("overhead (s)", f"{elapsed - minimum:.2f}"),
            ("worst idle gap (s)", f"{worst_idle(fake):.2f}"),
        ]
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
