"""bots.pacing: limits checked on a hand-driven clock, then briefly on the real one."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator

import pytest

from bots.errors import RetryAfter
from bots.message import Message
from bots.pacing import Limits, Pacer, minimum_schedule
from bots.telegram import TelegramSender
from tests.fakes.telegram_api import FakeTelegram


class FakeClock:
    """Monotonic time that moves only when a coroutine sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def pacer(clock: FakeClock, **limits: float) -> Pacer:
    return Pacer(Limits(**{"slack": 0.0, **limits}), clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]


async def times_of(clock: FakeClock, p: Pacer, chats: list[str]) -> list[float]:
    start, out = clock.now, []
    for chat in chats:
        await p.acquire(chat)
        out.append(round(clock.now - start, 6))
    return out


async def test_one_chat_one_per_second_and_twenty_per_minute() -> None:
    clock = FakeClock()
    got = await times_of(clock, pacer(clock), ["@a"] * 30)
    assert got == [float(k) for k in range(20)] + [60.0 + k for k in range(10)]
    assert got == minimum_schedule(30, Limits())


def test_minimum_schedule_for_the_benchmark() -> None:
    assert minimum_schedule(30, Limits())[-1] == 69.0
    assert minimum_schedule(45, Limits())[-1] == 124.0  # 20 at 0..19, 20 at 60..79, 5 at 120..
    assert minimum_schedule(20, Limits(chat_per_minute=60, chat_interval=1.0))[-1] == 19.0


async def test_chats_do_not_wait_for_each_other() -> None:
    clock = FakeClock()
    got = await times_of(clock, pacer(clock), ["@a", "@b", "@c", "@a", "@b"])
    assert got == [0.0, 0.0, 0.0, 1.0, 1.0]


async def test_whole_bot_thirty_per_second() -> None:
    clock = FakeClock()
    chats = [f"@c{k}" for k in range(45)]
    got = await times_of(clock, pacer(clock), chats)
    assert got[:30] == [0.0] * 30 and got[30:] == [1.0] * 15


async def test_block_delays_only_that_chat() -> None:
    clock = FakeClock()
    p = pacer(clock)
    p.block("@a", 7)
    assert p.delay("@a") == 7.0 and p.delay("@b") == 0.0
    assert p.next_ready(["@a", "@b"]) == ("@b", 0.0)
    assert not p.try_acquire("@a") and p.try_acquire("@b")
    await p.acquire("@a")
    assert clock.now == 1007.0
    p.block("@b", 1)
    p.block("@b", 0.5)  # a shorter block never shortens a longer one
    assert p.delay("@b") == 1.0


async def test_slack_widens_every_window() -> None:
    clock = FakeClock()
    p = pacer(clock, slack=0.25)
    await p.acquire("@a")
    assert p.delay("@a") == 1.25


def test_next_ready_empty() -> None:
    assert pacer(FakeClock()).next_ready([]) is None


async def test_real_clock_short_windows() -> None:
    limits = Limits(chat_interval=0.05, chat_per_minute=4, chat_window=0.4, slack=0.01)
    p = Pacer(limits)
    start = time.monotonic()
    stamps = []
    for _ in range(6):
        await p.acquire("@a")
        stamps.append(time.monotonic() - start)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    # spaced from the pacer's own marks: a stamp taken after the wake-up may lag its mark by
    # the loop's jitter (0.047 s seen on a loaded machine), so a gap may look that much short;
    # no upper bound (a loaded machine may be slow, which is no pacing fault)
    assert min(gaps) >= 0.04
    assert stamps[4] - stamps[0] >= 0.4 - 0.01  # the fifth waits for the window


@pytest.fixture
def strict_fake() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(per_minute=3, min_interval=0.1, window=0.6)
    fake.start()
    yield fake
    fake.stop()


async def test_real_run_through_fake_has_no_429(strict_fake: FakeTelegram) -> None:
    limits = Limits(chat_interval=0.1, chat_per_minute=3, chat_window=0.6, slack=0.03)
    p = Pacer(limits)
    async with TelegramSender(strict_fake.token, strict_fake.url) as bot:

        async def one_chat(chat: str) -> None:
            for k in range(5):
                async with p.slot(chat):
                    await bot.send(chat, Message("text", f"pesan {k}"))

        await asyncio.gather(*(one_chat(f"@c{k}") for k in range(3)))
    assert strict_fake.flood_count == 0 and len(strict_fake.messages) == 15


async def test_unpaced_burst_is_refused_by_the_fake(strict_fake: FakeTelegram) -> None:
    async with TelegramSender(strict_fake.token, strict_fake.url) as bot:
        await bot.send("@c", Message("text", "satu"))
        with pytest.raises(RetryAfter):
            await bot.send("@c", Message("text", "dua"))


async def test_slot_measures_spacing_from_the_answer() -> None:
    clock = FakeClock()
    p = pacer(clock)
    async with p.slot("@a"):
        await clock.sleep(0.4)  # the request took 0.4 s: Telegram may have counted it late
    assert p.delay("@a") == 1.0
    with pytest.raises(RuntimeError):
        async with p.slot("@a"):
            raise RuntimeError("send failed")
    assert clock.now == 1001.4 and p.delay("@a") == 1.0  # re-stamped even on failure
