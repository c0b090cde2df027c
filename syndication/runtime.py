"""What a poll needs, handed in and never global: the running config, the store, the fetcher,
this process's lease owner name and its clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .config import Config
from .fetch import Fetcher
from .store import Store
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
