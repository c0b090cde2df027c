"""The durable Telegram queue: (item, chat) rows with leases, channel health, and the
per-chat send lease that keeps one process at a time sending to a chat."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    func,
    insert,
    or_,
    select,
    union,
    update,
)

from . import schema as t
from .base import Queries, _aware, _scope_item, channel_health, upsert_insert
from .items import INGEST_LOCK
from .records import (
    DeliveryRow,
    migration_chain,
)

# the states a sender works on: send, edit (title corrected), withdraw (delete the message)
QUEUED = ("pending", "edit", "withdraw")
# a row no send of which is recorded: a late record of a message Telegram took still applies
UNRECORDED = ("pending", "cancelled", "failed")


def _queued() -> Any:
    """A row a sender works on: never a message still to announce about a withdrawn item
    (withdrawal cancels those; this guards a row that slipped past it)."""
    d, i = t.deliveries.c, t.items.c
    # the row's own item, looked up by its key: `item_id NOT IN (withdrawn items)` read the
    # whole items table (no index on withdrawn_at) on every claim and due check
    withdrawn = select(i.id).where(i.id == d.item_id, i.withdrawn_at.is_not(None)).exists()
    return and_(d.state.in_(QUEUED), or_(d.state != "pending", ~withdrawn))


@dataclass(frozen=True)
class ChatLease:
    """A chat's send lease, just taken: what earlier senders left for this one's pacer."""

    sends: tuple[datetime, ...]  # when messages to the chat were answered, oldest first
    hold_until: datetime | None  # a 429 or error pause that is still running


class DeliveryQueries(Queries):
    # --- deliveries -------------------------------------------------------------------

    def claim_deliveries(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        skip_chats: Iterable[str] = (),
        *,
        chat: str | None = None,
        include_broken: bool = False,
    ) -> list[DeliveryRow]:
        """Lease up to `limit` due rows (of one `chat` when given); a broken chat's rows only
        with `include_broken` (a probe whether the bot is back)."""
        d, ch = t.deliveries.c, t.channels.c
        broken = select(ch.chat).where(ch.state == "broken")
        conds = [
            _queued(),
            d.next_attempt <= now,
            or_(d.lease_until.is_(None), d.lease_until < now),
            d.chat.not_in(list(skip_chats)),
        ]
        if not include_broken:
            conds.append(d.chat.not_in(broken))
        if chat is not None:
            conds.append(d.chat == chat)
        query = select(d.id).where(*conds).order_by(d.next_attempt, d.id).limit(limit)
        claimed: list[int] = []
        with self._tx() as conn:
            for (delivery_id,) in conn.execute(query).all():
                # the row's conditions again, not only its lease: on PostgreSQL a row sent,
                # cancelled, held or put off by another process since the select above is
                # re-checked here against what that process committed
                res = conn.execute(
                    update(t.deliveries)
                    .where(d.id == delivery_id, *conds)
                    .values(lease_owner=owner, lease_until=now + lease)
                )
                if res.rowcount == 1:
                    claimed.append(delivery_id)
            rows = conn.execute(
                select(t.deliveries, t.items)
                .join(t.items, t.items.c.id == d.item_id)
                .where(d.id.in_(claimed))
                .order_by(d.next_attempt, d.id)
            ).all()
        return [_delivery_row(r) for r in rows]

    def next_delivery_due(
        self,
        owner: str | None = None,
        now: datetime | None = None,
        *,
        chats: Collection[str] | None = None,
    ) -> datetime | None:
        """When the next pending row of a working channel (one of `chats`, when given) becomes
        due (and unleased).

        Without `owner`, a chat's send lease delays its rows like a row lease does; with
        `owner` and `now`, chats another owner holds at `now` are left out: that process sends
        to them."""
        d, ch = t.deliveries.c, t.channels.c
        broken = select(ch.chat).where(ch.state == "broken")
        row_free = case(
            (and_(d.lease_until.is_not(None), d.lease_until > d.next_attempt), d.lease_until),
            else_=d.next_attempt,
        )
        free_at = case(
            (and_(ch.lease_until.is_not(None), ch.lease_until > row_free), ch.lease_until),
            else_=row_free,
        )
        conds = [_queued(), d.chat.not_in(broken)]
        if chats is not None:
            conds.append(d.chat.in_(sorted(chats)))
        if owner is not None and now is not None:
            conds.append(d.chat.not_in(_held_by_others(owner, now)))
            free_at = row_free
        query = (
            select(func.min(free_at))
            .select_from(t.deliveries.outerjoin(t.channels, ch.chat == d.chat))
            .where(*conds)
        )
        with self._read() as conn:
            due = conn.execute(query).scalar_one_or_none()
        result: datetime | None = _aware(due)
        return result

    def due_chats(
        self, now: datetime, owner: str | None = None, *, chats: Collection[str] | None = None
    ) -> list[str]:
        """Working chats (among `chats`, when given) with at least one due, unleased row that
        no other process holds (with `owner` None: that no process holds)."""
        d, ch = t.deliveries.c, t.channels.c
        broken = select(ch.chat).where(ch.state == "broken")
        query = (
            select(d.chat)
            .distinct()
            .where(
                _queued(),
                d.next_attempt <= now,
                or_(d.lease_until.is_(None), d.lease_until < now),
                d.chat.not_in(broken),
                d.chat.not_in(_held_by_others(owner, now)),
            )
        )
        if chats is not None:
            query = query.where(d.chat.in_(sorted(chats)))
        with self._read() as conn:
            return sorted(r.chat for r in conn.execute(query))

    def chat_has_due(self, chat: str, now: datetime) -> bool:
        """Whether `chat` has a due, unleased row."""
        d = t.deliveries.c
        query = select(d.id).where(
            d.chat == chat,
            _queued(),
            d.next_attempt <= now,
            or_(d.lease_until.is_(None), d.lease_until < now),
        )
        with self._read() as conn:
            return conn.execute(query.limit(1)).first() is not None

    # --- chat send leases: one process at a time sends to a chat ------------------------

    def acquire_chat(
        self, chat: str, owner: str, now: datetime, lease: timedelta, *, since: datetime
    ) -> ChatLease | None:
        """Take `chat`'s send lease when it is free, expired or already `owner`'s; None when
        another process holds it. Race-free: one conditional UPDATE of a row that surely
        exists (PostgreSQL re-checks the condition after waiting for a concurrent writer;
        SQLite's BEGIN IMMEDIATE serializes writers). The answer carries the chat's sends
        after `since` and any pause still running, so the new sender paces from there."""
        c, d = t.channels.c, t.deliveries.c
        free = or_(c.lease_owner.is_(None), c.lease_until.is_(None), c.lease_until < now)
        with self._tx() as conn:
            _ensure_channel(conn, chat)
            res = conn.execute(
                update(t.channels)
                .where(c.chat == chat, or_(free, c.lease_owner == owner))
                .values(lease_owner=owner, lease_until=now + lease)
            )
            if res.rowcount != 1:
                return None
            channel = conn.execute(select(c.hold_until, c.last_sent).where(c.chat == chat)).one()
            hold, last = _aware(channel.hold_until), _aware(channel.last_sent)
            rows = conn.execute(
                select(d.sent_at, d.state).where(d.chat == chat, d.sent_at > since)
            ).all()
            # a pending row's sent_at is a request that left unanswered (mark_attempt): it may
            # have reached Telegram as late as now, so it counts as sent now; the chat's
            # last_sent is a request too (a refused delete: see note_request), unless it is a
            # row's own answer
            times = {now if r.state == "pending" else _aware(r.sent_at) for r in rows}
            if last is not None and last > since:
                times.add(last)
            sends = sorted(times)
            return ChatLease(
                sends=tuple(sends),
                hold_until=hold if hold is not None and hold > now else None,
            )

    def renew_chat(self, chat: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """Extend `owner`'s lease on `chat`; False when another process took it meanwhile."""
        c = t.channels.c
        with self._tx() as conn:
            res = conn.execute(
                update(t.channels)
                .where(c.chat == chat, c.lease_owner == owner)
                .values(lease_until=now + lease)
            )
            return bool(res.rowcount == 1)

    def release_chat(self, chat: str, owner: str) -> None:
        c = t.channels.c
        with self._tx() as conn:
            conn.execute(
                update(t.channels)
                .where(c.chat == chat, c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def hold_chat(self, chat: str, until: datetime) -> None:
        """Nothing goes to `chat` before `until` (a 429's retry_after), whoever sends next."""
        c = t.channels.c
        with self._tx() as conn:
            conn.execute(
                update(t.channels)
                .where(c.chat == chat, or_(c.hold_until.is_(None), c.hold_until < until))
                .values(hold_until=until)
            )

    def broken_chats(self) -> dict[str, datetime]:
        """Broken chat -> when it was last found broken."""
        c = t.channels.c
        with self._read() as conn:
            rows = conn.execute(select(c.chat, c.updated).where(c.state == "broken"))
            return {r.chat: _aware(r.updated) for r in rows}

    def renew_leases(self, owner: str, now: datetime, lease: timedelta) -> int:
        """Extend every delivery and chat lease `owner` holds (it is alive and still working)."""
        d, c = t.deliveries.c, t.channels.c
        with self._tx() as conn:
            rows = conn.execute(
                update(t.deliveries)
                .where(d.lease_owner == owner, d.lease_until.is_not(None))
                .values(lease_until=now + lease)
            )
            chats = conn.execute(
                update(t.channels)
                .where(c.lease_owner == owner, c.lease_until.is_not(None))
                .values(lease_until=now + lease)
            )
            return int(rows.rowcount) + int(chats.rowcount)

    def lease_owners(self, now: datetime) -> list[str]:
        """Owners holding an unexpired delivery, chat or poll lease."""
        d, c, s = t.deliveries.c, t.channels.c, t.sources.c
        with self._read() as conn:
            rows = conn.execute(
                union(
                    select(d.lease_owner.label("owner")).where(d.lease_until >= now),
                    select(c.lease_owner).where(c.lease_until >= now),
                    select(s.lease_owner).where(s.lease_until >= now),
                )
            )
            return sorted({r.owner for r in rows if r.owner})

    def release_owner(self, owner: str) -> int:
        """Free every delivery, chat and poll lease of `owner` (a process known to be dead)."""
        d, c, s = t.deliveries.c, t.channels.c, t.sources.c
        with self._tx() as conn:
            rows = conn.execute(
                update(t.deliveries)
                .where(d.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )
            chats = conn.execute(
                update(t.channels)
                .where(c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )
            polls = conn.execute(
                update(t.sources)
                .where(s.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )
            return int(rows.rowcount) + int(chats.rowcount) + int(polls.rowcount)

    def mark_attempt(
        self,
        delivery_id: int,
        now: datetime,
        *,
        owner: str | None = None,
        lease: timedelta | None = None,
    ) -> bool:
        """Note a send request about to leave (its sent_at, until mark_sent writes the answer's
        time): the next holder of the chat counts it toward the pace even if this process dies
        before the answer comes. Only a sent or edit row's sent_at is ever shown as sent.

        With `owner`: only while the row is still `owner`'s (its lease not taken over by a
        claim since), renewing the lease for `lease` from `now` so it covers the request;
        False means another sender holds the row now and this one must not send it."""
        d = t.deliveries.c
        values: dict[str, Any] = {"sent_at": now}
        if lease is not None:
            values["lease_until"] = now + lease
        with self._tx() as conn:
            res = conn.execute(
                update(t.deliveries).where(d.id == delivery_id, *_owned(owner)).values(**values)
            )
            return bool(res.rowcount == 1)

    def note_request(self, chat: str, now: datetime) -> None:
        """A request to `chat` that no row keeps the time of (a delete Telegram refused, before
        the edit that follows it): the next holder of the chat counts it toward the pace."""
        with self._tx() as conn:
            self._channel(conn, chat, now, last_sent=now)

    def mark_sent(
        self,
        delivery_id: int,
        now: datetime,
        message_id: int | None,
        kind: str,
        title: str,
        *,
        owner: str | None = None,
        fresh: bool = False,
        chat: str | None = None,
    ) -> bool:
        """Record Telegram's answer: the message sent (or edited). With `owner`, only while
        the row is still `owner`'s; False when another sender holds or recorded it.

        `fresh`: a first send of the row, which Telegram took (a `message_id`). Its record
        applies even when the lease was lost meanwhile, as long as no send of the row is
        recorded (still pending, or cancelled, or given up by the new holder): the message
        IS out there, and the new holder, told by mark_attempt that the row is no longer
        its own, does not send it again. A send assumed after a timeout (no message id) or
        an edit applies only while the row is `owner`'s."""
        d = t.deliveries.c
        # a title corrected while the message was on its way: the message is edited next
        current = select(t.items.c.title).where(t.items.c.id == d.item_id).scalar_subquery()
        # an item withdrawn while its message was on its way: the message is deleted next
        gone = d.state.in_(("cancelled", "withdraw"))
        # a row left with more to do (an edit, a deletion) starts its own tries afresh; a sent
        # one keeps how many it took
        tries: Any = d.attempts
        if message_id is None:  # assumed sent: nothing known to edit or delete
            state: Any = case((gone, "withdrawn"), else_="sent")
        else:
            state = case((gone, "withdraw"), (current != title, "edit"), else_="sent")
            tries = case((gone, 0), (current != title, 0), else_=d.attempts)
        mine: list[Any] = _owned(owner)
        if owner is not None and fresh and message_id is not None:
            unrecorded = and_(d.state.in_(UNRECORDED), d.message_id.is_(None))
            if chat is not None:  # a row a reload moved to another chat meanwhile: not this
                unrecorded = and_(unrecorded, d.chat == chat)
            mine = [or_(d.lease_owner == owner, unrecorded)]
        with self._tx() as conn:
            res = conn.execute(
                update(t.deliveries)
                .where(d.id == delivery_id, *mine)
                .values(
                    state=state,
                    next_attempt=now,
                    message_id=message_id,
                    message_kind=kind,
                    sent_title=title,
                    sent_at=now,
                    last_error=None,
                    attempts=tries,
                    lease_owner=None,
                    lease_until=None,
                )
            )
            chat = conn.execute(
                select(t.deliveries.c.chat).where(t.deliveries.c.id == delivery_id)
            ).scalar_one()
            # not a write on the row: Telegram answered, so the chat works and counts this
            # request toward its pace, whichever sender's record the row keeps
            self._channel(
                conn, chat, now, state="ok", reason=None, last_sent=now, failures=0, last_error=None
            )
            return bool(res.rowcount == 1)

    def delivery_record(self, delivery_id: int) -> tuple[str, int | None] | None:
        """The row's state and the message id it records (None: no row)."""
        d = t.deliveries.c
        with self._read() as conn:
            row = conn.execute(select(d.state, d.message_id).where(d.id == delivery_id)).first()
        return None if row is None else (str(row.state), row.message_id)

    def mark_retry(
        self,
        delivery_id: int,
        error: str,
        next_attempt: datetime,
        *,
        count: bool = True,
        owner: str | None = None,
    ) -> bool:
        """Back the row off until `next_attempt`; with `owner`, only while it is `owner`'s
        (False: another sender holds it now, and its tries and the chat's health are left)."""
        d = t.deliveries.c
        with self._tx() as conn:
            res = conn.execute(
                update(t.deliveries)
                .where(d.id == delivery_id, *_owned(owner))
                .values(
                    last_error=error[:2000],
                    next_attempt=next_attempt,
                    attempts=d.attempts + (1 if count else 0),
                    lease_owner=None,
                    lease_until=None,
                )
            )
            if res.rowcount != 1:
                return False
            if count:
                channel_health(conn, delivery_id, error)
            return True

    def mark_failed(self, delivery_id: int, error: str, *, owner: str | None = None) -> bool:
        """Give the row up; with `owner`, only while it is `owner`'s (False: another sender
        holds it now, or sent it: a stale failure never overwrites a sent row). A row whose
        message is out (an edit or a take-down given up) stays "sent" with its message id and
        the error: a later correction still edits it, a withdrawal still deletes it, and
        `status` does not count a message in the channel as failed."""
        d = t.deliveries.c
        with self._tx() as conn:
            res = conn.execute(
                update(t.deliveries)
                .where(d.id == delivery_id, *_owned(owner))
                .values(
                    state=case((d.message_id.is_not(None), "sent"), else_="failed"),
                    last_error=error[:2000],
                    lease_owner=None,
                    lease_until=None,
                )
            )
            if res.rowcount != 1:
                return False
            channel_health(conn, delivery_id, error)
            return True

    def mark_held(self, delivery_id: int, reason: str, *, owner: str | None = None) -> bool:
        """Hold the row back unsent ("filtered", with `reason`), while it is `owner`'s."""
        d = t.deliveries.c
        with self._tx() as conn:
            res = conn.execute(
                update(t.deliveries)
                .where(d.id == delivery_id, d.state == "pending", *_owned(owner))
                .values(state="filtered", last_error=reason, lease_owner=None, lease_until=None)
            )
            return res.rowcount == 1

    def release_held(
        self,
        reason: str,
        announced: Callable[[str, str, Sequence[str], Sequence[str]], bool],
        since: datetime,
    ) -> int:
        """Rows held with a reason starting with `reason` that are `announced` again
        (chat, regency, the item's regencies and categories -> bool), and were queued after
        `since`: pending once more. How many."""
        d, i = t.deliveries.c, t.items.c
        held = (
            select(d.id, d.chat, d.regency, i.regencies, i.categories)
            .join(t.items, i.id == d.item_id)
            .where(d.state == "filtered", d.last_error.startswith(reason), d.created >= since)
        )
        with self._read() as conn:  # every start asks: a read, unless something was held
            rows = conn.execute(held).all()
        back = [
            r.id
            for r in rows
            if announced(r.chat, r.regency, r.regencies or (), r.categories or ())
        ]
        if not back:
            return 0
        with self._tx() as conn:
            res = conn.execute(
                update(t.deliveries)
                .where(d.id.in_(back), d.state == "filtered", d.last_error.startswith(reason))
                .values(state="pending", last_error=None, next_attempt=since)
            )
            return int(res.rowcount)

    def release(self, delivery_ids: Iterable[int], *, owner: str | None = None) -> int:
        """Hand rows back unsent; with `owner`, only those still `owner`'s (a row another
        sender took over keeps its lease). How many were released."""
        d = t.deliveries.c
        ids = list(delivery_ids)
        if not ids:
            return 0
        with self._tx() as conn:
            res = conn.execute(
                update(t.deliveries)
                .where(d.id.in_(ids), *_owned(owner))
                .values(lease_owner=None, lease_until=None)
            )
            return int(res.rowcount)

    def channel_broken(self, chat: str, reason: str, now: datetime) -> bool:
        """Mark a chat broken; True when it was not broken before (alert once). The try that
        found it so is a failed one: counted, its error the channel's last (`status`)."""
        c = t.channels.c
        with self._tx() as conn:
            prev = conn.execute(select(c.state).where(c.chat == chat)).scalar_one_or_none()
            self._channel(conn, chat, now, state="broken", reason=reason)
            conn.execute(
                update(t.channels)
                .where(c.chat == chat)
                .values(failures=func.coalesce(c.failures, 0) + 1, last_error=reason[:2000])
            )
            return prev != "broken"

    def channel_states(self) -> dict[str, str]:
        with self._read() as conn:
            return {r.chat: r.state for r in conn.execute(select(t.channels))}

    def reset_channel(self, chat: str, now: datetime) -> None:
        with self._tx() as conn:
            self._channel(conn, chat, now, state="ok", reason=None)

    def migrate_chat(self, old: str, new: str, now: datetime) -> None:
        """Move `old`'s unsent rows to `new` (Telegram upgraded the group). A row whose item
        already has a row for `new` stays with `old`, superseded: never due again, so nothing
        is sent to the dead id twice and `run --once` does not wait for it. A row whose message
        is out stays with `old`: its message id is the old group's, and the same number in
        the new chat is another message (a correction edited, a withdrawal deleted, another
        story's)."""
        d = t.deliveries.c
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                # no ingest queues a row for `old` between this move and its commit (on SQLite,
                # BEGIN IMMEDIATE serializes the two)
                conn.execute(select(func.pg_advisory_xact_lock(INGEST_LOCK)))
            taken = select(d.item_id).where(d.chat == new).scalar_subquery()
            conn.execute(
                update(t.deliveries)
                .where(
                    d.chat == old,
                    d.item_id.in_(taken),
                    d.state.in_(QUEUED),
                    d.message_id.is_(None),
                )
                .values(state="superseded", lease_owner=None, lease_until=None)
            )
            conn.execute(
                update(t.deliveries)
                .where(d.chat == old, d.item_id.not_in(taken), d.message_id.is_(None))
                .values(chat=new)
            )
            self._channel(
                conn, old, now, state="migrated", reason=f"migrated to {new}", migrated_to=new
            )

    def rehome_pending(
        self, chats: Mapping[str, str], sendable: Collection[str], now: datetime
    ) -> int:
        """Unsent messages queued for a chat the config no longer names (`sendable`: the
        chats it names and where Telegram moved them), or for one that is no longer their
        regency's, go to the chat their regency has now (`chats`, regency -> chat): the admin
        fixed a typo, named the channel by its id, or gave a regency its own channel. A
        message whose item already has one there is superseded. A regency without a chat
        keeps its rows until one is set. Returns how many moved."""
        d = t.deliveries.c
        moved_to = self.migrated_chats()
        misplaced = [
            # a chat the config still names, but another regency's now: two regencies shared
            # a channel and one got its own, whose waiting messages follow it
            and_(d.regency == regency, d.chat.not_in(sorted(_chain(chat, moved_to))))
            for regency, chat in sorted(chats.items())
        ]
        waiting = (
            d.state == "pending",
            or_(d.chat.not_in(sorted(sendable)), *misplaced),
            # one a worker is sending now stays where it is (the next reload or start moves
            # it, should it still wait): never two sends of one message
            or_(d.lease_until.is_(None), d.lease_until < now),
        )
        stranded = select(d.id, d.item_id, d.chat, d.regency).where(*waiting)
        with self._read() as conn:  # every start asks: a read, unless something waits
            if conn.execute(stranded.limit(1)).first() is None:
                return 0
        moved = 0
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":  # no ingest queues a row meanwhile
                conn.execute(select(func.pg_advisory_xact_lock(INGEST_LOCK)))
            rows = conn.execute(stranded).all()
            for row in rows:
                target = chats.get(row.regency)
                if target is None or target == row.chat:
                    continue
                taken = conn.execute(
                    select(d.id).where(d.item_id == row.item_id, d.chat == target)
                ).first()
                stays = _still_shared(conn, row, chats, moved_to) if row.chat in sendable else None
                if stays is not None:
                    # the item is another regency's too, whose chat this one still is (two
                    # regencies shared a channel, one got its own): the row stays its, and
                    # the regency that left gets a row of its own in its new chat
                    conn.execute(
                        update(t.deliveries).where(d.id == row.id, *waiting).values(regency=stays)
                    )
                    if taken is None:
                        conn.execute(
                            insert(t.deliveries).values(
                                item_id=row.item_id,
                                chat=target,
                                regency=row.regency,
                                state="pending",
                                next_attempt=now,
                                created=now,
                            )
                        )
                        moved += 1
                    continue
                values: dict[str, Any] = {"lease_owner": None, "lease_until": None}
                if taken is not None:
                    values["state"] = "superseded"
                else:
                    values.update(chat=target, attempts=0, next_attempt=now, last_error=None)
                # checked again as it is moved: on PostgreSQL a sender may have claimed it
                # since the select (its update is re-checked against that commit)
                done = conn.execute(
                    update(t.deliveries).where(d.id == row.id, *waiting).values(**values)
                )
                moved += done.rowcount
        return moved

    def _channel(self, conn: Connection, chat: str, now: datetime, **values: Any) -> None:
        c = t.channels.c
        res = conn.execute(update(t.channels).where(c.chat == chat).values(updated=now, **values))
        if res.rowcount == 0:
            conn.execute(insert(t.channels).values(chat=chat, updated=now, **values))

    def migrated_chats(self) -> dict[str, str]:
        c = t.channels.c
        with self._read() as conn:
            return {
                r.chat: r.migrated_to
                for r in conn.execute(select(c.chat, c.migrated_to).where(c.state == "migrated"))
            }


def _still_shared(
    conn: Connection, row: Any, chats: Mapping[str, str], moved_to: Mapping[str, str]
) -> str | None:
    """Another regency of the row's item whose chat is still the row's, if any."""
    regencies = conn.execute(
        select(t.items.c.regencies).where(t.items.c.id == row.item_id)
    ).scalar_one_or_none()
    for regency in regencies or ():
        chat = chats.get(regency)
        if regency != row.regency and chat is not None and row.chat in _chain(chat, moved_to):
            return str(regency)
    return None


def _chain(chat: str, moved_to: Mapping[str, str]) -> set[str]:
    """`chat` and the ids Telegram moved it to."""
    return set(migration_chain(chat, moved_to))


def _owned(owner: str | None) -> list[Any]:
    """The condition of a sender's write on a row it leased: the row is still `owner`'s (no
    claim took it over since; an expired lease nobody took is still its own, and the write
    is atomic with the check). None: unconditioned (a caller holding no lease)."""
    return [] if owner is None else [t.deliveries.c.lease_owner == owner]


def _held_by_others(owner: str | None, now: datetime) -> Any:
    """The chats whose send lease another process (any, when `owner` is None) holds."""
    c = t.channels.c
    held = select(c.chat).where(c.lease_owner.is_not(None), c.lease_until >= now)
    return held if owner is None else held.where(c.lease_owner != owner)


def _ensure_channel(conn: Connection, chat: str) -> None:
    """Create `chat`'s channels row unless it exists, without racing a concurrent creator."""
    conn.execute(
        upsert_insert(conn, t.channels)
        .values(chat=chat, state="ok")
        .on_conflict_do_nothing(index_elements=["chat"])
    )


def _delivery_row(row: Any) -> DeliveryRow:
    m = row._mapping
    return DeliveryRow(
        id=m[t.deliveries.c.id],
        chat=m[t.deliveries.c.chat],
        regency=m[t.deliveries.c.regency],
        state=m[t.deliveries.c.state],
        message_id=m[t.deliveries.c.message_id],
        message_kind=m[t.deliveries.c.message_kind],
        attempts=m[t.deliveries.c.attempts],
        created=m[t.deliveries.c.created],
        item=_scope_item(_Proxy(m, t.items)),
    )


class _Proxy:
    """Attribute access to one table's columns in a joined row."""

    def __init__(self, mapping: Any, table: Any) -> None:
        self._m, self._t = mapping, table

    def __getattr__(self, name: str) -> Any:
        return self._m[self._t.c[name]]
