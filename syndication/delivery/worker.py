"""One chat's worker: hold the chat's send lease, send its due rows in order at its pace."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ..config import Config
from ..errors import StorageError
from ..store import DeliveryRow, Store
from ..store.store import ChatLease
from . import core
from .outcome import STOP_OUTCOMES, Counts, Outcome
from .send import Sending

log = logging.getLogger("syndication.deliver")
CHUNK = 5  # rows a chat worker leases at a time: a few seconds of its pace


class ChatWorkers(Sending):
    def __init__(self, config: Config, store: Store, clock: Callable[[], datetime], owner: str):
        super().__init__(config, store, clock, owner)
        # chat -> when this process last let it go: its pacer knows the chat's sends until then
        self._known: dict[str, datetime] = {}
        # bumped by each reload (reconfigure): rows leased under an older config are handed
        # back unsent, to meet the new one's chats and filters (_resettle)
        self.generation = 0

    async def _worker(self, chat: str, counts: Counts, *, probe: bool = False) -> None:
        """Serve `chat` while holding its send lease; leave it when another process has it."""
        lease = await asyncio.to_thread(self._take_chat, chat, self.clock())
        if lease is None:
            log.debug("event=chat_busy chat=%s", chat)
            return
        self._learn(chat, lease)
        try:
            await self._serve(chat, counts, probe=probe)
        finally:
            self._known[chat] = self.clock()  # before letting go: later sends are another's
            await asyncio.to_thread(self._let_go, chat)

    def _take_chat(self, chat: str, now: datetime) -> ChatLease | None:
        # this process's pacer already knows its own sends (until it last let the chat go)
        window = timedelta(seconds=self.pacer.limits.chat_window + 1.0)
        since = max(now - window, self._known.get(chat, now - window))
        return self.store.acquire_chat(chat, self.owner, now, core.LEASE, since=since)

    def _learn(self, chat: str, lease: ChatLease) -> None:
        """Pace from what the chat's previous holder did: its recent sends and any pause."""
        now = self.clock()
        self.pacer.remember(chat, [(now - sent).total_seconds() for sent in lease.sends])
        if lease.hold_until is not None:
            self.pacer.block(chat, (lease.hold_until - now).total_seconds())

    def _let_go(self, chat: str) -> None:
        try:
            self.store.release_chat(chat, self.owner)
        except StorageError as e:  # it expires within LEASE; this process may take it again
            log.error("event=chat_release_failed chat=%s error=%r", chat, str(e))

    async def _serve(self, chat: str, counts: Counts, *, probe: bool) -> None:
        """Send `chat`'s due rows in order at its pace, a few leased at a time, until none
        is due or the chat cannot go on (broken, migrated, no valid token, lease lost)."""
        while not self.stopped and not self.token_rejected:
            wait = self.pacer.delay(chat)
            if self.past_budget(chat, wait):
                return  # its rows wait, pending, for the next run (drain's budget)
            if wait > 0 and not await asyncio.to_thread(self._has_due, chat, probe):
                return  # nothing waits: let the chat go now rather than after its pace
            await self._pause(wait)  # wait first: lease only what is next
            if self.stopped:
                return
            held = await asyncio.to_thread(
                self.store.renew_chat, chat, self.owner, self.clock(), core.LEASE
            )
            if not held:  # this process stalled past LEASE and another took the chat over
                log.warning("event=chat_lease_lost chat=%s", chat)
                return
            generation = self.generation
            rows = await asyncio.to_thread(
                self.store.claim_deliveries,
                self.owner,
                self.clock(),
                core.LEASE,
                1 if probe else CHUNK,
                chat=chat,
                include_broken=probe,
            )
            if not rows:
                return
            if not await self._send_rows(chat, rows, counts, generation):
                return
            probe = False

    def _resettle(self) -> None:
        """Handed-back rows under the config now running: those of a chat it no longer names
        move to their regency's chat, and the filters decide again (as a reload does for the
        rows no sender held). Blocking: reads and writes the store."""
        config = self.config
        self.rehome()
        telegram = config.telegram
        self.store.refilter(
            config.editorial.reason, self.clock(), telegram.max_age, telegram.max_per_poll
        )

    def rehome(self) -> int:
        raise NotImplementedError  # the Deliverer's

    def _has_due(self, chat: str, probe: bool) -> bool:
        return probe or self.store.chat_has_due(chat, self.clock())

    async def _send_rows(
        self, chat: str, rows: list[DeliveryRow], counts: Counts, generation: int | None = None
    ) -> bool:
        """Deliver leased rows in order; False when the chat must stop for now. Rows leased
        before a reload (`generation` behind) go back unsent: the reload's move to a changed
        channel and its new filters skipped them as this sender's."""
        for i, row in enumerate(rows):
            if self.past_budget(chat, self.pacer.delay(chat)):
                await self._release(chat, [r.id for r in rows[i:]])
                return False
            await self._pause(self.pacer.delay(chat))
            if self.stopped or self.token_rejected:
                await self._release(chat, [r.id for r in rows[i:]])
                return False
            if generation is not None and generation != self.generation:
                await self._release(chat, [r.id for r in rows[i:]])
                await asyncio.to_thread(self._resettle)
                log.info("event=deliveries_resettled chat=%s rows=%d", chat, len(rows) - i)
                return False
            outcome = await self._deliver_one(row)
            counts[outcome] = counts.get(outcome, 0) + 1
            moved = chat in self._moved  # the rest is the new chat's, as is its send lease
            if outcome in STOP_OUTCOMES or moved:
                # hand back the rest untouched; after a retry the chat pauses (see _retry)
                await self._release(chat, [r.id for r in rows[i + 1 :]])
                return outcome == Outcome.RETRY and not moved
        return True
