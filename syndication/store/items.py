"""Items: ingest (new, changed, duplicate stories and the deliveries they cause), the feeds'
scopes and windows, and retention."""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from ..types import Item
from ..urls import KEY_CHARS
from . import schema as t
from .base import (
    ITEM_VALUE_COLUMNS,
    BulkInsert,
    _aware,
    _chunks,
    _item_values,
    _scope_item,
    note_left,
    upsert_insert,
)
from .editorial import Gate, HoldReason, refiltered
from .records import (
    IngestResult,
    ScopeItem,
    migration_chain,
)
from .sources import SourceQueries, SourceSuccess

Route = Callable[[Item], Sequence[tuple[str, str]]]  # item -> [(regency slug, chat)]
DUPLICATE_TITLE_WINDOW = timedelta(days=3)
SAME_SOURCE_TITLE_WINDOW = timedelta(hours=1)
INGEST_LOCK = 0x53594E44  # pg advisory lock key of ItemQueries.ingest
log = logging.getLogger("syndication.store")

# The statements an ingest runs per item, built once: building and keying a statement per call
# cost more than executing it.
_e, _i = t.entries.c, t.items.c
_ENTRY_ITEM = select(_e.item_id).where(
    _e.source_id == bindparam("sid"), _e.entry_key == bindparam("key")
)
TOUCH_EVERY = timedelta(days=1)  # how stale a listed entry's last_seen may grow (prune reads it)
_ENTRY_SEEN = (
    update(t.entries)
    .where(_e.source_id == bindparam("sid"), _e.entry_key == bindparam("key"))
    .values(last_seen=bindparam("seen"), raw_hash=bindparam("raw"))
)
_INSERT_ENTRY = insert(t.entries)
_BY_URL_KEY = select(_i.id).where(_i.url_key == bindparam("url_key")).limit(1)
# A copy's date (_window's bindparams): from another source within days; from the source
# that already listed the story only at the same published time
_IN_WINDOW = (
    _i.published >= bindparam("low"),
    _i.published <= bindparam("high"),
    or_(
        ~select(_e.item_id)
        .where(_e.item_id == _i.id, _e.source_id == bindparam("source_id"))
        .exists(),
        _i.published.between(bindparam("own_low"), bindparam("own_high")),
    ),
)
# The same story under the same title: from another source within days; from the source
# that already listed it only at the same published time (a second URL of that story), as a
# source's title used again later (a daily "Jadwal SIM Keliling ...") is a story of its own.
_BY_TITLE_KEY = (
    select(_i.id)
    .where(
        _i.title_key == bindparam("title_key"),
        *_IN_WINDOW,
    )
    .limit(1)
)
# the items opening with a lead (normalize.dedup.lead_key) in the window, as _BY_TITLE_KEY's
_BY_LEAD_KEY = (
    select(_i.id, _i.source_id, _i.title_key, _i.content_html, _i.dateline)
    .where(
        _i.lead_key == bindparam("lead_key"),
        *_IN_WINDOW,
    )
    .order_by(_i.id)
    .limit(8)
)
_ITEM_BEFORE = select(
    _i.source_id,
    _i.url_key,
    _i.title,
    _i.content_hash,
    _i.categories,
    _i.regencies,
    _i.withdrawn_at,
).where(_i.id == bindparam("id"))
# the text of a stored story, read only where it is compared (an opening alone, a rename)
_ITEM_TEXT = select(
    _i.content_html, _i.summary, _i.dateline, _i.credit, _i.image, _i.lead_key
).where(_i.id == bindparam("id"))
_WITHDRAWN_AT = select(_i.withdrawn_at).where(_i.id == bindparam("id"))
_LISTED_BY = (
    select(t.entries.c.item_id)
    .where(t.entries.c.source_id == bindparam("sid"), t.entries.c.item_id == bindparam("id"))
    .limit(1)
)
# one source's articles at an address of the same number (urls.article_key), newest first
_BY_ARTICLE_KEY = (
    select(_i.id, _i.url_key, _i.title_key, _i.lead_key, _i.published)
    .where(_i.article_key == bindparam("article_key"), _i.source_id == bindparam("sid"))
    .order_by(_i.id.desc())
    .limit(5)
)
_ENTRY_KEYS_OF = select(t.entries.c.entry_key).where(
    t.entries.c.source_id == bindparam("sid"), t.entries.c.item_id == bindparam("id")
)
_DELETE_SCOPES = delete(t.item_scopes).where(t.item_scopes.c.item_id == bindparam("id"))
_INSERT_SCOPE = insert(t.item_scopes)
_ENTRY_COLUMNS = ("source_id", "entry_key", "item_id", "first_seen", "last_seen", "raw_hash")
_BULK_ENTRIES = BulkInsert(t.entries, _ENTRY_COLUMNS)
_BULK_SCOPES = BulkInsert(t.item_scopes, ("scope", "item_id", "published"))
_BULK_ITEM = BulkInsert(t.items, (*ITEM_VALUE_COLUMNS, "first_seen", "version"))
_FIRST_VERSION = t.items.c.version.default.arg  # type: ignore[union-attr]


def scopes_of(categories: Iterable[str], regencies: Iterable[str]) -> list[str]:
    """The feeds an item appears in."""
    cats, regs = sorted(set(categories)), sorted(set(regencies))
    return [
        "all",
        *(f"category/{c}" for c in cats),
        *(f"regency/{r}" for r in regs),
        *(f"regency/{r}/{c}" for r in regs for c in cats),
    ]


_DIRTY_UPSERT: dict[str, Any] = {}  # dialect name -> the dirty marks' upsert
_s = t.sources.c


def _counted(complete: bool, guarded: bool) -> Any:
    """A poll's items counted on its source, and its first poll done when `complete` (an html
    listing only partly fetched is still its first poll: what the next polls fetch of it is
    backlog too, never announced); `guarded`: only while the source's url is the one polled."""
    return (
        update(t.sources)
        .where(_s.id == bindparam("sid"), _s.url == bindparam("at_url") if guarded else true())
        .values(
            first_poll_done=True if complete else _s.first_poll_done,
            items_count=select(func.count())
            .select_from(t.entries)
            .where(_e.source_id == bindparam("sid"))
            .scalar_subquery(),
        )
    )


# per ingest, built once for each shape (building one took longer than running it)
_COUNTED = {(a, b): _counted(a, b) for a in (False, True) for b in (False, True)}
_newest = bindparam("newest", type_=_s.newest_item.type)
_NEWEST = (
    update(t.sources)
    .where(_s.id == bindparam("sid"), or_(_s.newest_item.is_(None), _s.newest_item < _newest))
    .values(newest_item=_newest)
)
_PRESENT_ENTRIES = select(_e.entry_key).where(
    _e.source_id == bindparam("sid"), _e.entry_key.in_(bindparam("keys", expanding=True))
)
_PRESENT_URLS = (
    select(_i.url_key).where(_i.url_key.in_(bindparam("keys", expanding=True))).distinct()
)
_PRESENT_TITLES = (
    select(_i.title_key).where(_i.title_key.in_(bindparam("keys", expanding=True))).distinct()
)
_PRESENT_ARTICLES = (
    select(_i.article_key).where(_i.article_key.in_(bindparam("keys", expanding=True))).distinct()
)
_PRESENT_LEADS = (
    select(_i.lead_key, _i.title_key)
    .where(_i.lead_key.in_(bindparam("keys", expanding=True)))
    .distinct()
)


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
        listed: Collection[str] = (),
    ) -> IngestResult:
        """Store a poll's items, their deliveries and dirty feeds, and the source's success,
        all in one transaction. `gate` decides each new message's fate (filters, the cap of
        one poll); without one every routed message is queued.

        First without a savepoint per entry (two statements each, a third of a cold ingest's
        statements); should an entry be refused, that transaction is rolled back and the poll
        stored again with one savepoint per entry, so that it costs that entry only."""
        gate = gate if gate is not None else Gate(source_id=source_id)
        counted = gate.snapshot()
        for guarded in (False, True):
            result = IngestResult()
            one = self._ingest_guarded if guarded else self._ingest_unguarded
            try:
                with self._tx() as conn:
                    if conn.dialect.name == "postgresql":
                        # one ingest at a time, as SQLite's BEGIN IMMEDIATE gives: two
                        # sources carrying one story must see each other's item, and their
                        # dirty_scopes rows not collide
                        conn.execute(select(func.pg_advisory_xact_lock(INGEST_LOCK)))
                    taken: list[Item] = []
                    dirty: set[str] = set()
                    poll = _Poll(
                        route,
                        announce,
                        gate,
                        _Migrations(conn),
                        _Present.read(conn, source_id, items_in, listed, complete),
                    )
                    for item in items_in:
                        scopes = one(conn, source_id, item, now, poll, result)
                        if scopes is not None:
                            taken.append(item)
                            dirty |= scopes
                    poll.staged.flush(conn)
                    self._mark_dirty(conn, dirty, now)  # once for the poll, not once per item
                    conn.execute(
                        _COUNTED[complete, ok.url is not None], {"sid": source_id, "at_url": ok.url}
                    )
                    if taken:
                        newest = max(i.published for i in taken)
                        conn.execute(_NEWEST, {"sid": source_id, "newest": newest})
                    self._success(conn, source_id, now, ok)
                return result
            except _Refused:  # raised by the first pass only: the second takes what it can
                gate.restore(counted)
        raise AssertionError("the guarded pass never raises _Refused")

    def _ingest_unguarded(
        self,
        conn: Connection,
        source_id: str,
        item: Item,
        now: datetime,
        poll: _Poll,
        result: IngestResult,
    ) -> set[str]:
        """One entry, no savepoint: an entry the store cannot take raises _Refused, which
        rolls the whole transaction back for a second try with savepoints (_ingest_guarded)."""
        if poll.present.looked_up(item):
            poll.staged.flush(conn)  # the lookups read what this poll staged
        try:
            return self._ingest_one(conn, source_id, item, now, poll, result, poll.staged)
        except _REFUSED as e:
            if not _entrys_fault(e):
                raise
            raise _Refused() from e

    def _ingest_guarded(
        self,
        conn: Connection,
        source_id: str,
        item: Item,
        now: datetime,
        poll: _Poll,
        result: IngestResult,
    ) -> set[str] | None:
        """One entry in a savepoint: an entry the store cannot take (a value out of range,
        text the database refuses) costs that entry only. Returns the scopes the entry
        changed, None when it was rejected. A lost connection or a lock still fails the whole
        ingest (StorageError): nothing is half stored, and the next poll tries again."""
        gate = poll.gate
        before, counted = dataclasses.replace(result), gate.snapshot()
        staged = _Staged()
        if poll.present.looked_up(item):
            # before the savepoint, so that a rollback to it keeps the other entries' rows:
            # every staged row in the tables for this entry's lookups (the entry, the scopes
            # an update rewrites, the entries a duplicate check may read)
            poll.staged.flush(conn)
        try:
            with conn.begin_nested():
                scopes = self._ingest_one(conn, source_id, item, now, poll, result, staged)
            poll.staged.take(staged)  # kept only once the entry's savepoint is released
            return scopes
        except _REFUSED as e:
            if not _entrys_fault(e):
                raise
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
            return None

    def _ingest_one(
        self,
        conn: Connection,
        source_id: str,
        item: Item,
        now: datetime,
        poll: _Poll,
        result: IngestResult,
        staged: _Staged,
    ) -> set[str]:
        """Store one entry; returns the scopes it changed. The rows of its entry and of a new
        item's scopes are staged (inserted with the poll's others at the end, in one
        executemany each) when nothing in them can be refused; they are written before any
        query that could read them (_ingest_guarded)."""
        entry = {"sid": source_id, "key": item.entry_key}
        present = poll.present
        known = None
        if item.entry_key in present.entry_keys:  # flushed: see _ingest_guarded
            known = conn.execute(_ENTRY_ITEM, entry).scalar_one_or_none()
            if known is not None and item.url_key in present.url_keys:
                # a guid the feed gave another article before (articles sharing one guid,
                # then listed one at a time): the article stored under its own link is this
                # entry's, not the guid's first one, which must not turn into it
                owner = conn.execute(_BY_URL_KEY, {"url_key": item.url_key}).scalar_one_or_none()
                if owner is not None:
                    known = owner
        if known is not None:
            conn.execute(_ENTRY_SEEN, {**entry, "seen": now, "raw": item.raw_hash or None})
            fresh = poll.announce(item)  # still new enough to announce, and no backlog

            def rerouted() -> None:
                # reclassified (a regency corrected, a pushed category's label added) after
                # it was first seen: a chat it now goes to is told, if it was news then
                if fresh and _novel(conn, source_id, item.entry_key, known):
                    self._add_deliveries(conn, known, poll, now, item, result)

            changed = self._update_item(
                conn, known, item, now, poll.gate, release=fresh, rerouted=rerouted
            )
            # its url and title may be new ones: a later entry of this poll must find them
            present.url_keys.add(item.url_key)
            present.title_keys.add(item.title_key)
            present.add_lead(item)
            if changed is not None:
                result.updated += 1
            return changed or set()
        scopes: set[str] = set()
        announce_it = True
        item_id = self._find_duplicate(conn, item, present)
        corrected = None if item_id is not None else self._renamed(conn, source_id, item, present)
        if corrected is not None:
            # the same article at a new slug, its headline corrected: an update, as at its
            # old address (its message edited, never a second one)
            item_id, announce_it = corrected, False
            changed = self._update_item(conn, item_id, item, now, poll.gate)
            present.url_keys.add(item.url_key)
            present.title_keys.add(item.title_key)
            present.add_lead(item)
            if changed is not None:
                result.updated += 1
                scopes = changed
        elif item_id is None:
            item_id = self._insert_item(conn, item, now)
            present.url_keys.add(item.url_key)
            present.title_keys.add(item.title_key)
            present.add_lead(item)
            new = scopes_of(item.categories, item.regencies)
            scopes = set(new)
            rows = [{"scope": s, "item_id": item_id, "published": item.published} for s in new]
            if all(len(s) <= _SCOPE_CHARS for s in new):
                staged.scopes += rows
            else:  # the database may refuse it: this entry's savepoint takes the blame
                conn.execute(_INSERT_SCOPE, rows)
            result.new += 1
        else:
            result.duplicates += 1
            if conn.execute(_LISTED_BY, {"sid": source_id, "id": item_id}).first() is not None:
                # the story this source listed already, under another key (a link whose
                # tracking part changed, a guid rewritten): its novelty was decided then, and
                # a backlog story must not go out now. Its content is this entry's, as for a
                # known entry: a correction under a guid the CMS rewrites is a correction
                announce_it = False
                changed = self._update_item(conn, item_id, item, now, poll.gate, same_url=True)
                if changed is not None:
                    result.updated += 1
                    scopes = changed
        present.entry_keys.add(item.entry_key)
        row = {
            "source_id": source_id,
            "entry_key": item.entry_key,
            "item_id": item_id,
            "first_seen": now,
            "last_seen": now,
            "raw_hash": item.raw_hash or None,
        }
        if _storable(item.entry_key) and len(item.raw_hash or "") <= _HASH_CHARS:
            staged.entries.append(row)
        else:
            conn.execute(_INSERT_ENTRY, row)
        if announce_it and poll.announce(item):
            self._add_deliveries(conn, item_id, poll, now, item, result)
        return scopes

    def _find_duplicate(self, conn: Connection, item: Item, present: _Present) -> int | None:
        """The story `item` is a copy of: at its URL, else under its title, else opening with
        its lead under a like title (each within DUPLICATE_TITLE_WINDOW of its date, and
        within SAME_SOURCE_TITLE_WINDOW for its own source's stories)."""
        found: int | None = None
        if item.url_key in present.url_keys:
            found = conn.execute(_BY_URL_KEY, {"url_key": item.url_key}).scalar_one_or_none()
        if found is not None:
            return found
        by_title = len(item.title_key) >= 12 and item.title_key in present.title_keys
        by_lead = present.lead_match(item)
        if not by_title and not by_lead:
            return None
        window = _window(item)
        if by_title:
            found = conn.execute(_BY_TITLE_KEY, window).scalar_one_or_none()
        if found is not None or not by_lead:
            return found
        rows = conn.execute(_BY_LEAD_KEY, {**window, "lead_key": item.lead_key}).all()
        if len({r.source_id for r in rows}) < len(rows):
            return None  # one source's stories opening alike: its template's words, no story's
        from ..normalize.dedup import same_lead  # here: the rare path, and no worker's import

        own = _lead_of(item.content_html, item.dateline)
        for r in rows:
            if _similar_titles(r.title_key, item.title_key) and same_lead(
                own, _lead_of(r.content_html, r.dateline)
            ):
                return int(r.id)
        return None

    def _renamed(
        self, conn: Connection, source_id: str, item: Item, present: _Present
    ) -> int | None:
        """The story of `source_id` that `item` is, moved to a new slug under the same
        article number (urls.article_key) with its headline corrected: its text opens as the
        item's, as far as the shorter goes (normalize.dedup.same_lead: 30 words at least, up
        to 120), half its headline's words or more are the item's, it is within
        DUPLICATE_TITLE_WINDOW of the item's date, and this poll no longer lists it at its
        old address (two articles listed side by side are two, whatever their numbers)."""
        if not item.article_key or item.article_key not in present.article_keys:
            return None
        if present.poll_entries is None or not item.lead_key:
            return None  # a text too short to tell two stories of one day's folder apart
        rows = conn.execute(_BY_ARTICLE_KEY, {"article_key": item.article_key, "sid": source_id})
        words = set(item.title_key.split())
        own: list[str] | None = None
        for r in rows:
            if r.url_key == item.url_key or r.lead_key != item.lead_key:
                continue
            if abs(_aware(r.published) - item.published) > DUPLICATE_TITLE_WINDOW:
                continue
            theirs = set(r.title_key.split())
            if 2 * len(words & theirs) < max(len(words), len(theirs)):
                continue
            listed = conn.execute(_ENTRY_KEYS_OF, {"sid": source_id, "id": r.id}).scalars()
            if any(key in present.poll_entries for key in listed):
                continue
            from ..normalize.dedup import same_lead  # the rare path, as _find_duplicate's

            own = own if own is not None else _lead_of(item.content_html, item.dateline)
            theirs_text = conn.execute(_ITEM_TEXT, {"id": r.id}).one()
            if not same_lead(own, _lead_of(theirs_text.content_html, theirs_text.dateline)):
                continue  # one template's opening, two stories
            return int(r.id)
        return None

    def _insert_item(self, conn: Connection, item: Item, now: datetime) -> int:
        values = _item_values(item)
        values["first_seen"], values["version"] = now, _FIRST_VERSION
        return _BULK_ITEM.insert_one(conn, values)

    def _update_item(
        self,
        conn: Connection,
        item_id: int,
        item: Item,
        now: datetime,
        gate: Gate | None = None,
        *,
        same_url: bool = False,
        release: bool = False,
        rerouted: Callable[[], None] | None = None,
    ) -> set[str] | None:
        """Rewrite a changed item (its text, or its categories and regencies); None when it
        is the same, else the scopes it left or entered. Its messages not yet sent meet the
        `gate`'s filters again (and those it held are released, when `release`: the item is
        still young enough to announce). `rerouted` is called once the item's scopes changed.
        `same_url`: only from an entry at the item's own URL (a copy merged by its title, at
        another URL of the same source, is no correction of it)."""
        c = t.items.c
        old = conn.execute(_ITEM_BEFORE, {"id": item_id}).one()
        before = scopes_of(old.categories, old.regencies)
        after = scopes_of(item.categories, item.regencies)
        text = (
            conn.execute(_ITEM_TEXT, {"id": item_id}).one()
            if old.content_hash != item.content_hash
            and old.url_key == item.url_key
            and old.title == item.title
            else None
        )
        if text is not None and _opening_of(item.content_html, text.content_html):
            # a feed gives only the opening of the text the story holds whole (a category
            # feed set to "summary", whichever source stored it first): the whole text stays,
            # its labels are still added. Taken, two feeds' texts rewrote the story back and
            # forth at each one's poll
            item = dataclasses.replace(
                item,
                content_html=text.content_html,
                summary=text.summary,
                dateline=text.dateline,
                credit=text.credit,
                image=text.image or item.image,
                content_hash=old.content_hash,
                lead_key=text.lead_key or "",
            )
        if old.content_hash == item.content_hash:
            if before == after:
                return None
            # the same text under other labels (a label added, another feed's own labels):
            # labels are only added so, never dropped; two feeds labelling one story apart
            # rewrote it at each one's poll, and a label only one of them still lists was lost
            cats = tuple(dict.fromkeys((*old.categories, *item.categories)))
            regs = tuple(dict.fromkeys((*old.regencies, *item.regencies)))
            if set(cats) == set(old.categories) and set(regs) == set(old.regencies):
                return None
            item = dataclasses.replace(item, categories=cats, regencies=regs)
            after = scopes_of(cats, regs)
        if old.url_key != item.url_key and (same_url or old.source_id != item.source_id):
            # another source's copy of a merged story, at its own URL: the story stays the one
            # its messages link (each copy's change rewrote it, and edited them back and forth)
            return None
        values = _item_values(item)
        values.pop("source_id")
        values["updated"] = max(item.updated, now) if item.updated <= now else now
        conn.execute(update(t.items).where(c.id == item_id).values(**values, version=c.version + 1))
        # read again now that the update holds the row (PostgreSQL; SQLite's writer lock already
        # does): a withdrawal committed since the first read put a withdrawn item back in every
        # feed for good; one that comes later waits for this transaction
        if conn.execute(_WITHDRAWN_AT, {"id": item_id}).scalar_one() is not None:
            return set()  # kept up to date, out of every feed until its page answers again
        scopes = self._set_scopes(conn, item_id, item, before)
        # reclassified out of a scope: its feeds keep a date past the change, as on withdrawal
        note_left(conn, set(before) - set(after), now)
        if old.title != item.title:
            d = t.deliveries.c
            conn.execute(
                update(t.deliveries)
                .where(d.item_id == item_id, d.state == "sent")
                .values(state="edit", next_attempt=now, attempts=0)
            )
        if gate is not None and gate.hold is not None:
            _refilter_corrected(conn, item_id, item, gate.hold, now, release)
        if rerouted is not None and before != after:
            rerouted()
        return scopes

    def _set_scopes(
        self, conn: Connection, item_id: int, item: Item, old: Sequence[str]
    ) -> set[str]:
        """Put the item in its scopes; returns those and the ones it left (to mark dirty)."""
        new = scopes_of(item.categories, item.regencies)
        conn.execute(_DELETE_SCOPES, {"id": item_id})
        conn.execute(
            _INSERT_SCOPE,
            [{"scope": s, "item_id": item_id, "published": item.published} for s in new],
        )
        return set(new) | set(old)

    def _mark_dirty(self, conn: Connection, scopes: Iterable[str], now: datetime) -> None:
        """Mark each scope dirty, bumping the version of a mark already there: a publish that
        read the old version leaves the mark for the next one (race-free: one upsert)."""
        rows = [{"scope": s, "since": now, "version": 1} for s in sorted(set(scopes))]
        if not rows:
            return
        statement = _DIRTY_UPSERT.get(conn.dialect.name)
        if statement is None:  # built once per dialect: building it took longer than running it
            c = t.dirty_scopes.c
            statement = upsert_insert(conn, t.dirty_scopes).on_conflict_do_update(
                index_elements=[c.scope], set_={"version": c.version + 1}
            )
            _DIRTY_UPSERT[conn.dialect.name] = statement
        conn.execute(statement, rows)

    def _add_deliveries(
        self,
        conn: Connection,
        item_id: int,
        poll: _Poll,
        now: datetime,
        item: Item,
        result: IngestResult,
    ) -> None:
        """One row per routed chat: pending, or filtered / capped with the reason (never sent,
        but `explain` and `status` see it). A withdrawn item (another source still lists it)
        gets none: it is never announced again."""
        d = t.deliveries.c
        routes, gate = poll.route(item), poll.gate
        if not routes or not item.url:
            return  # (a story without a link a reader can open: no message can name it)
        if conn.execute(_WITHDRAWN_AT, {"id": item_id}).scalar_one_or_none() is not None:
            return
        have = {r.chat for r in conn.execute(select(d.chat).where(d.item_id == item_id))}
        moved = poll.moved.read()
        for regency, configured in routes:
            chat = _follow(moved, configured)
            if chat in have or any(_follow(moved, old) == chat for old in have):
                # (a row of a group Telegram upgraded since is the new chat's too: the
                # supergroup shows the old group's messages)
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
            select(t.items)
            .join(t.item_scopes, s.item_id == i.id)
            .where(s.scope == scope)
            .order_by(s.published.desc(), i.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return [_scope_item(r) for r in conn.execute(query)]

    def scope_listing(
        self, scope: str, limit: int, held: Callable[[int, int], bool]
    ) -> list[tuple[int, int, ScopeItem | None]]:
        """scope_items as (id, version, item), in the same order, where `item` is None for
        the ones `held(id, version)` says the caller has already: only the others' rows are
        read (a publish reads each story once, not once per scope that lists it). The rows are
        read again under the scope: one that left it between the two reads (withdrawn,
        reclassified: PostgreSQL's READ COMMITTED sees such a commit) is left out, one
        changed meanwhile comes as it is now."""
        s, i = t.item_scopes.c, t.items.c
        keys = (
            select(i.id, i.version)
            .join(t.item_scopes, s.item_id == i.id)
            .where(s.scope == scope)
            .order_by(s.published.desc(), i.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            listed = [
                (int(r.id), int(r.version), held(r.id, r.version)) for r in conn.execute(keys)
            ]
            wanted = [n for n, _, kept in listed if not kept]
            rows: dict[int, ScopeItem] = {}
            for chunk in _chunks(wanted, 500):
                rows_of = select(t.items).join(t.item_scopes, s.item_id == i.id)
                for row in conn.execute(rows_of.where(s.scope == scope, i.id.in_(chunk))):
                    rows[row.id] = _scope_item(row)
        return [(n, v, rows.get(n)) for n, v, kept in listed if kept or n in rows]

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

    def touch_listed(
        self, source_id: str, keys: Iterable[str], now: datetime, every: timedelta = TOUCH_EVERY
    ) -> int:
        """Note that the source still lists these entries (their last_seen, which prune
        reads), for those not noted within `every`: an entry unchanged since it was read is
        not ingested again, and its last_seen stayed its first reading's. How many."""
        e = t.entries.c
        wanted = sorted(set(keys))
        touched = 0
        with self._tx() as conn:
            for start in range(0, len(wanted), 500):
                res = conn.execute(
                    update(t.entries)
                    .where(
                        e.source_id == source_id,
                        e.entry_key.in_(wanted[start : start + 500]),
                        e.last_seen < now - every,
                    )
                    .values(last_seen=now)
                )
                touched += int(res.rowcount)
        return touched

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
        # a story a source still lists (touch_listed) stays: pruned, it would be new at that
        # source's next read, dated then if it carries no date, and announced again
        listed = select(t.entries.c.item_id).where(t.entries.c.last_seen >= before)
        doomed = (
            select(i.id)
            .where(
                i.published < before,
                i.id.not_in(shown),
                i.id.not_in(busy),
                i.id.not_in(listed),
            )
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


class _Migrations:
    """Chat -> the id Telegram moved it to, read in the ingest's own transaction (a row is
    never queued for a chat that a concurrent sender just found migrated), once per ingest
    and only when an item has a delivery to route."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.found: dict[str, str] | None = None

    def read(self) -> dict[str, str]:
        if self.found is None:
            c = t.channels.c
            rows = self.conn.execute(select(c.chat, c.migrated_to).where(c.state == "migrated"))
            self.found = {r.chat: r.migrated_to for r in rows if r.migrated_to}
        return self.found


@dataclasses.dataclass
class _Present:
    """Which of a poll's entry keys (of its source), url keys and title keys the database may
    hold: read with one query each for the whole poll (in chunks), and grown with what the
    poll itself inserts. A key outside these sets is certainly absent, so its per-item lookup
    is skipped (a cold poll then runs none); a key inside still gets its exact lookup, so a
    key left here by an entry rolled back to its savepoint costs one query, never a wrong
    answer. The ingest lock (BEGIN IMMEDIATE, the advisory lock) keeps other writers out
    between the read and the lookups."""

    entry_keys: set[str]
    url_keys: set[str]
    title_keys: set[str]
    # the article keys (urls.article_key) of the poll's items the database holds, and the
    # poll's own entry keys, for _renamed
    article_keys: set[str] = dataclasses.field(default_factory=set)
    poll_entries: frozenset[str] | None = None
    # lead key -> the title keys of the stories opening with it: an item's lead is looked up
    # only when one of them is like its title (a template's opening, shared by thousands of
    # stories under other titles, costs no query)
    leads: dict[str, set[frozenset[str]]] = dataclasses.field(default_factory=dict)

    def looked_up(self, item: Item) -> bool:
        """Whether ingesting `item` runs any lookup (of its entry, url, title or lead key)."""
        return (
            item.entry_key in self.entry_keys
            or item.url_key in self.url_keys
            or item.title_key in self.title_keys
            or self.lead_match(item)
            or (bool(item.article_key) and item.article_key in self.article_keys)
        )

    def lead_match(self, item: Item) -> bool:
        titles = self.leads.get(item.lead_key) if item.lead_key else None
        if not titles:
            return False
        words = frozenset(item.title_key.split())
        return any(_holds_either(words, t) for t in titles)

    def add_lead(self, item: Item) -> None:
        if item.lead_key:
            self.leads.setdefault(item.lead_key, set()).add(frozenset(item.title_key.split()))
        if item.article_key:  # (and its article key, as the keys a later entry looks up)
            self.article_keys.add(item.article_key)

    @classmethod
    def read(
        cls,
        conn: Connection,
        source_id: str,
        items: Sequence[Item],
        listed: Collection[str] = (),
        complete: bool = True,
    ) -> _Present:
        entry_keys: set[str] = set()
        url_keys: set[str] = set()
        title_keys: set[str] = set()
        # a key no database takes is in none (and PostgreSQL refused the whole query for it):
        # its entry is refused on its own when its turn comes
        entries = sorted({it.entry_key for it in items if _storable(it.entry_key)})
        for chunk in _chunks(entries, _PRESENT_CHUNK):
            found = conn.execute(_PRESENT_ENTRIES, {"sid": source_id, "keys": chunk})
            entry_keys.update(found.scalars())
        urls = sorted({it.url_key for it in items if _storable(it.url_key)})
        for chunk in _chunks(urls, _PRESENT_CHUNK):
            url_keys.update(conn.execute(_PRESENT_URLS, {"keys": chunk}).scalars())
        titles = sorted(
            {it.title_key for it in items if len(it.title_key) >= 12 and _storable(it.title_key)}
        )
        for chunk in _chunks(titles, _PRESENT_CHUNK):
            title_keys.update(conn.execute(_PRESENT_TITLES, {"keys": chunk}).scalars())
        leads: dict[str, set[frozenset[str]]] = {}
        wanted = sorted({it.lead_key for it in items if it.lead_key})
        for chunk in _chunks(wanted, _PRESENT_CHUNK):
            for lead, title in conn.execute(_PRESENT_LEADS, {"keys": chunk}):
                leads.setdefault(lead, set()).add(frozenset(title.split()))
        articles: set[str] = set()
        keys = sorted({it.article_key for it in items if it.article_key})
        for chunk in _chunks([k for k in keys if _storable(k)], _PRESENT_CHUNK):
            articles.update(conn.execute(_PRESENT_ARTICLES, {"keys": chunk}).scalars())
        # every entry the poll lists (those unchanged since read are not in `items`); none
        # when the listing left links out: then no address is known to be gone (_renamed)
        poll = frozenset(listed) | {it.entry_key for it in items} if complete else None
        return cls(
            entry_keys, url_keys, title_keys, article_keys=articles, poll_entries=poll, leads=leads
        )


# What refuses one entry rather than the poll (a value out of range, text the database
# refuses), as far as _entrys_fault says
_REFUSED = (ArithmeticError, ValueError, TypeError, DataError, IntegrityError, StatementError)


class _Refused(Exception):
    """An entry the store cannot take, in an ingest without savepoints: try again with them."""


def _entrys_fault(error: BaseException) -> bool:
    """Whether one of _REFUSED is the entry's fault; a DBAPIError other than DataError,
    IntegrityError and PostgreSQL's program_limit_exceeded (54000: a value too large for an
    index row) is the connection's or the database's, and fails the whole ingest. The rest of
    class 54 (a statement too complex, too many columns or arguments) is the statement's, so
    it would refuse every entry: the poll fails instead, and is retried."""
    if not isinstance(error, DBAPIError) or isinstance(error, (DataError, IntegrityError)):
        return True
    return getattr(error.orig, "sqlstate", None) == "54000"


_PRESENT_CHUNK = 500  # keys per IN list: well under SQLite's bound-parameter limit
_SCOPE_CHARS = 200  # t.item_scopes.c.scope: String(200), which PostgreSQL enforces
_HASH_CHARS = 64  # t.entries.c.raw_hash: String(64)


def _storable(key: str) -> bool:
    """A key every database takes: no NUL (PostgreSQL refuses it), no lone surrogate, and
    short enough for an index row (urls.KEY_CHARS)."""
    if "\x00" in key or len(key) > KEY_CHARS:
        return False
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclasses.dataclass
class _Staged:
    """Rows of a poll's new entries and new items' scopes, inserted together: one
    executemany each instead of a statement per entry. A new item's id is fresh, so no scope
    row holds it yet (prune deletes an item's scope rows with it: a reused SQLite rowid finds
    none either). Only rows nothing in can be refused are staged, so a flush fails only as
    the whole ingest would (the connection, the database)."""

    entries: list[dict[str, object]] = dataclasses.field(default_factory=list)
    scopes: list[dict[str, object]] = dataclasses.field(default_factory=list)

    def take(self, other: _Staged) -> None:
        self.entries += other.entries
        self.scopes += other.scopes

    def flush(self, conn: Connection) -> None:
        _BULK_ENTRIES(conn, self.entries)
        _BULK_SCOPES(conn, self.scopes)
        self.entries, self.scopes = [], []


def _lead_of(content_html: str, dateline: str | None) -> list[str]:
    """A stored body's first words after its dateline (normalize.dedup.lead_words)."""
    from ..normalize.dedup import LEAD_CHECKED, lead_words

    text = " ".join(html.unescape(_TAG.sub(" ", content_html or "")).split())
    return lead_words(text, dateline, LEAD_CHECKED)


_TAG = re.compile(r"<[^>]*>")  # enough for a body the store holds: sanitized by clean_content
_EXCERPT_WORDS = 10  # an opening shorter than this is no evidence of one text


def _opening_of(short_html: str, long_html: str) -> bool:
    """Whether `short_html`'s words open `long_html` (its last word may be cut short, as an
    excerpt's "…" cuts it): an excerpt of the same text."""
    from ..normalize.dedup import lead_words

    def words(markup: str) -> list[str]:
        return lead_words(" ".join(html.unescape(_TAG.sub(" ", markup or "")).split()), None, 10**9)

    short = words(short_html)
    if len(short) < _EXCERPT_WORDS:
        return False
    whole = words(long_html)
    n = len(short) - 1
    return len(whole) > len(short) and whole[:n] == short[:n]


def _similar_titles(a: str, b: str) -> bool:
    """Whether one title key holds every word of the other: a headline and its longer form
    ("Sekda Kukar Serahkan 500 Paket Sembako" and "... untuk Warga Loa Kulu"). Never two
    headlines that share most words ("Festival Budaya di Sebulu, Dinas Turun Tangan" and
    "Perbaikan Jembatan di Sebulu, Dinas Turun Tangan"): stories of one template."""
    return _holds_either(frozenset(a.split()), frozenset(b.split()))


def _holds_either(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and (a <= b or b <= a)


def _window(item: Item) -> dict[str, Any]:
    """The dates a copy of `item` may bear, for _BY_TITLE_KEY and _BY_LEAD_KEY (clamped at
    the ends of datetime's range)."""
    low, high = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    wide, own = DUPLICATE_TITLE_WINDOW, SAME_SOURCE_TITLE_WINDOW
    return {
        "source_id": item.source_id,
        "title_key": item.title_key,
        "low": max(item.published, low + wide) - wide,
        "high": min(item.published, high - wide) + wide,
        "own_low": max(item.published, low + own) - own,
        "own_high": min(item.published, high - own) + own,
    }


def _refilter_corrected(
    conn: Connection, item_id: int, item: Item, hold: HoldReason, now: datetime, release: bool
) -> None:
    """A correction's words under the filters, as a reload's refilter meets new filters: a
    message not yet sent that they now hold is held; one they held that they no longer do is
    queued again when `release` (the item still young enough to announce). One a sender
    holds a lease on is left to it."""
    d = t.deliveries.c
    free = or_(d.lease_until.is_(None), d.lease_until < now)
    states = ("pending", "filtered") if release else ("pending",)
    waiting = (d.item_id == item_id) & d.state.in_(states) & free
    for row in conn.execute(select(d.id, d.regency, d.state, d.last_error).where(waiting)).all():
        why = hold(row.regency, item.title, item.summary, item.content_html)
        same = update(t.deliveries).where(d.id == row.id, d.state == row.state, free)
        verdict = refiltered(why, row.state, row.last_error)
        if verdict == "held":
            conn.execute(same.values(state="filtered", last_error=why))
        elif verdict == "released":
            conn.execute(same.values(state="pending", last_error=None, next_attempt=now))


def _novel(conn: Connection, source_id: str, entry_key: str, item_id: int) -> bool:
    """Whether the item was news when first seen: queued for a chat then (whatever became of
    it), or listed by the source after the earliest entry it holds (what it listed on its
    first poll, its backlog, is never announced, also when reclassified later)."""
    d = t.deliveries.c
    if conn.execute(select(d.id).where(d.item_id == item_id).limit(1)).first() is not None:
        return True
    e = t.entries.c
    first = select(func.min(e.first_seen)).where(e.source_id == source_id).scalar_subquery()
    seen = select(e.first_seen).where(e.source_id == source_id, e.entry_key == entry_key)
    return bool(conn.execute(select(seen.scalar_subquery() > first)).scalar())


@dataclasses.dataclass(frozen=True)
class _Poll:
    """What one ingest hands each of its items: routing, novelty, the gate, migrated chats,
    and the keys the database may already hold."""

    route: Route
    announce: Callable[[Item], bool]
    gate: Gate
    moved: _Migrations
    present: _Present
    staged: _Staged = dataclasses.field(default_factory=lambda: _Staged())


def _follow(moved: Mapping[str, str], chat: str) -> str:
    return migration_chain(chat, moved)[-1]
