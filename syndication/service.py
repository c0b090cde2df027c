"""Wiring: build the runtime from a Config, and the three ways to run it.

run --once : poll every enabled source | publish changed feeds | deliver all pending | exit
run        : the daemon (scheduler.run_daemon) + the HTTP server when [server] is enabled
serve      : only the HTTP server

The server's port is bound before anything else starts: a port in use is a config problem
(exit 2, naming `[server] port`), not a daemon that runs on without its server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import stopping
from .closing import close_all
from .config import Config
from .delivery import Deliverer
from .editorial import BURST_SUBJECT, apply_filters, burst_notice
from .errors import ConfigError
from .fetch import Fetcher, FetchPolicy
from .liveness import lease_owner
from .pipeline import PollOutcome, poll_source
from .publishing import Publisher
from .runtime import Runtime
from .startup import log_startup
from .store import Store, open_store
from .workers import AdaptivePool, service_pool, sync_runner

log = logging.getLogger("syndication.service")


def utcnow() -> datetime:
    return datetime.now(UTC)


def fetch_policy(config: Config) -> FetchPolicy:
    f = config.fetch
    return FetchPolicy(
        user_agent=f.user_agent,
        connect_timeout=f.connect_timeout.total_seconds(),
        read_timeout=f.read_timeout.total_seconds(),
        total_timeout=f.total_timeout.total_seconds(),
        max_body=f.max_body,
        per_host=f.per_host,
        concurrency=f.concurrency,
    )


@dataclass
class App:
    """Everything one process runs, built once and handed around."""

    runtime: Runtime
    publisher: Publisher
    deliverer: Deliverer

    @property
    def config(self) -> Config:
        return self.runtime.config

    @property
    def store(self) -> Store:
        return self.runtime.store

    async def aclose(self) -> None:
        """Close every resource, even when one close raises; the first error is re-raised."""
        closers = (
            self.deliverer.aclose,
            self.runtime.fetcher.aclose,
            self._stop_cpu,
            self._dispose,
        )
        await close_all(closers, stage="shutdown")

    async def _stop_cpu(self) -> None:
        if self.runtime.cpu is not None:
            await asyncio.to_thread(self.runtime.cpu.shutdown)

    async def _dispose(self) -> None:
        self.store.engine.dispose()


def owner_id() -> str:
    """host:pid, stamped with the boot, pid namespace and start time (see liveness.py), so
    two containers that share a host name and a pid never take each other for themselves."""
    return lease_owner(f"{socket.gethostname()}:{os.getpid()}")


async def opened_store(url: str) -> Store:
    """open_store in a thread; cancelled meanwhile (Ctrl-C of `run --once`), the thread's
    wait for another process's migration ends too (stopping.given_up), rather than hold the
    exit for as long as that process migrates."""
    give_up = threading.Event()
    token = stopping.GIVE_UP.set(give_up)  # the thread gets a copy of this context
    try:
        return await asyncio.to_thread(open_store, url)
    except asyncio.CancelledError:
        give_up.set()
        raise
    finally:
        stopping.GIVE_UP.reset(token)


async def build_app(config: Config, clock: Callable[[], datetime] = utcnow) -> App:
    store = await opened_store(config.database_url)
    try:
        await asyncio.to_thread(store.sync_sources, config.source_rows())
        moved = await asyncio.to_thread(apply_filters, config, store, clock())
    except BaseException:
        store.engine.dispose()  # no App owns it yet
        raise
    runtime = Runtime(
        config=config,
        store=store,
        fetcher=Fetcher(fetch_policy(config)),
        owner=owner_id(),
        clock=clock,
        # parse and normalize beside the loop, so fetches are never starved: one thread, and
        # worker processes while jobs pile up (see workers.py)
        cpu=service_pool(),
    )
    deliverer = Deliverer(config, store, clock, owner=runtime.owner)
    runtime.on_source_alert = deliverer.alert_admin
    await asyncio.to_thread(deliverer.rehome)  # a chat changed while the service was stopped
    await asyncio.to_thread(deliverer.save_mode)
    notice = burst_notice(config, moved)
    if notice is not None:
        deliverer.alert_admin(BURST_SUBJECT, notice)
    publisher = Publisher(config, store, clock)
    cpu = runtime.cpu
    if cpu is not None and cpu.spreads:
        # a first run's or a reload's publish rewrites every feed: its scopes are rendered
        # over the cores too, in runs of neighbouring scopes
        publisher.runner = sync_runner(cpu, asyncio.get_running_loop(), 2 * cpu.workers)
    return App(runtime, publisher, deliverer)


# first polls at once from which a cycle starts the CPU pool's processes up front
FIRST_POLLS_BACKLOG = 8
# how long `run --once` waits for retries of messages Telegram did not take (an API that
# cannot be reached or never answers, a 5xx): what is left waits, pending, for the next run;
# rate limits are waited out whatever their length
ONCE_RETRIES = timedelta(seconds=60)


async def poll_all(app: App, *, force: bool, progress: bool = False) -> list[PollOutcome]:
    """Poll every enabled source concurrently (the fetcher bounds the concurrency); with
    `progress`, a bar on stderr counts the sources done. A poll that fails with the database
    away lets the others finish first; then its error is raised."""
    sources = [s for s in app.config.sources if s.enabled]
    cpu = app.runtime.cpu
    if isinstance(cpu, AdaptivePool) and len(sources) >= FIRST_POLLS_BACKLOG:
        # a first run over many sources: every body is new, so the CPU will be the bottleneck
        first = await asyncio.to_thread(app.runtime.store.first_polls, [s.id for s in sources])
        if first >= FIRST_POLLS_BACKLOG:
            cpu.expect_backlog()
    polls = [_settled(poll_source(app.runtime, s, force=force)) for s in sources]
    if not progress or not polls:
        results = list(await asyncio.gather(*polls))
    else:
        from rich.console import Console  # rich only for the bar: a plain run never imports it
        from rich.progress import Progress

        results = []
        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("polling sources", total=len(polls))
            for done in asyncio.as_completed(polls):
                results.append(await done)
                bar.advance(task)
    for result in results:
        if isinstance(result, Exception):
            raise result
    return [r for r in results if isinstance(r, PollOutcome)]


async def _settled(poll: Coroutine[Any, Any, PollOutcome]) -> PollOutcome | Exception:
    try:
        return await poll
    except Exception as e:  # raised by poll_all once every other poll is over
        return e


async def run_once(config: Config) -> int:
    log_startup(config)
    app = await build_app(config)
    try:
        # this run's config is valid: a rejection a stopped daemon recorded no longer holds
        # for the file (a running daemon takes the fixed file at its next look, and clears it)
        await asyncio.to_thread(_clear_config_error, app.store)
        outcomes = await poll_all(app, force=True, progress=sys.stderr.isatty())
        written = await app.publisher.publish_dirty()
        sent = await app.deliverer.drain(probe_broken=True, budget=ONCE_RETRIES)
    finally:
        await app.aclose()
    failed = [o for o in outcomes if o.status == "error"]
    log.info(
        "event=cycle sources=%d failed=%d files_written=%d deliveries=%s",
        len(outcomes),
        len(failed),
        written,
        # plain words (sent:1,edited:0,...), not the repr of an enum-keyed dict
        ",".join(f"{k}:{n}" for k, n in sent.items()) or "none",
    )
    return 0


def _clear_config_error(store: Store) -> None:
    if store.get_event("config_error"):
        store.set_event("config_error", "", utcnow())


def bind_server(config: Config, config_path: Path | str = "config.toml") -> socket.socket:
    """Bind [server] host:port now; ConfigError naming the key when it cannot be had."""
    from feeds.server import bind

    host, port = config.server.host, config.server.port
    try:
        return bind(host, port)
    except OSError as e:
        why = e.strerror or str(e)
        raise ConfigError(
            str(config_path),
            [
                f"[server] port: cannot listen on {host}:{port} ({why}); change [server] port "
                "(or host), or stop the process that holds it"
            ],
        ) from e


async def serve_only(config: Config, config_path: Path | str = "config.toml") -> int:
    """The server alone. It writes into its output_dir what the publishing processes keep in
    the database (at start, then every FEEDS_SYNC seconds), so that a `serve` on a machine of
    its own serves the feeds as a `run` beside them would."""
    from .web import run_server

    sock = bind_server(config, config_path)
    try:
        store = await opened_store(config.database_url)
        stop = asyncio.Event()
        stopping.listen(asyncio.get_running_loop(), stop.set)
        syncing = asyncio.create_task(_keep_synced(Publisher(config, store, utcnow), stop))
        try:
            await run_server(config, store, stop=stop, sock=sock)
        finally:
            stop.set()
            await syncing
            store.engine.dispose()
    finally:
        sock.close()
    return 0


async def _keep_synced(publisher: Publisher, stop: asyncio.Event) -> None:
    from .errors import StorageError
    from .publishing import FEEDS_SYNC

    while not stop.is_set():
        try:
            await asyncio.to_thread(publisher.sync_from_store)
        except StorageError as e:  # the database away for a while: the files on disk stay
            log.error("event=feeds_sync_failed error=%r", str(e))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), FEEDS_SYNC)
