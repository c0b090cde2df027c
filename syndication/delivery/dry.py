"""Dry run (no token): render and log each pending message once; every row stays pending.

Idle means idle: the pending rows are looked at (leased for a moment, then released) only when
their set has changed since the last look, which a cheap read tells."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bots.errors import BotError

from ..config import Config
from ..store import Store
from ..store import schema as t
from .render import render_row

log = logging.getLogger("syndication.deliver")
DRY_LIMIT = 10_000  # rows looked at per pass


class DryRun:
    def __init__(self, store: Store, owner: str, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.owner = owner
        self.clock = clock
        self.logged: set[tuple[int, str]] = set()  # (row id, state) logged; only pending ones
        self._seen: tuple[int, int | None] | None = None

    async def run(self, config: Config, lease: timedelta) -> int:
        """Log what is new; the number of rows rendered and logged by this pass."""
        mark = await asyncio.to_thread(self._pending_mark)
        if mark == self._seen:
            return 0
        rows = await asyncio.to_thread(
            self.store.claim_deliveries, self.owner, self.clock(), lease, DRY_LIMIT
        )
        try:
            logged = 0
            current = {(row.id, row.state) for row in rows}
            for row in rows:
                if (row.id, row.state) in self.logged:
                    continue
                logged += 1
                try:
                    message = render_row(config, row)
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
            self.logged = current  # bounded by what is pending
        finally:
            await asyncio.to_thread(self.store.release, [r.id for r in rows])
        self._seen = mark  # a row added since changes the mark: the next pass looks again
        return logged

    def _pending_mark(self) -> tuple[int, int | None]:
        """(how many rows wait, the newest one's id): changes when a row is added or re-opened."""
        d = t.deliveries.c
        query = select(func.count(), func.max(d.id)).where(d.state.in_(("pending", "edit")))
        with self.store.reading() as conn:
            count, newest = conn.execute(query).one()
        return int(count), None if newest is None else int(newest)
