"""The HTTP server: the published files (feeds/server.py) plus /readyz, /metrics and the
admin status page (/status, /status.json)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from feeds.server import create_app, start_server

from .commands import status_data
from .config import Config
from .errors import StorageError
from .metrics import REGISTRY, StoreCollector
from .status_view import status_html
from .store import Store

if TYPE_CHECKING:
    from .scheduler import Daemon

log = logging.getLogger("syndication.web")


def build_app(config: Config, store: Store, daemon: Daemon | None = None) -> Any:
    registry = CollectorRegistry()
    registry.register(StoreCollector(store))

    async def readyz(request: Request) -> Response:
        problems = []
        try:
            await asyncio.to_thread(store.ping)
        except Exception as e:  # any driver error means "not ready"
            problems.append(f"database: {type(e).__name__}")
        if daemon is not None and not daemon.running:
            problems.append("scheduler: not running")
        if problems:
            return PlainTextResponse("not ready: " + "; ".join(problems) + "\n", 503)
        return PlainTextResponse("ready\n")

    async def metrics(request: Request) -> Response:
        try:
            body = generate_latest(REGISTRY) + await asyncio.to_thread(generate_latest, registry)
        except (StorageError, Exception) as e:  # a scrape must not crash the server
            log.warning("event=metrics_failed error=%r", str(e))
            body = generate_latest(REGISTRY)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def status_json(request: Request) -> Response:
        data = await asyncio.to_thread(status_data, current(), store)
        return Response(
            json.dumps(data, ensure_ascii=False, indent=2), media_type="application/json"
        )

    async def status_page(request: Request) -> Response:
        data = await asyncio.to_thread(status_data, current(), store)
        per_day = await asyncio.to_thread(_per_day, store)
        return HTMLResponse(status_html(data, per_day))

    def current() -> Config:
        return daemon.app.config if daemon is not None else config

    routes = [
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/status", status_page, methods=["GET"]),
        Route("/status.json", status_json, methods=["GET"]),
    ]
    return create_app(config.output_dir, routes)


def _per_day(store: Store) -> dict[tuple[str, str], int]:
    from datetime import UTC, datetime, timedelta

    return store.items_per_day(datetime.now(UTC) - timedelta(days=14))


async def run_server(
    config: Config, store: Store, stop: asyncio.Event | None, daemon: Daemon | None = None
) -> None:
    """Serve until `stop` is set (or forever, stopping cleanly on SIGINT/SIGTERM)."""
    config.output_dir.mkdir(parents=True, exist_ok=True)
    running = await start_server(
        build_app(config, store, daemon), config.server.host, config.server.port
    )
    log.info("event=serving url=%s", running.base_url)
    if stop is None:
        stop = asyncio.Event()
        import signal

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await running.stop()
