"""The fetcher at its edges, a second hostile review (of 148745b; each test failed there): a
connection httpcore leaves busy in a close it runs itself, passwords in a source's URL that a
pattern over the message missed or a URL it mangled, bad redirect targets from a public
origin, a URL that urlsplit refuses, validators that are not ASCII.

Servers are raw sockets on 127.0.0.1; helpers as in tests/test_fetch_review.py."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from syndication.errors import FetchError
from syndication.fetch import Fetcher
from tests.rawsock import Serve, cut_close, policy, read_request


def _answer_500(conn: socket.socket, number: int) -> None:
    while read_request(conn):
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")


# --- (b) a close cut short inside httpcore, where _Held does not see it -----------------
# _Held reports a cut-short close only when its own aclose is interrupted. httpcore also
# closes a response (with the same state-lock checkpoint in _response_closed) in two places
# _Held never sees: handle_async_request's `except BaseException` (a read error or
# disconnect before the headers) and the body iterator's `except BaseException` (a read
# error mid-body). A total timeout landing there leaves the connection ACTIVE in its pool of
# one; Slots gives the transport back as clean (the first through handle_async_request's
# except path; the second because PoolByteStream is already _closed, so _Held's close
# "runs to its end"), and every later poll of the origin waits out the total timeout.


@pytest.mark.parametrize("first", ["no-answer", "body-cut-short"])
async def test_a_timeout_in_a_close_httpcore_runs_itself_does_not_wedge_the_source(
    raw_server: Callable[[Serve], int], first: str
) -> None:
    def serve(conn: socket.socket, number: int) -> None:
        if number == 0:
            read_request(conn)
            if first == "body-cut-short":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<rss")
            conn.close()  # a disconnect: RemoteProtocolError, then httpcore's own close
            return
        while read_request(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")

    port = raw_server(serve)
    url = f"http://127.0.0.1:{port}/feed"
    fetcher = Fetcher(policy(total_timeout=1.0))
    deadline: list[float] = []
    cut_close(fetcher, deadline)
    try:
        deadline.append(time.monotonic() + 1.0)
        with pytest.raises(FetchError):
            await fetcher.get(url)
        for _ in range(2):  # the server answers at once now
            assert (await fetcher.get(url)).body == b"<rss/>"
    finally:
        await fetcher.aclose()


# --- (a) a password a pattern over the message missed -----------------------------------
# masked_url's pattern (at 148745b) is //[^/@\s:]*:\S*@ : a user name with an '@' in it (an
# e-mail address, which httpx takes and sends as Basic auth) and a password with a space (httpx
# takes it, percent-encoding it) are not masked at all; a password with '/', '?' or '#'
# makes httpx.InvalidURL quote its start as the "port", which the mask leaves in.


@pytest.mark.parametrize(
    "userinfo,secret",
    [("me@mail.example:s3cret", "s3cret"), ("reader:top secret", "top secret")],
)
async def test_a_password_is_not_in_the_error_of_a_source(
    raw_server: Callable[[Serve], int], userinfo: str, secret: str
) -> None:
    port = raw_server(_answer_500)
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(f"http://{userinfo}@127.0.0.1:{port}/feed")
    finally:
        await fetcher.aclose()
    assert "HTTP 500" in str(caught.value)
    assert secret not in str(caught.value)


async def test_a_password_with_a_slash_is_not_quoted_as_a_port_in_the_error() -> None:
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher.get("http://reader:Kukar2024/x@127.0.0.1:9/feed")
    finally:
        await fetcher.aclose()
    assert "Kukar2024" not in str(caught.value), str(caught.value)


# --- (a) the mask mangles a URL with no password at all -----------------------------------
# "//host:" then greedy "\S*@": a port followed by an '@' in the path (Mastodon's
# /@user.rss) reads as "user:password@", and the error names a URL that is not the source's.


async def test_an_at_sign_in_the_path_of_a_url_with_a_port_is_not_masked(
    raw_server: Callable[[Serve], int],
) -> None:
    port = raw_server(_answer_500)
    url = f"http://127.0.0.1:{port}/@kaltimpost.rss"
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(url)
    finally:
        await fetcher.aclose()
    assert url in str(caught.value), str(caught.value)


# --- (d) a redirect from a public origin is resolved before it is validated --------------
# _check_redirect calls fetch_addr.resolve(target) before _request checks the target: for
# a source on a public address (every real one) urlsplit(...).port raises ValueError on a
# port over 65535, and getaddrinfo's idna codec raises UnicodeError on an empty or long
# label: neither is an OSError, neither a FetchError. The commit's own tests use a loopback
# origin, which counts as private, so resolve is never reached there.


@pytest.mark.parametrize(
    "location",
    [
        "http://localhost:99999/feed",
        "http://localhost:-1/feed",
        "http://www..example.com/feed",
        "http://" + "x" * 64 + ".example.com/feed",
    ],
)
async def test_a_bad_redirect_from_a_public_origin_is_a_fetch_error(
    no_dns: None, raw_server: Callable[[Serve], int], location: str
) -> None:
    def serve(conn: socket.socket, number: int) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: " + location.encode() + b"\r\n"
            b"Content-Length: 0\r\n\r\n"
        )

    port = raw_server(serve)
    fetcher = Fetcher(policy(is_public=lambda address: True))  # loopback plays public
    try:
        with pytest.raises(FetchError):
            await fetcher.get(f"http://127.0.0.1:{port}/feed")
    finally:
        await fetcher.aclose()


# --- anything else: errors out of Fetcher.get that are not FetchError ---------------------


async def test_a_url_with_an_unclosed_ipv6_bracket_is_a_fetch_error() -> None:
    # Fetcher.get calls urlsplit(url) for the per-host semaphore before _request's checks:
    # ValueError("Invalid IPv6 URL")
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError):
            await fetcher.get("http://[::1/feed")
    finally:
        await fetcher.aclose()


# --- (d) a server's ETag that is not ASCII breaks every later poll -------------------------
# httpx decodes the ETag header as UTF-8; the pipeline stores it and sends it back as
# If-None-Match; httpx.Request cannot encode it: _request now turns the UnicodeEncodeError
# into "not a URL that can be fetched", at every poll, for good (the validator is never
# replaced, since no poll succeeds).


@pytest.mark.parametrize("header", ["ETag", "Last-Modified"])
async def test_a_validator_that_is_not_ascii_does_not_break_the_next_poll(
    raw_server: Callable[[Serve], int], header: str
) -> None:
    value = '"kaltim-é"' if header == "ETag" else "Senin, 07 Des 2026 10:00:00 GMT ñ"

    def serve(conn: socket.socket, number: int) -> None:
        while read_request(conn):
            conn.sendall(
                b"HTTP/1.1 200 OK\r\n"
                + header.encode()
                + b": "
                + value.encode()
                + b"\r\nContent-Length: 6\r\n\r\n<rss/>"
            )

    port = raw_server(serve)
    url = f"http://127.0.0.1:{port}/feed"
    fetcher = Fetcher(policy())
    try:
        first = await fetcher.get(url)
        again = await fetcher.get(url, etag=first.etag, last_modified=first.last_modified)
    finally:
        await fetcher.aclose()
    assert again.body == b"<rss/>"
