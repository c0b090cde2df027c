"""With [feeds].websub_hub set, every feed names the hub and the hub hears of each change."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest

from syndication.config import load
from syndication.service import run_once
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_e2e_once import kukar_post


class Hub:
    def __init__(self) -> None:
        self.pings: list[dict[str, list[str]]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                hub.pings.append(parse_qs(self.rfile.read(length).decode()))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"


@pytest.fixture
def hub() -> Iterator[Hub]:
    h = Hub()
    yield h
    h.server.shutdown()
    h.server.server_close()  # the listening socket: closed, never left to the GC


def test_hub_is_linked_and_pinged_for_changed_feeds(
    tmp_path: Path, portal: Portal, hub: Hub
) -> None:
    portal.set("/feed/", rss(portal.url, [kukar_post("a", "Pemkab Kukar Buka Pasar Murah")]))
    path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        sources=f'[[sources]]\nid = "p"\nurl = "{portal.url}/feed/"\n',
    )
    text = path.read_text().replace(
        'publish_delay = "0s"', f'publish_delay = "0s"\nwebsub_hub = "{hub.url}"'
    )
    path.write_text(text)
    assert asyncio.run(run_once(load(path))) == 0
    pinged = {p["hub.url"][0] for p in hub.pings}
    assert all(p["hub.mode"] == ["publish"] for p in hub.pings)
    assert "http://127.0.0.1:8080/regency/kukar.rss" in pinged
    assert "http://127.0.0.1:8080/all.atom" in pinged
    feed = feedparser.parse((tmp_path / "public" / "regency" / "kukar.atom").read_bytes())
    assert any(link.get("rel") == "hub" and link["href"] == hub.url for link in feed.feed.links)
    hub.pings.clear()
    assert asyncio.run(run_once(load(path))) == 0  # nothing changed: no ping
    assert hub.pings == []
