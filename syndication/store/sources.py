"""Per-source state: HTTP validators, health, schedule and the poll lease."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.sql.dml import Update

from . import schema as t
from .base import Queries, _chunks
from .records import (
    SourceState,
)

SYNC_LOCK = 0x73796E65  # the advisory lock of sync_sources

# A poll's lease claim, built once (a statement built per call cost more than running it):
# the lease is free, or this owner's, or run out; _CLAIM_DUE: and the source is due. The
# row comes back with the update where the database can (RETURNING: SQLite 3.35+, PostgreSQL).
_s = t.sources.c
_CLAIM = (
    update(t.sources)
    .where(
        _s.id == bindparam("sid"),
        or_(
            _s.lease_until.is_(None),
            _s.lease_until < bindparam("now"),
            _s.lease_owner == bindparam("owner"),
        ),
    )
    .values(
        lease_owner=bindparam("owner"),
        lease_until=bindparam("until"),
        last_attempt=bindparam("now"),
    )
)
_CLAIM_DUE = _CLAIM.where(or_(_s.next_poll.is_(None), _s.next_poll <= bindparam("now")))
# forced or not -> (the claim, the claim returning the row)
_CLAIMS = {
    True: (_CLAIM, _CLAIM.returning(*t.sources.c)),
    False: (_CLAIM_DUE, _CLAIM_DUE.returning(*t.sources.c)),
}
_SOURCE_ROW = select(t.sources).where(_s.id == bindparam("sid"))
SQLITE_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)  # the library Python runs with


@dataclass(frozen=True)
class SourceSuccess:
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    status: int
    next_poll: datetime
    permanent_url: str | None = None
    # the source's url when the poll was claimed: a reload that changed it meanwhile made it a
    # new address, whose state (validators, redirect, failures) this poll must not set
    url: str | None = None
    # the lease owner of the poll: its lease is cleared only while it is still that owner's
    # (one that ran out while the poll was slow may be another process's now); None: any
    owner: str | None = None


@dataclass(frozen=True)
class Claim:
    """One poll's request for its source's lease (see claim_source)."""

    source_id: str
    owner: str
    now: datetime
    lease: timedelta
    force: bool


@dataclass(frozen=True)
class Unchanged:
    """One poll that found its source unchanged (see record_unchanged)."""

    source_id: str
    now: datetime
    ok: SourceSuccess


# what a source's state held for its old address (sync_sources)
_NEW_ADDRESS: dict[str, object] = {
    "permanent_url": None,
    "etag": None,
    "last_modified": None,
    "body_hash": None,
    "consecutive_failures": 0,
    "alerted": False,
    "next_poll": None,
}


class SourceQueries(Queries):
    # --- sources ----------------------------------------------------------------------

    def sync_sources(self, sources: Iterable[tuple[str | None, ...]]) -> None:
        """Make sure a state row exists for each (id, url[, kind, schedule]) of the config.
        A changed url or kind is a new address of the same source: the old address's
        validators, redirect, failures and pauses go and it is due at once; it is the same
        source all the same (CONTRACT: only what a source lists on its very first poll is
        backlog), so what the new address lists that the source never listed is news. A
        changed schedule (interval) makes it due at once: the time the old interval set may
        be hours away (unless the source is failing: a backoff or a Retry-After stands).
        Processes starting
        together take turns (an advisory lock on PostgreSQL; SQLite's write transaction
        admits one anyway), so none inserts a row another just added."""
        c = t.sources.c
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_LOCK})
            rows = {
                r.id: r
                for r in conn.execute(
                    select(c.id, c.url, c.kind, c.schedule, c.consecutive_failures)
                )
            }
            for source_id, url, *rest in sources:
                kind, schedule = (*rest, None, None)[:2]
                row = rows.get(str(source_id))
                if row is None:
                    conn.execute(
                        insert(t.sources).values(
                            id=source_id, url=url, kind=kind, schedule=schedule
                        )
                    )
                    continue
                values: dict[str, object] = {}
                if kind is not None and row.kind != kind:
                    values["kind"] = kind
                if schedule is not None and row.schedule != schedule:
                    values["schedule"] = schedule
                    if row.schedule is not None and not row.consecutive_failures:
                        # not a failing source's: its time is a backoff's or a portal's
                        # Retry-After, which an interval never shortens
                        values["next_poll"] = None
                if row.url != url or (row.kind is not None and "kind" in values):
                    values.update(_NEW_ADDRESS, url=url)
                if values:
                    conn.execute(update(t.sources).where(c.id == source_id).values(**values))

    def source_state(self, source_id: str) -> SourceState:
        with self._read() as conn:
            row = conn.execute(select(t.sources).where(t.sources.c.id == source_id)).one()
        return _source_state(row)

    def claim_source(
        self, source_id: str, owner: str, now: datetime, lease: timedelta, *, force: bool
    ) -> SourceState | None:
        """Lease a source for one poll; None when another process holds it or it is not due."""
        [state] = self.claim_sources([Claim(source_id, owner, now, lease, force)])
        return state

    def claim_sources(self, claims: Sequence[Claim]) -> list[SourceState | None]:
        """claim_source for each of `claims`, in one transaction (the polls of a cycle start
        together: one commit for all of them, not one each); the results in their order.
        The rows are taken in source order, whatever order the claims came in: two processes
        claiming the same sources lock them in one order and never deadlock (PostgreSQL)."""
        out: list[SourceState | None] = [None] * len(claims)
        with self._tx() as conn:
            returning = conn.dialect.name != "sqlite" or SQLITE_RETURNING
            for index in sorted(range(len(claims)), key=lambda i: claims[i].source_id):
                claim = claims[index]
                values = {
                    "sid": claim.source_id,
                    "owner": claim.owner,
                    "now": claim.now,
                    "until": claim.now + claim.lease,
                }
                plain, returned = _CLAIMS[claim.force]
                if returning:
                    row = conn.execute(returned, values).one_or_none()
                elif conn.execute(plain, values).rowcount == 1:  # SQLite before 3.35
                    row = conn.execute(_SOURCE_ROW, values).one()
                else:
                    row = None
                if row is not None:
                    out[index] = _source_state(row)
        return out

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

    def release_source(self, source_id: str, owner: str) -> None:
        """Give up `owner`'s poll lease on a source (a poll cut short by a stop)."""
        c = t.sources.c
        with self._tx() as conn:
            conn.execute(
                update(t.sources)
                .where(c.id == source_id, c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def record_failure(
        self,
        source_id: str,
        now: datetime,
        kind: str,
        message: str,
        next_poll: datetime,
        status: int | None = None,
        owner: str | None = None,
        url: str | None = None,
    ) -> int:
        """Count a failed poll; with `url` (the address polled) only while the source still
        has it: a reload that gave it a new address meanwhile made the new one due at once,
        with no failures, and the old address's failure must not put it into backoff. The
        poll's lease is freed either way."""
        c = t.sources.c
        params = {} if owner is None else {"owner": owner}
        with self._tx() as conn:
            failed = update(t.sources).where(c.id == source_id)
            if url is not None:
                failed = failed.where(c.url == url)
            done = conn.execute(
                failed.values(
                    last_error=message[:2000],
                    error_kind=kind,
                    last_status=status,
                    consecutive_failures=c.consecutive_failures + 1,
                    next_poll=next_poll,
                    **_lease_freed(owner),
                ),
                params,
            )
            if done.rowcount == 0:
                conn.execute(
                    update(t.sources).where(c.id == source_id).values(**_lease_freed(owner)),
                    params,
                )
            return int(
                conn.execute(select(c.consecutive_failures).where(c.id == source_id)).scalar_one()
            )

    def record_unchanged(self, source_id: str, now: datetime, ok: SourceSuccess) -> None:
        self.record_unchanged_many([Unchanged(source_id, now, ok)])

    def record_unchanged_many(self, polls: Sequence[Unchanged]) -> list[None]:
        """record_unchanged for each of `polls` (304s finishing together), in one transaction."""
        with self._tx() as conn:
            for poll in sorted(polls, key=lambda p: p.source_id):  # one lock order: see claim
                self._success(conn, poll.source_id, poll.now, poll.ok, unchanged=True)
        return [None] * len(polls)

    def forget_validators(self, source_id: str) -> None:
        """The next poll of the source fetches and reads its listing whole: no ETag,
        Last-Modified or body hash to answer it with "unchanged"."""
        c = t.sources.c
        with self._tx() as conn:
            conn.execute(
                update(t.sources)
                .where(c.id == source_id)
                .values(etag=None, last_modified=None, body_hash=None)
            )

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
        values: dict[str, Any] = {
            "sid": source_id,
            "last_success": now,
            "last_status": ok.status,
            "next_poll": ok.next_poll,
        }
        validators = ok.status != 304
        if validators:
            values.update(etag=ok.etag, last_modified=ok.last_modified, body_hash=ok.body_hash)
        if ok.permanent_url:
            values["permanent_url"] = ok.permanent_url
        if ok.url is not None:
            values["polled_url"] = ok.url
        if ok.owner is not None:
            values["owner"] = ok.owner
        statement = _success_statement(
            unchanged, validators, bool(ok.permanent_url), ok.url is not None, ok.owner is not None
        )
        conn.execute(statement, values)

    def first_polls(self, source_ids: Iterable[str]) -> int:
        """How many of these sources were never polled at all (not one that keeps failing)."""
        c = t.sources.c
        ids = sorted(set(source_ids))
        with self._read() as conn:
            return sum(
                int(
                    conn.execute(
                        select(func.count())
                        .select_from(t.sources)
                        .where(c.id.in_(chunk), c.last_attempt.is_(None))
                    ).scalar_one()
                )
                for chunk in _chunks(ids, 500)
            )

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

    def adopt_raw_hashes(self, source_id: str, renamed: Mapping[str, str]) -> set[str]:
        """The entries of this source stored under an older digest (a key of `renamed`) take
        the new one (its value); returns the new digests of those found."""
        c = t.entries.c
        found: list[str] = []
        with self._read() as conn:
            for chunk in _chunks(list(renamed), 500):
                rows = conn.execute(
                    select(c.raw_hash).where(c.source_id == source_id, c.raw_hash.in_(chunk))
                )
                found.extend(r.raw_hash for r in rows)
        if not found:
            return set()
        with self._tx() as conn:
            conn.execute(
                update(t.entries)
                .where(c.source_id == source_id, c.raw_hash == bindparam("old"))
                .values(raw_hash=bindparam("new")),
                [{"old": old, "new": renamed[old]} for old in found],
            )
        return {renamed[old] for old in found}

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


@functools.cache
def _success_statement(
    unchanged: bool, validators: bool, permanent: bool, guarded: bool = False, owned: bool = False
) -> Update:
    """A poll's success, built once per shape: an unchanged poll counts a 304, one with a
    body (not 304) stores its validators, a permanent redirect its target; `guarded`: only
    while the source's url is still the one polled (`polled_url`); `owned`: the lease freed
    only while it is `owner`'s."""
    c = t.sources.c
    values: dict[str, Any] = {
        "last_success": bindparam("last_success"),
        "last_error": None,
        "error_kind": None,
        "consecutive_failures": 0,
        "last_status": bindparam("last_status"),
        "next_poll": bindparam("next_poll"),
        **_lease_freed("owner" if owned else None),
    }
    if unchanged:
        values["not_modified_count"] = c.not_modified_count + 1
    if validators:
        values.update(
            etag=bindparam("etag"),
            last_modified=bindparam("last_modified"),
            body_hash=bindparam("body_hash"),
        )
    if permanent:
        values["permanent_url"] = bindparam("permanent_url")
    statement = update(t.sources).where(c.id == bindparam("sid"))
    if guarded:
        statement = statement.where(c.url == bindparam("polled_url"))
    return statement.values(**values)


def _lease_freed(owner: str | None) -> dict[str, Any]:
    """The values that free a poll's lease: at once, or (an `owner` given, its name bound as
    the parameter "owner") only while the lease is still that owner's, left as it is when
    another process has taken it since."""
    if owner is None:
        return {"lease_owner": None, "lease_until": None}
    c = t.sources.c
    mine = c.lease_owner == bindparam("owner")
    return {
        "lease_owner": case((mine, None), else_=c.lease_owner),
        "lease_until": case((mine, None), else_=c.lease_until),
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
