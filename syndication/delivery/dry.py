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
from ..store import DeliveryRow, Store
from ..store import schema as t
from .render import render_row

log = logging.getLogger("syndication.deliver")
DRY_LIMIT = 10_000  # rows looked at per pass
DRY_BATCH = 200  # rows (with their items) held in memory at once


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
        # in batches, each leased until the pass ends (so the next batch is other rows): a
        # row carries its item's whole text, and 10,000 at once were a third of a cold run's
        # peak memory
        claimed: list[int] = []
        current: set[tuple[int, str]] = set()
        logged = 0
        # one moment for the whole pass: a lease taken by its first batch never reads as
        # expired to a later one, however long the pass (or each batch would claim the first
        # rows again)
        now = self.clock()
        try:
            while len(claimed) < DRY_LIMIT:
                rows = await asyncio.to_thread(
                    self.store.claim_deliveries, self.owner, now, lease, DRY_BATCH
                )
                claimed += [r.id for r in rows]
                for row in rows:
                    current.add((row.id, row.state))
                    if (row.id, row.state) not in self.logged:
                        logged += 1
                        _log(config, row)
                if len(rows) < DRY_BATCH:
                    break
            self.logged = current  # bounded by what is pending
        finally:
            # only rows still this pass's: one whose lease ran out may be a sender's now
            await asyncio.to_thread(self.store.release, claimed, owner=self.owner)
        self._seen = mark  # a row added since changes the mark: the next pass looks again
        return logged

    def _pending_mark(self) -> tuple[int, int | None]:
        """(how many rows wait, the newest one's id): changes when a row is added or re-opened."""
        d = t.deliveries.c
        query = select(func.count(), func.max(d.id)).where(d.state.in_(("pending", "edit")))
        with self.store.reading() as conn:
            count, newest = conn.execute(query).one()
        return int(count), None if newest is None else int(newest)


def _log(config: Config, row: DeliveryRow) -> None:
    try:
        message = render_row(config, row)
    except BotError as e:
        log.error("event=telegram_dry_run delivery=%s error=%r", row.id, e.reason)
        return
    log.info(
        "event=telegram_dry_run chat=%s kind=%s delivery=%s state=%s\n%s",
        row.chat,
        message.kind,
        row.id,
        row.state,
        message.html,
    )
