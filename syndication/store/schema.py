"""The tables. Alembic migrations under syndication/migrations create and evolve them.

sources      per-source state: HTTP validators, health, schedule, lease
items        one row per story (duplicates across sources share one row)
entries      (source, entry key) -> item: a source's identity for what it lists
item_scopes  which feeds an item appears in ("all", "category/x", "regency/y", "regency/y/x")
dirty_scopes feeds to regenerate
deliveries   one row per (item, chat): the durable Telegram queue
channels     per-chat health (broken, migrated) and the lease of the one process sending to it
feed_files   the published files, shared by every process
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone: we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Any:
        """On SQLite, process_bind_param and the DateTime type's own formatting in one call
        (what every row of an ingest binds a dozen times): the same text SQLAlchemy stores,
        "YYYY-MM-DD HH:MM:SS.ffffff" in UTC."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store")
            if value.tzinfo is not UTC:
                value = value.astimezone(UTC)
            return value.isoformat(" ", "microseconds")[:-6]  # without its "+00:00"

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


metadata = MetaData()
UTC_TS = UTCDateTime()

sources = Table(
    "sources",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("permanent_url", Text),  # where a 301/308 pointed: used from then on
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", String(64)),
    Column("first_poll_done", Boolean, nullable=False, default=False),
    Column("last_attempt", UTC_TS),
    Column("last_success", UTC_TS),
    Column("last_error", Text),
    Column("error_kind", String(32)),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("last_status", Integer),
    Column("next_poll", UTC_TS),
    Column("not_modified_count", Integer, nullable=False, default=0),
    Column("items_count", Integer, nullable=False, default=0),
    Column("newest_item", UTC_TS),
    Column("alerted", Boolean, nullable=False, default=False),
    Column("lease_owner", String(64)),
    Column("lease_until", UTC_TS),
    Column("kind", String(16)),  # the config's, when last synced (sync_sources)
    Column("schedule", String(64)),  # the config's interval and max_interval, likewise
)

items = Table(
    "items",
    metadata,
    Column("id", Integer().with_variant(BigInteger, "postgresql"), primary_key=True),
    Column("source_id", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("url_key", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("title_key", Text, nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("content_html", Text, nullable=False, default=""),
    Column("author", Text),
    Column("image", Text),
    Column("dateline", Text),
    Column("credit", Text),
    Column("published", UTC_TS, nullable=False),
    Column("updated", UTC_TS, nullable=False),
    Column("first_seen", UTC_TS, nullable=False),
    Column("categories", JSON, nullable=False),
    Column("regencies", JSON, nullable=False),
    Column("advertorial", Boolean, nullable=False, default=False),
    Column("evidence", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),
    # the portal took the article down (404/410, or its URL now leads home): out of every feed
    Column("withdrawn_at", UTC_TS),
    Column("withdrawn_reason", Text),
    # the body's first words after its dateline, folded and hashed (normalize.dedup.lead_key):
    # one press release under two portals' headlines; NULL when the body is too short
    Column("lead_key", String(16)),
    # the url_key without its slug when the address holds the article's number
    # (urls.article_key): one article whose headline, and slug, were corrected
    Column("article_key", Text),
    Index("ix_items_url_key", "url_key"),
    Index("ix_items_title_key", "title_key"),
    Index("ix_items_published", "published"),
    Index("ix_items_lead_key", "lead_key"),
    Index("ix_items_article_key", "article_key"),
)

entries = Table(
    "entries",
    metadata,
    Column("source_id", String(64), primary_key=True),
    Column("entry_key", Text, primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("first_seen", UTC_TS, nullable=False),
    Column("last_seen", UTC_TS, nullable=False),
    # digest of the raw entry last seen: an identical entry is not normalized again
    Column("raw_hash", String(64)),
    # when the source stopped listing it and its URL still answered: never checked again
    Column("gone_checked", UTC_TS),
    Index("ix_entries_item", "item_id"),
    Index("ix_entries_source_raw_hash", "source_id", "raw_hash"),
)

item_scopes = Table(
    "item_scopes",
    metadata,
    Column("scope", String(200), primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("published", UTC_TS, nullable=False),
    Index("ix_item_scopes_scope_published", "scope", "published"),
    Index("ix_item_scopes_item", "item_id"),
)

dirty_scopes = Table(
    "dirty_scopes",
    metadata,
    Column("scope", String(200), primary_key=True),
    Column("since", UTC_TS, nullable=False),
    # bumped by every mark: a publish clears only the version it read (see clear_dirty)
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer().with_variant(BigInteger, "postgresql"), primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("chat", String(128), nullable=False),
    Column("regency", String(64), nullable=False),
    # pending -> sent; sent -> edit (title corrected) -> sent; failed = rejected by Telegram;
    # item withdrawn: pending/edit -> cancelled, sent -> withdraw (delete the message) -> withdrawn
    Column("state", String(16), nullable=False, default="pending"),
    Column("message_id", BigInteger),
    Column("message_kind", String(8)),  # "text" or "photo": which edit method applies
    Column("sent_title", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", UTC_TS, nullable=False),
    Column("last_error", Text),
    Column("created", UTC_TS, nullable=False),
    Column("sent_at", UTC_TS),
    Column("lease_owner", String(64)),
    Column("lease_until", UTC_TS),
    UniqueConstraint("item_id", "chat", name="uq_deliveries_item_chat"),
    Index("ix_deliveries_state_next", "state", "next_attempt"),
    Index("ix_deliveries_chat_sent", "chat", "sent_at"),  # a chat's recent sends, for pacing
    Index("ix_deliveries_lease_owner", "lease_owner"),  # renew_leases, release_owner
    Index("ix_deliveries_lease_until", "lease_until"),  # lease_owners
    Index("ix_deliveries_state_sent", "state", "sent_at"),  # the delivery lag watcher
)

channels = Table(
    "channels",
    metadata,
    Column("chat", String(128), primary_key=True),
    Column("state", String(16), nullable=False, default="ok"),
    Column("reason", Text),
    Column("migrated_to", String(128)),
    Column("last_sent", UTC_TS),
    Column("updated", UTC_TS),
    # one process at a time sends to a chat, so pacing per process is pacing per chat
    Column("lease_owner", String(64)),
    Column("lease_until", UTC_TS),
    Column("hold_until", UTC_TS),  # a 429 or an error pause: whoever sends next waits for it
    # failed tries since its last message went out, and the last one's error (0010)
    Column("failures", Integer, nullable=False, default=0, server_default="0"),
    Column("last_error", Text),
)

# the published files, so that every process (and machine) serves the same bytes
feed_files = Table(
    "feed_files",
    metadata,
    Column("path", String(300), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("updated", UTC_TS, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated", UTC_TS, nullable=False),
)
