"""A private portal's pages: the user information of a source URL logs in to its origin.

A private HTML source is configured as https://user:password@portal/listing; its article
links are joined to the fetched URL, which carries no password (it is the base of published
links). So the fetcher remembers the login per origin, as a browser remembers the realm it
logged in to, and sends it with every page of that origin, never to another one.

Servers are raw sockets on 127.0.0.1 (tests/rawsock.py), which record each request's head."""

from __future__ import annotations

import base64
import socket
from collections.abc import Callable

from syndication.fetch import Fetcher
from tests.rawsock import Serve, policy, read_request


def _recording(heads: list[str], location: str | None = None) -> Serve:
    def serve(conn: socket.socket, number: int) -> None:
        while head := read_request(conn).decode("latin-1"):
            heads.append(head)
            if location is not None and head.startswith("GET /moved "):
                conn.sendall(
                    f"HTTP/1.1 302 Found\r\nLocation: {location}\r\n"
                    "Content-Length: 0\r\n\r\n".encode()
                )
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    return serve


def _login(heads: list[str], path: str) -> str | None:
    head = next(h for h in heads if h.startswith(f"GET {path} "))
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "authorization":
            return value.strip()
    return None


BASIC = "Basic " + base64.b64encode(b"pembaca:Rahasia 42").decode()


async def test_the_pages_of_a_private_portal_are_asked_with_its_login(
    raw_server: Callable[[Serve], int],
) -> None:
    private: list[str] = []
    other: list[str] = []
    port = raw_server(_recording(private))
    elsewhere = raw_server(_recording(other))
    fetcher = Fetcher(policy())
    try:
        await fetcher.get(f"http://pembaca:Rahasia%2042@127.0.0.1:{port}/listing")
        await fetcher.get(f"http://127.0.0.1:{port}/berita/1")  # an article link, no password
        await fetcher.get(f"http://127.0.0.1:{elsewhere}/berita/2")  # another origin
        await fetcher.get(f"http://localhost:{port}/berita/3")  # another name: another origin
    finally:
        await fetcher.aclose()
    assert _login(private, "/listing") == BASIC
    assert _login(private, "/berita/1") == BASIC
    assert _login(other, "/berita/2") is None
    assert _login(private, "/berita/3") is None


async def test_a_redirect_away_from_a_private_portal_carries_no_login(
    raw_server: Callable[[Serve], int],
) -> None:
    away: list[str] = []
    elsewhere = raw_server(_recording(away))
    private: list[str] = []
    port = raw_server(_recording(private, location=f"http://127.0.0.1:{elsewhere}/landed"))
    fetcher = Fetcher(policy())
    try:
        await fetcher.get(f"http://pembaca:Rahasia%2042@127.0.0.1:{port}/moved")
    finally:
        await fetcher.aclose()
    assert _login(private, "/moved") == BASIC
    assert _login(away, "/landed") is None


async def test_a_new_login_for_the_origin_replaces_the_old_one(
    raw_server: Callable[[Serve], int],
) -> None:
    heads: list[str] = []
    port = raw_server(_recording(heads))
    fetcher = Fetcher(policy())
    try:
        await fetcher.get(f"http://lama:sandi@127.0.0.1:{port}/listing")
        await fetcher.get(f"http://pembaca:Rahasia%2042@127.0.0.1:{port}/listing2")
        await fetcher.get(f"http://127.0.0.1:{port}/berita/1")
    finally:
        await fetcher.aclose()
    assert _login(heads, "/listing2") == BASIC
    assert _login(heads, "/berita/1") == BASIC


async def test_a_redirect_with_a_login_of_its_own_does_not_replace_the_portals(
    raw_server: Callable[[Serve], int],
) -> None:
    # another source (any portal) redirects to the private portal with user information of
    # its own: it is sent there once, and the portal's pages keep the login its source gave
    private: list[str] = []
    port = raw_server(_recording(private))
    elsewhere: list[str] = []
    other = raw_server(_recording(elsewhere, location=f"http://intruder:x@127.0.0.1:{port}/redir"))
    fetcher = Fetcher(policy())
    try:
        await fetcher.get(f"http://pembaca:Rahasia%2042@127.0.0.1:{port}/listing")
        await fetcher.get(f"http://127.0.0.1:{other}/moved")
        await fetcher.get(f"http://127.0.0.1:{port}/berita/1")
    finally:
        await fetcher.aclose()
    intruder = "Basic " + base64.b64encode(b"intruder:x").decode()
    assert _login(private, "/redir") == intruder
    assert _login(private, "/berita/1") == BASIC
