"""Items: ingest (new, changed, duplicate stories and the deliveries they cause), the feeds'
scopes and windows, and retention."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    Connection,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from ..types import Item
from . import schema as t
from .base import _aware, _chunks, _item_values, _scope_item
from .records import (
    IngestResult,
    ScopeItem,
)
from .sources import SourceQueries, SourceSuccess

Route = Callable[[Item], Sequence[tuple[str, str]]]  # item -> [(regency slug, chat)]
DUPLICATE_TITLE_WINDOW = timedelta(days=3)
INGEST_LOCK = 0x53594E44  # pg advisory lock key of ItemQueries.ingest


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
    ) -> IngestResult:
        """Store a poll's items, their deliveries and dirty feeds, and the source's success,
        all in one transaction."""
        result = IngestResult()
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                # one ingest at a time, as SQLite's BEGIN IMMEDIATE gives: two sources carrying
                # one story must see each other's item, and their dirty_scopes rows not collide
                conn.execute(select(func.pg_advisory_xact_lock(INGEST_LOCK)))
            for item in items_in:
                self._ingest_one(conn, source_id, item, now, route, announce, result)
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
            if items_in:
                newest = max(i.published for i in items_in)
                conn.execute(
                    update(t.sources)
                    .where(c.id == source_id, or_(c.newest_item.is_(None), c.newest_item < newest))
                    .values(newest_item=newest)
                )
            self._success(conn, source_id, now, ok)
        return result

    def _ingest_one(
        self,
        conn: Connection,
        source_id: str,
        item: Item,
        now: datetime,
        route: Route,
        announce: Callable[[Item], bool],
        result: IngestResult,
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
            result.deliveries += self._add_deliveries(conn, item_id, route(item), now)

    def _find_duplicate(self, conn: Connection, item: Item) -> int | None:
        c = t.items.c
        by_url = conn.execute(select(c.id).where(c.url_key == item.url_key).limit(1))
        found = by_url.scalar_one_or_none()
        if found is not None or len(item.title_key) < 12:
            return found
        window = (
            c.published >= item.published - DUPLICATE_TITLE_WINDOW,
            c.published <= item.published + DUPLICATE_TITLE_WINDOW,
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
            select(c.title, c.content_hash, c.categories, c.regencies).where(c.id == item_id)
        ).one()
        if old.content_hash == item.content_hash:
            return False
        values = _item_values(item)
        values.pop("source_id")
        values["updated"] = max(item.updated, now) if item.updated <= now else now
        conn.execute(update(t.items).where(c.id == item_id).values(**values, version=c.version + 1))
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
        present = {r.scope for r in conn.execute(select(t.dirty_scopes.c.scope))}
        fresh = [{"scope": s, "since": now} for s in scopes if s not in present]
        if fresh:
            conn.execute(insert(t.dirty_scopes), fresh)

    def _add_deliveries(
        self, conn: Connection, item_id: int, routes: Sequence[tuple[str, str]], now: datetime
    ) -> int:
        d = t.deliveries.c
        have = {r.chat for r in conn.execute(select(d.chat).where(d.item_id == item_id))}
        added = 0
        for regency, chat in routes:
            if chat in have:
                continue
            conn.execute(
                insert(t.deliveries).values(
                    item_id=item_id,
                    chat=chat,
                    regency=regency,
                    state="pending",
                    next_attempt=now,
                    created=now,
                )
            )
            have.add(chat)
            added += 1
        return added

    # --- feeds ------------------------------------------------------------------------

    def dirty_scopes(self) -> list[str]:
        with self.engine.connect() as conn:
            return [r.scope for r in conn.execute(select(t.dirty_scopes.c.scope))]

    def clear_dirty(self, scopes: Iterable[str], before: datetime) -> None:
        c = t.dirty_scopes.c
        with self._tx() as conn:
            conn.execute(delete(t.dirty_scopes).where(c.scope.in_(list(scopes)), c.since <= before))

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
        with self.engine.connect() as conn:
            return [_scope_item(r) for r in conn.execute(query)]

    def nonempty_pair_scopes(self) -> list[str]:
        s = t.item_scopes.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.scope).where(s.scope.like("regency/%/%")).distinct())
            return sorted(r.scope for r in rows)

    def scope_stats(self) -> dict[str, tuple[int, datetime]]:
        """Per scope with items: how many it holds and the newest one's published time."""
        s = t.item_scopes.c
        query = select(s.scope, func.count(), func.max(s.published)).group_by(s.scope)
        with self.engine.connect() as conn:
            return {r[0]: (int(r[1]), _aware(r[2])) for r in conn.execute(query)}

    def item(self, item_id: int) -> ScopeItem | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.items).where(t.items.c.id == item_id)).one_or_none()
        return _scope_item(row) if row else None

    def item_by_url_key(self, url_key: str) -> ScopeItem | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.items).where(t.items.c.url_key == url_key).limit(1)
            ).one_or_none()
        return _scope_item(row) if row else None

    def prune(self, before: datetime, keep_per_scope: int) -> int:
        """Delete items older than `before` that no feed window still shows."""
        s, i = t.item_scopes.c, t.items.c
        with self._tx() as conn:
            keep: set[int] = set()
            for (scope,) in conn.execute(select(s.scope).distinct()):
                keep.update(
                    r.item_id
                    for r in conn.execute(
                        select(s.item_id)
                        .where(s.scope == scope)
                        .order_by(s.published.desc())
                        .limit(keep_per_scope)
                    )
                )
            old = [
                r.id
                for r in conn.execute(select(i.id).where(i.published < before))
                if r.id not in keep
            ]
            busy = {
                r.item_id
                for r in conn.execute(
                    select(t.deliveries.c.item_id).where(
                        t.deliveries.c.state.in_(("pending", "edit"))
                    )
                )
            }
            doomed = [x for x in old if x not in busy]
            for chunk in _chunks(doomed, 500):
                for table in (t.item_scopes, t.entries, t.deliveries):
                    conn.execute(delete(table).where(table.c.item_id.in_(chunk)))
                conn.execute(delete(t.items).where(i.id.in_(chunk)))
            return len(doomed)
