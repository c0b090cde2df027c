"""One row to Telegram: send or edit it, and record what came of it by the error's kind."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta

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
    Unreachable,
)
from bots.message import Kind, Message

from ..config import Config
from ..errors import StorageError
from ..store import DeliveryRow
from ..store.records import migration_chain
from ..store.status import TOKEN_EVENT
from .core import MAX_HOLD
from .outcome import Outcome
from .render import render_row, silent
from .withdraw import Withdrawing, withdrawn_message

log = logging.getLogger("syndication.deliver")
MAX_429 = 5  # 429s in a row answered on the spot before the row backs off
# the reason a waiting message is held with when its regency no longer announces its
# categories; Deliverer.rehome releases it once they are announced again
NOT_ANNOUNCED = "not announced: "


def announced_in(
    config: Config,
    chat: str,
    regency: str,
    regencies: Sequence[str],
    categories: Sequence[str],
    moved: Mapping[str, str] | None = None,
) -> bool:
    """Whether a message in `chat` still announces its item: its regency, or another of the
    item's regencies with that chat (two sharing a channel; `moved`: the chats Telegram
    upgraded, old id -> new), notifies one of its categories."""
    cats = set(categories)
    for r in config.regencies:
        if r.chat is None or (r.slug != regency and r.slug not in regencies):
            continue
        if r.slug != regency and chat != migration_chain(r.chat, moved or {})[-1]:
            continue
        if cats & set(config.notify_categories_for(r)):
            return True
    return False


class Sending(Withdrawing):
    async def _deliver_one(self, row: DeliveryRow) -> Outcome:
        assert self.sender is not None
        chat = row.chat
        if row.state == "pending" and (why := self._not_announced(row)) is not None:
            if not await asyncio.to_thread(self.store.mark_held, row.id, why, owner=self.owner):
                self.lease_lost(row.id, chat, "mark_held")
                return Outcome.LEASE_LOST
            log.info("event=telegram_held delivery=%s chat=%s reason=%r", row.id, chat, why)
            return Outcome.HELD
        try:
            if row.state == "withdraw":
                message = withdrawn_message(row)
            else:
                message = render_row(self.config, row)
        except BotError as e:  # e.g. an item URL that is not http(s): a bug, not retried
            if not await self._failed(row, e.reason):
                return Outcome.LEASE_LOST
            log.error("event=render_failed delivery=%s reason=%r", row.id, e.reason)
            return Outcome.FAILED
        for _ in range(MAX_429):
            # spaced from the END of each request: Telegram counts arrivals
            await self._pause(self.pacer.delay(chat))
            if self.stopped:  # a stop during a pause (a 429's retry_after) sends nothing more
                await self._release(chat, [row.id])
                return Outcome.STOPPED
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
                if row.message_id is not None:
                    # an edit or a take-down of a message in the old group: that group is
                    # closed, and the id means another message in the new chat
                    why = f"{e.reason}: its message in the old group cannot be changed"
                    if not await self._failed(row, why):
                        return Outcome.LEASE_LOST
                    log.warning("event=message_left delivery=%s chat=%s", row.id, chat)
                    return Outcome.MOVED
                await self._release(new, [row.id])
                return Outcome.MOVED
        return await self._retry(row, chat, "too many 429s in a row")

    def _not_announced(self, row: DeliveryRow) -> str | None:
        """Why a waiting message is no longer announced under the running config: its
        categories meet its regency's notify_categories no more (changed while it waited, a
        dry run's queue, say). None: it still is, or its regency is not configured with a
        channel (its rows wait for one: rehome_pending)."""
        config = self.config
        regency = next((r for r in config.regencies if r.slug == row.regency), None)
        if regency is None or regency.chat is None:
            return None
        wanted = config.notify_categories_for(regency)
        item = row.item
        if announced_in(config, row.chat, row.regency, item.regencies, item.categories):
            return None
        moved = self.store.migrated_chats()  # the rare path: a regency's chat upgraded since
        if moved and announced_in(
            config, row.chat, row.regency, item.regencies, item.categories, moved
        ):
            return None
        return f"{NOT_ANNOUNCED}its categories are none of {', '.join(wanted)} (notify_categories)"

    async def _attempt(self, row: DeliveryRow, chat: str, message: Message) -> Outcome:
        assert self.sender is not None
        try:
            if row.state == "edit":
                return await self._edit(row, chat, message)
            if row.state == "withdraw":
                return await self._take_down(row, chat)
            # counted by whoever takes the chat next, should this process die before the answer
            if not await self._still_mine(row, chat):
                return Outcome.LEASE_LOST
            sent = await self.sender.send(chat, message, silent=silent(self.config, self.clock()))
        except (RetryAfter, ChatMigrated):
            raise
        except Unknowable as e:
            return await self._unknowable(row, chat, e)
        except ChatBroken as e:
            await self._broken(chat, e.reason)
            await self._release(chat, [row.id])
            return Outcome.CHAT_BROKEN
        except TokenRejected as e:
            self.token_rejected = True
            self.token_rejected_at = time.monotonic()
            log.error("event=token_rejected error=%r", e.reason)
            await self._release(chat, [row.id])
            await self._token_state(f"Telegram refused the bot token: {e.reason}")
            return Outcome.TOKEN
        except Rejected as e:
            if not await self._failed(row, e.reason):
                return Outcome.LEASE_LOST
            log.error(
                "event=telegram_rejected delivery=%s chat=%s reason=%r", row.id, chat, e.reason
            )
            self.failed_total += 1
            return Outcome.FAILED
        except Unreachable as e:  # knowably not sent: never "maybe posted"
            return await self._retry(row, chat, e.reason, unreachable=True)
        except (Transient, BotError) as e:  # and any kind added later: back off, retry
            return await self._retry(row, chat, e.reason)
        if not await self._record_sent(
            row.id, sent.message_id, sent.kind, row.item.title, fresh=True, chat=chat
        ):
            await self._drop_copy(row, chat, sent.message_id)
            return Outcome.LEASE_LOST
        self.sent_total += 1
        if self.token_event is not False:  # a rejection `status` may still show: cleared
            await self._token_state("")
        log.info(
            "event=telegram_sent delivery=%s item=%s chat=%s message_id=%s kind=%s",
            row.id,
            row.item.id,
            chat,
            sent.message_id,
            sent.kind,
        )
        return Outcome.SENT

    async def _failed(self, row: DeliveryRow, why: str) -> bool:
        """Give the row up, unless another sender holds it now (logged: it is that one's)."""
        if await asyncio.to_thread(self.store.mark_failed, row.id, why, owner=self.owner):
            return True
        self.lease_lost(row.id, row.chat, "mark_failed")
        return False

    async def _drop_copy(self, row: DeliveryRow, chat: str, message_id: int) -> None:
        """Telegram took this message, but the row's lease ran out before it was recorded and
        another sender recorded its own send of the row (or took the item down): two messages
        are out, and the row keeps the other's. This one's is deleted, so one stays. Kept
        when the other's send was only assumed (a timeout): that one may not exist."""
        record = await asyncio.to_thread(self.store.delivery_record, row.id)
        keep = record is None or (record[0] == "sent" and record[1] is None)
        self.lease_lost(
            row.id, chat, "mark_sent", message_id=message_id, copy="kept" if keep else "deleted"
        )
        if keep:
            return
        assert self.sender is not None
        await asyncio.to_thread(self.store.note_request, chat, self.clock())
        self.pacer.sent(chat)  # the send's answer: the delete is paced from it
        await self._pause(self.pacer.delay(chat))
        try:
            async with self.pacer.slot(chat):
                if not await self.sender.delete(chat, message_id):
                    log.error("event=duplicate_not_deleted delivery=%s chat=%s", row.id, chat)
        except BotError as e:  # a duplicate stays: the lesser harm than a message lost
            log.error(
                "event=duplicate_not_deleted delivery=%s chat=%s reason=%r", row.id, chat, e.reason
            )

    async def _token_state(self, text: str) -> None:
        """What `status` shows of the token (TOKEN_EVENT): why Telegram refused it, or ""."""
        try:
            await asyncio.to_thread(self.store.set_event, TOKEN_EVENT, text, self.clock())
        except StorageError as e:  # shown again at the next rejection or send
            log.error("event=token_state_not_stored error=%r", str(e))
            return
        self.token_event = bool(text)

    async def _edit(self, row: DeliveryRow, chat: str, message: Message) -> Outcome:
        assert self.sender is not None
        if row.message_id is None:  # assumed sent after a timeout: nothing known to edit
            if not await self._record_sent(
                row.id, None, row.message_kind or "text", row.item.title
            ):
                self.lease_lost(row.id, chat, "mark_sent")
                return Outcome.LEASE_LOST
            return Outcome.EDITED
        kind: Kind = "photo" if row.message_kind == "photo" else "text"
        if message.kind != kind:  # the message's layout was fixed when it was first sent
            message = render_row(self.config, row, kind=kind)
        # never an edit by a sender whose lease ran out: the new holder's may carry a newer title
        if not await self._still_mine(row, chat):
            return Outcome.LEASE_LOST
        try:
            await self.sender.edit(chat, row.message_id, message)
        except MessageGone as e:
            log.warning("event=edit_gone delivery=%s reason=%r", row.id, e.reason)
        if not await self._record_sent(row.id, row.message_id, kind, row.item.title):
            # the edit is idempotent: the new holder makes (or made) it with the newest title
            self.lease_lost(row.id, chat, "mark_sent")
            return Outcome.LEASE_LOST
        log.info(
            "event=telegram_edited delivery=%s chat=%s message_id=%s", row.id, chat, row.message_id
        )
        return Outcome.EDITED

    async def _unknowable(self, row: DeliveryRow, chat: str, e: Unknowable) -> Outcome:
        policy = self.config.telegram.on_timeout
        log.warning(
            "event=telegram_unknowable delivery=%s chat=%s policy=%s reason=%r",
            row.id,
            chat,
            policy,
            e.reason,
        )
        if policy == "assume-sent":
            if not await self._record_sent(row.id, None, "text", row.item.title):
                self.lease_lost(row.id, chat, "mark_sent", assumed=True)
                return Outcome.LEASE_LOST
            return Outcome.SENT
        return await self._retry(row, chat, e.reason, soon=True)

    async def _retry(
        self,
        row: DeliveryRow,
        chat: str,
        reason: str,
        *,
        soon: bool = False,
        unreachable: bool = False,
    ) -> Outcome:
        """Back off and try again later, up to `[telegram] max_attempts` tries of the row."""
        attempt = row.attempts + 1
        limit = self.config.telegram.max_attempts
        if attempt >= limit:
            return await self._give_up(row, chat, reason, attempt, unreachable=unreachable)
        delay = min(2.0 * 2**row.attempts if soon else 5.0 * 2**row.attempts, 3600.0)
        # the chat pauses too: a 5xx or a timeout is rarely about one message alone
        await self._hold(chat, min(delay, MAX_HOLD))
        self._retrying[chat] = time.monotonic() + min(delay, MAX_HOLD)
        retried = await asyncio.to_thread(
            self.store.mark_retry,
            row.id,
            reason,
            self.clock() + timedelta(seconds=delay),
            owner=self.owner,
        )
        if not retried:
            self.lease_lost(row.id, chat, "mark_retry")
            return Outcome.LEASE_LOST
        log.warning(
            "event=telegram_retry delivery=%s chat=%s attempt=%d of=%d in=%ss reason=%r",
            row.id,
            chat,
            attempt,
            limit,
            delay,
            reason,
        )
        return Outcome.RETRY

    async def _give_up(
        self, row: DeliveryRow, chat: str, reason: str, attempt: int, *, unreachable: bool
    ) -> Outcome:
        if unreachable:
            # nothing left the process: the row stays pending, the chat waits as broken
            await self._release(chat, [row.id])
            await self._broken(chat, f"{reason} ({attempt} attempts)")
            return Outcome.CHAT_BROKEN
        why = f"gave up after {attempt} attempts: {reason}"
        if not await self._failed(row, why):
            return Outcome.LEASE_LOST
        self.failed_total += 1
        log.error("event=telegram_gave_up delivery=%s chat=%s reason=%r", row.id, chat, why)
        self.alert_admin(chat, f"⚠️ a message to {chat} was not delivered: {why}")
        return Outcome.FAILED

    async def _broken(self, chat: str, reason: str) -> None:
        first = await asyncio.to_thread(self.store.channel_broken, chat, reason, self.clock())
        log.error("event=channel_broken chat=%s reason=%r", chat, reason)
        if first:
            self.alert_admin(
                chat,
                f"⚠️ channel {chat} is broken: {reason}. Its messages wait until the bot can "
                "post there again (checked every 10 minutes; see syndication status).",
            )
