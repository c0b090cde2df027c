"""Delivery benchmark: many messages to a few chats through the fake Bot API, paced.

    .venv/bin/python bench/bench_delivery.py                       # 300 messages, 10 chats, 20/min
    .venv/bin/python bench/bench_delivery.py --messages 60 --chats 3 --per-minute 60

The fake enforces the same per-chat limits as Telegram (N a minute, one a second) and answers
429 beyond them. The run reports the 429s (the goal is 0), the elapsed time, and the least
time the limits allow: per chat, greedy earliest sends (k-th at max(previous + interval,
(k - N)-th + 60 s)), the slowest chat deciding.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from bots.errors import RetryAfter
from bots.message import Message
from bots.pacing import Limits, Pacer, minimum_schedule
from bots.telegram import TelegramSender
from tests.fakes.telegram_api import FakeTelegram


@dataclass(frozen=True)
class Result:
    sent: int
    floods: int
    elapsed: float
    minimum: float


async def deliver(args: argparse.Namespace, fake: FakeTelegram) -> tuple[int, float]:
    limits = Limits(chat_interval=args.interval, chat_per_minute=args.per_minute)
    pacer = Pacer(limits)
    chats = [f"@chat{k}" for k in range(args.chats)]
    queues = {chat: [f"pesan {n} untuk {chat}" for n in range(n_for(args, i))]
              for i, chat in enumerate(chats)}  # fmt: skip
    retries = 0
    async with TelegramSender(fake.token, fake.url, pool_size=args.chats) as sender:

        async def one_chat(chat: str) -> None:
            nonlocal retries
            for text in queues[chat]:
                while True:
                    try:
                        async with pacer.slot(chat):
                            await sender.send(chat, Message("text", text))
                        break
                    except RetryAfter as flood:  # should not happen; counted if it does
                        retries += 1
                        pacer.block(chat, flood.seconds)

        start = time.monotonic()
        await asyncio.gather(*(one_chat(chat) for chat in chats))
        return retries, time.monotonic() - start


def n_for(args: argparse.Namespace, index: int) -> int:
    """Messages for chat `index`: spread as evenly as possible."""
    base, extra = divmod(int(args.messages), int(args.chats))
    return base + (1 if index < extra else 0)


def least_time(args: argparse.Namespace) -> float:
    limits = Limits(chat_interval=args.interval, chat_per_minute=args.per_minute, slack=0.0)
    return max(minimum_schedule(n_for(args, i), limits)[-1] for i in range(args.chats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--per-minute", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a chat's")
    args = parser.parse_args()
    fake = FakeTelegram(per_minute=args.per_minute, min_interval=args.interval).start()
    try:
        retries, elapsed = asyncio.run(deliver(args, fake))
    finally:
        fake.stop()
    result = Result(len(fake.messages), fake.flood_count, elapsed, least_time(args))
    assert retries == result.floods
    print_table(args, result)


def print_table(args: argparse.Namespace, r: Result) -> None:
    rows = [
        ("messages sent", f"{r.sent} / {args.messages}"),
        ("chats", str(args.chats)),
        ("limits per chat", f"{args.per_minute}/min, 1 per {args.interval:g}s"),
        ("429 answers", str(r.floods)),
        ("elapsed (s)", f"{r.elapsed:.2f}"),
        ("least allowed (s)", f"{r.minimum:.2f}"),
        ("overhead (s)", f"{r.elapsed - r.minimum:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
