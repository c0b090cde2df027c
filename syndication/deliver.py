"""Telegram delivery from the durable queue:

    dispatcher: which chats have due rows no other process holds? | one worker per chat
    worker:     take the chat's send lease (or leave the chat) | wait for the chat's pace
                | lease a few of its rows | render via bots/ | send or edit
                | record the message id, or the error by kind | repeat | let the chat go

Each chat is served by its own worker, in order, at its own pace: a 429, a backoff or a
broken channel holds back only that chat, and no chat waits for another's batch to finish.

Pacing lives in one process, so one process at a time sends to a chat: a worker first takes
the chat's send lease in the database (channels.lease_owner), renews it while it works and
frees it when it ends; a worker that cannot get it leaves the chat to its holder. The new
holder learns what the last one did from the store (the chat's sends of the last minute, a
429 pause still running) and paces from there, so a chat passed between processes keeps its
limits. Chat leases follow the same rules as row leases below (LEASE, RENEW, liveness.py).

Rows stay in the store until Telegram's answer is recorded, so a restart finishes what was
pending. A worker waits for its chat's slot before leasing, so leases cover work about to
happen; they are short (LEASE) and renewed every RENEW seconds while the process runs, so the
rows of a process that died are free again within one LEASE, and at once on the same machine
when that process is provably gone (see liveness.py).

The only duplicate is a send whose outcome was unknowable: Telegram accepted it but the
answer never reached the store (a timeout, or a crash between the two). Per chat at most one
request is in flight, so a crash duplicates at most one message per chat. On a timeout
`[telegram].on_timeout` decides: "resend" (default, never lose one) or "assume-sent".
"""

from __future__ import annotations

import asyncio
import html
import logging
import time as monotonic_time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, time, timedelta

from bots.errors import (
    BotError,
    ChatBroken,
    ChatMigrated,
    MessageGone,
    Rejected,
    RetryAfter,
    TokenRejected,
    Transient,
    Unknowable,
)
from bots.message import Headline, Kind, Message, is_quiet, render
from bots.pacing import Limits, Pacer
from bots.telegram import TelegramSender

from .config import Config
from .errors import StorageError
from .liveness import is_dead, lease_owner
from .store import DeliveryRow, Store
from .store.store import ChatLease

log = logging.getLogger("syndication.deliver")
LEASE = timedelta(seconds=60)  # a dead process's rows are free again after this
RENEW = 15.0  # seconds between lease renewals (and dead-owner checks) while draining
CHUNK = 5  # rows a chat worker leases at a time: a few seconds of its pace
POLL = 1.0  # seconds between looks for newly due chats while workers run
BROKEN_RECHECK = timedelta(minutes=10)  # a broken channel is tried again after this
MAX_HOLD = 30.0  # a transient error pauses its chat this long at most
DRY_LIMIT = 10_000
STOP_OUTCOMES = ("chat-broken", "token", "stopped", "moved")


class SharedPacer(Pacer):
    """A Pacer that can be told of sends another process made to a chat it takes over."""

    def remember(self, chat: str, ages: list[float]) -> None:
        """Count sends to `chat` made `ages` seconds ago (by whoever held the chat before)."""
        if not ages:
            return
        now = self._clock()
        state = self._state(chat)
        state.sent = deque(sorted([*state.sent, *(now - age for age in ages)]))


class Deliverer:
    def __init__(self, config: Config, store: Store, clock: Callable[[], datetime], owner: str):
        self.config = config
        self.store = store
        self.clock = clock
        self.owner = lease_owner(owner)
        tg = config.telegram
        self.pacer = SharedPacer(
            Limits(
                chat_interval=1.0 / tg.per_chat_per_second,
                chat_per_minute=tg.per_chat_per_minute,
                bot_per_second=tg.global_per_second,
            )
        )
        token = config.token()
        self.sender = TelegramSender(token, tg.api_url) if token else None
        self._stop = asyncio.Event()
        self.token_rejected = False
        self.sent_total = 0
        self.failed_total = 0
        self._admin_queue: list[str] = []
        self._dry_logged: set[int] = set()
        self._moved: set[str] = set()  # chats migrated during this process's life
        self._probed: dict[str, float] = {}  # broken chat -> monotonic time of the last probe
        self._probe_before: datetime | None = None
        # chat -> when this process last let it go: its pacer knows the chat's sends until then
        self._known: dict[str, datetime] = {}

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @stopped.setter
    def stopped(self, value: bool) -> None:
        # the daemon sets this on SIGTERM: every wait below wakes up at once
        if value:
            self._stop.set()
        else:
            self._stop.clear()

    async def aclose(self) -> None:
        if self.sender is not None:
            await self.sender.close()

    def reconfigure(self, config: Config) -> None:
        self.config = config

    # --- the dispatcher -----------------------------------------------------------------

    async def drain(
        self, *, horizon: timedelta = timedelta(seconds=90), probe_broken: bool = False
    ) -> dict[str, int]:
        """Send everything due, waiting out rate limits and retries due within `horizon`.

        `probe_broken` (run --once) tries each broken channel once now instead of after
        BROKEN_RECHECK: one request tells whether the bot can post there again."""
        counts = {"sent": 0, "edited": 0, "retry": 0, "failed": 0, "dry": 0}
        # broken before this drain began: found broken during it, a channel is not retried
        self._probe_before = self.clock() if probe_broken else None
        if self.sender is None:
            counts["dry"] = await self._dry_run()
            return counts
        await asyncio.to_thread(self._release_dead)
        heartbeat = asyncio.create_task(self._heartbeat(), name="delivery-leases")
        try:
            await self._dispatch(horizon, counts)
        finally:
            heartbeat.cancel()
            with suppress(asyncio.CancelledError):
                await heartbeat
        await self._flush_admin()
        return counts

    async def _dispatch(self, horizon: timedelta, counts: dict[str, int]) -> None:
        workers: dict[str, asyncio.Task[None]] = {}
        try:
            while not self.stopped and not self.token_rejected:
                now = self.clock()
                for chat, probe in await asyncio.to_thread(self._chats_to_start, now, workers):
                    workers[chat] = asyncio.create_task(self._worker(chat, counts, probe=probe))
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
                await self._pause(max(0.05, min(wait, POLL)))
        finally:
            # stopping: each worker finishes the request it has in flight and hands back the rest
            if workers:
                await asyncio.gather(*workers.values(), return_exceptions=True)

    def _chats_to_start(
        self, now: datetime, running: dict[str, asyncio.Task[None]]
    ) -> list[tuple[str, bool]]:
        start = [(c, False) for c in self.store.due_chats(now, self.owner) if c not in running]
        clock = monotonic_time.monotonic()
        for chat, since in self.store.broken_chats().items():
            last = self._probed.get(chat)
            probe_now = self._probe_before is not None and since < self._probe_before
            stale = now - since >= BROKEN_RECHECK or (probe_now and last is None)
            if chat not in running and stale and (last is None or clock - last >= RENEW * 4):
                self._probed[chat] = clock
                start.append((chat, True))
        return start

    def _next_due_in(self, now: datetime) -> float | None:
        # chats another process holds are its work: a `run --once` does not wait for them
        due = self.store.next_delivery_due(self.owner, now)
        return None if due is None else (due - now).total_seconds()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(RENEW)
            try:
                await asyncio.to_thread(self.store.renew_leases, self.owner, self.clock(), LEASE)
                await asyncio.to_thread(self._release_dead)
            except StorageError as e:  # the database away for a moment: try again next beat
                log.error("event=lease_renewal_failed error=%r", str(e))

    def _release_dead(self) -> None:
        for owner in self.store.lease_owners(self.clock()):
            if owner != self.owner and is_dead(owner):
                freed = self.store.release_owner(owner)
                log.warning("event=leases_released owner=%s rows=%d reason=dead", owner, freed)

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), seconds)

    # --- one chat -----------------------------------------------------------------------

    async def _worker(self, chat: str, counts: dict[str, int], *, probe: bool = False) -> None:
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
        return self.store.acquire_chat(chat, self.owner, now, LEASE, since=since)

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

    async def _serve(self, chat: str, counts: dict[str, int], *, probe: bool) -> None:
        """Send `chat`'s due rows in order at its pace, a few leased at a time, until none
        is due or the chat cannot go on (broken, migrated, no valid token, lease lost)."""
        while not self.stopped and not self.token_rejected:
            wait = self.pacer.delay(chat)
            if wait > 0 and not await asyncio.to_thread(self._has_due, chat, probe):
                return  # nothing waits: let the chat go now rather than after its pace
            await self._pause(wait)  # wait first: lease only what is next
            if self.stopped:
                return
            held = await asyncio.to_thread(
                self.store.renew_chat, chat, self.owner, self.clock(), LEASE
            )
            if not held:  # this process stalled past LEASE and another took the chat over
                log.warning("event=chat_lease_lost chat=%s", chat)
                return
            rows = await asyncio.to_thread(
                self.store.claim_deliveries,
                self.owner,
                self.clock(),
                LEASE,
                1 if probe else CHUNK,
                chat=chat,
                include_broken=probe,
            )
            if not rows:
                return
            if not await self._send_rows(chat, rows, counts):
                return
            probe = False

    def _has_due(self, chat: str, probe: bool) -> bool:
        return probe or self.store.chat_has_due(chat, self.clock())

    async def _send_rows(self, chat: str, rows: list[DeliveryRow], counts: dict[str, int]) -> bool:
        """Deliver leased rows in order; False when the chat must stop for now."""
        for i, row in enumerate(rows):
            await self._pause(self.pacer.delay(chat))
            if self.stopped or self.token_rejected:
                await asyncio.to_thread(self.store.release, [r.id for r in rows[i:]])
                return False
            outcome = await self._deliver_one(row)
            counts[outcome] = counts.get(outcome, 0) + 1
            moved = chat in self._moved  # the rest is the new chat's, as is its send lease
            if outcome in STOP_OUTCOMES or outcome == "retry" or moved:
                # hand back the rest untouched; after a retry the chat pauses (see _retry)
                await asyncio.to_thread(self.store.release, [r.id for r in rows[i + 1 :]])
                return outcome == "retry" and not moved
        return True

    async def _deliver_one(self, row: DeliveryRow) -> str:
        assert self.sender is not None
        chat = row.chat
        try:
            message = self._render(row)
        except BotError as e:  # e.g. an item URL that is not http(s): a bug, not retried
            await asyncio.to_thread(self.store.mark_failed, row.id, e.reason)
            log.error("event=render_failed delivery=%s reason=%r", row.id, e.reason)
            return "failed"
        for _ in range(5):  # 429s are answered on the spot
            # spaced from the END of each request: Telegram counts arrivals
            await self._pause(self.pacer.delay(chat))
            if self.stopped:  # a stop during a pause (a 429's retry_after) sends nothing more
                await asyncio.to_thread(self.store.release, [row.id])
                return "stopped"
            try:
                async with self.pacer.slot(chat):
                    return await self._attempt(row, chat, message)
            except RetryAfter as e:
                await self._hold(chat, e.seconds)
                log.warning("event=telegram_429 chat=%s retry_after=%s", chat, e.seconds)
            except ChatMigrated as e:
                # the rows move to the new id, and whichever process takes the new chat's
                # lease sends them: this worker holds only the old chat's
                new = str(e.new_chat_id)
                await asyncio.to_thread(self.store.migrate_chat, chat, new, self.clock())
                log.warning("event=chat_migrated chat=%s new=%s", chat, new)
                self._moved.add(chat)
                await asyncio.to_thread(self.store.release, [row.id])
                return "moved"
        await self._retry(row, chat, "too many 429s in a row")
        return "retry"

    async def _attempt(self, row: DeliveryRow, chat: str, message: Message) -> str:
        assert self.sender is not None
        try:
            if row.state == "edit":
                return await self._edit(row, chat, message)
            sent = await self.sender.send(chat, message, silent=self._quiet(self.clock()))
        except (RetryAfter, ChatMigrated):
            raise
        except Unknowable as e:
            return await self._unknowable(row, chat, e)
        except ChatBroken as e:
            await self._broken(chat, e.reason)
            await asyncio.to_thread(self.store.release, [row.id])
            return "chat-broken"
        except TokenRejected as e:
            self.token_rejected = True
            log.error("event=token_rejected error=%r", e.reason)
            await asyncio.to_thread(self.store.release, [row.id])
            return "token"
        except Rejected as e:
            await asyncio.to_thread(self.store.mark_failed, row.id, e.reason)
            log.error(
                "event=telegram_rejected delivery=%s chat=%s reason=%r", row.id, chat, e.reason
            )
            self.failed_total += 1
            return "failed"
        except (Transient, BotError) as e:  # and any kind added later: back off, retry
            await self._retry(row, chat, e.reason)
            return "retry"
        await asyncio.to_thread(
            self.store.mark_sent, row.id, self.clock(), sent.message_id, sent.kind, row.item.title
        )
        self.sent_total += 1
        log.info(
            "event=telegram_sent delivery=%s item=%s chat=%s message_id=%s kind=%s",
            row.id,
            row.item.id,
            chat,
            sent.message_id,
            sent.kind,
        )
        return "sent"

    async def _edit(self, row: DeliveryRow, chat: str, message: Message) -> str:
        assert self.sender is not None
        if row.message_id is None:  # assumed sent after a timeout: nothing known to edit
            await asyncio.to_thread(
                self.store.mark_sent,
                row.id,
                self.clock(),
                None,
                row.message_kind or "text",
                row.item.title,
            )
            return "edited"
        kind: Kind = "photo" if row.message_kind == "photo" else "text"
        if message.kind != kind:  # the message's layout was fixed when it was first sent
            message = render(
                self._headline(row),
                self.config.telegram.template,
                self.config.telegram.timezone,
                kind=kind,
            )
        try:
            await self.sender.edit(chat, row.message_id, message)
        except MessageGone as e:
            log.warning("event=edit_gone delivery=%s reason=%r", row.id, e.reason)
        await asyncio.to_thread(
            self.store.mark_sent, row.id, self.clock(), row.message_id, kind, row.item.title
        )
        log.info(
            "event=telegram_edited delivery=%s chat=%s message_id=%s", row.id, chat, row.message_id
        )
        return "edited"

    async def _unknowable(self, row: DeliveryRow, chat: str, e: Unknowable) -> str:
        if self.config.telegram.on_timeout == "assume-sent":
            await asyncio.to_thread(
                self.store.mark_sent, row.id, self.clock(), None, "text", row.item.title
            )
            log.warning(
                "event=telegram_unknowable delivery=%s chat=%s policy=assume-sent reason=%r",
                row.id,
                chat,
                e.reason,
            )
            return "sent"
        log.warning(
            "event=telegram_unknowable delivery=%s chat=%s policy=resend reason=%r",
            row.id,
            chat,
            e.reason,
        )
        await self._retry(row, chat, e.reason, soon=True)
        return "retry"

    async def _retry(self, row: DeliveryRow, chat: str, reason: str, *, soon: bool = False) -> None:
        delay = 2.0 if soon else min(5.0 * 2**row.attempts, 3600.0)
        # the chat pauses too: a 5xx or a timeout is rarely about one message alone
        await self._hold(chat, min(delay, MAX_HOLD))
        await asyncio.to_thread(
            self.store.mark_retry, row.id, reason, self.clock() + timedelta(seconds=delay)
        )
        log.warning(
            "event=telegram_retry delivery=%s chat=%s attempt=%d in=%ss reason=%r",
            row.id,
            chat,
            row.attempts + 1,
            delay,
            reason,
        )

    async def _hold(self, chat: str, seconds: float) -> None:
        """Pause `chat` here and in the store, for whichever process sends to it next."""
        self.pacer.block(chat, seconds)
        until = self.clock() + timedelta(seconds=seconds)
        await asyncio.to_thread(self.store.hold_chat, chat, until)

    async def _broken(self, chat: str, reason: str) -> None:
        first = await asyncio.to_thread(self.store.channel_broken, chat, reason, self.clock())
        log.error("event=channel_broken chat=%s reason=%r", chat, reason)
        if first:
            self.alert_admin(
                chat,
                f"⚠️ channel {chat} is broken: {reason}. Its messages wait until the bot can "
                "post there again (checked every 10 minutes; see syndication status).",
            )

    # --- rendering ----------------------------------------------------------------------

    def _headline(self, row: DeliveryRow) -> Headline:
        item = row.item
        names = {c.slug: c.name for c in self.config.categories}
        cats = sorted(item.categories, key=lambda c: (c != "advertorial", c))
        regency = next((r.name for r in self.config.regencies if r.slug == row.regency), None)
        source = self.config.source(item.source_id)
        return Headline(
            key=str(item.id),
            title=item.title,
            url=item.url,
            source_name=source.display_name if source else item.source_id,
            published=item.published,
            labels=tuple(names.get(c, c) for c in cats),
            advertorial=item.advertorial,
            regency_name=regency,
            summary=item.summary,
            image_url=item.image,
        )

    def _render(self, row: DeliveryRow) -> Message:
        tg = self.config.telegram
        return render(self._headline(row), tg.template, tg.timezone)

    def _quiet(self, now: datetime) -> bool:
        window = self.config.telegram.quiet_hours
        if not window:
            return False
        start, end = (time.fromisoformat(p) for p in window.split("-"))
        return is_quiet(now, start, end, self.config.telegram.timezone)

    async def _dry_run(self) -> int:
        """No token: render and log what would be sent; every row stays pending."""
        rows = await asyncio.to_thread(
            self.store.claim_deliveries, self.owner, self.clock(), LEASE, DRY_LIMIT
        )
        try:
            for row in rows:
                if row.id in self._dry_logged:
                    continue
                self._dry_logged.add(row.id)
                try:
                    message = self._render(row)
                except BotError as e:
                    log.error("event=telegram_dry_run delivery=%s error=%r", row.id, e.reason)
                    continue
                log.info(
                    "event=telegram_dry_run chat=%s kind=%s delivery=%s state=%s\n%s",
                    row.chat,
                    message.kind,
                    row.id,
                    row.state,
                    message.html,
                )
        finally:
            await asyncio.to_thread(self.store.release, [r.id for r in rows])
        return len(rows)

    # --- admin alerts -------------------------------------------------------------------

    def alert_admin(self, subject: str, text: str) -> None:
        log.warning("event=admin_alert subject=%s text=%r", subject, text)
        if self.config.telegram.admin_chat is not None:
            self._admin_queue.append(text)

    async def _flush_admin(self) -> None:
        chat = self.config.telegram.admin_chat
        if self.sender is None or chat is None or self.token_rejected:
            self._admin_queue.clear()
            return
        while self._admin_queue:
            text = self._admin_queue.pop(0)
            try:
                await self._pause(self.pacer.delay(str(chat)))
                async with self.pacer.slot(str(chat)):
                    await self.sender.send(
                        str(chat), Message("text", html.escape(text), disable_web_page_preview=True)
                    )
            except BotError as e:
                log.error("event=admin_alert_failed chat=%s reason=%r", chat, e.reason)
                return


async def send_test_message(config: Config, chat: str) -> tuple[bool, str]:
    """Post a short test message to `chat`; (ok, what to print)."""
    token = config.token()
    if not token:
        return False, f"send-test: no token: set ${config.telegram.token_env} first"
    sender = TelegramSender(token, config.telegram.api_url)
    try:
        me = await sender.get_me()
        sent = await sender.send_test(chat)
    except BotError as e:
        return False, f"send-test: {chat}: {type(e).__name__}: {e.reason}"
    finally:
        await sender.close()
    return True, f"send-test: bot @{me.username} posted message {sent.message_id} to {chat}"
