"""Alerts for the admin chat: logged at once, sent by the delivery loop beside the channels'
messages (never held behind their queues)."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bots.errors import BotError
from bots.message import Message
from bots.pacing import Pacer

if TYPE_CHECKING:
    from bots.telegram import TelegramSender

log = logging.getLogger("syndication.deliver")
MAX_QUEUED = 100  # alerts waiting for the admin chat; older ones are only in the log


class AdminAlerts:
    def __init__(self) -> None:
        self.queue: list[str] = []

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
        chat = str(admin_chat)
        while self.queue:
            text = self.queue.pop(0)
            try:
                await pause(pacer.delay(chat))
                async with pacer.slot(chat):
                    await sender.send(
                        chat, Message("text", html.escape(text), disable_web_page_preview=True)
                    )
            except BotError as e:
                log.error("event=admin_alert_failed chat=%s reason=%r", chat, e.reason)
                return
