"""The state every part of delivery shares, and the small steps they all use."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bots.pacing import Limits, Pacer

from ..config import Config, TelegramConfig
from ..errors import StorageError
from ..liveness import lease_owner
from ..store import DeliveryRow, Store
from .alerts import AdminAlerts

if TYPE_CHECKING:
    from bots.telegram import TelegramSender

log = logging.getLogger("syndication.deliver")
LEASE = timedelta(seconds=60)  # a dead process's rows are free again after this
RENEW = 15.0  # seconds between lease renewals (and dead-owner checks) while draining
MAX_HOLD = 30.0  # a transient error pauses its chat this long at most
RECORD_PATIENCE = 600.0  # seconds a sent message's record is retried while the database is away
SharedPacer = Pacer  # the name other modules and tests know


def telegram_sender(token: str, api_url: str) -> TelegramSender:
    """A sender for this token; python-telegram-bot is loaded here, so a dry run never loads it."""
    from bots.telegram import TelegramSender

    return TelegramSender(token, api_url)


def limits(tg: TelegramConfig) -> Limits:
    return Limits(
        chat_interval=1.0 / tg.per_chat_per_second,
        chat_per_minute=tg.per_chat_per_minute,
        bot_per_second=tg.global_per_second,
        chat_window=tg.pace_window.total_seconds(),
    )


TOKEN_RECHECK = 600.0  # seconds before a process tries a rejected token again


class Core:
    def __init__(self, config: Config, store: Store, clock: Callable[[], datetime], owner: str):
        self.config = config
        self.store = store
        self.clock = clock
        self.owner = lease_owner(owner)
        self.pacer = Pacer(limits(config.telegram))
        self._endpoint = (config.token(), config.telegram.api_url)
        token = self._endpoint[0]
        self.sender = telegram_sender(token, config.telegram.api_url) if token else None
        self._stop = asyncio.Event()
        self.token_rejected = False
        self.token_rejected_at = 0.0  # time.monotonic() of the last rejection
        # whether the store may still hold a rejection (TOKEN_EVENT): unknown at start
        self.token_event: bool | None = None
        self.sent_total = 0
        self.failed_total = 0
        self.alerts = AdminAlerts()
        self._moved: set[str] = set()  # chats migrated during this process's life
        # a drain's bound on waits for retries (time.monotonic(); None: none), and until when
        # each chat pauses for a retry (not for a rate limit, which is always waited out)
        self.retry_deadline: float | None = None
        self._retrying: dict[str, float] = {}

    def past_budget(self, chat: str, wait: float) -> bool:
        """Whether waiting `wait` seconds for `chat`'s retry pause would end past the
        drain's budget: its rows are left pending for the next run."""
        if self.retry_deadline is None or wait <= 0:
            return False
        now = time.monotonic()
        return now < self._retrying.get(chat, 0.0) and now + wait > self.retry_deadline

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

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), seconds)

    def alert_admin(self, subject: str, text: str) -> None:
        self.alerts.add(subject, text, self.config.telegram.admin_chat)

    async def _hold(self, chat: str, seconds: float) -> None:
        """Pause `chat` here and in the store, for whichever process sends to it next."""
        self.pacer.block(chat, seconds)
        until = self.clock() + timedelta(seconds=seconds)
        await asyncio.to_thread(self.store.hold_chat, chat, until)

    async def _record_sent(
        self,
        delivery_id: int,
        message_id: int | None,
        kind: str,
        title: str,
        *,
        fresh: bool = False,
        chat: str | None = None,
    ) -> bool:
        """Record a message that left: before anything else, and patiently (RECORD_PATIENCE),
        since a record lost now means the message is sent again by the next run. False when
        the record did not apply: the row's lease ran out meanwhile and another sender holds
        or recorded it (`fresh`, a first send: see store.mark_sent)."""
        delay, waited = 0.1, 0.0
        while True:
            try:
                return await asyncio.to_thread(
                    self.store.mark_sent,
                    delivery_id,
                    self.clock(),
                    message_id,
                    kind,
                    title,
                    owner=self.owner,
                    fresh=fresh,
                    chat=chat,
                )
            except (StorageError, SQLAlchemyError) as e:
                if waited >= RECORD_PATIENCE:
                    raise StorageError(
                        f"delivery {delivery_id} was sent but cannot be recorded: {e}"
                    ) from e
                log.error(
                    "event=record_sent_failed delivery=%s retry_in=%ss error=%r",
                    delivery_id,
                    delay,
                    str(e),
                )
            # not stoppable: the record must be written even while the process stops
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 10.0)

    def lease_lost(self, delivery_id: int, chat: str, write: str, **more: object) -> None:
        """One line for a write that did not apply: another sender holds the row now."""
        extra = "".join(f" {k}={v}" for k, v in more.items())
        log.warning(
            "event=delivery_lease_lost delivery=%s chat=%s owner=%s write=%s%s",
            delivery_id,
            chat,
            self.owner,
            write,
            extra,
        )

    async def _still_mine(self, row: DeliveryRow, chat: str) -> bool:
        """Before a request about `row`: note it (mark_attempt) and renew the row's lease so it
        covers the request, if the row is still this process's. False (logged): its lease ran
        out and another sender holds it, which sends it; this one must not."""
        mine = await asyncio.to_thread(
            self.store.mark_attempt, row.id, self.clock(), owner=self.owner, lease=LEASE
        )
        if not mine:
            self.lease_lost(row.id, chat, "mark_attempt")
        return bool(mine)

    async def _release(self, chat: str, delivery_ids: list[int]) -> None:
        """Hand back rows unsent: only those still this process's (one line for the others)."""
        if not delivery_ids:
            return
        freed = await asyncio.to_thread(self.store.release, delivery_ids, owner=self.owner)
        if freed < len(delivery_ids):
            log.warning(
                "event=delivery_lease_lost chat=%s owner=%s write=release rows=%d kept=%d",
                chat,
                self.owner,
                len(delivery_ids),
                len(delivery_ids) - freed,
            )
