"""Alerts for the admin chat: logged at once, sent by the delivery loop beside the channels'
messages (never held behind their queues)."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bots.errors import BotError, ChatMigrated, RetryAfter, Transient
from bots.message import Message
from bots.pacing import Pacer
from bots.template import TEXT_LIMIT, clean_plain, cut_plain

if TYPE_CHECKING:
    from bots.telegram import TelegramSender

log = logging.getLogger("syndication.deliver")
MAX_QUEUED = 100  # alerts waiting for the admin chat; older ones are only in the log
# seconds a flush waits for the admin chat's pace (a full minute of 20 alerts included); a
# longer 429 keeps the rest queued for a later flush rather than hold up the drain that long
MAX_WAIT = 90.0
TRANSIENT_PAUSE = 5.0  # the admin chat's pause after a 5xx or an unreachable Bot API


class AdminAlerts:
    def __init__(self) -> None:
        self.queue: list[str] = []
        # the admin chat -> the supergroup Telegram moved it to (a group upgraded): the
        # config still names the old one, which refuses every message from then on
        self.moved: dict[str, str] = {}

    def add(self, subject: str, text: str, admin_chat: str | int | None) -> None:
        log.warning("event=admin_alert subject=%s text=%r", subject, text)
        if admin_chat is not None:
            self.queue.append(text)
            del self.queue[:-MAX_QUEUED]

    async def flush(
        self,
        sender: TelegramSender | None,
        admin_chat: str | int | None,
        pacer: Pacer,
        pause: Callable[[float], Awaitable[None]],
    ) -> None:
        if sender is None or admin_chat is None:
            self.queue.clear()
            return
        chat = self.moved.get(str(admin_chat), str(admin_chat))
        while self.queue:
            if pacer.delay(chat) > MAX_WAIT:  # a long 429: a later flush sends the rest
                return
            text = self.queue.pop(0)
            try:
                await pause(pacer.delay(chat))
                async with pacer.slot(chat):
                    await sender.send(chat, _message(text))
            except ChatMigrated as e:
                if str(e.new_chat_id) == chat or chat != str(admin_chat):
                    log.error("event=admin_alert_failed chat=%s reason=%r", chat, e.reason)
                    return  # moved twice: not followed further
                self.queue.insert(0, text)  # sent again at once, to the new id
                self.moved[chat] = chat = str(e.new_chat_id)
                log.warning(
                    "event=admin_chat_migrated chat=%s new=%s hint=%r",
                    admin_chat,
                    chat,
                    "set [telegram] admin_chat to the new id",
                )
            except (RetryAfter, Transient) as e:
                # not sent: it goes first next time, after the pause Telegram asked for
                self.queue.insert(0, text)
                pacer.block(chat, e.seconds if isinstance(e, RetryAfter) else TRANSIENT_PAUSE)
                log.warning("event=admin_alert_deferred chat=%s reason=%r", chat, e.reason)
                return
            except BotError as e:
                log.error("event=admin_alert_failed chat=%s reason=%r", chat, e.reason)
                return


def _message(text: str) -> Message:
    """The alert as plain text cut to one message: a config.toml with hundreds of problems
    would be refused as too long, and the admin would hear nothing of it."""
    plain = cut_plain(clean_plain(text, multiline=True), TEXT_LIMIT)
    return Message("text", html.escape(plain), disable_web_page_preview=True)
