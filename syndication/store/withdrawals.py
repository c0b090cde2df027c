"""Withdrawn articles: an item the portal took down leaves every feed (its feed scopes are
dropped and marked dirty), its unsent messages are cancelled and its sent ones queued for
deletion ("withdraw"); an item whose page the portal serves again comes back as an update."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, literal, or_, select, update

from ..urls import domain_of
from . import schema as t
from .base import Queries, _chunks, channel_health, note_left
from .editorial import HoldReason
from .items import scopes_of

UNSENT = ("pending", "filtered", "capped")  # a message that has not left: cancelled on withdrawal


@dataclass(frozen=True)
class Unlisted:
    """An entry a source no longer lists, young enough to be worth a look at its URL."""

    entry_key: str
    item_id: int
    url: str


class WithdrawQueries(Queries):
    def withdraw(self, item_id: int, reason: str, now: datetime) -> bool:
        """Withdraw an item; False when it was withdrawn already (or is unknown)."""
        with self._tx() as conn:
            return self._withdraw(conn, item_id, reason, now)

    def withdraw_unlisted(
        self,
        source_id: str,
        entry: Unlisted,
        reason: str,
        now: datetime,
        polled: Mapping[str, str] | None = None,
    ) -> str:
        """Withdraw the item of an entry the source stopped listing, whose URL is gone, unless
        another portal's source of `polled` (those the config polls: id -> portal) still
        carries the story: "withdrawn", "already", or "elsewhere" (the entry is then never
        checked again; the other source's own check decides, when it stops listing it too).
        One story of two portals left every feed and channel when the portal whose link was
        shown took its copy down."""
        with self._tx() as conn:
            dead = (entry.url, entry.entry_key)
            if _carried_elsewhere(conn, entry.item_id, source_id, polled or {}, dead):
                _gone_checked(conn, source_id, entry.entry_key, now)
                return "elsewhere"
            return "withdrawn" if self._withdraw(conn, entry.item_id, reason, now) else "already"

    def withdraw_entries(
        self,
        source_id: str,
        reasons: Mapping[str, str],
        now: datetime,
        polled: Mapping[str, str] | None = None,
    ) -> int:
        """Withdraw the items of a source's entries (entry key -> reason) whose article page
        answered 404/410 while the source still lists them: being listed does not bring them
        back (see restore), only the page answering again does. A story another source of
        `polled` still carries stays (withdraw_unlisted)."""
        e = t.entries.c
        done = 0
        with self._tx() as conn:
            for key, reason in sorted(reasons.items()):
                item_id = conn.execute(
                    select(e.item_id).where(e.source_id == source_id, e.entry_key == key)
                ).scalar_one_or_none()
                if item_id is None:
                    continue
                conn.execute(
                    update(t.entries)
                    .where(e.source_id == source_id, e.entry_key == key)
                    .values(last_seen=now)
                )
                # the page the source read is the dead one: its key where that is a link
                page = key if key.startswith(("http://", "https://")) else ""
                if _carried_elsewhere(conn, item_id, source_id, polled or {}, (page, key)):
                    continue  # another portal's copy stands: the story stays
                done += self._withdraw(conn, item_id, reason, now)
        return done

    def _withdraw(self, conn: Connection, item_id: int, reason: str, now: datetime) -> bool:
        i, s, d = t.items.c, t.item_scopes.c, t.deliveries.c
        res = conn.execute(
            update(t.items)
            .where(i.id == item_id, i.withdrawn_at.is_(None))
            .values(withdrawn_at=now, withdrawn_reason=reason[:500])
        )
        if res.rowcount != 1:
            return False
        scopes = [r.scope for r in conn.execute(select(s.scope).where(s.item_id == item_id))]
        conn.execute(delete(t.item_scopes).where(s.item_id == item_id))
        self._dirty(conn, scopes, now)
        note_left(conn, scopes, now)  # each feed's date stays past this change
        # a message not yet sent is never sent: a held one (filtered, capped) no refilter or
        # burst may release either
        # (the state it left is kept in the note: the portal publishing it again restores it)
        conn.execute(
            update(t.deliveries)
            .where(d.item_id == item_id, d.state.in_(UNSENT))
            .values(
                state="cancelled",
                last_error=literal("withdrawn (") + d.state + literal(f"): {reason}"[:1900]),
            )
        )
        # an "edit" row's message is out there too (its title awaits a correction): deleted
        conn.execute(
            update(t.deliveries)
            .where(d.item_id == item_id, d.state.in_(("sent", "edit")))
            .values(state="withdraw", next_attempt=now, attempts=0, last_error=None)
        )
        return True

    def restore(
        self,
        source_id: str,
        keys: Iterable[str],
        now: datetime,
        announce_since: datetime | None = None,
        hold: HoldReason | None = None,
    ) -> int:
        """Bring back the withdrawn items of a source's entries `keys`: their article page just
        answered again. Being listed brings nothing back (a listing, or a second source, may
        lag behind the portal): see `relisted`.

        The portal publishing it again announces it again (the contract): a message deleted
        is sent anew, one edited to say "withdrawn" is edited back, one not deleted yet stays,
        one never sent goes back to the state it left. Not for an item published before
        `announce_since` (older than max_age): that one comes back to the feeds only. With
        `hold` (the filters now configured), its messages not yet sent are held or released
        by them: filters changed while it was withdrawn were never applied to it (refilter
        skips withdrawn items)."""
        e, i = t.entries.c, t.items.c
        wanted = sorted(set(keys))
        back = 0
        with self._tx() as conn:
            for chunk in _chunks(wanted, 200):
                query = (
                    select(i.id)
                    .join(t.entries, e.item_id == i.id)
                    .where(
                        e.source_id == source_id,
                        e.entry_key.in_(chunk),
                        i.withdrawn_at.is_not(None),
                    )
                )
                for item_id in sorted({r.id for r in conn.execute(query)}):
                    back += self._restore(conn, item_id, now, announce_since, hold)
        return back

    def relisted(self, source_id: str, listed: Iterable[str], limit: int) -> list[Unlisted]:
        """Up to `limit` entries in `listed` (what the source lists now) whose item is
        withdrawn, most recently withdrawn first: their URL is worth a look, and only its
        answering again brings the item back."""
        e, i = t.entries.c, t.items.c
        shown = set(listed)
        query = (
            select(e.entry_key, i.id, i.url)
            .join(t.items, i.id == e.item_id)
            .where(e.source_id == source_id, i.withdrawn_at.is_not(None))
            .order_by(i.withdrawn_at.desc(), i.id.desc())
        )
        out: list[Unlisted] = []
        seen: set[int] = set()
        with self._read() as conn:
            for row in conn.execute(query):
                if row.entry_key in shown and row.id not in seen:
                    seen.add(row.id)
                    out.append(Unlisted(row.entry_key, int(row.id), row.url))
                    if len(out) >= limit:
                        break
        return out

    def _restore(
        self,
        conn: Connection,
        item_id: int,
        now: datetime,
        announce_since: datetime | None,
        hold: HoldReason | None,
    ) -> bool:
        i = t.items.c
        # the row taken first, then read: on PostgreSQL an ingest that reclassified the
        # withdrawn item meanwhile has committed by then, and its scopes are the new ones
        res = conn.execute(
            update(t.items)
            .where(i.id == item_id, i.withdrawn_at.is_not(None))
            .values(withdrawn_at=None, withdrawn_reason=None, updated=now, version=i.version + 1)
        )
        if res.rowcount != 1:
            return False
        row = conn.execute(
            select(i.categories, i.regencies, i.published).where(i.id == item_id)
        ).one()
        scopes = scopes_of(row.categories, row.regencies)
        conn.execute(delete(t.item_scopes).where(t.item_scopes.c.item_id == item_id))
        conn.execute(
            insert(t.item_scopes),
            [{"scope": s, "item_id": item_id, "published": row.published} for s in scopes],
        )
        self._dirty(conn, scopes, now)
        if announce_since is not None and row.published >= announce_since:
            self._announce_again(conn, item_id, now)
            if hold is not None:
                _refilter_item(conn, item_id, hold, now)
        return True

    def _announce_again(self, conn: Connection, item_id: int, now: datetime) -> None:
        d = t.deliveries.c
        mine = d.item_id == item_id
        again = {"next_attempt": now, "attempts": 0, "last_error": None}
        # not deleted yet: the message is still there, edited if the story's title changed
        # while it was withdrawn (or a correction was waiting when it was)
        title = conn.execute(select(t.items.c.title).where(t.items.c.id == item_id)).scalar_one()
        stale = or_(d.sent_title.is_(None), d.sent_title != title)
        conn.execute(
            update(t.deliveries)
            .where(mine, d.state == "withdraw", d.message_id.is_not(None), stale)
            .values(state="edit", **again)
        )
        conn.execute(update(t.deliveries).where(mine, d.state == "withdraw").values(state="sent"))
        # deleted: a new message; edited to say withdrawn: edited back to the story
        conn.execute(
            update(t.deliveries)
            .where(mine, d.state == "withdrawn", d.last_error.like("edited%"))
            .values(state="edit", **again)
        )
        conn.execute(
            update(t.deliveries)
            .where(
                mine,
                d.state == "withdrawn",
                or_(d.last_error == "deleted", d.last_error.like("gone:%")),
            )
            .values(state="pending", message_id=None, message_kind=None, sent_title=None, **again)
        )
        # assumed sent, no message id known: never deleted, so it may still be there
        conn.execute(update(t.deliveries).where(mine, d.state == "withdrawn").values(state="sent"))
        for held in UNSENT:  # never sent: back where it was (held ones stay held)
            conn.execute(
                update(t.deliveries)
                .where(mine, d.state == "cancelled", d.last_error.like(f"withdrawn ({held}):%"))
                .values(state=held, **again)
            )

    def _dirty(self, conn: Connection, scopes: Iterable[str], now: datetime) -> None:
        mark = getattr(self, "_mark_dirty")  # noqa: B009 (ItemQueries': one upsert, versions bumped)
        mark(conn, scopes, now)

    def unlisted(
        self, source_id: str, listed: Iterable[str], since: datetime, limit: int
    ) -> list[Unlisted]:
        """Up to `limit` entries of the source not in `listed`, published since `since`,
        neither withdrawn nor found still there by an earlier check: newest first."""
        e, i = t.entries.c, t.items.c
        shown = set(listed)
        query = (
            select(e.entry_key, i.id, i.url)
            .join(t.items, i.id == e.item_id)
            .where(
                e.source_id == source_id,
                i.published >= since,
                i.withdrawn_at.is_(None),
                e.gone_checked.is_(None),
            )
            .order_by(i.published.desc(), i.id.desc())
        )
        out: list[Unlisted] = []
        with self._read() as conn:
            for row in conn.execute(query):
                if row.entry_key not in shown:
                    out.append(Unlisted(row.entry_key, int(row.id), row.url))
                    if len(out) >= limit:
                        break
        return out

    def set_gone_checked(self, source_id: str, entry_key: str, now: datetime) -> None:
        with self._tx() as conn:
            _gone_checked(conn, source_id, entry_key, now)

    def withdrawn_counts(self) -> dict[str, int]:
        """Source -> how many of its items are withdrawn (sources with none are left out)."""
        i = t.items.c
        query = (
            select(i.source_id, func.count())
            .where(i.withdrawn_at.is_not(None))
            .group_by(i.source_id)
        )
        with self._read() as conn:
            return {r[0]: int(r[1]) for r in conn.execute(query)}

    def mark_withdrawn(
        self,
        delivery_id: int,
        how: str,
        answered: datetime | None,
        *,
        owner: str | None = None,
    ) -> bool:
        """A withdrawn item's message is taken care of: deleted, or edited to say so. With
        `answered`, when Telegram answered the last request about it (its sent_at from then
        on: the next holder of the chat counts it toward the pace). With `owner`, only while
        the row is still `owner`'s: False when another sender took it over meanwhile (its
        record stands; a late one read as "the item came back" undid a withdrawal done)."""
        d = t.deliveries.c
        values: dict[str, object] = {"sent_at": answered} if answered is not None else {}
        mine = [] if owner is None else [d.lease_owner == owner]
        with self._tx() as conn:
            done = conn.execute(
                update(t.deliveries)
                .where(d.id == delivery_id, d.state == "withdraw", *mine)
                .values(
                    state="withdrawn",
                    last_error=how[:2000],
                    lease_owner=None,
                    lease_until=None,
                    **values,
                )
            )
            if done.rowcount == 1:
                if answered is not None:  # a request to the chat that worked
                    channel_health(conn, delivery_id, None)
                return True
            # the item came back while its message was being deleted: what is out there now
            # (nothing, or the "withdrawn" notice) is set right as a new send or an edit
            gone = how == "deleted" or how.startswith("gone:")
            notice = how.startswith("edited")
            again: dict[str, object] = {"lease_owner": None, "lease_until": None, **values}
            if gone:
                again.update(state="pending", message_id=None, message_kind=None, sent_title=None)
            elif notice:
                again.update(state="edit")
            back = conn.execute(
                update(t.deliveries)
                .where(d.id == delivery_id, d.state != "withdrawn", *mine)
                .values(**again)
            )
            return bool(back.rowcount == 1)


def _gone_checked(conn: Connection, source_id: str, entry_key: str, now: datetime) -> None:
    e = t.entries.c
    conn.execute(
        update(t.entries)
        .where(e.source_id == source_id, e.entry_key == entry_key)
        .values(gone_checked=now)
    )


def _carried_elsewhere(
    conn: Connection,
    item_id: int,
    source_id: str,
    polled: Mapping[str, str],
    dead: tuple[str, str],
) -> bool:
    """Whether another portal still carries the story: a source of `polled` (source id ->
    the portal its URL stands for, urls.portal_of) other than `source_id`'s portal has an
    entry for the item that no check has found gone from its listing, and that entry is on
    another domain than the dead page (`dead`: the URL that answered 404/410, "" for the
    item's link, and the dead entry's key): its key's, where the key is a link (two portals'
    feeds on one feed service), else its source's. A portal's category feed, or a feed on
    its feed host ("rss.detik.com" for "news.detik.com"), is the same portal; its FeedBurner
    copy lists the same dead link. A portal's feeds on one domain are one portal, whatever
    domain their guids name (a guid keeps the domain a post was written on). An entry under
    the same key as the dead one (one guid, "tag:blogger.com,...post-1" or
    "http://kabarkukar.com/?p=123", in the portal's every feed and copy) is that post."""
    e, i = t.entries.c, t.items.c
    page, key = dead
    if not page:
        page = conn.execute(select(i.url).where(i.id == item_id)).scalar_one_or_none() or ""
    gone, mine = domain_of(page), polled.get(source_id, "")
    rows = conn.execute(
        select(e.source_id, e.entry_key).where(
            e.item_id == item_id, e.source_id != source_id, e.gone_checked.is_(None)
        )
    ).all()
    for other, theirs in rows:
        portal = polled.get(other)
        if portal is None or portal == mine or theirs == key:
            continue
        where = domain_of(theirs) if theirs.startswith(("http://", "https://")) else portal
        if where != gone:
            return True
    return False


def _refilter_item(conn: Connection, item_id: int, hold: HoldReason, now: datetime) -> None:
    """Today's filters on a restored item's messages not yet sent (pending, or filtered: its
    note lost the reason), as refilter applies them on a reload."""
    d, i = t.deliveries.c, t.items.c
    rows = conn.execute(
        select(d.id, d.state, d.regency, i.title, i.summary, i.content_html)
        .join(t.items, i.id == d.item_id)
        .where(d.item_id == item_id, d.state.in_(("pending", "filtered")))
    ).all()
    for r in rows:
        why = hold(r.regency, r.title, r.summary, r.content_html)
        row = update(t.deliveries).where(d.id == r.id)
        if why is not None:
            conn.execute(row.values(state="filtered", last_error=why))
        elif r.state == "filtered":
            conn.execute(row.values(state="pending", last_error=None, next_attempt=now))
