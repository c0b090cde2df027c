"""What may be pushed: editorial holds ([[filters]]) and the burst cap, as the store applies them.

    ingest -> Gate.decide(chat, regency, item) -> "pending" | "filtered" (why) | "capped" (why)
    reconfigure -> refilter: pending <-> filtered for messages not yet sent

The store never reads the config: the service hands it a `HoldReason` (config.editorial.reason)
and the cap. A held or capped message keeps a delivery row, so `explain` and `status` can say
what became of it; its item stays in every feed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from ..types import Item
from . import schema as t
from .base import Queries

# (regency, title, summary, content_html) -> why the message is held back there, or None
HoldReason = Callable[[str, str, str, str], str | None]


@dataclass
class Gate:
    """One poll of one source: editorial holds, and at most `per_chat` new messages per chat
    (the rest of a burst is feed-only backlog: a row in state "capped")."""

    source_id: str = ""
    hold: HoldReason | None = None
    per_chat: int | None = None
    queued: dict[str, int] = field(default_factory=dict)  # chat -> messages queued this poll
    capped: dict[str, int] = field(default_factory=dict)  # chat -> messages left out

    def decide(self, chat: str, regency: str, item: Item) -> tuple[str, str | None]:
        """(state, last_error) of a new delivery row, counted against this poll's cap."""
        if self.hold is not None:
            why = self.hold(regency, item.title, item.summary, item.content_html)
            if why is not None:
                return "filtered", why
        if self.per_chat is not None and self.queued.get(chat, 0) >= self.per_chat:
            self.capped[chat] = self.capped.get(chat, 0) + 1
            return "capped", (
                f"over max_per_poll ({self.per_chat} per chat) in one poll of "
                f"{self.source_id or 'its source'}: in the feeds only"
            )
        self.queued[chat] = self.queued.get(chat, 0) + 1
        return "pending", None

    def snapshot(self) -> tuple[dict[str, int], dict[str, int]]:
        return dict(self.queued), dict(self.capped)

    def restore(self, saved: tuple[dict[str, int], dict[str, int]]) -> None:
        """Undo the counts of an entry the store rejected (its rows were rolled back)."""
        self.queued, self.capped = dict(saved[0]), dict(saved[1])


@dataclass(frozen=True)
class Refiltered:
    held: int = 0  # pending -> filtered
    released: int = 0  # filtered -> pending
    capped: dict[str, int] = field(default_factory=dict)  # chat -> filtered -> capped (the cap)


def refiltered(why: str | None, state: str, last_error: str | None) -> str | None:
    """What the filters now make of a message not yet sent (`why`: the reason one holds it,
    or None): "held" (a pending one held, or a held one held for another reason), "released"
    (a held one no filter holds any more), or None (as it is)."""
    if why is not None and (state == "pending" or why != last_error):
        return "held"
    if why is None and state == "filtered":
        return "released"
    return None


class EditorialQueries(Queries):
    def refilter(
        self,
        hold: HoldReason,
        now: datetime,
        max_age: timedelta,
        per_chat: int | None = None,
        batch: int = 500,
    ) -> Refiltered:
        """Apply new filters to the messages not yet sent: a pending message now held becomes
        filtered; a filtered one no filter holds any more is queued again if its item is still
        younger than `max_age` and not withdrawn, at most `per_chat` per chat (the rest, as
        for a burst, stays in the feeds only: "capped"). A message a sender holds a lease on
        is left to it. One short transaction per batch of rows."""
        d, i = t.deliveries.c, t.items.c
        free = or_(d.lease_until.is_(None), d.lease_until < now)
        query = (
            select(
                d.id, d.chat, d.state, d.regency, d.last_error, i.title, i.summary, i.content_html
            )
            .join(t.items, i.id == d.item_id)
            .where(
                free,
                i.withdrawn_at.is_(None),  # a withdrawn item is never announced again
                or_(
                    d.state == "pending",
                    (d.state == "filtered") & (i.published >= now - max_age),
                ),
            )
            .order_by(d.id)
        )
        held = 0
        queued: dict[str, int] = {}
        capped: dict[str, int] = {}
        over = (
            f"over max_per_poll ({per_chat} per chat) when [[filters]] changed: in the feeds only"
        )
        after = 0
        while True:
            with self._tx() as conn:
                rows = conn.execute(query.where(d.id > after).limit(batch)).all()
                for r in rows:
                    why = hold(r.regency, r.title, r.summary, r.content_html)
                    row = update(t.deliveries).where(d.id == r.id, d.state == r.state, free)
                    verdict = refiltered(why, r.state, r.last_error)
                    if verdict == "held":
                        conn.execute(row.values(state="filtered", last_error=why))
                        held += r.state == "pending"
                    elif verdict == "released":
                        if per_chat is not None and queued.get(r.chat, 0) >= per_chat:
                            conn.execute(row.values(state="capped", last_error=over))
                            capped[r.chat] = capped.get(r.chat, 0) + 1
                            continue
                        conn.execute(row.values(state="pending", last_error=None, next_attempt=now))
                        queued[r.chat] = queued.get(r.chat, 0) + 1
            if len(rows) < batch:
                return Refiltered(held, sum(queued.values()), capped)
            after = rows[-1].id
