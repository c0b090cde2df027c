"""The peer benchmark's parts: its feeds, its server's validators, its generated config.

The whole benchmark runs minutes and measures time, so it is not run here; these check that what
it measures is what it claims (50 full items, 304 only in the validators phase, a valid config).
"""

from __future__ import annotations

import socket
import struct
import sys
import time
from pathlib import Path

import feedparser
import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from bench_peer import write_config
from peer_feeds import FeedServer, feed_bytes

from syndication.config import load


def test_a_feed_is_fifty_wordpress_items_of_about_290_kb() -> None:
    data = feed_bytes(7, 50, "https://portal.test")
    assert 250_000 < len(data) < 350_000
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert len(parsed.entries) == 50
    first = parsed.entries[0]
    assert len(first.content[0].value) > 5000
    assert len(first.tags) == 3
    assert len({e.title for e in parsed.entries}) == 50  # no cross-item duplicates
    assert feed_bytes(7, 50, "https://portal.test") == data  # same seed, same bytes


def test_the_server_answers_304_only_while_it_sends_validators() -> None:
    with FeedServer(2, 3) as server, httpx.Client() as client:
        url = server.urls()[1]
        first = client.get(url)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        modified = first.headers["last-modified"]
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        server.mode = "plain"
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 200
        assert "etag" not in again.headers and "last-modified" not in again.headers
        assert again.content == first.content
        assert client.get(f"{server.base}/feed/9/").status_code == 404
    assert (server.requests, server.not_modified) == (4, 2)  # the 404 is not a feed request


def test_the_generated_config_is_valid_and_fetches_ten_at_a_time(tmp_path: Path) -> None:
    urls = [f"http://127.0.0.1:9/feed/{i}/" for i in range(3)]
    config = load(write_config(tmp_path, urls))
    assert [s.url for s in config.sources] == urls
    assert (config.fetch.per_host, config.fetch.concurrency) == (10, 10)
    assert not config.server.enabled
    assert {r.slug for r in config.regencies} >= {"kaltim", "kukar", "samarinda"}
    assert config.database_url.endswith(str(tmp_path / "syndication.sqlite3"))


def test_a_client_that_resets_mid_request_is_counted_not_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FeedServer(1, 1) as server:
        host, port = server.base.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"GET /feed/0/ HT")  # no line end: the server is still reading
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # linger 0: an RST, as a fetch that timed out
        deadline = time.monotonic() + 30
        while server.resets == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.resets == 1
    assert "Traceback" not in capsys.readouterr().err
