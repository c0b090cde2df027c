"""Read-outs for status, metrics and the web page; shared published files; small events."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    func,
    select,
)

from . import schema as t
from .base import Queries, _aware, _chunks, upsert_insert
from .records import (
    ChannelStatus,
    SourceStatus,
)

PUBLISH_LOCK = 0x70756273  # pg advisory lock key of StatusQueries.publishing ("pubs")


# the event that tells `status` Telegram refused the bot token ("" once a send succeeds)
TOKEN_EVENT = "telegram_token_rejected"
# "dry" or "live": how the last process that delivers (run, run --once) started, so that
# `status` run from a shell without the token tells what the service does
DELIVERY_MODE = "delivery_mode"


class StatusQueries(Queries):
    # --- status -----------------------------------------------------------------------

    def source_statuses(self) -> list[SourceStatus]:
        with self._read() as conn:
            return [
                SourceStatus(
                    **{f.name: getattr(r, f.name) for f in dataclasses.fields(SourceStatus)}
                )
                for r in conn.execute(select(t.sources).order_by(t.sources.c.id))
            ]

    def channel_statuses(self) -> list[ChannelStatus]:
        d, _ch = t.deliveries.c, t.channels.c
        with self._read() as conn:
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
                filtered=c.get("filtered", 0),
                capped=c.get("capped", 0),
                oldest_pending=_aware(oldest.get(chat)),
                consecutive_failures=int(info[chat].failures or 0) if chat in info else 0,
                last_error=info[chat].last_error if chat in info else None,
            )
            for chat in sorted(set(counts) | set(info))
            for c in [counts.get(chat, {})]
        ]

    def counts(self) -> dict[str, int]:
        with self._read() as conn:
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
        with self._read() as conn:
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

    @contextmanager
    def publishing(self) -> Iterator[None]:
        """Keep other processes on this PostgreSQL database from publishing until the block
        ends: each publish starts from the files the one before it shared, so the stored files
        (which every process serves) are always the newest rendering, never an older one saved
        last. The lock goes with the transaction, also when the process dies. SQLite: nothing."""
        if self.engine.dialect.name != "postgresql":
            yield
            return
        with self._tx() as conn:
            conn.execute(select(func.pg_advisory_xact_lock(PUBLISH_LOCK)))
            yield

    def save_files(self, files: Iterable[tuple[str, str, bytes]], now: datetime) -> None:
        """Upsert published files (path, digest, body): race-free when two processes publish
        the same new file at once."""
        rows = [{"path": p, "digest": d, "body": b, "updated": now} for p, d, b in files]
        if not rows:
            return
        with self._tx() as conn:
            upsert = upsert_insert(conn, t.feed_files)
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
        with self._read() as conn:
            return {r.path: r.digest for r in conn.execute(select(f.path, f.digest))}

    def file_bodies(self, paths: Iterable[str]) -> dict[str, bytes]:
        f = t.feed_files.c
        out: dict[str, bytes] = {}
        with self._read() as conn:
            for chunk in _chunks(list(paths), 200):
                out.update(
                    (r.path, bytes(r.body))
                    for r in conn.execute(select(f.path, f.body).where(f.path.in_(chunk)))
                )
        return out

    def read_rows(self, query: Select[Any]) -> list[Row[Any]]:
        """Run one read-only query (for read-outs kept next to their use, e.g. metrics)."""
        with self._read() as conn:
            return list(conn.execute(query).all())

    def ping(self) -> None:
        with self._read() as conn:
            conn.execute(select(1))

    def set_event(self, key: str, value: str, now: datetime) -> None:
        """One upsert: processes starting together set the same new key without colliding."""
        with self._tx() as conn:
            upsert = upsert_insert(conn, t.events)
            conn.execute(
                upsert.values(key=key, value=value, updated=now).on_conflict_do_update(
                    index_elements=[t.events.c.key],
                    set_={"value": upsert.excluded.value, "updated": upsert.excluded.updated},
                )
            )

    def first_event(self, key: str, value: str, now: datetime) -> str:
        """The event's value, set to `value` only when it has none yet: of processes setting
        it together, the first one's value is the one every one gets back."""
        with self._tx() as conn:
            insert_once = upsert_insert(conn, t.events)
            conn.execute(
                insert_once.values(key=key, value=value, updated=now).on_conflict_do_nothing(
                    index_elements=[t.events.c.key]
                )
            )
            kept = conn.execute(select(t.events.c.value).where(t.events.c.key == key))
            return str(kept.scalar_one())

    def events_like(self, prefix: str) -> dict[str, str]:
        """Every event whose key starts with `prefix` (e.g. "burst_capped:"), key -> value."""
        e = t.events.c
        with self._read() as conn:
            rows = conn.execute(
                select(e.key, e.value).where(e.key.startswith(prefix, autoescape=True))
            )
            return {r.key: r.value for r in rows}

    def get_event(self, key: str) -> str | None:
        with self._read() as conn:
            return conn.execute(
                select(t.events.c.value).where(t.events.c.key == key)
            ).scalar_one_or_none()
