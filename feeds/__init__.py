"""Feeds readers subscribe to: RSS 2.0, Atom 1.0 and JSON Feed 1.1 files, a readable page per
feed, the index page and OPML, written atomically under output_dir and served over HTTP.

    Entry + Scope + Site | render (.rss .atom .json .html) | publish (write if bytes changed)
                         | write_index (index.html, feeds.opml) | create_app (serve)

Never imports `syndication`: it takes its own small records (`feeds.model`).
"""

from typing import TYPE_CHECKING, Any

from feeds.errors import FeedsError, HubPingError, InvalidRecordError, UnsafePathError
from feeds.index import render_index, render_opml
from feeds.jsonfeed import render_json
from feeds.model import (
    Entry,
    Image,
    Scope,
    ScopeStats,
    Site,
    all_scope,
    category_scope,
    regency_category_scope,
    regency_scope,
)
from feeds.pages import render_page
from feeds.publish import PublishResult, publish, write_index
from feeds.render import ADVERTORIAL_PREFIX, render_atom, render_rss
from feeds.text import EPOCH
from feeds.websub import ping_hub

if TYPE_CHECKING:
    from feeds.server import RunningServer, create_app, start_server

_SERVER = frozenset({"RunningServer", "create_app", "start_server"})


def __getattr__(name: str) -> Any:
    """The server's names, imported on first use: a process that only publishes (run --once)
    never loads uvicorn and starlette."""
    if name in _SERVER:
        from feeds import server

        return getattr(server, name)
    raise AttributeError(f"module 'feeds' has no attribute {name!r}")


__all__ = [
    "ADVERTORIAL_PREFIX",
    "EPOCH",
    "Entry",
    "FeedsError",
    "HubPingError",
    "Image",
    "InvalidRecordError",
    "PublishResult",
    "RunningServer",
    "Scope",
    "ScopeStats",
    "Site",
    "UnsafePathError",
    "all_scope",
    "category_scope",
    "create_app",
    "ping_hub",
    "publish",
    "regency_category_scope",
    "regency_scope",
    "render_atom",
    "render_index",
    "render_json",
    "render_opml",
    "render_page",
    "render_rss",
    "start_server",
    "write_index",
]
