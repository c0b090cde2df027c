"""Wiring: build the runtime from a Config, and the three ways to run it.

run --once : poll every enabled source | publish changed feeds | deliver all pending | exit
run        : the daemon (scheduler.run_daemon) + the HTTP server when [server] is enabled
serve      : only the HTTP server

The server's port is bound before anything else starts: a port in use is a config problem
(exit 2, naming `[server] port`), not a daemon that runs on without its server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from .config import Config
from .deliver import Deliverer
from .errors import ConfigError
from .fetch import Fetcher, FetchPolicy
from .liveness import lease_owner
from .pipeline import PollOutcome, poll_source
from .publishing import Publisher
from .runtime import Runtime
from .startup import log_startup
from .store import Store, open_store

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
        await self.deliverer.aclose()
        await self.runtime.fetcher.aclose()
        if self.runtime.cpu is not None:
            await asyncio.to_thread(self.runtime.cpu.shutdown)
        self.store.engine.dispose()


def owner_id() -> str:
    """host:pid, stamped with the boot, pid namespace and start time (see liveness.py), so
    two containers that share a host name and a pid never take each other for themselves."""
    return lease_owner(f"{socket.gethostname()}:{os.getpid()}")


async def build_app(config: Config, clock: Callable[[], datetime] = utcnow) -> App:
    store = await asyncio.to_thread(open_store, config.database_url)
    await asyncio.to_thread(store.sync_sources, [(s.id, s.url) for s in config.sources])
    runtime = Runtime(
        config=config,
        store=store,
        fetcher=Fetcher(fetch_policy(config)),
        owner=owner_id(),
        clock=clock,
        # the pool is built and tested but off: on this 2-core box under load it measured no
        # gain and once let concurrent ingests hit SQLite's "database is locked" (see h9 report)
        cpu=None,
    )
    deliverer = Deliverer(config, store, clock, owner=runtime.owner)
    runtime.on_source_alert = deliverer.alert_admin
    return App(runtime, Publisher(config, store, clock), deliverer)


async def poll_all(app: App, *, force: bool, progress: bool = False) -> list[PollOutcome]:
    """Poll every enabled source concurrently (the fetcher bounds the concurrency); with
    `progress`, a bar on stderr counts the sources done."""
    sources = [s for s in app.config.sources if s.enabled]
    polls = [poll_source(app.runtime, s, force=force) for s in sources]
    if not progress or not polls:
        return list(await asyncio.gather(*polls))
    from rich.progress import Progress

    outcomes = []
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("polling sources", total=len(polls))
        for done in asyncio.as_completed(polls):
            outcomes.append(await done)
            bar.advance(task)
    return outcomes


async def run_once(config: Config) -> int:
    log_startup(config)
    app = await build_app(config)
    try:
        outcomes = await poll_all(app, force=True, progress=sys.stderr.isatty())
        written = await app.publisher.publish_dirty()
        sent = await app.deliverer.drain(probe_broken=True)
    finally:
        await app.aclose()
    failed = [o for o in outcomes if o.status == "error"]
    log.info(
        "event=cycle sources=%d failed=%d files_written=%d deliveries=%s",
        len(outcomes),
        len(failed),
        written,
        sent,
    )
    return 0


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
    from .web import run_server

    sock = bind_server(config, config_path)
    try:
        store = await asyncio.to_thread(open_store, config.database_url)
        try:
            await run_server(config, store, stop=None, sock=sock)
        finally:
            store.engine.dispose()
    finally:
        sock.close()
    return 0
