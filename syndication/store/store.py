"""The store: one class over the schema, assembled from one query module per concern.

    sources.py     per-source state, validators, poll leases
    items.py       ingest (with the source's success), duplicates, feed scopes, retention
    deliveries.py  the Telegram queue, channel health, send leases
    status.py      status read-outs, shared published files, events
    editorial.py   what may be pushed: filters and the burst cap (Gate), refilter on reload
    withdrawals.py withdrawn articles: out of the feeds, messages deleted; back when republished

Every method is one short transaction (prune: a few, one per batch); none spans network I/O.
Writes take SQLite's write lock at BEGIN; reads take none. Every driver error comes out as
StorageError (see base.py).
"""

from __future__ import annotations

from .deliveries import ChatLease, DeliveryQueries
from .editorial import EditorialQueries, Gate, HoldReason, Refiltered
from .items import DUPLICATE_TITLE_WINDOW, INGEST_LOCK, ItemQueries, Route, scopes_of
from .sources import Claim, SourceSuccess, Unchanged
from .status import StatusQueries
from .withdrawals import Unlisted, WithdrawQueries

__all__ = [
    "DUPLICATE_TITLE_WINDOW",
    "INGEST_LOCK",
    "ChatLease",
    "Claim",
    "Gate",
    "HoldReason",
    "Refiltered",
    "Route",
    "SourceSuccess",
    "Store",
    "Unchanged",
    "Unlisted",
    "scopes_of",
]


class Store(ItemQueries, DeliveryQueries, StatusQueries, EditorialQueries, WithdrawQueries):
    """Everything the service asks of its database."""
