"""What a poll needs, handed in and never global: the running config, the store, the fetcher,
this process's lease owner name and its clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .batching import Coalescing
from .config import Config
from .fetch import Fetcher
from .store import Claim, SourceState, Store, Unchanged
from .workers import AdaptivePool, CpuPool


@dataclass
class Runtime:
    """What a poll needs: handed in, never global."""

    config: Config
    store: Store
    fetcher: Fetcher
    owner: str
    clock: Callable[[], datetime]
    on_source_alert: Callable[[str, str], None] | None = None
    cpu: CpuPool | AdaptivePool | None = None  # parse and normalize there; None: on the loop
    # the polls' lease claims and 304 records, a transaction for those that come together
    claims: Coalescing[Claim, SourceState | None] = field(init=False, repr=False)
    unchanged: Coalescing[Unchanged, None] = field(init=False, repr=False)
    # source -> when its listed entries were last noted (pipeline): no transaction for it
    # on the polls in between
    touched: dict[str, datetime] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.claims = Coalescing(self._claim_sources)
        self.unchanged = Coalescing(self._record_unchanged)

    def _claim_sources(self, claims: Sequence[Claim]) -> list[SourceState | None]:
        return self.store.claim_sources(claims)

    def _record_unchanged(self, polls: Sequence[Unchanged]) -> list[None]:
        return self.store.record_unchanged_many(polls)
