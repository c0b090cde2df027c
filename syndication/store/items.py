"""Items: ingest (new, changed, duplicate stories and the deliveries they cause), the feeds'
scopes and windows, and retention."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Connection,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from ..types import Item
from . import schema as t
from .base import _aware, _chunks, _item_values, _scope_item, upsert_insert
from .editorial import Gate
from .records import (
    IngestResult,
    ScopeItem,
)
from .sources import SourceQueries, SourceSuccess

Route = Callable[[Item], Sequence[tuple[str, str]]]  # item -> [(regency slug, chat)]
DUPLICATE_TITLE_WINDOW = timedelta(days=3)
INGEST_LOCK = 0x53594E44  # pg advisory lock key of ItemQueries.ingest
log = logging.getLogger("syndication.store")


def scopes_of(categories: Iterable[str], regencies: Iterable[str]) -> list[str]:
    """The feeds an item appears in."""
    cats, regs = sorted(set(categories)), sorted(set(regencies))
    return [
        "all",
        *(f"category/{c}" for c in cats),
        *(f"regency/{r}" for r in regs),
        *(f"regency/{r}/{c}" for r in regs for c in cats),
    ]


class ItemQueries(SourceQueries):
    """Ingest records the source's success in the same transaction as its items."""

    # --- ingest -----------------------------------------------------------------------

    def ingest(
        self,
        source_id: str,
        items_in: Sequence[Item],
        now: datetime,
        ok: SourceSuccess,
        *,
        route: Route,
        announce: Callable[[Item], bool],
        complete: bool = True,
        gate: Gate | None = None,
    ) -> IngestResult:
        """Store a poll's items, their deliveries and dirty feeds, and the source's success,
        all in one transaction. `gate` decides each new message's fate (filters, the cap of
        one poll); without one every routed message is queued."""
        result = IngestResult()
        gate = gate if gate is not None else Gate(source_id=source_id)
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                # one ingest at a time, as SQLite's BEGIN IMMEDIATE gives: two sources carrying
                # one story must see each other's item, and their dirty_scopes rows not collide
                conn.execute(select(func.pg_advisory_xact_lock(INGEST_LOCK)))
            taken = [
                item
                for item in items_in
                if self._ingest_guarded(conn, source_id, item, now, route, announce, result, gate)
            ]
            c = t.sources.c
            conn.execute(
                update(t.sources)
                .where(c.id == source_id)
                .values(
                    # an html listing only partly fetched is still its first poll: what the
                    # next polls fetch of it is backlog too, never announced
                    first_poll_done=True if complete else c.first_poll_done,
                    items_count=select(func.count())
                    .select_from(t.entries)
                    .where(t.entries.c.source_id == source_id)
                    .scalar_subquery(),
                )
            )
            if taken:
                newest = max(i.published for i in taken)
                conn.execute(
                    update(t.sources)
                    .where(c.id == source_id, or_(c.newest_item.is_(None), c.newest_item < newest))
                    .values(newest_item=newest)
                )
            self._success(conn, source_id, now, ok)
        return result

    def _ingest_guarded(
        self,
        conn: Connection,
        source_id: str,
        item: Item,
        now: datetime,
        route: Route,
        announce: Callable[[Item], bool],
        result: IngestResult,
        gate: Gate,
    ) -> bool:
        """One entry in a savepoint: an entry the store cannot take (a value out of range,
        text the database refuses) costs that entry only; False when it was rejected. A lost
        connection or a lock still fails the whole ingest (StorageError): nothing is half
        stored, and the next poll tries again."""
        before, counted = dataclasses.replace(result), gate.snapshot()
        try:
            with conn.begin_nested():
                self._ingest_one(conn, source_id, item, now, route, announce, result, gate)
            return True
        except (
            ArithmeticError,
            ValueError,
            TypeError,
            DataError,
            IntegrityError,
            StatementError,
        ) as e:
            if isinstance(e, DBAPIError) and not isinstance(e, (DataError, IntegrityError)):
                raise  # the connection or the database, not this entry
            for f in dataclasses.fields(result):
                setattr(result, f.name, getattr(before, f.name))
            gate.restore(counted)
            result.rejected += 1
            log.warning(
                "event=entry_rejected stage=store source=%s entry=%r error=%r",
                source_id,
                item.entry_key[:200],
                f"{type(e).__name__}: {e}"[:500],
            )
            return False

    def _ingest_one(
        self,
        conn: Connection,
        source_id: str,
        item: Item,
        now: datetime,
        route: Route,
        announce: Callable[[Item], bool],
        result: IngestResult,
        gate: Gate,
    ) -> None:
        e = t.entries.c
        known = conn.execute(
            select(e.item_id).where(e.source_id == source_id, e.entry_key == item.entry_key)
        ).scalar_one_or_none()
        if known is not None:
            conn.execute(
                update(t.entries)
                .where(e.source_id == source_id, e.entry_key == item.entry_key)
                .values(last_seen=now, raw_hash=item.raw_hash or None)
            )
            if self._update_item(conn, known, item, now):
                result.updated += 1
            return
        item_id = self._find_duplicate(conn, item)
        if item_id is None:
            item_id = self._insert_item(conn, item, now)
            result.new += 1
        else:
            result.duplicates += 1
        conn.execute(
            insert(t.entries).values(
                source_id=source_id,
                entry_key=item.entry_key,
                item_id=item_id,
                first_seen=now,
                last_seen=now,
                raw_hash=item.raw_hash or None,
            )
        )
        if announce(item):
            self._add_deliveries(conn, item_id, route(item), now, gate, item, result)

    def _find_duplicate(self, conn: Connection, item: Item) -> int | None:
        c = t.items.c
        by_url = conn.execute(select(c.id).where(c.url_key == item.url_key).limit(1))
        found = by_url.scalar_one_or_none()
        if found is not None or len(item.title_key) < 12:
            return found
        low, high = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
        window = (
            c.published
            >= max(item.published, low + DUPLICATE_TITLE_WINDOW) - DUPLICATE_TITLE_WINDOW,
            c.published
            <= min(item.published, high - DUPLICATE_TITLE_WINDOW) + DUPLICATE_TITLE_WINDOW,
        )
        by_title = conn.execute(select(c.id).where(c.title_key == item.title_key, *window).limit(1))
        return by_title.scalar_one_or_none()

    def _insert_item(self, conn: Connection, item: Item, now: datetime) -> int:
        row = conn.execute(insert(t.items).values(**_item_values(item), first_seen=now))
        key = row.inserted_primary_key
        assert key is not None
        item_id = int(key[0])
        self._set_scopes(conn, item_id, item, (), now)
        return item_id

    def _update_item(self, conn: Connection, item_id: int, item: Item, now: datetime) -> bool:
        c = t.items.c
        old = conn.execute(
            select(c.title, c.content_hash, c.categories, c.regencies, c.withdrawn_at).where(
                c.id == item_id
            )
        ).one()
        if old.content_hash == item.content_hash:
            return False
        values = _item_values(item)
        values.pop("source_id")
        values["updated"] = max(item.updated, now) if item.updated <= now else now
        conn.execute(update(t.items).where(c.id == item_id).values(**values, version=c.version + 1))
        if old.withdrawn_at is not None:
            return True  # kept up to date, out of every feed until its page answers again
        old_scopes = scopes_of(old.categories, old.regencies)
        self._set_scopes(conn, item_id, item, old_scopes, now)
        if old.title != item.title:
            d = t.deliveries.c
            conn.execute(
                update(t.deliveries)
                .where(d.item_id == item_id, d.state == "sent")
                .values(state="edit", next_attempt=now, attempts=0)
            )
        return True

    def _set_scopes(
        self, conn: Connection, item_id: int, item: Item, old: Sequence[str], now: datetime
    ) -> None:
        new = scopes_of(item.categories, item.regencies)
        conn.execute(delete(t.item_scopes).where(t.item_scopes.c.item_id == item_id))
        conn.execute(
            insert(t.item_scopes),
            [{"scope": s, "item_id": item_id, "published": item.published} for s in new],
        )
        self._mark_dirty(conn, set(new) | set(old), now)

    def _mark_dirty(self, conn: Connection, scopes: Iterable[str], now: datetime) -> None:
        """Mark each scope dirty, bumping the version of a mark already there: a publish that
        read the old version leaves the mark for the next one (race-free: one upsert)."""
        rows = [{"scope": s, "since": now, "version": 1} for s in sorted(set(scopes))]
        if not rows:
            return
        c = t.dirty_scopes.c
        upsert = upsert_insert(conn, t.dirty_scopes)
        conn.execute(
            upsert.on_conflict_do_update(index_elements=[c.scope], set_={"version": c.version + 1}),
            rows,
        )

    def _add_deliveries(
        self,
        conn: Connection,
        item_id: int,
        routes: Sequence[tuple[str, str]],
        now: datetime,
        gate: Gate,
        item: Item,
        result: IngestResult,
    ) -> None:
        """One row per routed chat: pending, or filtered / capped with the reason (never sent,
        but `explain` and `status` see it). A withdrawn item (another source still lists it)
        gets none: it is never announced again."""
        d, i = t.deliveries.c, t.items.c
        if not routes:
            return
        withdrawn = select(i.withdrawn_at).where(i.id == item_id).scalar_subquery()
        if conn.execute(select(withdrawn)).scalar_one_or_none() is not None:
            return
        have = {r.chat for r in conn.execute(select(d.chat).where(d.item_id == item_id))}
        moved = _migrations(conn)
        for regency, configured in routes:
            chat = _follow(moved, configured)
            if chat in have:
                continue
            state, why = gate.decide(chat, regency, item)
            conn.execute(
                insert(t.deliveries).values(
                    item_id=item_id,
                    chat=chat,
                    regency=regency,
                    state=state,
                    last_error=why,
                    next_attempt=now,
                    created=now,
                )
            )
            have.add(chat)
            if state == "pending":
                result.deliveries += 1
            elif state == "filtered":
                result.filtered += 1
            else:
                result.capped += 1

    # --- feeds ------------------------------------------------------------------------

    def dirty_scopes(self) -> list[str]:
        return sorted(self.dirty_marks())

    def dirty_marks(self) -> dict[str, int]:
        """Dirty scope -> the version of its mark. Read these before the scopes' items, and
        hand them to clear_dirty after publishing."""
        c = t.dirty_scopes.c
        with self._read() as conn:
            return {r.scope: int(r.version) for r in conn.execute(select(c.scope, c.version))}

    def clear_dirty(self, marks: Mapping[str, int]) -> None:
        """Clear the marks a publish saw; a mark bumped since (an ingest that committed after
        the publish read its items) stays for the next publish."""
        c = t.dirty_scopes.c
        pairs = sorted(marks.items())
        with self._tx() as conn:
            for chunk in _chunks(pairs, 200):
                seen = or_(*(and_(c.scope == s, c.version == v) for s, v in chunk))
                conn.execute(delete(t.dirty_scopes).where(seen))

    def mark_dirty(self, scopes: Iterable[str], now: datetime) -> None:
        with self._tx() as conn:
            self._mark_dirty(conn, scopes, now)

    def scope_items(self, scope: str, limit: int) -> list[ScopeItem]:
        s, i = t.item_scopes.c, t.items.c
        query = (
            select(t.items, t.sources.c.id.label("src"))
            .join(t.item_scopes, s.item_id == i.id)
            .join(t.sources, t.sources.c.id == i.source_id, isouter=True)
            .where(s.scope == scope)
            .order_by(s.published.desc(), i.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return [_scope_item(r) for r in conn.execute(query)]

    def nonempty_pair_scopes(self) -> list[str]:
        s = t.item_scopes.c
        with self._read() as conn:
            rows = conn.execute(select(s.scope).where(s.scope.like("regency/%/%")).distinct())
            return sorted(r.scope for r in rows)

    def scope_stats(self) -> dict[str, tuple[int, datetime]]:
        """Per scope with items: how many it holds and the newest one's published time."""
        s = t.item_scopes.c
        query = select(s.scope, func.count(), func.max(s.published)).group_by(s.scope)
        with self._read() as conn:
            return {r[0]: (int(r[1]), _aware(r[2])) for r in conn.execute(query)}

    def item(self, item_id: int) -> ScopeItem | None:
        with self._read() as conn:
            row = conn.execute(select(t.items).where(t.items.c.id == item_id)).one_or_none()
        return _scope_item(row) if row else None

    def item_by_url_key(self, url_key: str) -> ScopeItem | None:
        with self._read() as conn:
            row = conn.execute(
                select(t.items).where(t.items.c.url_key == url_key).limit(1)
            ).one_or_none()
        return _scope_item(row) if row else None

    def prune(self, before: datetime, keep_per_scope: int, batch: int = 500) -> int:
        """Delete items older than `before` that no feed window still shows and no pending
        message needs: `batch` items per short transaction, the choice made by the database
        (no id list of the whole table in memory)."""
        s, i, d = t.item_scopes.c, t.items.c, t.deliveries.c
        rank = func.row_number().over(
            partition_by=s.scope, order_by=(s.published.desc(), s.item_id.desc())
        )
        ranked = select(s.item_id, rank.label("rank")).subquery()
        shown = select(ranked.c.item_id).where(ranked.c.rank <= keep_per_scope)
        busy = select(d.item_id).where(d.state.in_(("pending", "edit", "withdraw")))
        doomed = (
            select(i.id)
            .where(i.published < before, i.id.not_in(shown), i.id.not_in(busy))
            .order_by(i.id)
            .limit(batch)
        )
        removed = 0
        while True:
            with self._tx() as conn:
                chunk = [r.id for r in conn.execute(doomed)]
                for table in (t.item_scopes, t.entries, t.deliveries):
                    conn.execute(delete(table).where(table.c.item_id.in_(chunk)))
                conn.execute(delete(t.items).where(i.id.in_(chunk)))
            removed += len(chunk)
            if len(chunk) < batch:
                return removed


def _migrations(conn: Connection) -> dict[str, str]:
    """Chat -> the id Telegram moved it to, read in the ingest's own transaction: a row is
    never queued for a chat that a concurrent sender just found migrated."""
    c = t.channels.c
    rows = conn.execute(select(c.chat, c.migrated_to).where(c.state == "migrated"))
    return {r.chat: r.migrated_to for r in rows if r.migrated_to}


def _follow(moved: Mapping[str, str], chat: str) -> str:
    for _ in range(8):  # a chain of migrations, never a loop
        if chat not in moved:
            break
        chat = moved[chat]
    return chat
