"""Serving output_dir: content types, validators, gzip, HEAD, traversal, uvicorn, WebSub pings."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from feeds import HubPingError, create_app, ping_hub, publish, start_server, write_index
from feeds.server import locate
from tests.test_feeds_support import all_scopes, hostile_entries, make_site

SECRET = b"root:x:0:0 secret outside output_dir\n"
TYPES = {
    "all.rss": "application/rss+xml; charset=utf-8",
    "all.atom": "application/atom+xml; charset=utf-8",
    "all.json": "application/feed+json; charset=utf-8",
    "index.html": "text/html; charset=utf-8",
    "feeds.opml": "text/x-opml; charset=utf-8",
    "all.html": "text/html; charset=utf-8",
}


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    root = tmp_path / "public"
    site = make_site()
    publish(site, root, [(s, hostile_entries()) for s in all_scopes()])
    write_index(site, root, all_scopes(), hostile_entries())
    (tmp_path / "outside.txt").write_bytes(SECRET)
    (root / "leak.txt").symlink_to(tmp_path / "outside.txt")
    (root / "alias.rss").symlink_to(root / "all.rss")
    (root / ".all.rss.tmp123").write_bytes(b"half a file")
    return root


@pytest.fixture
async def client(output_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(output_dir))
    async with httpx.AsyncClient(transport=transport, base_url="http://feeds.test") as c:
        yield c


@pytest.mark.parametrize(("name", "content_type"), TYPES.items())
async def test_content_types(
    client: httpx.AsyncClient, output_dir: Path, name: str, content_type: str
) -> None:
    response = await client.get(f"/{name}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.content == (output_dir / name).read_bytes()
    assert response.headers["cache-control"] == "public, max-age=300"


async def test_root_is_the_index_and_healthz_answers(
    client: httpx.AsyncClient, output_dir: Path
) -> None:
    root = await client.get("/")
    assert root.status_code == 200 and root.text == (output_dir / "index.html").read_text()
    health = await client.get("/healthz")
    assert (health.status_code, health.text) == (200, "ok\n")


async def test_etag_and_last_modified_give_304(client: httpx.AsyncClient, output_dir: Path) -> None:
    written = time.time() - 60  # a minute ago: see the next test for a file just written
    os.utime(output_dir / "all.rss", (written, written))
    first = await client.get("/all.rss", headers={"Accept-Encoding": "identity"})
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    mtime = int((output_dir / "all.rss").stat().st_mtime)
    assert first.headers["last-modified"] == formatdate(mtime, usegmt=True)
    again = await client.get(
        "/all.rss", headers={"If-None-Match": etag, "Accept-Encoding": "identity"}
    )
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    weak = await client.get("/all.rss", headers={"If-None-Match": f'"nope", W/{etag}'})
    assert weak.status_code == 304
    stale = await client.get("/all.rss", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    since = await client.get(
        "/all.rss", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304
    older = await client.get(
        "/all.rss", headers={"If-Modified-Since": formatdate(mtime - 60, usegmt=True)}
    )
    assert older.status_code == 200


async def test_a_file_written_within_the_second_gets_no_last_modified(
    client: httpx.AsyncClient, output_dir: Path
) -> None:
    """Last-Modified counts whole seconds: sent within the second its file was written, it
    also dates a version written later in that second, and an If-Modified-Since answered
    304 for that version, so the client never got its new stories (RFC 9110 8.8.2.2)."""
    path = output_dir / "all.rss"
    first = await client.get("/all.rss")
    assert time.time() < path.stat().st_mtime + 1, "the fixture's publish took a second"
    assert "last-modified" not in first.headers and first.headers["etag"]
    since = formatdate(int(path.stat().st_mtime), usegmt=True)
    again = await client.get("/all.rss", headers={"If-Modified-Since": since})
    assert again.status_code == 200 and again.content == path.read_bytes()
    # the ETag still validates it
    tag = await client.get("/all.rss", headers={"If-None-Match": first.headers["etag"]})
    assert tag.status_code == 304


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [
        ("gzip", True),
        ("x-gzip", True),  # gzip's alias (RFC 9110 8.4.1.3)
        ("*;q=0, gzip", True),  # the coding named outweighs "*"
        ("gzip;q=0, *", False),
        ("*", True),
        ("deflate, *;q=0.5", True),
        ("br;q=1.0, gzip;q=0.001", True),
        ("gzip;q=0.000", False),
        ("gzip ; q=0", False),
        ("identity", False),
        ("", False),
        ("gzip;level=1;q=0", False),
        ("gzip;q=junk", True),
    ],
)
async def test_accept_encoding_is_read_by_its_weights(
    client: httpx.AsyncClient, accept: str, gzipped: bool
) -> None:
    response = await client.get("/all.rss", headers={"Accept-Encoding": accept})
    assert ("content-encoding" in response.headers) == gzipped, accept


async def test_etag_changes_with_content_and_only_then(
    client: httpx.AsyncClient, output_dir: Path
) -> None:
    first = (await client.get("/all.json")).headers["etag"]
    publish(make_site(), output_dir, [(all_scopes()[0], hostile_entries())])  # same bytes
    assert (await client.get("/all.json")).headers["etag"] == first
    publish(make_site(), output_dir, [(all_scopes()[0], hostile_entries()[:2])])
    assert (await client.get("/all.json")).headers["etag"] != first


async def test_gzip(client: httpx.AsyncClient, output_dir: Path) -> None:
    raw = await client.get("/all.rss", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in raw.headers["vary"]
    assert raw.content == (output_dir / "all.rss").read_bytes()  # httpx decoded it
    assert int(raw.headers["content-length"]) < len(raw.content)
    assert raw.headers["etag"].endswith('-gz"')
    again = await client.get("/all.rss", headers={"Accept-Encoding": "gzip"})
    assert again.headers["etag"] == raw.headers["etag"]  # gzip bytes are deterministic
    cached = await client.get(
        "/all.rss", headers={"Accept-Encoding": "gzip", "If-None-Match": raw.headers["etag"]}
    )
    assert cached.status_code == 304
    plain = await client.get("/all.rss", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in plain.headers


async def test_head_sends_headers_without_body(client: httpx.AsyncClient) -> None:
    get = await client.get("/all.atom", headers={"Accept-Encoding": "identity"})
    head = await client.head("/all.atom", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["etag"] == get.headers["etag"]
    assert (await client.post("/all.atom")).status_code == 405


async def test_a_browser_gets_xml_so_the_stylesheet_applies(client: httpx.AsyncClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = await client.get("/all.rss", headers={"Accept": browser})
    assert page.headers["content-type"] == "application/xml; charset=utf-8"
    assert "Accept" in page.headers["vary"]
    reader = await client.get("/all.rss", headers={"Accept": "application/rss+xml, */*"})
    assert reader.headers["content-type"] == TYPES["all.rss"]


@pytest.mark.parametrize(
    "path",
    [
        "/leak.txt",  # a symlink out of output_dir
        "/.all.rss.tmp123",  # a temporary file of an ongoing write
        "/missing.rss",
        "/category/",
        "/category",
    ],
)
async def test_not_found(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert SECRET not in response.content


async def test_a_symlink_inside_output_dir_is_served(
    client: httpx.AsyncClient, output_dir: Path
) -> None:
    response = await client.get("/alias.rss")
    assert response.status_code == 200


async def test_extra_routes_come_before_files(output_dir: Path) -> None:
    async def ready(request: Request) -> Response:
        return PlainTextResponse("ready\n")

    (output_dir / "readyz").write_text("a file that must not shadow the route")
    app = create_app(output_dir, extra_routes=[Route("/readyz", ready)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/readyz")).text == "ready\n"


# --- a real uvicorn on 127.0.0.1 -----------------------------------------------------------------

TRAVERSALS = [
    "/../outside.txt",
    "/%2e%2e/outside.txt",
    "/%2E%2E%2Foutside.txt",
    "/category/..%2f..%2foutside.txt",
    "/..%5coutside.txt",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/leak.txt",
    "/index.html%00.rss",
]


async def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Send the request line exactly as written (httpx would normalise the dots away)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    status = int(response.split(b" ", 2)[1])
    return status, response


async def test_real_server_serves_and_refuses_traversal(output_dir: Path) -> None:
    running = await start_server(create_app(output_dir), "127.0.0.1", 0)
    try:
        async with httpx.AsyncClient(base_url=running.base_url) as c:
            feed = await c.get("all.rss")
            assert feed.status_code == 200 and feed.headers["content-type"] == TYPES["all.rss"]
            assert feed.headers["content-encoding"] == "gzip"
            cached = await c.get("all.rss", headers={"If-None-Match": feed.headers["etag"]})
            assert cached.status_code == 304
            head = await c.head("all.json")
            assert head.status_code == 200 and head.content == b""
            assert (await c.get("healthz")).text == "ok\n"
        for target in TRAVERSALS:
            status, response = await raw_get(running.port, target)
            assert status in (400, 404), (target, status)
            assert SECRET not in response and b"root:" not in response
        ok_status, _ = await raw_get(running.port, "/regency/kukar/../kukar.rss")
        assert ok_status == 404  # dot segments are refused, even harmless ones
    finally:
        await running.stop()
    assert running.task.done()


async def test_a_busy_port_raises_oserror(output_dir: Path) -> None:
    running = await start_server(create_app(output_dir))
    try:
        with pytest.raises(OSError):
            await start_server(create_app(output_dir), "127.0.0.1", running.port)
    finally:
        await running.stop()


# --- WebSub ------------------------------------------------------------------------------------


def hub_app(received: list[dict[str, str]]) -> Starlette:
    async def hub(request: Request) -> Response:
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = dict(parse_qsl((await request.body()).decode()))
        received.append(form)
        refused = form.get("hub.url", "").endswith(".json")
        return PlainTextResponse("no\n" if refused else "", status_code=400 if refused else 204)

    return Starlette(routes=[Route("/hub", hub, methods=["POST"])])


async def test_ping_hub_posts_each_url_and_reports_refusals() -> None:
    received: list[dict[str, str]] = []
    running = await start_server(hub_app(received))
    hub = f"{running.base_url}hub"
    try:
        async with httpx.AsyncClient() as client:
            urls = ["http://127.0.0.1:8080/all.rss", "http://127.0.0.1:8080/all.atom"]
            assert await ping_hub(client, hub, urls + urls[:1]) == tuple(urls)
            assert received == [{"hub.mode": "publish", "hub.url": u} for u in urls]
            with pytest.raises(HubPingError, match="HTTP 400") as caught:
                await ping_hub(client, hub, ["http://127.0.0.1:8080/all.json", urls[0]])
            assert caught.value.failed == ("http://127.0.0.1:8080/all.json",)
            assert received[-1]["hub.url"] == urls[0]  # the rest were still pinged
    finally:
        await running.stop()
    async with httpx.AsyncClient() as client:
        with pytest.raises(HubPingError, match="ConnectError"):
            await ping_hub(client, hub, ["http://127.0.0.1:8080/all.rss"])  # hub is down


async def test_hub_links_appear_only_when_configured(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    with_hub = tmp_path / "hub"
    publish(make_site(), plain, [(all_scopes()[0], [])])
    publish(make_site(websub_hub="https://hub.example.org/"), with_hub, [(all_scopes()[0], [])])
    for name in ("all.rss", "all.atom", "all.json"):
        assert b"hub.example.org" not in (plain / name).read_bytes()
        assert b"https://hub.example.org/" in (with_hub / name).read_bytes()


async def test_a_hub_url_httpx_cannot_read_is_a_ping_error_not_a_crash() -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(HubPingError, match="InvalidURL"):
            await ping_hub(client, "https://hub.test:abc/", ["http://127.0.0.1:8080/all.rss"])


@pytest.mark.parametrize(
    "name",
    ["config.toml", "syndication.sqlite3", "syndication.sqlite3-wal", "db.SQLITE", "x.db"],
)
def test_an_output_dir_beside_the_config_serves_neither_config_nor_database(
    output_dir: Path, name: str
) -> None:
    """output_dir = "." puts config.toml (a private feed's password) and, in its folder, a
    SQLite database beside the feeds: the server serves neither, whatever folder it is."""
    (output_dir / name).write_bytes(b"password = 'rahasia'\n")
    assert locate(output_dir, f"/{name}") is None
    assert locate(output_dir, "/all.rss") is not None
