"""Filters changed (a reload, or a restart with an edited config.toml): apply them to the
Telegram messages not yet sent. The filters last applied are remembered in the store's events,
so an unchanged config costs one read."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from .config import Config
from .store import Store
from .store.editorial import Refiltered

log = logging.getLogger("syndication.editorial")
EVENT = "filters_applied"
BURST_SUBJECT = "filters"  # the admin alert's subject, and the store event's suffix


def filters_digest(config: Config) -> str:
    return hashlib.sha256(repr(config.filters).encode()).hexdigest()


def apply_filters(config: Config, store: Store, now: datetime) -> Refiltered | None:
    """Re-evaluate pending and filtered messages when the filters differ from the ones last
    applied; None when they do not. Blocking: run it off the event loop."""
    digest = filters_digest(config)
    if store.get_event(EVENT) == digest:
        return None
    cap = config.telegram.max_per_poll
    moved = store.refilter(config.editorial.reason, now, config.telegram.max_age, cap)
    store.set_event(EVENT, digest, now)
    log.info(
        "event=filters_applied filters=%d held=%d released=%d",
        len(config.filters),
        moved.held,
        moved.released,
    )
    notice = burst_notice(config, moved)
    if notice is not None:
        log.warning("event=burst_capped source=filters max_per_poll=%s capped=%r", cap, notice)
        store.set_event(f"burst_capped:{BURST_SUBJECT}", notice, now)
    return moved


def burst_notice(config: Config, moved: Refiltered | None) -> str | None:
    """What the admin is told (once) when changed filters released more than max_per_poll
    messages to a chat; None when they did not."""
    if moved is None or not moved.capped:
        return None
    chats = ", ".join(f"{chat} {n}" for chat, n in sorted(moved.capped.items()))
    return (
        f"⚠️ changed [[filters]] released {moved.released + sum(moved.capped.values())} "
        f"held message(s): {moved.released} queued, the rest left in the feeds only (over "
        f"[telegram] max_per_poll = {config.telegram.max_per_poll} per chat): {chats}"
    )
