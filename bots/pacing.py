"""Pacing below Telegram's flood limits: per chat and for the whole bot.

Limits are sliding windows over the times this process started a send:
  - per chat: at most one message per `chat_interval` seconds and `chat_per_minute` a minute;
  - per bot: at most `bot_per_second` messages in any second;
  - a chat answered with 429 is blocked for `retry_after`, and only that chat.
Telegram counts when a request arrives, which lies somewhere between the moment the pacer let
it go and the moment the answer came back (a busy pool or a slow network in between). So a
chat's slot is stamped at `acquire` and moved to the end of the request by `sent` (or use
`async with pacer.slot(chat)`): spacing measured from the answer can never be too short.
`slack` seconds are added to every window on top, for clocks that disagree a little.
The clock and the sleep are injected so tests can drive time by hand.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

Chat = Hashable


@dataclass(frozen=True)
class Limits:
    chat_interval: float = 1.0
    chat_per_minute: int = 20
    bot_per_second: int = 30
    slack: float = 0.05
    chat_window: float = 60.0  # the "minute" of chat_per_minute; shorter only in tests


@dataclass
class _ChatState:
    sent: deque[float] = field(default_factory=deque)  # start times within the last minute
    blocked_until: float = 0.0


class Pacer:
    """Decides when each chat may send next; `acquire` waits for that moment and claims it."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._sleep = sleep
        self._chats: dict[Chat, _ChatState] = {}
        self._bot_sent: deque[float] = deque()

    def free_at(self, chat: Chat) -> float:
        """The clock time at which `chat` may send (at or before now when it may send now)."""
        return max(self._chat_free_at(chat), self._bot_free_at())

    def delay(self, chat: Chat) -> float:
        """Seconds until `chat` may send; 0.0 when it may send now."""
        return max(0.0, self.free_at(chat) - self._clock())

    def next_ready(self, chats: Iterable[Chat]) -> tuple[Chat, float] | None:
        """The chat among `chats` that is free soonest and its delay (None if `chats` is empty)."""
        best: tuple[Chat, float] | None = None
        for chat in chats:
            wait = self.delay(chat)
            if best is None or wait < best[1]:
                best = (chat, wait)
        return best

    def try_acquire(self, chat: Chat) -> bool:
        """Claim a send slot for `chat` now if the limits allow; never waits."""
        now = self._clock()
        if self.free_at(chat) > now:
            return False
        self._record(chat, now)
        return True

    async def acquire(self, chat: Chat) -> None:
        """Wait until `chat` may send, then claim the slot."""
        while not self.try_acquire(chat):
            await self._sleep(self.delay(chat))

    def sent(self, chat: Chat) -> None:
        """The request holding `chat`'s latest slot has finished (any outcome): re-stamp it now."""
        state = self._state(chat)
        if state.sent:
            state.sent[-1] = max(state.sent[-1], self._clock())

    @asynccontextmanager
    async def slot(self, chat: Chat) -> AsyncIterator[None]:
        """`acquire` on entry, `sent` on exit: wrap exactly one request to `chat`."""
        await self.acquire(chat)
        try:
            yield
        finally:
            self.sent(chat)

    def remember(self, chat: Chat, ages: Iterable[float]) -> None:
        """Count sends to `chat` started `ages` seconds ago by someone else (e.g. another
        process that held the chat before): they use up its window like this pacer's own."""
        now = self._clock()
        started = [now - age for age in ages]
        if started:
            state = self._state(chat)
            state.sent = deque(sorted([*state.sent, *started]))

    def block(self, chat: Chat, seconds: float) -> None:
        """After a 429 for `chat`: nothing goes to it for `seconds` (plus slack)."""
        state = self._state(chat)
        until = self._clock() + seconds + self.limits.slack
        state.blocked_until = max(state.blocked_until, until)

    def _chat_free_at(self, chat: Chat) -> float:
        limits, state = self.limits, self._state(chat)
        self._expire(state.sent, limits.chat_window + limits.slack)
        free = state.blocked_until
        if state.sent:
            free = max(free, state.sent[-1] + limits.chat_interval + limits.slack)
        if len(state.sent) >= limits.chat_per_minute:
            oldest_counted = state.sent[len(state.sent) - limits.chat_per_minute]
            free = max(free, oldest_counted + limits.chat_window + limits.slack)
        return free

    def _bot_free_at(self) -> float:
        limits = self.limits
        self._expire(self._bot_sent, 1.0 + limits.slack)
        if len(self._bot_sent) < limits.bot_per_second:
            return float("-inf")
        return self._bot_sent[len(self._bot_sent) - limits.bot_per_second] + 1.0 + limits.slack

    def _record(self, chat: Chat, now: float) -> None:
        self._state(chat).sent.append(now)
        self._bot_sent.append(now)

    def _expire(self, sent: deque[float], window: float) -> None:
        horizon = self._clock() - window
        while sent and sent[0] <= horizon:
            sent.popleft()

    def _state(self, chat: Chat) -> _ChatState:
        return self._chats.setdefault(chat, _ChatState())


def minimum_schedule(count: int, limits: Limits) -> list[float]:
    """The earliest send times (from 0) of `count` messages to one chat under `limits`.

    Greedy earliest-first is optimal for sliding-window limits; without slack this is the
    least time Telegram's limits allow (used by the delivery benchmark).
    """
    times: list[float] = []
    for k in range(count):
        at = 0.0 if not times else times[-1] + limits.chat_interval
        if k >= limits.chat_per_minute:
            at = max(at, times[k - limits.chat_per_minute] + limits.chat_window)
        times.append(at)
    return times
