"""Queries over the schema. Every method is one short transaction; none spans network I/O."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from ..errors import StorageError
from ..types import Evidence, Item
from . import schema as t
from .records import (
    ChannelStatus,
    DeliveryRow,
    IngestResult,
    ScopeItem,
    SourceState,
    SourceStatus,
)

T = TypeVar("T")
Route = Callable[[Item], Sequence[tuple[str, str]]]  # item -> [(regency slug, chat)]
DUPLICATE_TITLE_WINDOW = timedelta(days=3)


def scopes_of(categories: Iterable[str], regencies: Iterable[str]) -> list[str]:
    """The feeds an item appears in."""
    cats, regs = sorted(set(categories)), sorted(set(regencies))
    return [
        "all",
        *(f"category/{c}" for c in cats),
        *(f"regency/{r}" for r in regs),
        *(f"regency/{r}/{c}" for r in regs for c in cats),
    ]


@dataclass(frozen=True)
class SourceSuccess:
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    status: int
    next_poll: datetime
    permanent_url: str | None = None


@dataclass(frozen=True)
class ChatLease:
    """A chat's send lease, just taken: what earlier senders left for this one's pacer."""

    sends: tuple[datetime, ...]  # when messages to the chat were answered, oldest first
    hold_until: datetime | None  # a 429 or error pause that is still running


INGEST_LOCK = 0x53594E44  # pg advisory lock key of Store.ingest


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- sources ----------------------------------------------------------------------

    def sync_sources(self, sources: Iterable[tuple[str, str]]) -> None:
        """Make sure a state row exists for each (id, url); a changed url resets validators."""
        with self._tx() as conn:
            rows = {r.id: r.url for r in conn.execute(select(t.sources.c.id, t.sources.c.url))}
            for source_id, url in sources:
                if source_id not in rows:
                    conn.execute(insert(t.sources).values(id=source_id, url=url))
                elif rows[source_id] != url:
                    conn.execute(
                        update(t.sources)
                        .where(t.sources.c.id == source_id)
                        .values(
                            url=url,
                            permanent_url=None,
                            etag=None,
                            last_modified=None,
                            body_hash=None,
                        )
                    )

    def source_state(self, source_id: str) -> SourceState:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.sources).where(t.sources.c.id == source_id)).one()
        return _source_state(row)

    def claim_source(
        self, source_id: str, owner: str, now: datetime, lease: timedelta, *, force: bool
    ) -> SourceState | None:
        """Lease a source for one poll; None when another process holds it or it is not due."""
        c = t.sources.c
        due = or_(c.next_poll.is_(None), c.next_poll <= now)
        free = or_(c.lease_until.is_(None), c.lease_until < now, c.lease_owner == owner)
        cond = and_(c.id == source_id, free, *(() if force else (due,)))
        with self._tx() as conn:
            result = conn.execute(
                update(t.sources)
                .where(cond)
                .values(lease_owner=owner, lease_until=now + lease, last_attempt=now)
            )
            if result.rowcount != 1:
                return None
            row = conn.execute(select(t.sources).where(c.id == source_id)).one()
        return _source_state(row)

    def record_failure(
        self,
        source_id: str,
        now: datetime,
        kind: str,
        message: str,
        next_poll: datetime,
        status: int | None = None,
    ) -> int:
        c = t.sources.c
        with self._tx() as conn:
            conn.execute(
                update(t.sources)
                .where(c.id == source_id)
                .values(
                    last_error=message[:2000],
                    error_kind=kind,
                    last_status=status,
                    consecutive_failures=c.consecutive_failures + 1,
                    next_poll=next_poll,
                    lease_owner=None,
                    lease_until=None,
                )
            )
            return int(
                conn.execute(select(c.consecutive_failures).where(c.id == source_id)).scalar_one()
            )

    def record_unchanged(self, source_id: str, now: datetime, ok: SourceSuccess) -> None:
        with self._tx() as conn:
            self._success(conn, source_id, now, ok, unchanged=True)

    def set_alerted(self, source_id: str, alerted: bool) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.sources).where(t.sources.c.id == source_id).values(alerted=alerted)
            )

    def _success(
        self,
        conn: Connection,
        source_id: str,
        now: datetime,
        ok: SourceSuccess,
        *,
        unchanged: bool = False,
    ) -> None:
        c = t.sources.c
        values: dict[str, Any] = {
            "last_success": now,
            "last_error": None,
            "error_kind": None,
            "consecutive_failures": 0,
            "last_status": ok.status,
            "next_poll": ok.next_poll,
            "lease_owner": None,
            "lease_until": None,
        }
        if unchanged:
            values["not_modified_count"] = c.not_modified_count + 1
        if ok.status != 304:
            values.update(etag=ok.etag, last_modified=ok.last_modified, body_hash=ok.body_hash)
        if ok.permanent_url:
            values["permanent_url"] = ok.permanent_url
        conn.execute(update(t.sources).where(c.id == source_id).values(**values))

    def known_raw_hashes(self, source_id: str, hashes: Iterable[str]) -> set[str]:
        """Which of these raw-entry digests this source already stored (unchanged entries)."""
        hashes = list(hashes)
        c = t.entries.c
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(hashes, 500):
                rows = conn.execute(
                    select(c.raw_hash).where(c.source_id == source_id, c.raw_hash.in_(chunk))
                )
                found.update(r.raw_hash for r in rows)
        return found

    def entry_titles(self, source_id: str, keys: Iterable[str]) -> dict[str, str]:
        """entry key -> the stored title of its item, for the keys this source knows."""
        e, i = t.entries.c, t.items.c
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(keys), 500):
                rows = conn.execute(
                    select(e.entry_key, i.title)
                    .join(t.items, i.id == e.item_id)
                    .where(e.source_id == source_id, e.entry_key.in_(chunk))
                )
                out.update((r.entry_key, r.title) for r in rows)
        return out

    def known_entry_keys(self, source_id: str, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        if not keys:
            return set()
        c = t.entries.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.entry_key).where(c.source_id == source_id, c.entry_key.in_(keys))
            )
            return {r.entry_key for r in rows}

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
            d.state.in_(("pending", "edit")),
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
                res = conn.execute(
                    update(t.deliveries)
                    .where(d.id == delivery_id, or_(d.lease_until.is_(None), d.lease_until < now))
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
        self, owner: str | None = None, now: datetime | None = None
    ) -> datetime | None:
        """When the next pending row of a working channel becomes due (and unleased).

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
        conds = [d.state.in_(("pending", "edit")), d.chat.not_in(broken)]
        if owner is not None and now is not None:
            conds.append(d.chat.not_in(_held_by_others(owner, now)))
            free_at = row_free
        query = (
            select(func.min(free_at))
            .select_from(t.deliveries.outerjoin(t.channels, ch.chat == d.chat))
            .where(*conds)
        )
        with self.engine.connect() as conn:
            due = conn.execute(query).scalar_one_or_none()
        result: datetime | None = _aware(due)
        return result

    def due_chats(self, now: datetime, owner: str | None = None) -> list[str]:
        """Working chats with at least one due, unleased row that no other process holds
        (with `owner` None: that no process holds)."""
        d, ch = t.deliveries.c, t.channels.c
        broken = select(ch.chat).where(ch.state == "broken")
        query = (
            select(d.chat)
            .distinct()
            .where(
                d.state.in_(("pending", "edit")),
                d.next_attempt <= now,
                or_(d.lease_until.is_(None), d.lease_until < now),
                d.chat.not_in(broken),
                d.chat.not_in(_held_by_others(owner, now)),
            )
        )
        with self.engine.connect() as conn:
            return sorted(r.chat for r in conn.execute(query))

    def chat_has_due(self, chat: str, now: datetime) -> bool:
        """Whether `chat` has a due, unleased row."""
        d = t.deliveries.c
        query = select(d.id).where(
            d.chat == chat,
            d.state.in_(("pending", "edit")),
            d.next_attempt <= now,
            or_(d.lease_until.is_(None), d.lease_until < now),
        )
        with self.engine.connect() as conn:
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
            hold = _aware(conn.execute(select(c.hold_until).where(c.chat == chat)).scalar_one())
            sends = conn.execute(
                select(d.sent_at).where(d.chat == chat, d.sent_at > since).order_by(d.sent_at)
            ).scalars()
            return ChatLease(
                sends=tuple(_aware(s) for s in sends),
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
        with self.engine.connect() as conn:
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
        """Owners holding an unexpired delivery or chat lease."""
        d, c = t.deliveries.c, t.channels.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(d.lease_owner.label("owner"))
                .where(d.lease_until >= now)
                .union(select(c.lease_owner).where(c.lease_until >= now))
            )
            return sorted({r.owner for r in rows if r.owner})

    def release_owner(self, owner: str) -> int:
        """Free every delivery and chat lease of `owner` (a process known to be dead)."""
        d, c = t.deliveries.c, t.channels.c
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
            return int(rows.rowcount) + int(chats.rowcount)

    def mark_sent(
        self, delivery_id: int, now: datetime, message_id: int | None, kind: str, title: str
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.deliveries)
                .where(t.deliveries.c.id == delivery_id)
                .values(
                    state="sent",
                    message_id=message_id,
                    message_kind=kind,
                    sent_title=title,
                    sent_at=now,
                    last_error=None,
                    lease_owner=None,
                    lease_until=None,
                )
            )
            chat = conn.execute(
                select(t.deliveries.c.chat).where(t.deliveries.c.id == delivery_id)
            ).scalar_one()
            self._channel(conn, chat, now, state="ok", reason=None, last_sent=now)

    def mark_retry(
        self, delivery_id: int, error: str, next_attempt: datetime, *, count: bool = True
    ) -> None:
        d = t.deliveries.c
        with self._tx() as conn:
            conn.execute(
                update(t.deliveries)
                .where(d.id == delivery_id)
                .values(
                    last_error=error[:2000],
                    next_attempt=next_attempt,
                    attempts=d.attempts + (1 if count else 0),
                    lease_owner=None,
                    lease_until=None,
                )
            )

    def mark_failed(self, delivery_id: int, error: str) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.deliveries)
                .where(t.deliveries.c.id == delivery_id)
                .values(
                    state="failed",
                    last_error=error[:2000],
                    lease_owner=None,
                    lease_until=None,
                )
            )

    def release(self, delivery_ids: Iterable[int]) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.deliveries)
                .where(t.deliveries.c.id.in_(list(delivery_ids)))
                .values(lease_owner=None, lease_until=None)
            )

    def channel_broken(self, chat: str, reason: str, now: datetime) -> bool:
        """Mark a chat broken; True when it was not broken before (alert once)."""
        with self._tx() as conn:
            prev = conn.execute(
                select(t.channels.c.state).where(t.channels.c.chat == chat)
            ).scalar_one_or_none()
            self._channel(conn, chat, now, state="broken", reason=reason)
            return prev != "broken"

    def channel_states(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {r.chat: r.state for r in conn.execute(select(t.channels))}

    def reset_channel(self, chat: str, now: datetime) -> None:
        with self._tx() as conn:
            self._channel(conn, chat, now, state="ok", reason=None)

    def migrate_chat(self, old: str, new: str, now: datetime) -> None:
        d = t.deliveries.c
        with self._tx() as conn:
            taken = {r.item_id for r in conn.execute(select(d.item_id).where(d.chat == new))}
            conn.execute(
                update(t.deliveries).where(d.chat == old, d.item_id.not_in(taken)).values(chat=new)
            )
            self._channel(
                conn, old, now, state="migrated", reason=f"migrated to {new}", migrated_to=new
            )

    def _channel(self, conn: Connection, chat: str, now: datetime, **values: Any) -> None:
        c = t.channels.c
        res = conn.execute(update(t.channels).where(c.chat == chat).values(updated=now, **values))
        if res.rowcount == 0:
            conn.execute(insert(t.channels).values(chat=chat, updated=now, **values))

    def migrated_chats(self) -> dict[str, str]:
        c = t.channels.c
        with self.engine.connect() as conn:
            return {
                r.chat: r.migrated_to
                for r in conn.execute(select(c.chat, c.migrated_to).where(c.state == "migrated"))
            }

    # --- status -----------------------------------------------------------------------

    def source_statuses(self) -> list[SourceStatus]:
        with self.engine.connect() as conn:
            return [
                SourceStatus(
                    **{f.name: getattr(r, f.name) for f in dataclasses.fields(SourceStatus)}
                )
                for r in conn.execute(select(t.sources).order_by(t.sources.c.id))
            ]

    def channel_statuses(self) -> list[ChannelStatus]:
        d, _ch = t.deliveries.c, t.channels.c
        with self.engine.connect() as conn:
            counts: dict[str, dict[str, int]] = {}
            for r in conn.execute(select(d.chat, d.state, func.count()).group_by(d.chat, d.state)):
                counts.setdefault(r[0], {})[r[1]] = int(r[2])
            info = {r.chat: r for r in conn.execute(select(t.channels))}
            oldest = dict(
                conn.execute(
                    select(d.chat, func.min(d.created))
                    .where(d.state.in_(("pending", "edit")))
                    .group_by(d.chat)
                ).all()
            )
        return [
            ChannelStatus(
                chat=chat,
                state=info[chat].state if chat in info else "ok",
                reason=info[chat].reason if chat in info else None,
                last_sent=info[chat].last_sent if chat in info else None,
                pending=c.get("pending", 0) + c.get("edit", 0),
                sent=c.get("sent", 0),
                failed=c.get("failed", 0),
                oldest_pending=_aware(oldest.get(chat)),
            )
            for chat in sorted(set(counts) | set(info))
            for c in [counts.get(chat, {})]
        ]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                "items": int(conn.execute(select(func.count()).select_from(t.items)).scalar_one()),
                "pending_deliveries": int(
                    conn.execute(
                        select(func.count())
                        .select_from(t.deliveries)
                        .where(t.deliveries.c.state.in_(("pending", "edit")))
                    ).scalar_one()
                ),
            }

    def items_per_day(self, since: datetime) -> dict[tuple[str, str], int]:
        """(regency scope, YYYY-MM-DD) -> items first seen that day."""
        s, i = t.item_scopes.c, t.items.c
        out: dict[tuple[str, str], int] = {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s.scope, i.first_seen)
                .join(t.items, i.id == s.item_id)
                .where(
                    s.scope.like("regency/%"),
                    s.scope.not_like("regency/%/%"),
                    i.first_seen >= since,
                )
            )
            for scope, seen in rows:
                key = (scope.removeprefix("regency/"), _aware(seen).date().isoformat())
                out[key] = out.get(key, 0) + 1
        return out

    def save_files(self, files: Iterable[tuple[str, str, bytes]], now: datetime) -> None:
        """Upsert published files (path, digest, body): race-free when two processes publish
        the same new file at once."""
        rows = [{"path": p, "digest": d, "body": b, "updated": now} for p, d, b in files]
        if not rows:
            return
        with self._tx() as conn:
            dialect = conn.dialect.name
            upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(t.feed_files)
            stmt = upsert.on_conflict_do_update(
                index_elements=[t.feed_files.c.path],
                set_={
                    "digest": upsert.excluded.digest,
                    "body": upsert.excluded.body,
                    "updated": upsert.excluded.updated,
                },
            )
            conn.execute(stmt, rows)

    def file_digests(self) -> dict[str, str]:
        f = t.feed_files.c
        with self.engine.connect() as conn:
            return {r.path: r.digest for r in conn.execute(select(f.path, f.digest))}

    def file_bodies(self, paths: Iterable[str]) -> dict[str, bytes]:
        f = t.feed_files.c
        out: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(paths), 200):
                out.update(
                    (r.path, bytes(r.body))
                    for r in conn.execute(select(f.path, f.body).where(f.path.in_(chunk)))
                )
        return out

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(select(1))

    def set_event(self, key: str, value: str, now: datetime) -> None:
        with self._tx() as conn:
            res = conn.execute(
                update(t.events).where(t.events.c.key == key).values(value=value, updated=now)
            )
            if res.rowcount == 0:
                conn.execute(insert(t.events).values(key=key, value=value, updated=now))

    def get_event(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(t.events.c.value).where(t.events.c.key == key)
            ).scalar_one_or_none()

    # --- plumbing ---------------------------------------------------------------------

    def _tx(self) -> _Transaction:
        return _Transaction(self.engine)


class _Transaction:
    """engine.begin() that turns driver errors into StorageError and retries a busy SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ctx: Any = None

    def __enter__(self) -> Connection:
        try:
            self.ctx = self.engine.begin()
            return self.ctx.__enter__()  # type: ignore[no-any-return]
        except OperationalError as e:
            raise StorageError(f"storage: cannot open a transaction: {e.orig}") from e

    def __exit__(self, *exc: Any) -> None:
        try:
            self.ctx.__exit__(*exc)
        except IntegrityError:
            raise
        except SQLAlchemyError as e:
            raise StorageError(f"storage: transaction failed: {e}") from e


def _held_by_others(owner: str | None, now: datetime) -> Any:
    """The chats whose send lease another process (any, when `owner` is None) holds."""
    c = t.channels.c
    held = select(c.chat).where(c.lease_owner.is_not(None), c.lease_until >= now)
    return held if owner is None else held.where(c.lease_owner != owner)


def _ensure_channel(conn: Connection, chat: str) -> None:
    """Create `chat`'s channels row unless it exists, without racing a concurrent creator."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            postgresql.insert(t.channels)
            .values(chat=chat, state="ok")
            .on_conflict_do_nothing(index_elements=["chat"])
        )
    else:
        conn.execute(
            sqlite.insert(t.channels)
            .values(chat=chat, state="ok")
            .on_conflict_do_nothing(index_elements=["chat"])
        )


def _chunks(values: list[T], size: int) -> Iterable[list[T]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _aware(value: Any) -> Any:  # datetime | None, from any driver
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _item_values(item: Item) -> dict[str, Any]:
    return {
        "source_id": item.source_id,
        "url": item.url,
        "url_key": item.url_key,
        "title": item.title,
        "title_key": item.title_key,
        "summary": item.summary,
        "content_html": item.content_html,
        "author": item.author,
        "image": item.image,
        "dateline": item.dateline,
        "credit": item.credit,
        "published": item.published,
        "updated": item.updated,
        "categories": list(item.categories),
        "regencies": list(item.regencies),
        "advertorial": item.advertorial,
        "evidence": [dataclasses.asdict(e) for e in item.evidence],
        "content_hash": item.content_hash,
    }


def _source_state(row: Any) -> SourceState:
    return SourceState(
        id=row.id,
        url=row.url,
        fetch_url=row.permanent_url or row.url,
        etag=row.etag,
        last_modified=row.last_modified,
        body_hash=row.body_hash,
        first_poll_done=bool(row.first_poll_done),
        consecutive_failures=int(row.consecutive_failures or 0),
        alerted=bool(row.alerted),
        next_poll=row.next_poll,
        last_success=row.last_success,
        newest_item=row.newest_item,
    )


def _scope_item(row: Any) -> ScopeItem:
    return ScopeItem(
        id=row.id,
        source_id=row.source_id,
        url=row.url,
        title=row.title,
        summary=row.summary,
        content_html=row.content_html,
        author=row.author,
        image=row.image,
        published=row.published,
        updated=row.updated,
        first_seen=row.first_seen,
        categories=tuple(row.categories),
        regencies=tuple(row.regencies),
        advertorial=bool(row.advertorial),
        dateline=row.dateline,
        credit=row.credit,
        version=row.version,
        evidence=tuple(Evidence(**e) for e in row.evidence or ()),
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
