"""Records read from the store (the read side; `types.Item` is the write side)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..types import Evidence


@dataclass(frozen=True)
class SourceState:
    """What a poll needs to know about a source before fetching it."""

    id: str
    url: str
    fetch_url: str  # the permanent redirect target when one was seen
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    first_poll_done: bool
    consecutive_failures: int
    alerted: bool
    next_poll: datetime | None
    last_success: datetime | None
    newest_item: datetime | None = None


@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    deliveries: int = 0
    rejected: int = 0  # entries the store could not take (each logged); the others are kept
    filtered: int = 0  # messages held back by [[filters]] (a row in state "filtered")
    capped: int = 0  # messages over [telegram] max_per_poll (a row in state "capped")


@dataclass(frozen=True)
class ScopeItem:
    """A stored item as the feeds and the sender read it."""

    id: int
    source_id: str
    url: str
    title: str
    summary: str
    content_html: str
    author: str | None
    image: str | None
    published: datetime
    updated: datetime
    first_seen: datetime
    categories: tuple[str, ...]
    regencies: tuple[str, ...]
    advertorial: bool
    dateline: str | None
    credit: str | None
    version: int
    evidence: tuple[Evidence, ...] = ()
    withdrawn_at: datetime | None = None  # the portal took the article down (see withdrawals.py)
    withdrawn_reason: str | None = None


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    chat: str
    regency: str
    state: str  # "pending", "edit" or "withdraw"
    message_id: int | None
    message_kind: str | None
    attempts: int
    created: datetime
    item: ScopeItem


@dataclass(frozen=True)
class SourceStatus:
    id: str
    url: str
    last_attempt: datetime | None
    last_success: datetime | None
    last_error: str | None
    error_kind: str | None
    consecutive_failures: int
    last_status: int | None
    next_poll: datetime | None
    items_count: int
    newest_item: datetime | None
    not_modified_count: int
    first_poll_done: bool
    lease_until: datetime | None = None  # a poll under way holds the source until then


@dataclass(frozen=True)
class ChannelStatus:
    chat: str
    state: str
    reason: str | None
    last_sent: datetime | None
    pending: int
    sent: int
    failed: int
    oldest_pending: datetime | None
    filtered: int = 0  # held back by [[filters]]
    capped: int = 0  # left out of a burst (max_per_poll): feed-only
    # failed tries since its last message went out, and the last one's error (both cleared
    # by the next message sent)
    consecutive_failures: int = 0
    last_error: str | None = None


def migration_chain(chat: str, moved: Mapping[str, str]) -> list[str]:
    """`chat`, then each id Telegram moved it to (old id -> new id in `moved`), in order: the
    last is where it lives now. A chain of migrations, never a loop (8 at most)."""
    out = [chat]
    for _ in range(8):
        chat = moved.get(chat, "")
        if not chat or chat in out:
            break
        out.append(chat)
    return out
