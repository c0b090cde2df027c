"""Storage: SQLite (WAL) by default, PostgreSQL for several processes; same schema."""

from .db import migrate, open_engine
from .records import ChannelStatus, DeliveryRow, IngestResult, ScopeItem, SourceState, SourceStatus
from .store import Claim, Gate, SourceSuccess, Store, Unchanged, scopes_of

__all__ = [
    "ChannelStatus",
    "Claim",
    "DeliveryRow",
    "Gate",
    "IngestResult",
    "ScopeItem",
    "SourceState",
    "SourceStatus",
    "SourceSuccess",
    "Store",
    "Unchanged",
    "migrate",
    "open_engine",
    "scopes_of",
]


def open_store(url: str) -> Store:
    """Open and migrate the database at an SQLAlchemy URL."""
    engine = open_engine(url)
    migrate(engine)
    return Store(engine)
