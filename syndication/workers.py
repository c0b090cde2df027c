"""CPU work off the event loop: parse and normalize beside it, so the loop only does I/O and
a busy cycle never starves the fetches waiting beside it.

The service's pool (`service_pool`) is an AdaptivePool by default: one thread beside the loop
(the GIL is handed over every few milliseconds, so the loop keeps serving fetches while an
entry is parsed), and worker processes over the usable cores (at most MAX_WORKERS) only while
jobs pile up on that thread, stopped again once idle. A cold cycle of 200 feeds x 50 entries
takes about a third less time with them, at about 115 MB more while they run (README, "CPU
pool"); a daemon's usual cycles, a few changed feeds, never start them.
SYNDICATION_CPU_POOL=thread keeps to the thread, =process keeps worker processes for the
process's life.

Where processes cannot start (a sandbox without semaphores, a frozen binary) a pool falls back
to one thread, which still keeps the loop free. App.aclose shuts it down.

A job never waits behind a long one (a hostile feed's parse, a huge page): one that finds the
CPU thread on a job for STALL seconds already, or that has waited STALL seconds without
starting, runs elsewhere (AdaptivePool: in the worker processes; with no processes, on a
spare thread). A stop waits STOP_GRACE seconds for the jobs under way, then leaves them:
the threads are daemon threads (the process exits without them) and the worker processes
are killed.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import dataclasses
import hashlib
import logging
import multiprocessing
import os
import pickle
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from .types import Item, NormalizeContext, RawEntry

log = logging.getLogger("syndication.workers")
T = TypeVar("T")


MAX_WORKERS = 4  # worker processes at most, whatever the machine: each holds about 55 MB
CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # a container's CPU quota (cgroup v2)


class PoolUnavailable(RuntimeError):
    """The pool is shut down (the service closing): a job's caller may treat this as "try
    later", unlike an error of the job itself."""


def usable_cpus() -> int:
    """The CPUs this process may use: its affinity mask, and a container's CPU quota
    (cgroup v2 `cpu.max`), not the host's count, which os.cpu_count() gives."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:
        quota, period = CPU_MAX.read_text(encoding="ascii").split()[:2]
        if quota != "max":
            count = min(count, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError, ZeroDivisionError):
        pass
    return max(1, count)


START_TIMEOUT = 60.0  # seconds a new pool's first worker has to answer, else a thread
STALL = 1.0  # seconds a job waits behind another on the CPU thread before it runs elsewhere
SPARE_THREADS = 2  # threads a thread-only pool gives the jobs that would wait behind a long one
STOP_GRACE = 2.0  # seconds a stop waits for the jobs under way before it leaves them


class DaemonThreads(Executor):
    """ThreadPoolExecutor's work on daemon threads: a job still running when the service stops
    (a hostile feed's parse) is left behind, and the process exits without it. Python joins a
    ThreadPoolExecutor's threads at exit even after shutdown(wait=False), so a stop waited for
    such a parse (100 s measured), past a container's stop grace.

    `running_since()`: when the job a thread runs now began, the oldest of them (monotonic)."""

    def __init__(self, workers: int, name: str) -> None:
        self._workers, self._name = workers, name
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False
        self._running: dict[int, float] = {}  # thread ident -> its job's start (monotonic)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            future: Future[T] = Future()
            self._jobs.put((future, fn, args, kwargs))
            if len(self._threads) < self._workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
        return future

    def _work(self) -> None:
        me = threading.get_ident()
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            del job
            if not future.set_running_or_notify_cancel():
                continue
            self._running[me] = time.monotonic()
            try:
                result = fn(*args, **kwargs)
            except BaseException as e:
                future.set_exception(e)
            else:
                future.set_result(result)
            finally:
                self._running.pop(me, None)
                del future, fn, args, kwargs

    def stalled(self, after: float) -> bool:
        """Whether every thread runs a job begun `after` seconds ago or more."""
        started = list(self._running.values())
        if len(started) < self._workers:
            return False
        return time.monotonic() - max(started) >= after

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.stop(None if wait else 0.0, cancel_futures=cancel_futures)

    def stop(self, grace: float | None, *, cancel_futures: bool = True) -> None:
        """No new job; the waiting ones cancelled (`cancel_futures`); the running ones waited
        for `grace` seconds at most (None: for ever), then left to end on their own."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
        for _ in threads:
            self._jobs.put(None)
        deadline = None if grace is None else time.monotonic() + grace
        for thread in threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))


def stop_processes(pool: ProcessPoolExecutor, grace: float) -> None:
    """A process pool shut down: the jobs waiting cancelled, those running waited for `grace`
    seconds, then their workers killed (a stop must not wait for a hostile parse)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    # jobs submitted and not done (a running one among them, once the waiting are cancelled)
    busy = bool(getattr(pool, "_pending_work_items", None))
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.exitcode is None:
            # a worker still on a job, or one still starting (a late spawn, importing)
            why = "job_in_flight" if busy else "not_exited"
            log.info("event=cpu_pool_stop worker=%s killed=%s", process.pid, why)
            with contextlib.suppress(Exception):
                process.kill()
    if manager is not None:  # it notices the killed workers, and ends
        manager.join(grace + 5.0)


def _stop(executor: Executor, grace: float) -> None:
    if isinstance(executor, ProcessPoolExecutor):
        stop_processes(executor, grace)
    elif isinstance(executor, DaemonThreads):
        executor.stop(grace)
    else:  # pragma: no cover - every pool here is one of the two
        executor.shutdown(wait=True, cancel_futures=True)


_STALLED: Any = object()  # the job was not run: it would have waited behind a long one


async def unless_stalled(executor: DaemonThreads, fn: Any, *args: Any, after: float = STALL) -> Any:
    """fn(*args) on `executor`, or _STALLED (and never run there) when it finds every thread
    on a job begun `after` seconds ago, or when it has waited `after` seconds without
    starting: then it belongs elsewhere, not behind a long job."""
    if executor.stalled(after):
        return _STALLED
    future = executor.submit(fn, *args)
    waiting = asyncio.wrap_future(future)
    try:
        await asyncio.wait((waiting,), timeout=after)
    except asyncio.CancelledError:
        waiting.cancel()  # and the job with it, unless it runs already
        raise
    if not waiting.done() and future.cancel():  # never started: it is not run here
        waiting.cancel()
        return _STALLED
    return await waiting


class CpuPool:
    def __init__(self, workers: int | None = None, *, processes: bool = True) -> None:
        self.workers = workers or min(usable_cpus(), MAX_WORKERS)
        self.processes = processes
        self._executor: Executor | None = None
        self._admitted: asyncio.Semaphore | None = None
        self._starting = threading.Lock()  # the first polls of a cycle all ask at once
        self._start_task: asyncio.Task[Executor] | None = None
        self._spare: DaemonThreads | None = None  # a thread-only pool's, for stalled jobs
        self._closed = False
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
            if self._closed:  # shut down while this start waited: start nothing
                raise PoolUnavailable("the CPU pool is shut down")
            return self._start_once()

    def _start_once(self) -> Executor:
        if self._executor is None and not self.processes:
            self._executor, self.kind = DaemonThreads(self.workers, "cpu"), "thread"
        if self._executor is None:
            pool: ProcessPoolExecutor | None = None
            try:
                # spawn: the parent runs threads (to_thread, the server); fork would copy locks
                ctx = multiprocessing.get_context("spawn")
                pool = ProcessPoolExecutor(
                    self.workers, mp_context=ctx, initializer=start_worker, initargs=(os.getpid(),)
                )
                # every worker now: ProcessPoolExecutor spawns one per job it finds no idle
                # worker for, so a single first job left the second to start (and spend a
                # quarter second importing) once the first was busy, a second into a cold
                # cycle. The pool is taken as soon as one answers, the others coming up
                # meanwhile: a pool that cannot start a process fails here; one whose later
                # workers die starting breaks on its first jobs (AdaptivePool replaces it)
                started = [pool.submit(os.getpid) for _ in range(self.workers)]
                first = concurrent.futures.wait(
                    started, START_TIMEOUT, concurrent.futures.FIRST_COMPLETED
                )
                if not first.done:
                    raise TimeoutError(f"no CPU worker process answered in {START_TIMEOUT:g} s")
                first.done.pop().result()
                self._executor, self.kind = pool, "process"
            except (OSError, NotImplementedError, RuntimeError, TimeoutError) as e:
                log.warning("event=cpu_pool_fallback reason=%r", str(e))
                if pool is not None:  # started half way: its threads and workers go
                    # killed: a worker hung starting keeps its no-op job, which the pool's
                    # manager thread (joined at exit) would wait for, for ever
                    for process in list((getattr(pool, "_processes", None) or {}).values()):
                        with contextlib.suppress(Exception):
                            process.kill()
                    pool.shutdown(wait=False, cancel_futures=True)
                self._executor, self.kind = DaemonThreads(1, "cpu"), "thread"
        return self._executor

    @property
    def spreads(self) -> bool:
        """Whether its jobs may run on more than one core."""
        return self.processes and self.workers >= 2

    async def _started_executor(self) -> Executor:
        executor = self._executor
        if executor is None:
            # one start for every job that asks meanwhile: a slow spawn holds one thread of
            # the loop's default executor, not one per job (the store's calls use them too)
            loop = asyncio.get_running_loop()
            task = self._start_task
            if task is None or task.done() or task.get_loop() is not loop:
                task = self._start_task = loop.create_task(asyncio.to_thread(self._start))
            executor = await asyncio.shield(task)
        return executor

    async def on_thread(self, fn: Any, *args: Any) -> Any:
        """A thread pool's job on its thread, or _STALLED (not run) when it would wait behind
        a long job there (see unless_stalled)."""
        executor = await self._started_executor()
        if not isinstance(executor, DaemonThreads):
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        return await unless_stalled(executor, fn, *args)

    async def on_spare(self, fn: Any, *args: Any) -> Any:
        """A thread pool's job on a spare thread: one that would wait behind a long job."""
        if self._closed:
            raise PoolUnavailable("the CPU pool is shut down")
        if self._spare is None:
            self._spare = DaemonThreads(SPARE_THREADS, "cpu-spare")
        return await asyncio.get_running_loop().run_in_executor(self._spare, fn, *args)

    async def run(self, fn: Any, *args: Any, away: bool = False) -> Any:
        # `away` is AdaptivePool's choice; here every job goes to the one executor (a thread
        # pool's: to a spare thread, rather than behind a long job)
        loop = asyncio.get_running_loop()
        executor = await self._started_executor()
        if self.kind != "process":
            result = await self.on_thread(fn, *args)
            return await self.on_spare(fn, *args) if result is _STALLED else result
        try:
            return await loop.run_in_executor(executor, portable, fn, *args)
        except BrokenProcessPool:
            # a worker died (the OOM killer, a crash in a C parser): this pool is broken for
            # good, and kept it failed every later job of every source until a restart. The
            # jobs it held fail; the next job starts new processes
            if self._executor is executor:
                log.warning("event=cpu_pool_broken processes=restarted")
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            raise

    def shutdown(self, grace: float = STOP_GRACE) -> None:
        """Off the loop: waits for a start under way, so that no pool starts after it, then
        for the jobs under way `grace` seconds at most (their threads are left to end on their
        own, their worker processes killed)."""
        deadline = time.monotonic() + grace
        with self._starting:
            self._closed = True
        for executor in (self._executor, self._spare):
            if executor is not None:
                _stop(executor, max(0.0, deadline - time.monotonic()))
        self._executor = self._spare = None


def portable(fn: Any, *args: Any) -> Any:
    """`fn(*args)` in a worker process, its exception made to cross back: one that cannot be
    pickled (lxml's error log, an error whose __init__ takes other arguments than its args)
    comes back as a RuntimeError with its type and message, not as a pickling error."""
    try:
        return fn(*args)
    except Exception as e:
        try:
            pickle.loads(pickle.dumps(e))
        except Exception:
            raise RuntimeError(f"{type(e).__name__}: {e}") from None
        raise


def watch_parent(parent: int, every: float = 1.0) -> None:
    """In each worker process: exit once the process that started it is gone. A parent
    killed with SIGKILL (the OOM killer, a supervisor) closes nothing, and its workers,
    waiting on a queue whose other ends they hold themselves, would wait for ever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def start_worker(parent: int) -> None:
    """Each worker process's initializer: watch_parent, and the quick exit (exit_at_once)."""
    watch_parent(parent)
    atexit.register(exit_at_once)


def exit_at_once() -> None:
    """A worker's last exit handler, run once the pool has stopped it: multiprocessing's own
    exit function (its finalizers, a job's child processes), the logging handlers and the
    output flushed, then os._exit, which skips the interpreter's teardown (every module and
    object freed one by one: 0.13 s of a cold `run --once` waiting on its two workers).

    Registered by the initializer, so atexit runs it before the handlers registered earlier:
    multiprocessing's exit function is called here for that reason. Up to Python 3.12 the
    process ran it already at the end of its run (a second call does nothing); from 3.13 on
    it runs only as an exit handler, which os._exit would skip. The status is 0 whatever the
    worker's loop ended with: the pool reads no status (a worker that dies breaks it by
    ending, and a job's own exception goes back to its caller, never out of the worker)."""
    from multiprocessing import util

    util._exit_function()  # type: ignore[attr-defined]
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    os._exit(0)


SPILL_AFTER = 0.5  # seconds the CPU thread has been busy without a break before it spills
IDLE = 60.0  # seconds without a job for them before the worker processes stop


class AdaptivePool:
    """One CPU thread beside the loop, and worker processes over the other cores only while
    work piles up: once the thread has been busy for `spill_after` seconds without a break
    and a job is already waiting on it, the next jobs go to worker processes (a first start,
    a backlog after downtime); once those have had no job for `idle` seconds they stop. A
    daemon's usual cycle, a few changed feeds whose jobs the thread clears in moments, never
    starts them, and keeps one process's memory. Issue 12: the processes take a third off a
    cold cycle over two cores, at about 115 MB while they run."""

    def __init__(
        self, workers: int | None = None, *, spill_after: float = SPILL_AFTER, idle: float = IDLE
    ) -> None:
        self.thread = CpuPool(1, processes=False)
        self.workers = workers or min(usable_cpus(), MAX_WORKERS)
        self.procs = CpuPool(self.workers)
        self.spill_after, self.idle = spill_after, idle
        self.spilled = 0  # jobs the processes took, for the log and the tests
        self._queued = 0  # jobs given to the thread and not finished
        self._busy_since = 0.0  # when the thread last went from idle to busy (loop time)
        self._busy = 0  # jobs given to the processes and not finished
        self._spilled_at = -IDLE  # when a job last ended in the processes (loop time)
        self._timer: asyncio.TimerHandle | None = None
        self._stopping: set[asyncio.Task[None]] = set()
        self._no_processes = self.workers < 2
        self._closed = False
        self._eager = False  # a backlog is known to come (expect_backlog): spill at once
        self._prestart: asyncio.Task[Any] | None = None

    @property
    def kind(self) -> str:
        return "thread+process" if self.procs.kind == "process" else "thread"

    @property
    def spreads(self) -> bool:
        """Whether its jobs may run on more than one core."""
        return not self._no_processes

    def admission(self, limit: int) -> asyncio.Semaphore:
        return self.thread.admission(limit)

    def expect_backlog(self) -> None:
        """A cycle that will surely pile up jobs (the first polls of many sources) is about
        to start: the worker processes start now, beside its fetches, and take every job the
        thread has not the time for from the first one on, instead of after `spill_after`
        seconds of backlog (a cold run spent its first second on one core). Until idle."""
        if self._closed or self._no_processes:
            return
        self._eager = True
        if self.procs.kind == "none" and (self._prestart is None or self._prestart.done()):
            log.info("event=cpu_pool_prestart workers=%d", self.workers)
            self._prestart = asyncio.get_running_loop().create_task(self._started())

    async def _started(self) -> None:
        with contextlib.suppress(Exception):  # a pool that cannot start says so on first use
            await self.procs.run(os.getpid)
        if self._busy == 0 and self._timer is None and not self._closed:
            # started for a backlog that may never come (every source answers 304): idle
            # from now, as after a last job
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.idle, self._stop_idle)

    async def run(self, fn: Any, *args: Any, away: bool = False) -> Any:
        """fn(*args) on the thread or in the processes (see the class). `away`: in the
        processes whenever they are running (a publish's parts: rendered on the thread, they
        would grow this process's memory, which holds the most already)."""
        if self._closed:
            raise PoolUnavailable("the CPU pool is shut down")
        now = asyncio.get_running_loop().time()
        if away and self.procs.kind == "process":
            return await self._in_processes(fn, *args)
        if self._eager and self._queued >= 1 and not self._no_processes:
            return await self._in_processes(fn, *args)
        if not self._no_processes and (self._busy or now - self._spilled_at < self.spill_after):
            # spilling: every job to the processes, the main process keeps to the loop and
            # the store (a thread beside them took its share of the GIL from both)
            return await self._in_processes(fn, *args)
        if self._queued == 0:
            self._busy_since = now
        elif (
            not self._no_processes
            and self._queued >= 2  # one long job alone (a big page) is no backlog
            and now - self._busy_since >= self.spill_after
        ):
            return await self._in_processes(fn, *args)
        self._queued += 1
        try:
            result = await self.thread.on_thread(fn, *args)
        finally:
            self._queued -= 1
        if result is not _STALLED:
            return result
        # it would wait behind a long job (a hostile feed's parse): elsewhere at once
        if self._no_processes:
            return await self.thread.on_spare(fn, *args)
        return await self._in_processes(fn, *args)

    async def _in_processes(self, fn: Any, *args: Any) -> Any:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pool = self.procs
        if pool.kind == "none" and self._busy == 0:
            log.info("event=cpu_pool_spill workers=%d queued=%d", self.workers, self._queued)
        self._busy += 1
        self.spilled += 1
        try:
            return await pool.run(fn, *args)
        except BrokenProcessPool:
            if self._closed:  # its worker killed by the stop: no new processes, no second run
                raise PoolUnavailable("the CPU pool is shut down") from None
            # a worker died (the OOM killer, a crash in a C parser): the jobs it held fail,
            # each against its own source, and the next ones get new processes, never the
            # broken pool again (it stays broken for good)
            if pool is self.procs:
                log.warning("event=cpu_pool_broken processes=replaced")
                self._retire(pool)
            # every job waiting in the broken pool failed with it, not only the one that
            # killed its worker: each gets one more try on the new processes, so only a job
            # that breaks them again fails (against its own source)
            retry = self.procs
            try:
                return await retry.run(fn, *args)
            except BrokenProcessPool:
                if retry is self.procs:
                    self._retire(retry)
                raise
        finally:
            self._busy -= 1
            self._spilled_at = asyncio.get_running_loop().time()
            if pool.kind == "thread":  # processes cannot start here: one CPU thread is enough
                self._no_processes = True
            if self._busy == 0:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self.idle, self._stop_idle)

    def _stop_idle(self) -> None:
        """Idle for `idle` seconds: the processes stop; the next spill starts new ones (a job
        arriving while these shut down goes to the new pool, never to one shutting down)."""
        self._timer = None
        self._eager = False
        if self._busy or self._closed or self.procs.kind == "none":
            return
        log.info("event=cpu_pool_idle processes=stopped")
        self._retire(self.procs)

    def _retire(self, pool: CpuPool) -> None:
        """A new (not yet started) pool for the next spill; this one shut down off the loop."""
        self.procs = CpuPool(self.workers)
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(pool.shutdown))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def shutdown(self, grace: float = STOP_GRACE) -> None:
        """From any thread (App.aclose runs it off the loop): a timer still set finds the
        pool closed when it fires. Jobs under way are waited for `grace` seconds at most."""
        self._closed = True
        deadline = time.monotonic() + grace
        self.procs.shutdown(grace)
        self.thread.shutdown(max(0.0, deadline - time.monotonic()))


DRAIN_TIMEOUT = 300.0  # seconds a stopped sync_runner waits for each job under way


def sync_runner(
    pool: CpuPool | AdaptivePool, loop: asyncio.AbstractEventLoop, window: int = 4
) -> Callable[[Any, Iterable[tuple[Any, ...]]], Iterator[Any]]:
    """For code in a thread off `loop` (the publisher's): run(fn, jobs) runs fn(*job) for
    each job on `pool`, `window` at a time (the jobs are taken from `jobs` as they go, so
    only those hold memory), and yields the results in the jobs' order. On the loop's own
    thread, or with the loop stopped, each runs right here instead (waiting there for the
    loop would wait for ever)."""

    def run(fn: Any, jobs: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:  # no loop runs in this thread
            on_loop = False
        if on_loop or loop.is_closed() or not loop.is_running():
            for job in jobs:
                yield fn(*job)
            return
        running: deque[concurrent.futures.Future[Any]] = deque()
        try:
            for job in jobs:
                work = pool.run(fn, *job, away=True)
                running.append(asyncio.run_coroutine_threadsafe(work, loop))
                if len(running) >= window:
                    yield _outcome(running.popleft())
            while running:
                yield _outcome(running.popleft())
        finally:
            # an error, or the caller stopped reading: no new job starts, and the jobs under
            # way are waited for, so that none works on (a publish: writes files) after
            # this returns (a worker's job cannot be cancelled once it runs)
            for future in running:
                with contextlib.suppress(BaseException):
                    future.result(timeout=DRAIN_TIMEOUT)

    return run


def _outcome(future: concurrent.futures.Future[Any]) -> Any:
    """A sync_runner job's result; a job the pool cancelled (shut down while it waited) is
    PoolUnavailable, as one handed to a closed pool is."""
    try:
        return future.result()
    except concurrent.futures.CancelledError as e:
        raise PoolUnavailable("the CPU pool is shut down") from e


def service_pool() -> CpuPool | AdaptivePool:
    """The service's pool. SYNDICATION_CPU_POOL: "auto" (the default: one thread beside the
    loop, and worker processes while work piles up, see AdaptivePool), "thread" (the thread
    only) or "process" (worker processes over every core, kept)."""
    choice = os.environ.get("SYNDICATION_CPU_POOL", "auto")
    if choice not in ("auto", "thread", "process"):
        log.warning("event=cpu_pool_unknown value=%r using=auto (auto, thread or process)", choice)
    if choice == "process":
        return CpuPool()
    if choice == "thread" or usable_cpus() < 2:
        return CpuPool(1, processes=False)
    return AdaptivePool()


# the parser and the normalizer (feedparser, lxml, their patterns) load on the first entry
# to parse: a cycle whose sources all answer 304 never needs them


def parse(body: bytes, source_id: str, url: str, content_type: str) -> list[RawEntry]:
    from .sources.feed import parse_feed

    return parse_feed(body, source_id, url, content_type)


def raw_digest(raw: RawEntry) -> str:
    """Identifies a raw entry exactly: the same digest as last poll means nothing to do.

    Each field in order, its text as it is (a str) or its repr (None, a flag, a date, a
    tuple), tagged with which and prefixed with its length, so that no two entries share an
    encoding. The repr of the whole entry escaped its body character by character, at more
    than twice this one's time (`bench/bench_checks.py`). Its digests differ from the old
    one's: legacy_raw_digest finds the entries stored under those."""
    parts = []
    for name in _RAW_FIELDS:
        value = getattr(raw, name)
        if type(value) is str:
            data = value.encode("utf-8", "surrogatepass")
            parts.append(b"s%d:%s" % (len(data), data))
        else:
            data = repr(value).encode("utf-8", "surrogatepass")
            parts.append(b"r%d:%s" % (len(data), data))
    return hashlib.sha256(b"".join(parts)).hexdigest()


_RAW_FIELDS = tuple(f.name for f in dataclasses.fields(RawEntry))


def legacy_raw_digest(raw: RawEntry) -> str:
    """raw_digest as versions before 2026-12-06 wrote it (the repr of the whole entry): what
    the entries they stored carry. An entry not found under its digest is looked up under
    this one once, and takes the new digest (pipeline._read): an upgrade neither normalizes
    nor enriches again the entries it already has."""
    return hashlib.sha256(repr(raw).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class FirstPoll:
    """A feed's first poll, parsed and normalized in one job: no entry of it is known yet,
    so none is left out, and its raw entries never travel between processes."""

    entries: int  # listed by the feed
    listed: frozenset[str]  # their entry keys (withdrawal)
    items: list[Item]
    skipped: list[str]  # why entries were left out, for the caller to log


def first_poll(
    body: bytes, source_id: str, url: str, content_type: str, ctx: NormalizeContext, now: datetime
) -> FirstPoll:
    """parse(), then normalize() of every entry, as the two jobs would give them."""
    from .normalize import entry_key_of

    raws = parse(body, source_id, url, content_type)
    todo = {raw_digest(r): r for r in raws}  # an entry listed twice, byte for byte: once
    items, skipped = normalize(list(todo.items()), ctx, now, whole_feed=True)
    return FirstPoll(len(raws), frozenset(map(entry_key_of, raws)), items, skipped)


def normalize(
    raws: list[tuple[str, RawEntry]],
    ctx: NormalizeContext,
    now: datetime,
    *,
    whole_feed: bool = False,
) -> tuple[list[Item], list[str]]:
    """(digest, raw) pairs -> items (raw_hash set, first of a repeated key kept) and the
    reasons entries were skipped, which the caller logs.

    A fault of the code that an entry's text trips costs that entry: it is skipped with a
    reason the caller logs as an error, and normalized again next poll (it is not stored).
    Only when `raws` is a whole feed (a first poll) and every one of its several entries
    meets one is it the code's fault beyond doubt: then the poll fails with it, recorded
    against the source, rather than storing nothing with a clean bill. A later poll passes
    only its new and changed entries: a few faulty ones among them never fail it."""
    from dataclasses import replace

    from .normalize import NormalizeError, normalize_entry

    items: dict[str, Item] = {}
    skipped: list[str] = []
    faults: list[Exception] = []
    for digest, raw in raws:
        try:
            item = normalize_entry(raw, ctx, now, now)
        except NormalizeError as e:
            skipped.append(str(e))
            continue
        except MemoryError:
            raise
        except Exception as e:  # a fault of the code that this entry's text trips
            faults.append(e)
            where = (raw.link or raw.guid or raw.title or "?")[:_SHOWN]
            skipped.append(f"{INTERNAL_SKIP} {where!r}: {type(e).__name__}: {str(e)[:_SHOWN]}")
            continue
        items.setdefault(item.entry_key, replace(item, raw_hash=digest))
    if whole_feed and len(faults) >= 2 and len(faults) == len(raws):
        raise faults[0]
    return list(items.values()), skipped


# the start of a skip reason that is a fault of the code, not of the entry (logged as an error)
INTERNAL_SKIP = "internal error normalizing entry"
_SHOWN = 300  # characters of an entry's link and of its fault's message in that reason
