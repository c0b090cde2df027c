"""CPU work off the event loop: parse and normalize in a process pool over all cores, so the
loop only does I/O and a busy cycle never starves the fetches waiting beside it.

Where processes cannot start (a sandbox without semaphores, a frozen binary) the pool falls
back to one thread, which still keeps the loop free. App.aclose shuts it down.

`CpuPool(1, processes=False)` is that one thread from the start, and what the service runs by
default (`service_pool`; SYNDICATION_CPU_POOL=process chooses worker processes): the loop
keeps serving fetches while an entry is parsed (the GIL is handed over every few
milliseconds), one CPU thread at a time so the loop's share of the GIL stays large. Issue 12:
on the loaded 2-core development box, worker processes cost a quarter more CPU and 120 MB more
memory than the thread in a cold run of 200 feeds (README, "CPU pool"); the store, which stays
in the main process, is the larger share of a cold cycle.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from .types import Item, NormalizeContext, RawEntry

log = logging.getLogger("syndication.workers")
T = TypeVar("T")


class CpuPool:
    def __init__(self, workers: int | None = None, *, processes: bool = True) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.processes = processes
        self._executor: Executor | None = None
        self._admitted: asyncio.Semaphore | None = None
        self._starting = threading.Lock()  # the first polls of a cycle all ask at once
        self.kind = "none"

    def admission(self, limit: int) -> asyncio.Semaphore:
        """Sources between their fetch and their ingest, at most `limit` at a time: a fetch
        is quicker than the parse after it, and without a bound every source of a cycle would
        fetch its body and hold it, waiting for the CPU (memory growing with the sources)."""
        if self._admitted is None:
            self._admitted = asyncio.Semaphore(limit)
        return self._admitted

    def _start(self) -> Executor:
        with self._starting:
            return self._start_once()

    def _start_once(self) -> Executor:
        if self._executor is None and not self.processes:
            self._executor, self.kind = ThreadPoolExecutor(self.workers, "cpu"), "thread"
        if self._executor is None:
            try:
                # spawn: the parent runs threads (to_thread, the server); fork would copy locks
                ctx = multiprocessing.get_context("spawn")
                pool = ProcessPoolExecutor(self.workers, mp_context=ctx)
                pool.submit(os.getpid).result(timeout=60)  # fails here, not mid-cycle
                self._executor, self.kind = pool, "process"
            except (OSError, NotImplementedError, RuntimeError, TimeoutError) as e:
                log.warning("event=cpu_pool_fallback reason=%r", str(e))
                self._executor, self.kind = ThreadPoolExecutor(1, "cpu"), "thread"
        return self._executor

    async def run(self, fn: Any, *args: Any) -> Any:
        executor = (
            await asyncio.to_thread(self._start) if self._executor is None else self._executor
        )
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def service_pool() -> CpuPool:
    """The service's pool. SYNDICATION_CPU_POOL: "thread" (one thread beside the loop) or
    "process" (worker processes over every core)."""
    if os.environ.get("SYNDICATION_CPU_POOL", "thread") == "process":
        return CpuPool()
    return CpuPool(1, processes=False)


# the parser and the normalizer (feedparser, lxml, their patterns) load on the first entry
# to parse: a cycle whose sources all answer 304 never needs them


def parse(body: bytes, source_id: str, url: str, content_type: str) -> list[RawEntry]:
    from .sources.feed import parse_feed

    return parse_feed(body, source_id, url, content_type)


def normalize(
    raws: list[tuple[str, RawEntry]], ctx: NormalizeContext, now: datetime
) -> tuple[list[Item], list[str]]:
    """(digest, raw) pairs -> items (raw_hash set, first of a repeated key kept) and the
    reasons entries were skipped, which the caller logs."""
    from dataclasses import replace

    from .normalize import NormalizeError, normalize_entry

    items: dict[str, Item] = {}
    skipped: list[str] = []
    for digest, raw in raws:
        try:
            item = normalize_entry(raw, ctx, now, now)
        except NormalizeError as e:
            skipped.append(str(e))
            continue
        items.setdefault(item.entry_key, replace(item, raw_hash=digest))
    return list(items.values()), skipped
