"""The HTTP server: the published files (feeds/server.py) plus /readyz, /metrics and the
admin status page (/status, /status.json)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from feeds.server import create_app, start_server

from . import stopping
from .commands import status_data
from .config import Config
from .errors import StorageError
from .metrics import REGISTRY, StoreCollector
from .status_page import status_html
from .store import Store
from .store import schema as t

log = logging.getLogger("syndication.web")

# How long /readyz, /metrics and /status wait for the database. A hung one (a network
# partition, a lock held) would keep them waiting for the driver's own limit (SQLite's 30 s
# busy wait, TCP's minutes for PostgreSQL): past a probe's patience, and no answer says why.
DATABASE_TIMEOUT = 5.0


def build_app(
    config: Config,
    store: Store,
    *,
    running: Callable[[], bool] | None = None,
    current_config: Callable[[], Config] | None = None,
    database_timeout: float = DATABASE_TIMEOUT,
) -> Any:
    """The app; a daemon hands `running` (is its scheduler up?) and `current_config` (the
    config it runs on, hot reloads included). Without them: serve-only, on `config`."""
    registry = CollectorRegistry()
    registry.register(StoreCollector(store, lambda: current()))

    async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
        # the thread of a hung call stays until the driver gives up; the answer does not wait
        return await asyncio.wait_for(asyncio.to_thread(function, *args), database_timeout)

    async def readyz(request: Request) -> Response:
        problems = []
        try:
            await in_thread(check_database, store)
        except Exception as e:  # any driver error means "not ready"
            problems.append(f"database: {type(e).__name__}")
            log.warning("event=not_ready error=%r", str(e) or type(e).__name__)
        if running is not None and not running():
            problems.append("scheduler: not running")
        if problems:
            return PlainTextResponse("not ready: " + "; ".join(problems) + "\n", 503)
        return PlainTextResponse("ready\n")

    async def metrics(request: Request) -> Response:
        try:
            body = generate_latest(REGISTRY) + await in_thread(generate_latest, registry)
        except Exception as e:  # a scrape must not crash the server (e.g. the database away)
            log.warning("event=metrics_failed error=%r", str(e) or type(e).__name__)
            body = generate_latest(REGISTRY)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def status_json(request: Request) -> Response:
        try:
            data = await in_thread(status_data, current(), store)
        except Exception as e:  # the database away: the page says so, the server goes on
            return _unavailable(e)
        return Response(
            json.dumps(data, ensure_ascii=False, indent=2), media_type="application/json"
        )

    async def status_page(request: Request) -> Response:
        try:
            data = await in_thread(status_data, current(), store)
            per_day = await in_thread(_per_day, store)
        except Exception as e:  # the database away: the page says so, the server goes on
            return _unavailable(e)
        return HTMLResponse(status_html(data, per_day, current(), datetime.now(UTC)))

    def current() -> Config:
        return current_config() if current_config is not None else config

    routes = [
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/status", status_page, methods=["GET"]),
        Route("/status.json", status_json, methods=["GET"]),
    ]
    # the path of base_url as the config is now: a reload may move the links
    return create_app(
        config.output_dir, routes, prefix=lambda: urlsplit(str(current().feeds.base_url)).path
    )


def _unavailable(e: Exception) -> Response:
    log.warning("event=status_unavailable error=%r", str(e))
    return PlainTextResponse(f"status unavailable: {type(e).__name__}\n", 503)


def check_database(store: Store) -> None:
    """Raise unless the database answers with our schema. A SQLite file that is gone would
    otherwise be recreated empty by the driver and answer `SELECT 1` happily."""
    url = store.engine.url
    path = url.database if url.get_backend_name() == "sqlite" else None
    if path and path != ":memory:" and not Path(path).is_file():
        raise StorageError(f"storage: {url.database} is gone")
    with store.reading() as conn:
        conn.execute(select(func.count()).select_from(t.sources)).scalar_one()


def _per_day(store: Store) -> dict[tuple[str, str], int]:
    return store.items_per_day(datetime.now(UTC) - timedelta(days=14))


async def run_server(
    config: Config,
    store: Store,
    stop: asyncio.Event | None,
    *,
    sock: socket.socket | None = None,
    running: Callable[[], bool] | None = None,
    current_config: Callable[[], Config] | None = None,
) -> None:
    """Serve until `stop` is set (or forever, stopping cleanly on SIGINT/SIGTERM), on `sock`
    when the caller bound it already."""
    config.output_dir.mkdir(parents=True, exist_ok=True)
    app = build_app(config, store, running=running, current_config=current_config)
    running_server = await start_server(app, config.server.host, config.server.port, sock=sock)
    log.info("event=serving url=%s", running_server.base_url)
    if stop is None:
        stop = asyncio.Event()
        stopping.listen(asyncio.get_running_loop(), stop.set)
    try:
        await stop.wait()
    finally:
        await running_server.stop()
