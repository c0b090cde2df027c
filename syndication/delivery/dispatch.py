"""The dispatcher: which chats have due rows no other process holds? | one worker per chat."""

from __future__ import annotations

import asyncio
import logging
import time as monotonic_time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta

from ..config import Config
from ..errors import StorageError
from ..liveness import is_dead
from ..store import Store
from ..store.records import migration_chain
from ..store.status import DELIVERY_MODE
from . import core
from .core import limits, telegram_sender
from .dry import DryRun
from .outcome import Counts, Outcome, new_counts
from .send import NOT_ANNOUNCED, announced_in
from .worker import ChatWorkers

log = logging.getLogger("syndication.deliver")
POLL = 1.0  # seconds between looks for newly due chats while workers run
BROKEN_RECHECK = timedelta(minutes=10)  # a broken channel is tried again after this


class Deliverer(ChatWorkers):
    def __init__(self, config: Config, store: Store, clock: Callable[[], datetime], owner: str):
        super().__init__(config, store, clock, owner)
        self._dry = DryRun(store, self.owner, clock)
        self._new_endpoint = False
        self._probed: dict[str, float] = {}  # broken chat -> monotonic time of the last probe
        self._probe_before: datetime | None = None

    @property
    def dry(self) -> bool:
        """No token: messages are rendered and logged once, never sent."""
        return self.sender is None and not self._new_endpoint

    async def aclose(self) -> None:
        if self.sender is not None:
            await self.sender.close()

    def reconfigure(self, config: Config) -> None:
        """Take a reloaded config: pacing applies at once, a new token or api_url from the
        next drain on (the bot client is rebuilt between drains, never under a request)."""
        self.config = config
        self.generation += 1  # rows a worker leased before this go back (_send_rows)
        new = limits(config.telegram)
        if new != self.pacer.limits:
            self.pacer.limits = new  # what it knows of recent sends still counts
            log.info("event=telegram_reconfigured what=pacing limits=%r", new)
        endpoint = (config.token(), config.telegram.api_url)
        if endpoint != self._endpoint:
            self._endpoint = endpoint
            self._new_endpoint = True
            log.info(
                "event=telegram_reconfigured what=bot_client api_url=%s token=%s",
                endpoint[1],
                "set" if endpoint[0] else "none (dry run)",
            )

    async def _switch_endpoint(self) -> None:
        if not self._new_endpoint:
            return
        self._new_endpoint = False
        old, (token, api_url) = self.sender, self._endpoint
        self.sender = telegram_sender(token, api_url) if token else None
        self.token_rejected = False
        if old is not None:
            await old.close()

    async def drain(
        self,
        *,
        horizon: timedelta = timedelta(seconds=90),
        probe_broken: bool = False,
        budget: timedelta | None = None,
    ) -> Counts:
        """Send everything due, waiting out rate limits and retries due within `horizon`.

        `budget` (run --once) bounds the waits for retries: none begins that would end
        later than `budget` after the drain began. Rate limits are still waited out, and what
        is due now is still sent; a Bot API that cannot be reached or never answers leaves
        its rows pending for the next run instead of holding a cron job for minutes.

        `probe_broken` (run --once) tries each broken channel once now instead of after
        BROKEN_RECHECK: one request tells whether the bot can post there again.
        On a stop (`stopped = True`) every wait ends at once; each chat's worker finishes the
        request it has in flight, records its outcome and hands back its other rows before
        drain returns."""
        await self._switch_endpoint()
        if self.token_rejected and monotonic_time.monotonic() - self.token_rejected_at >= (
            core.TOKEN_RECHECK
        ):
            self.token_rejected = False  # one request tells whether it is still refused
        counts = new_counts()
        # broken before this drain began: found broken during it, a channel is not retried
        self._probe_before = self.clock() if probe_broken else None
        if self.sender is None:
            if self.token_event is not False:  # no token now: no refusal of one to show
                await self._token_state("")
            counts[Outcome.DRY] = await self._dry.run(self.config, core.LEASE)
            return counts
        await asyncio.to_thread(self._release_dead)
        heartbeat = asyncio.create_task(self._heartbeat(), name="delivery-leases")
        if budget is not None:
            self.retry_deadline = monotonic_time.monotonic() + budget.total_seconds()
        try:
            await self._dispatch(horizon, counts, budget)
        finally:
            self.retry_deadline = None
            heartbeat.cancel()
            with suppress(asyncio.CancelledError):
                await heartbeat
        if not self.token_rejected:
            await self._flush_alerts()
        else:
            self.alerts.queue.clear()
        return counts

    async def _dispatch(
        self, horizon: timedelta, counts: Counts, budget: timedelta | None = None
    ) -> None:
        began = monotonic_time.monotonic()
        workers: dict[str, asyncio.Task[None]] = {}
        alerting: asyncio.Task[None] | None = None
        try:
            while not self.stopped and not self.token_rejected:
                if self.alerts.queue and (alerting is None or alerting.done()):
                    # beside the channels' queues, not after them: a rejected config or a
                    # failing source reaches the admin while a long queue is still going out
                    alerting = asyncio.create_task(self._flush_alerts(), name="admin-alerts")
                now = self.clock()
                starts = await asyncio.to_thread(self._chats_to_start, now, workers)
                # a chat pausing for a retry that would end past the budget: left for the
                # next run (its rows stay pending)
                held = [c for c, _ in starts if self.past_budget(c, self.pacer.delay(c))]
                for chat, probe in starts:
                    if chat not in held:
                        workers[chat] = asyncio.create_task(self._worker(chat, counts, probe=probe))
                if not workers and held:
                    log.warning(
                        "event=deliveries_deferred chats=%s reason=%r",
                        ",".join(held),
                        "retries would run past the budget; pending rows wait for the next run",
                    )
                    break
                if workers:
                    done, _ = await asyncio.wait(
                        workers.values(), timeout=POLL, return_when=asyncio.FIRST_COMPLETED
                    )
                    for chat in [c for c, task in workers.items() if task in done]:
                        workers.pop(chat).result()  # a bug in a worker surfaces here
                    continue
                wait = await asyncio.to_thread(self._next_due_in, now)
                if wait is None or wait > horizon.total_seconds():
                    break
                spent = monotonic_time.monotonic() - began
                if budget is not None and spent + wait > budget.total_seconds():
                    log.warning(
                        "event=deliveries_deferred next_in=%.0fs reason=%r",
                        wait,
                        f"retries would run past {budget.total_seconds():.0f}s; "
                        "pending rows wait for the next run",
                    )
                    break
                await self._pause(max(0.05, min(wait, POLL)))
        finally:
            # stopping: each worker finishes the request it has in flight and hands back the rest
            if workers:
                await asyncio.gather(*workers.values(), return_exceptions=True)
            if alerting is not None:
                await asyncio.gather(alerting, return_exceptions=True)

    async def _flush_alerts(self) -> None:
        await self.alerts.flush(
            self.sender, self.config.telegram.admin_chat, self.pacer, self._pause
        )

    def _chats_to_start(
        self, now: datetime, running: dict[str, asyncio.Task[None]]
    ) -> list[tuple[str, bool]]:
        chats = self.sendable_chats()
        due = self.store.due_chats(now, self.owner, chats=chats)
        start = [(c, False) for c in due if c not in running]
        clock = monotonic_time.monotonic()
        for chat, since in self.store.broken_chats().items():
            if chat not in chats:
                continue
            last = self._probed.get(chat)
            probe_now = self._probe_before is not None and since < self._probe_before
            stale = now - since >= BROKEN_RECHECK or (probe_now and last is None)
            if chat not in running and stale and (last is None or clock - last >= core.RENEW * 4):
                self._probed[chat] = clock
                start.append((chat, True))
        return start

    def _next_due_in(self, now: datetime) -> float | None:
        # chats another process holds are its work: a `run --once` does not wait for them
        due = self.store.next_delivery_due(self.owner, now, chats=self.sendable_chats())
        return None if due is None else (due - now).total_seconds()

    def save_mode(self) -> None:
        """Tell `status` how this process delivers ("dry" without a token, else "live"):
        written only when it changed. Blocking: reads and writes the store."""
        mode = "dry" if self.config.token() is None else "live"
        if self.store.get_event(DELIVERY_MODE) != mode:
            self.store.set_event(DELIVERY_MODE, mode, self.clock())

    def rehome(self) -> int:
        """Unsent messages of a chat taken out of the config go to their regency's chat now
        (store.rehome_pending). Blocking: reads and writes the store."""
        chats = {r.slug: r.chat for r in self.config.regencies if r.chat is not None}
        moved = self.store.rehome_pending(chats, self.sendable_chats(), self.clock())
        if moved:
            log.info("event=deliveries_rehomed count=%d", moved)
        # messages held because their regency no longer announced their categories: back in
        # the queue once it does again (the change undone), while they are young enough
        config, upgraded = self.config, self.store.migrated_chats()
        back = self.store.release_held(
            NOT_ANNOUNCED,
            lambda chat, regency, regencies, cats: announced_in(
                config, chat, regency, regencies, cats, upgraded
            ),
            self.clock() - config.telegram.max_age,
        )
        if back:
            log.info("event=deliveries_released count=%d reason=announced_again", back)
        return moved

    def sendable_chats(self) -> set[str]:
        """The regencies' chats in the config, and the ids Telegram moved them to. The rows of
        any other chat (one taken out of config.toml) are kept, unsent, until it is back.
        Blocking: reads the store."""
        moved = self.store.migrated_chats()
        out: set[str] = set()
        for chat in (r.chat for r in self.config.regencies if r.chat is not None):
            out.update(migration_chain(chat, moved))
        # and the groups Telegram upgraded into one of them (the config naming the supergroup
        # now): their sent messages' corrections and withdrawals are still tried (and given
        # up with the reason), never left pending for good
        out.update(old for old in moved if out & set(migration_chain(old, moved)[1:]))
        return out

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(core.RENEW)
            try:
                await asyncio.to_thread(
                    self.store.renew_leases, self.owner, self.clock(), core.LEASE
                )
                await asyncio.to_thread(self._release_dead)
            except StorageError as e:  # the database away for a moment: try again next beat
                log.error("event=lease_renewal_failed error=%r", str(e))

    def _release_dead(self) -> None:
        self.release_dead()

    def release_dead(self) -> int:
        """Free the delivery, chat and poll leases of processes provably dead (liveness.py);
        how many were freed."""
        total = 0
        for owner in self.store.lease_owners(self.clock()):
            if owner != self.owner and is_dead(owner):
                freed = self.store.release_owner(owner)
                log.warning("event=leases_released owner=%s rows=%d reason=dead", owner, freed)
                total += freed
        return total
