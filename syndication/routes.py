"""What routing reads from the store, read once per cycle instead of once per poll.

A cycle is one `run --once` (service.poll_all starts it) or, in the daemon, the polls within
`ttl` of each other. A migration recorded by this process (Store.migrate_chat) invalidates
the map at once; one recorded by another process is seen at the next cycle.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Protocol


class ChatSource(Protocol):
    migrations_recorded: int

    def migrated_chats(self) -> dict[str, str]: ...


class MigratedChats:
    """old chat -> new chat, cached for a cycle."""

    def __init__(self, ttl: timedelta = timedelta(seconds=60)) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()  # polls read it from worker threads
        self._map: dict[str, str] | None = None
        self._read_at: datetime | None = None
        self._generation = -1

    def get(self, store: ChatSource, now: datetime) -> dict[str, str]:
        with self._lock:
            fresh = (
                self._map is not None
                and self._read_at is not None
                and now - self._read_at < self.ttl
                and self._generation == store.migrations_recorded
            )
            if not fresh:
                self._generation = store.migrations_recorded
                self._map = store.migrated_chats()
                self._read_at = now
            assert self._map is not None
            return self._map

    def new_cycle(self) -> None:
        with self._lock:
            self._map = None
