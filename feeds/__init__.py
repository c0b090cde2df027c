"""Feeds readers subscribe to: RSS 2.0, Atom 1.0 and JSON Feed 1.1 files, a readable page per
feed, the index page and OPML, written atomically under output_dir and served over HTTP.

    Entry + Scope + Site | render (.rss .atom .json .html) | publish (write if bytes changed)
                         | write_index (index.html, feeds.opml) | create_app (serve)

Never imports `syndication`: it takes its own small records (`feeds.model`).
"""

from typing import TYPE_CHECKING, Any

from feeds.errors import FeedsError, HubPingError, InvalidRecordError, UnsafePathError
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
from feeds.publish import PublishResult, publish, write_index
from feeds.text import EPOCH

if TYPE_CHECKING:
    from feeds.index import render_index, render_opml
    from feeds.jsonfeed import render_json
    from feeds.pages import render_page
    from feeds.render import render_atom, render_rss
    from feeds.server import RunningServer, create_app, start_server
    from feeds.websub import ping_hub

# name -> its module, imported on first use: a publish that finds every feed current (a
# cycle of 304s) never loads the renderers (feedgen, lxml), and a process that only
# publishes (run --once) never loads the server (uvicorn, starlette)
_LAZY = {
    "render_index": "index",
    "render_opml": "index",
    "render_json": "jsonfeed",
    "render_page": "pages",
    "render_atom": "render",
    "render_rss": "render",
    "RunningServer": "server",
    "create_app": "server",
    "start_server": "server",
    "ping_hub": "websub",
}


def __getattr__(name: str) -> Any:
    """The names of _LAZY, from their module at first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"feeds.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'feeds' has no attribute {name!r}")


__all__ = [
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
