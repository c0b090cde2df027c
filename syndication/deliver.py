"""Telegram delivery from the durable queue:

    claim due (item, chat) rows (lease) | render via bots/ | pace per chat | send or edit
    | record the message id, or the error by kind

Chats are served concurrently, each in order; a 429 holds back only its chat. Rows stay in
the store until Telegram's answer is recorded, so a crash finishes after a restart. The only
duplicate is a send whose outcome was unknowable (a timeout after the request went out), and
then `[telegram].on_timeout` decides: "resend" (default, never lose one) or "assume-sent".
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from itertools import groupby

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
from .store import DeliveryRow, Store

log = logging.getLogger("syndication.deliver")
LEASE = timedelta(minutes=5)
BATCH = 200


class Deliverer:
    def __init__(self, config: Config, store: Store, clock: Callable[[], datetime], owner: str):
        self.config = config
        self.store = store
        self.clock = clock
        self.owner = owner
        tg = config.telegram
        self.pacer = Pacer(
            Limits(
                chat_interval=1.0 / tg.per_chat_per_second,
                chat_per_minute=tg.per_chat_per_minute,
                bot_per_second=tg.global_per_second,
            )
        )
        token = config.token()
        self.sender = TelegramSender(token, tg.api_url) if token else None
        self.stopped = False
        self.token_rejected = False
        self.sent_total = 0
        self.failed_total = 0
        self._admin_queue: list[str] = []
        self._dry_logged: set[int] = set()

    async def aclose(self) -> None:
        if self.sender is not None:
            await self.sender.close()

    def reconfigure(self, config: Config) -> None:
        self.config = config

    # --- the loop -----------------------------------------------------------------------

    async def drain(self, *, horizon: timedelta = timedelta(seconds=90)) -> dict[str, int]:
        """Send everything due, waiting out rate limits and retries due within `horizon`."""
        counts = {"sent": 0, "edited": 0, "retry": 0, "failed": 0, "dry": 0}
        if self.sender is None:
            counts["dry"] = await self._dry_run()
            return counts
        while not self.stopped and not self.token_rejected:
            now = self.clock()
            rows = await asyncio.to_thread(
                self.store.claim_deliveries, self.owner, now, LEASE, BATCH
            )
            if rows:
                await self._send_batch(rows, counts)
                continue
            wait = await asyncio.to_thread(self._next_due_in, now)
            if wait is None or wait > horizon.total_seconds():
                break
            await asyncio.sleep(max(0.05, wait))
        await self._flush_admin()
        return counts

    def _next_due_in(self, now: datetime) -> float | None:
        due = self.store.next_delivery_due()
        return None if due is None else (due - now).total_seconds()

    async def _send_batch(self, rows: list[DeliveryRow], counts: dict[str, int]) -> None:
        by_chat = [
            list(g)
            for _, g in groupby(sorted(rows, key=lambda r: (r.chat, r.id)), key=lambda r: r.chat)
        ]
        await asyncio.gather(*(self._send_chat(chat_rows, counts) for chat_rows in by_chat))

    async def _send_chat(self, rows: list[DeliveryRow], counts: dict[str, int]) -> None:
        for i, row in enumerate(rows):
            if self.stopped:
                await asyncio.to_thread(self.store.release, [r.id for r in rows[i:]])
                return
            outcome = await self._deliver_one(row)
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome in ("chat-broken", "retry", "token"):
                # the chat (or the bot) cannot go on now: hand back the rest untouched
                await asyncio.to_thread(self.store.release, [r.id for r in rows[i + 1 :]])
                return

    async def _deliver_one(self, row: DeliveryRow) -> str:
        assert self.sender is not None
        chat = row.chat
        for _ in range(5):  # 429s and migrations are answered on the spot
            try:
                message = self._render(row)
            except BotError as e:  # e.g. an item URL that is not http(s): a bug, not retried
                await asyncio.to_thread(self.store.mark_failed, row.id, e.reason)
                return "failed"
            try:
                # spaced from the END of each request: Telegram counts arrivals
                async with self.pacer.slot(chat):
                    return await self._attempt(row, chat, message)
            except RetryAfter as e:
                self.pacer.block(chat, e.seconds)
                log.warning("event=telegram_429 chat=%s retry_after=%s", chat, e.seconds)
            except ChatMigrated as e:
                new = str(e.new_chat_id)
                await asyncio.to_thread(self.store.migrate_chat, chat, new, self.clock())
                log.warning("event=chat_migrated chat=%s new=%s", chat, new)
                chat = new
        await self._retry(row, "too many 429s or migrations in a row")
        return "retry"

    async def _attempt(self, row: DeliveryRow, chat: str, message: Message) -> str:
        assert self.sender is not None
        now = self.clock()
        try:
            if row.state == "edit":
                return await self._edit(row, chat, message)
            sent = await self.sender.send(chat, message, silent=self._quiet(now))
        except (RetryAfter, ChatMigrated):
            raise
        except Unknowable as e:
            return await self._unknowable(row, e)
        except ChatBroken as e:
            await self._broken(chat, e.reason)
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
        except (Transient, BotError) as e:
            await self._retry(row, e.reason)
            return "retry"
        await asyncio.to_thread(
            self.store.mark_sent, row.id, self.clock(), sent.message_id, sent.kind, row.item.title
        )
        self.sent_total += 1
        log.info(
            "event=telegram_sent delivery=%s item=%s chat=%s message_id=%s",
            row.id,
            row.item.id,
            chat,
            sent.message_id,
        )
        return "sent"

    async def _edit(self, row: DeliveryRow, chat: str, message: Message) -> str:
        assert self.sender is not None
        if row.message_id is None:
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
        if message.kind != kind:
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

    async def _unknowable(self, row: DeliveryRow, e: Unknowable) -> str:
        if self.config.telegram.on_timeout == "assume-sent":
            await asyncio.to_thread(
                self.store.mark_sent, row.id, self.clock(), None, "text", row.item.title
            )
            log.warning("event=telegram_unknowable delivery=%s policy=assume-sent", row.id)
            return "sent"
        log.warning(
            "event=telegram_unknowable delivery=%s policy=resend reason=%r", row.id, e.reason
        )
        await self._retry(row, e.reason, soon=True)
        return "retry"

    async def _retry(self, row: DeliveryRow, reason: str, *, soon: bool = False) -> None:
        delay = 2.0 if soon else min(5.0 * 2**row.attempts, 3600.0)
        await asyncio.to_thread(
            self.store.mark_retry, row.id, reason, self.clock() + timedelta(seconds=delay)
        )
        log.warning(
            "event=telegram_retry delivery=%s chat=%s in=%ss reason=%r",
            row.id,
            row.chat,
            delay,
            reason,
        )

    async def _broken(self, chat: str, reason: str) -> None:
        first = await asyncio.to_thread(self.store.channel_broken, chat, reason, self.clock())
        log.error("event=channel_broken chat=%s reason=%r", chat, reason)
        if first:
            self.alert_admin(
                chat,
                f"⚠️ channel {chat} is broken: {reason}. Its messages wait "
                "until the bot is back in the channel (then: syndication status).",
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
        rows = await asyncio.to_thread(
            self.store.claim_deliveries, self.owner, self.clock(), LEASE, 10_000
        )
        for row in rows:
            if row.id in self._dry_logged:
                continue
            self._dry_logged.add(row.id)
            message = self._render(row)
            log.info(
                "event=telegram_dry_run chat=%s kind=%s delivery=%s\n%s",
                row.chat,
                message.kind,
                row.id,
                message.html,
            )
        await asyncio.to_thread(self.store.release, [r.id for r in rows])
        return len(rows)

    # --- admin alerts -------------------------------------------------------------------

    def alert_admin(self, subject: str, text: str) -> None:
        log.warning("event=admin_alert subject=%s text=%r", subject, text)
        if self.config.telegram.admin_chat is not None:
            self._admin_queue.append(text)

    async def _flush_admin(self) -> None:
        chat = self.config.telegram.admin_chat
        if self.sender is None or chat is None:
            self._admin_queue.clear()
            return
        while self._admin_queue:
            text = self._admin_queue.pop(0)
            try:
                async with self.pacer.slot(str(chat)):
                    await self.sender.send(
                        str(chat), Message("text", html.escape(text), disable_web_page_preview=True)
                    )
            except BotError as e:
                log.error("event=admin_alert_failed reason=%r", e.reason)
                return


async def send_test_message(config: Config, chat: str) -> tuple[bool, str]:
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
