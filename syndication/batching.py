"""Small store writes of concurrent polls, run together in one transaction (group commit).

    poll A: await claims(a) --+
    poll B: await claims(b) --+--> one thread: store.claim_sources([a, b, c]) --> each its own
    poll C: await claims(c) --+

The polls of a cycle start together and their 304s land together: a transaction each (a
connection, BEGIN, the write lock, COMMIT) cost more than the statements in them (issue 12).
Nothing waits for a batch to fill: the first request runs at once, and whatever arrives while
a batch runs goes in the next one. Each caller gets its own result, or the batch's error
(the database away fails every write of that moment, as it would one by one). A caller
cancelled before its batch starts is left out of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")

BATCH_MAX = 256  # requests per transaction: a long one would hold SQLite's write lock


class Coalescing(Generic[Request, Result]):
    """`await coalescing(request)`: `run(batch)` in a thread, for the requests waiting together;
    `run` returns one result per request, in order."""

    def __init__(
        self, run: Callable[[Sequence[Request]], Sequence[Result]], limit: int = BATCH_MAX
    ) -> None:
        self._run = run
        self._limit = limit
        self._queue: list[tuple[Request, asyncio.Future[Result]]] = []
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, request: Request) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._queue.append((request, future))
        task = self._task
        if task is None or task.done() or task.get_loop() is not loop:
            # a task of a loop that has gone (asyncio.run once more) never drains this one
            self._queue = [(r, f) for r, f in self._queue if f.get_loop() is loop]
            self._task = loop.create_task(self._drain(), name="coalescing")
        return await future

    async def _drain(self) -> None:
        while self._queue:
            taken, self._queue = self._queue[: self._limit], self._queue[self._limit :]
            batch = [(r, f) for r, f in taken if not f.done()]  # done: cancelled meanwhile
            if not batch:
                continue
            try:
                results = list(await asyncio.to_thread(self._run, [r for r, _ in batch]))
                if len(results) != len(batch):
                    raise RuntimeError(f"{len(results)} results for {len(batch)} requests")
            except asyncio.CancelledError:  # this task cancelled (the loop shutting down)
                for _, future in (*batch, *self._queue):
                    future.cancel()
                self._queue = []
                raise
            except BaseException as e:  # the batch's error is each caller's, never swallowed
                fatal = not isinstance(e, Exception)  # this task ends: the queue's fail too
                for _, future in (*batch, *(self._queue if fatal else ())):
                    if not future.done():
                        future.set_exception(e)
                if fatal:
                    self._queue = []
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
