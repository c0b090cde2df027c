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


def filters_digest(config: Config) -> str:
    return hashlib.sha256(repr(config.filters).encode()).hexdigest()


def apply_filters(config: Config, store: Store, now: datetime) -> Refiltered | None:
    """Re-evaluate pending and filtered messages when the filters differ from the ones last
    applied; None when they do not. Blocking: run it off the event loop."""
    digest = filters_digest(config)
    if store.get_event(EVENT) == digest:
        return None
    moved = store.refilter(config.editorial.reason, now, config.telegram.max_age)
    store.set_event(EVENT, digest, now)
    log.info(
        "event=filters_applied filters=%d held=%d released=%d",
        len(config.filters),
        moved.held,
        moved.released,
    )
    return moved
