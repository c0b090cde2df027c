"""A withdrawn article's messages: delete each one (deleteMessage); where Telegram refuses (a
message older than 48 hours, or one it no longer knows), edit it to say the article was
withdrawn, with its title and no link. Errors other than a refusal raise to the caller, which
handles them as for any send (a 429 waits, a broken chat keeps the row, a 5xx backs off)."""

from __future__ import annotations

import asyncio
import html
import logging

from bots.errors import MessageGone
from bots.message import Kind, Message

from ..store import DeliveryRow
from .core import Core
from .outcome import Outcome

log = logging.getLogger("syndication.deliver")
NOTICE = "⚠️ Artikel ini telah ditarik oleh portal."


def withdrawn_message(row: DeliveryRow) -> Message:
    """What a message that could not be deleted is edited to: the notice and the title."""
    kind: Kind = "photo" if row.message_kind == "photo" else "text"
    text = f"{NOTICE}\n<b>{html.escape(row.item.title, quote=False)}</b>"
    return Message(kind=kind, html=text, disable_web_page_preview=True)


class Withdrawing(Core):
    async def _take_down(self, row: DeliveryRow, chat: str) -> Outcome:
        """Inside the pacer slot of the delete: an edit that follows a refused delete takes
        a slot of its own, and each request is recorded for the next holder of the chat."""
        assert self.sender is not None
        if row.message_id is None:  # assumed sent after a timeout: no message known to delete
            return await self._withdrawn(row, chat, "no message id known", answered=False)
        if not await self._still_mine(row, chat):
            return Outcome.LEASE_LOST
        if await self.sender.delete(chat, row.message_id):
            return await self._withdrawn(row, chat, "deleted")
        await asyncio.to_thread(self.store.note_request, chat, self.clock())
        self.pacer.sent(chat)  # the delete's answer: the edit is paced from it
        await self._pause(self.pacer.delay(chat))
        if self.stopped:
            await self._release(chat, [row.id])
            return Outcome.STOPPED
        async with self.pacer.slot(chat):
            if not await self._still_mine(row, chat):
                return Outcome.LEASE_LOST
            try:
                await self.sender.edit(chat, row.message_id, withdrawn_message(row))
            except MessageGone as e:  # not there to edit either: nothing is left to take down
                return await self._withdrawn(row, chat, f"gone: {e.reason}")
        return await self._withdrawn(row, chat, "edited: too old to delete")

    async def _withdrawn(
        self, row: DeliveryRow, chat: str, how: str, *, answered: bool = True
    ) -> Outcome:
        when = self.clock() if answered else None
        # recorded only while the row is still this sender's: one that stalled past its lease
        # meanwhile finds the new holder's record, which it would read as "the item came
        # back" and undo (an edit, or a new send, of a story taken down)
        if not await asyncio.to_thread(
            self.store.mark_withdrawn, row.id, how, when, owner=self.owner
        ):
            self.lease_lost(row.id, chat, "mark_withdrawn")
            return Outcome.LEASE_LOST
        if answered:
            await asyncio.to_thread(self._reopen, chat)
        log.info(
            "event=telegram_withdrawn delivery=%s item=%s chat=%s message_id=%s how=%r",
            row.id,
            row.item.id,
            chat,
            row.message_id,
            how,
        )
        return Outcome.WITHDRAWN

    def _reopen(self, chat: str) -> None:
        """Telegram answered a request about `chat`, so the bot can reach it again: a broken
        channel (probed with this withdrawal) is open again, as a message sent would make it,
        and its other messages go now rather than after the next probe. Blocking."""
        if chat in self.store.broken_chats():
            self.store.reset_channel(chat, self.clock())
