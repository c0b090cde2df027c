"""The CPU pool: parse and normalize in worker processes give what the loop's thread gives,
and a pool whose processes cannot start falls back to a thread."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from syndication import workers
from syndication.config import load
from syndication.pipeline import poll_source, raw_digest
from syndication.service import build_app, poll_all
from syndication.types import NormalizeContext
from syndication.workers import AdaptivePool, CpuPool, normalize, parse
from tests.conftest import write_config
from tests.portal import Portal

FEED = (Path(__file__).parent / "data" / "pinned" / "feed-0.xml").read_bytes()
NOW = datetime(2024, 5, 21, tzinfo=UTC)
CTX = NormalizeContext(regencies=(), categories=())


async def through(pool: CpuPool) -> tuple[object, object]:
    raws = await pool.run(parse, FEED, "s", "https://p.test/feed/", "application/rss+xml")
    todo = [(raw_digest(r), r) for r in raws]
    return raws, await pool.run(normalize, todo, CTX, NOW)


def test_worker_processes_give_what_the_thread_gives() -> None:
    pool = CpuPool(2)
    try:
        raws, (items, skipped) = asyncio.run(through(pool))
        assert pool.kind == "process"
    finally:
        pool.shutdown()
    local = parse(FEED, "s", "https://p.test/feed/", "application/rss+xml")
    assert raws == local
    assert (items, skipped) == normalize([(raw_digest(r), r) for r in local], CTX, NOW)
    assert len(items) == 20


def test_a_first_poll_in_one_job_gives_what_the_parse_and_normalize_jobs_give() -> None:
    from syndication.normalize import entry_key_of

    args = (FEED, "s", "https://p.test/feed/", "application/rss+xml")
    pool = CpuPool(2)
    try:
        first = asyncio.run(pool.run(workers.first_poll, *args, CTX, NOW))
        assert pool.kind == "process"
    finally:
        pool.shutdown()
    raws = parse(*args)
    items, skipped = normalize(list({raw_digest(r): r for r in raws}.items()), CTX, NOW)
    assert (first.items, first.skipped) == (items, skipped)
    # fields that Item's == leaves out
    assert [(i.raw_hash, i.evidence) for i in first.items] == [
        (i.raw_hash, i.evidence) for i in items
    ]
    assert first.entries == len(raws) == 20
    assert first.listed == frozenset(map(entry_key_of, raws))


@pytest.mark.parametrize("processes", [False, True])
def test_the_first_polls_of_a_cycle_share_one_pool(processes: bool) -> None:
    """Every poll of a cycle asks for the pool at once: one pool starts, not one per poll
    (which ran several CPU threads, or leaked worker processes, beside the loop)."""
    pool = CpuPool(1, processes=processes)
    ident = os.getpid if processes else threading.get_ident

    async def at_once() -> set[int]:
        return set(await asyncio.gather(*(pool.run(ident) for _ in range(8))))

    try:
        assert len(asyncio.run(at_once())) == 1
    finally:
        pool.shutdown()


FALLBACK = """
import asyncio, multiprocessing, sys
from syndication.workers import CpuPool, parse
multiprocessing.set_executable(sys.argv[1])
pool = CpuPool(2)
body = open(sys.argv[2], "rb").read()
raws = asyncio.run(pool.run(parse, body, "s", "https://p.test/feed/", "application/rss+xml"))
pool.shutdown()
print(pool.kind, len(raws))
"""


def test_a_pool_that_cannot_start_processes_falls_back_to_a_thread(tmp_path: Path) -> None:
    """In a process of its own: an executable that does not exist also leaves
    multiprocessing's resource tracker dead, which the next pool of the same process (here,
    another test in this xdist worker) would meet."""
    feed = Path(__file__).parent / "data" / "pinned" / "feed-0.xml"
    assert fallen_back(FALLBACK, tmp_path / "no-python-here", feed) == ["thread", "20"]


def fallen_back(script: str, executable: Path, *args: Path) -> list[str]:
    """What `script`, run in a process of its own with `executable` as the spawn executable,
    prints; it must exit 0 and log that its pool fell back to a thread."""
    done = subprocess.run(
        [sys.executable, "-c", script, str(executable), *map(str, args)],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "event=cpu_pool_fallback" in done.stderr
    return done.stdout.split()


def test_a_poll_parses_and_normalizes_beside_the_loop(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: parsing and normalizing on the event loop starved the fetches beside them
    (spurious timeouts in cold runs); the service runs both in its CPU thread."""
    portal.set("/f/feed/", FEED)
    sources = f'[[sources]]\nid = "f"\nurl = "{portal.url}/f/feed/"\n'
    config = load(
        write_config(tmp_path / "c.toml", db_url=f"sqlite:///{tmp_path}/db", sources=sources)
    )
    threads: dict[str, int] = {}

    def spy(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            threads[name] = threading.get_ident()
            return fn(*args, **kwargs)

        return run

    monkeypatch.setattr(workers, "parse", spy("parse", workers.parse))
    monkeypatch.setattr(workers, "normalize", spy("normalize", workers.normalize))

    async def poll() -> tuple[str, int]:
        app = await build_app(config)
        try:
            outcome = await poll_source(app.runtime, config.sources[0])
            return outcome.status, threading.get_ident()
        finally:
            await app.aclose()

    status, loop_thread = asyncio.run(poll())
    assert status == "new"
    assert set(threads) == {"parse", "normalize"}
    assert loop_thread not in threads.values()


def test_sources_waiting_for_the_cpu_hold_no_more_bodies_than_the_bound(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fetch is quicker than the parse after it: unbounded, every source of a cycle would
    fetch and hold its body waiting for the CPU thread (issue 12: memory bounded at 1,000
    feeds). At most 2 x [fetch] concurrency sources are between fetch and ingest."""
    sources = ""
    for i in range(6):
        portal.set(f"/f{i}/feed/", FEED)
        sources += f'[[sources]]\nid = "f{i}"\nurl = "{portal.url}/f{i}/feed/"\n'
    path = write_config(
        tmp_path / "c.toml",
        db_url=f"sqlite:///{tmp_path}/db",
        sources=sources,
        extra="concurrency = 1\n",
    )
    config = load(path)
    holding, most = 0, 0
    count = threading.Lock()  # ingests end in the store's threads
    slow_normalize = workers.normalize

    def slow(*args: Any, **kwargs: Any) -> Any:
        threading.Event().wait(0.05)  # the CPU is the bottleneck, as in a cold cycle
        return slow_normalize(*args, **kwargs)

    monkeypatch.setattr(workers, "normalize", slow)

    async def cycle() -> list[str]:
        nonlocal holding, most
        app = await build_app(config)
        fetch, ingest = app.runtime.fetcher.get, app.runtime.store.ingest

        async def counted_fetch(*args: Any, **kwargs: Any) -> Any:
            nonlocal holding, most
            got = await fetch(*args, **kwargs)
            with count:
                holding += 1
                most = max(most, holding)
            return got

        def counted_ingest(*args: Any, **kwargs: Any) -> Any:
            nonlocal holding
            try:
                return ingest(*args, **kwargs)
            finally:
                with count:
                    holding -= 1

        monkeypatch.setattr(app.runtime.fetcher, "get", counted_fetch)
        monkeypatch.setattr(app.runtime.store, "ingest", counted_ingest)
        try:
            return [o.status for o in await poll_all(app, force=True)]
        finally:
            await app.aclose()

    assert asyncio.run(cycle()) == ["new"] * 6
    assert holding == 0
    assert 1 <= most <= 2


@pytest.mark.parametrize(
    ("value", "kind"),
    [(None, "auto"), ("auto", "auto"), ("thread", "thread"), ("process", "process")],
)
def test_the_service_pool_is_adaptive_unless_told(
    monkeypatch: pytest.MonkeyPatch, value: str | None, kind: str
) -> None:
    if value is None:
        monkeypatch.delenv("SYNDICATION_CPU_POOL", raising=False)
    else:
        monkeypatch.setenv("SYNDICATION_CPU_POOL", value)
    monkeypatch.setattr(workers, "usable_cpus", lambda: 2)
    pool = workers.service_pool()
    if kind == "auto":
        assert isinstance(pool, AdaptivePool) and pool.workers == 2
    else:
        assert isinstance(pool, CpuPool) and pool.processes is (kind == "process")
        assert pool.workers == (2 if kind == "process" else 1)


def test_one_core_gets_the_thread_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNDICATION_CPU_POOL", raising=False)
    monkeypatch.setattr(workers, "usable_cpus", lambda: 1)
    pool = workers.service_pool()
    assert isinstance(pool, CpuPool) and not pool.processes


def test_jobs_that_pile_up_spill_to_processes_which_stop_when_idle() -> None:
    """A cold cycle: the thread stays busy, the jobs after the first spill to worker
    processes (other pids), and those stop once idle; then a job runs on the thread again."""
    pool = AdaptivePool(2, spill_after=0.05, idle=1.0)

    async def scenario() -> tuple[set[int], set[int], int, str, str]:
        busy = [asyncio.create_task(pool.run(time.sleep, 0.4)) for _ in range(3)]
        await asyncio.sleep(0.1)  # the thread has been busy past spill_after
        pids = set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(6))))
        spilled, during = pool.spilled, pool.kind  # read before the idle timer can fire
        await asyncio.gather(*busy)
        deadline = asyncio.get_running_loop().time() + 60
        while pool.procs.kind != "none" or pool._stopping:  # the idle timer, then shutdown
            assert asyncio.get_running_loop().time() < deadline, "processes never stopped"
            await asyncio.sleep(0.05)
        later = {await pool.run(os.getpid)}
        return pids, later, spilled, during, pool.kind

    try:
        pids, later, spilled, during, after = asyncio.run(scenario())
    finally:
        pool.shutdown()
    assert during == "thread+process" and spilled >= 6
    assert pids and os.getpid() not in pids  # every getpid came after the spill
    assert later == {os.getpid()} and after == "thread"


def test_a_few_quick_jobs_never_start_processes() -> None:
    """A daemon's usual cycle: a few changed feeds, each parsed in moments."""
    pool = AdaptivePool(2, spill_after=0.5, idle=0.3)

    async def scenario() -> set[int]:
        pids: set[int] = set()
        for _ in range(5):
            pids |= set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(3))))
        return pids

    try:
        assert asyncio.run(scenario()) == {os.getpid()}
    finally:
        pool.shutdown()
    assert pool.spilled == 0 and pool.procs.kind == "none"


ORPHANS = """
import asyncio, os, sys, time
from syndication.workers import CpuPool
pool = CpuPool(2)
async def pids():
    return {p for p in await asyncio.gather(*(pool.run(os.getpid) for _ in range(8)))}
for pid in asyncio.run(pids()):
    print(pid, flush=True)
print("ready", flush=True)
time.sleep(600)
"""


def test_worker_processes_exit_when_their_parent_is_killed() -> None:
    """SIGKILL closes nothing: the workers must notice on their own, or live for ever."""
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHANS],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        lines = [line.strip() for line in iter(parent.stdout.readline, "ready\n")]
        kids = {int(line) for line in lines}
        assert kids and parent.pid not in kids
        assert all(os.path.exists(f"/proc/{k}") for k in kids)
    finally:
        parent.kill()
        parent.wait(30)
        if parent.stdout is not None:
            parent.stdout.close()

    def alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"  # reaped by init once it exits

    deadline = time.monotonic() + 60
    while any(alive(k) for k in kids):
        assert time.monotonic() < deadline, f"orphaned workers still running: {kids}"
        time.sleep(0.1)


def test_usable_cpus_follow_the_affinity_and_the_container_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.cpu_count() is the host's: a container given one CPU of 64 would start 64 workers."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5})
    monkeypatch.setattr(workers, "CPU_MAX", tmp_path / "absent")
    assert workers.usable_cpus() == 6
    quota = tmp_path / "cpu.max"
    monkeypatch.setattr(workers, "CPU_MAX", quota)
    quota.write_text("150000 100000\n")
    assert workers.usable_cpus() == 1
    quota.write_text("400000 100000\n")
    assert workers.usable_cpus() == 4
    quota.write_text("max 100000\n")
    assert workers.usable_cpus() == 6
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3})
    assert workers.usable_cpus() == 1
    assert CpuPool().workers == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(64)))
    assert CpuPool().workers == workers.MAX_WORKERS


def test_a_dead_worker_costs_its_job_and_the_next_jobs_get_new_processes() -> None:
    """A worker killed (the OOM killer, a crash in a C parser) breaks its pool for good: the
    job fails, and the pool is replaced rather than failing every job after it."""
    from concurrent.futures.process import BrokenProcessPool

    pool = AdaptivePool(2, spill_after=0.05, idle=30.0)

    async def scenario() -> tuple[type[BaseException], set[int]]:
        busy = [asyncio.create_task(pool.run(time.sleep, 0.3)) for _ in range(3)]
        await asyncio.sleep(0.1)
        first = set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(2))))
        try:
            await pool.run(os._exit, 1)
        except BaseException as e:  # what the poll of that source would record
            error: type[BaseException] = type(e)
        after = set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(2))))
        await asyncio.gather(*busy)
        assert os.getpid() not in first
        return error, after

    try:
        error, after = asyncio.run(scenario())
    finally:
        pool.shutdown()
    assert error is BrokenProcessPool
    assert after and os.getpid() not in after  # processes again, new ones


def test_an_error_that_cannot_be_pickled_comes_back_readable() -> None:
    """lxml's XMLSyntaxError holds its error log, which does not pickle: raised in a worker
    it came back as a pickling error that named nothing of the feed."""
    from lxml import etree

    pool = CpuPool(1)
    try:
        with pytest.raises(RuntimeError, match=r"XMLSyntaxError: .*line 1"):
            asyncio.run(pool.run(etree.fromstring, b"<a"))
        assert pool.kind == "process"
    finally:
        pool.shutdown()


def test_one_long_job_alone_is_no_backlog_and_a_closed_pool_refuses_jobs() -> None:
    pool = AdaptivePool(2, spill_after=0.05, idle=1.0)

    async def scenario() -> set[int]:
        long = asyncio.create_task(pool.run(time.sleep, 0.3))  # a big page, alone
        await asyncio.sleep(0.15)
        pid = {await pool.run(os.getpid)}  # one job waiting behind it: not yet a backlog
        await long
        return pid

    try:
        assert asyncio.run(scenario()) == {os.getpid()}
        assert pool.spilled == 0
    finally:
        pool.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        asyncio.run(pool.run(os.getpid))


def test_a_shut_down_pool_starts_nothing_again() -> None:
    """A start that finished after App.aclose installed processes nobody shut down; a job
    after shutdown started a fresh pool."""
    pool = CpuPool(1, processes=False)
    assert asyncio.run(pool.run(os.getpid)) == os.getpid()
    pool.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        asyncio.run(pool.run(os.getpid))
    assert pool.kind == "thread" and pool._executor is None


def test_an_expected_backlog_starts_the_processes_up_front_and_spills_at_once() -> None:
    """A first run over many sources: the processes start before any job, and the job that
    finds the thread busy goes to them at once, not after spill_after of backlog."""
    pool = AdaptivePool(2, spill_after=60.0, idle=0.5)

    async def scenario() -> tuple[str, set[int], bool]:
        pool.expect_backlog()
        assert pool._prestart is not None
        await pool._prestart  # started beside the fetches, before any job
        started = pool.procs.kind
        slow = asyncio.create_task(pool.run(time.sleep, 0.3))  # the thread's job
        await asyncio.sleep(0.05)
        pids = set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(4))))
        await slow
        await asyncio.sleep(0.8)  # idle: the processes stop, and so does the eager spill
        return started, pids, pool._eager

    try:
        started, pids, eager_after = asyncio.run(scenario())
    finally:
        pool.shutdown()
    assert started == "process"
    assert pids and os.getpid() not in pids  # spilled though spill_after is a minute
    assert not eager_after


def test_a_run_over_many_new_sources_prestarts_and_a_known_one_does_not(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syndication import service

    monkeypatch.setattr(service, "FIRST_POLLS_BACKLOG", 2)
    for n in range(3):
        portal.set(f"/f{n}/", FEED, content_type="application/rss+xml")
    sources = "".join(f'[[sources]]\nid = "s{n}"\nurl = "{portal.url}/f{n}/"\n' for n in range(3))
    db_url = f"sqlite:///{tmp_path}/db.sqlite3"
    config = load(write_config(tmp_path / "config.toml", db_url=db_url, sources=sources))
    told: list[int] = []
    monkeypatch.setattr(AdaptivePool, "expect_backlog", lambda self: told.append(1))

    async def cycle() -> None:
        app = await build_app(config)
        try:
            app.runtime.cpu = AdaptivePool(2)
            await poll_all(app, force=True)
        finally:
            await app.aclose()

    asyncio.run(cycle())  # three sources never polled: a backlog is coming
    asyncio.run(cycle())  # polled once each: their next polls are no backlog
    assert told == [1]


def sleepy(seconds: float) -> tuple[float, int]:
    time.sleep(seconds)
    return seconds, os.getpid()


def test_a_sync_runner_runs_a_threads_jobs_in_the_processes_in_order_a_window_at_a_time() -> None:
    """The publisher's runner: called from its thread off the loop, the jobs go to the
    worker processes (running: a first run's), `window` at a time, results in order."""
    pool = AdaptivePool(2, spill_after=60.0, idle=30.0)
    pulled: list[int] = []

    def jobs() -> Iterator[tuple[Any, ...]]:
        for n in range(6):
            pulled.append(n)
            yield (0.05 * (6 - n),)  # the first jobs take longest: order is the runner's

    async def scenario() -> tuple[list[tuple[float, int]], int]:
        pool.expect_backlog()
        assert pool._prestart is not None
        await pool._prestart
        run = workers.sync_runner(pool, asyncio.get_running_loop(), window=2)

        def in_thread() -> tuple[list[tuple[float, int]], int]:
            results = run(sleepy, jobs())
            first = next(results)
            ahead = len(pulled)  # jobs taken before the first result was handed over
            return [first, *results], ahead

        return await asyncio.to_thread(in_thread)

    try:
        results, ahead = asyncio.run(scenario())
    finally:
        pool.shutdown()
    assert [s for s, _ in results] == [0.05 * (6 - n) for n in range(6)]
    assert os.getpid() not in {pid for _, pid in results}  # rendered away from this process
    assert ahead == 2  # the window: never all the jobs (and their memory) at once


def test_a_sync_runner_on_the_loops_own_thread_runs_the_jobs_right_there() -> None:
    pool = AdaptivePool(2)

    async def scenario() -> list[int]:
        run = workers.sync_runner(pool, asyncio.get_running_loop())
        return list(run(os.getpid, [(), ()]))  # waiting for the loop here would never end

    try:
        assert asyncio.run(scenario()) == [os.getpid(), os.getpid()]
    finally:
        pool.shutdown()
    assert pool.procs.kind == "none"


def test_a_pool_shut_down_under_a_sync_runner_is_pool_unavailable_for_its_caller() -> None:
    """App.aclose while a publish waits on its parts: the jobs the shutdown cancelled come
    back as PoolUnavailable (a failed publish for the publisher), never as a bare
    CancelledError that no handler of the publisher expects (found by review)."""
    pool = AdaptivePool(2)
    got: dict[str, BaseException | list[Any]] = {}

    async def scenario() -> None:
        run = workers.sync_runner(pool, asyncio.get_running_loop(), window=4)

        def publisher() -> None:
            try:
                got["results"] = list(run(time.sleep, [(0.5,) for _ in range(8)]))
            except BaseException as e:
                got["error"] = e

        thread = threading.Thread(target=publisher)
        thread.start()
        await asyncio.sleep(0.3)
        await asyncio.to_thread(pool.shutdown)
        await asyncio.to_thread(thread.join, 60)

    asyncio.run(scenario())
    assert isinstance(got.get("error"), workers.PoolUnavailable), got


def test_processes_started_for_a_backlog_that_never_comes_stop_when_idle() -> None:
    """A first run whose sources all fail or answer 304: the processes started up front stop
    after `idle`, and the eager spill with them (found by review)."""
    pool = AdaptivePool(2, idle=0.3)

    async def scenario() -> tuple[str, str, bool]:
        pool.expect_backlog()
        assert pool._prestart is not None
        await pool._prestart
        started = pool.procs.kind
        await asyncio.sleep(1.0)  # no job at all
        return started, pool.procs.kind, pool._eager

    try:
        started, after, eager = asyncio.run(scenario())
    finally:
        pool.shutdown()
    assert (started, after, eager) == ("process", "none", False)


def test_a_started_pool_has_every_worker_under_way() -> None:
    """All its workers start together: one started for the first job alone left the second to
    start (and spend a quarter second importing) a second into a cold cycle (issue 12)."""
    pool = CpuPool(2)
    try:
        executor = pool._start()
        processes = executor._processes  # type: ignore[attr-defined]
        assert len(processes) == 2
        assert asyncio.run(pool.run(os.getpid)) in processes
    finally:
        pool.shutdown()


HUNG = """
import asyncio, multiprocessing, os, sys, time
from multiprocessing import resource_tracker
from syndication import workers
resource_tracker.ensure_running()  # a real one: only the workers hang
multiprocessing.set_executable(sys.argv[1])
workers.START_TIMEOUT = 3.0
pool = workers.CpuPool(2)
print(pool.kind if asyncio.run(pool.run(os.getpid)) == os.getpid() else "elsewhere")
pool.shutdown()
print(pool.kind)
"""


def test_workers_that_never_answer_are_killed_and_a_thread_takes_over(tmp_path: Path) -> None:
    """A worker hung starting kept its first job, which the pool's manager thread (joined at
    the interpreter's exit) waited for: the process never ended (a hostile review). In a
    process of its own, whose spawn executable is a script that sleeps: the command ends,
    on the thread, and none of its sleepers outlives it."""
    hung, pids = tmp_path / "hung-python", tmp_path / "pids"
    hung.write_text(f"#!/bin/sh\necho $$ >> '{pids}'\nexec sleep 600\n")
    hung.chmod(0o755)
    try:
        assert fallen_back(HUNG, hung) == ["thread", "thread"]
        started = [int(line) for line in pids.read_text().split()] if pids.exists() else []
        assert 1 <= len(started) <= 2
        assert [pid for pid in started if _sleeping(pid)] == []
    finally:  # no sleeper outlives a failing run
        for pid in (int(x) for x in (pids.read_text().split() if pids.exists() else [])):
            if _sleeping(pid):
                os.kill(pid, 9)


def _sleeping(pid: int) -> bool:
    """A live `sleep` (a reaped pid given to another program, or a zombie, is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            name, rest = f.read().split(" (", 1)[1].rsplit(")", 1)
    except (OSError, IndexError, ValueError):
        return False
    return name == "sleep" and rest.split()[0] != "Z"


class _Traced:
    """Leaves `torn down` in a file when freed: by the interpreter's teardown, at the latest."""

    def __init__(self, path: str) -> None:
        self.write = Path(path).write_text  # bound now: a teardown may clear the module first

    def __del__(self) -> None:
        self.write("torn down")


_KEPT: list[_Traced] = []


def leave_a_trace(path: str) -> int:
    """A worker's job: an object that lives until its process ends, output not flushed, and
    a finalizer for multiprocessing's exit function (as a Queue's or a lock's would be)."""
    from multiprocessing import util

    _KEPT.append(_Traced(path))
    sys.stdout.write("written, never flushed by the job")
    util.Finalize(None, Path(f"{path}.finalized").write_text, args=("ran",), exitpriority=0)
    return os.getpid()


STOPPED = """
import asyncio, sys
from syndication import workers
from tests.test_cpu_pool import leave_a_trace
pool = workers.CpuPool(1)
worker = asyncio.run(pool.run(leave_a_trace, sys.argv[1]))
processes = list(pool._executor._processes.values())
pool.shutdown()
print("", [(p.pid == worker, p.exitcode) for p in processes], flush=True)
"""


def test_a_stopped_worker_flushes_its_output_and_skips_the_teardown(tmp_path: Path) -> None:
    """A worker ends with os._exit once the pool stops it (issue 12: its interpreter's
    teardown, freeing every object one by one, kept a cold `run --once` waiting 0.13 s), and
    loses nothing it wrote."""
    trace = tmp_path / "trace"
    done = subprocess.run(
        [sys.executable, "-c", STOPPED, str(trace)],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("written, never flushed by the job")
    assert done.stdout.rstrip().endswith("[(True, 0)]")
    assert not trace.exists()  # freed by no teardown: the process was gone before
    # multiprocessing's exit function ran all the same (from Python 3.13 on, only as an exit
    # handler, which the quick exit must call itself)
    assert (tmp_path / "trace.finalized").read_text() == "ran"
