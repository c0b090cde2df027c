"""Per-source state: HTTP validators, health, schedule and the poll lease."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    insert,
    or_,
    select,
    text,
    update,
)

from . import schema as t
from .base import Queries, _chunks
from .records import (
    SourceState,
)

SYNC_LOCK = 0x73796E65  # the advisory lock of sync_sources


@dataclass(frozen=True)
class SourceSuccess:
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    status: int
    next_poll: datetime
    permanent_url: str | None = None


class SourceQueries(Queries):
    # --- sources ----------------------------------------------------------------------

    def sync_sources(self, sources: Iterable[tuple[str, str]]) -> None:
        """Make sure a state row exists for each (id, url); a changed url resets validators.
        Processes starting together take turns (an advisory lock on PostgreSQL; SQLite's
        write transaction admits one anyway), so none inserts a row another just added."""
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_LOCK})
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
        with self._read() as conn:
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

    def renew_source(self, source_id: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """Extend `owner`'s poll lease on a source; False when it holds it no more."""
        c = t.sources.c
        with self._tx() as conn:
            result = conn.execute(
                update(t.sources)
                .where(c.id == source_id, c.lease_owner == owner)
                .values(lease_until=now + lease)
            )
            return bool(result.rowcount == 1)

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
        with self._read() as conn:
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
        with self._read() as conn:
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
        with self._read() as conn:
            rows = conn.execute(
                select(c.entry_key).where(c.source_id == source_id, c.entry_key.in_(keys))
            )
            return {r.entry_key for r in rows}


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
