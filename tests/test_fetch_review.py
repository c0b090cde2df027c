"""The fetcher at its edges, from a hostile review of its own request path: what a real
portal, a stop or a bad link can do at the socket level, and what must come of it (a
FetchError, a connection closed, the next poll served). Servers are raw sockets on 127.0.0.1
(TLS with a self-signed certificate the test trusts through SSL_CERT_FILE). Sections 1 and
3-5 held for httpx over anyio and failed on a trial of httpcore on asyncio's own streams
(not kept); 2 failed when requests first skipped httpx's client; 6-8 failed before too."""

from __future__ import annotations

import asyncio
import base64
import gc
import os
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from syndication.errors import FetchError
from syndication.fetch import Fetcher
from syndication.withdraw import check_article
from tests.rawsock import Serve, cut_close, policy, read_request, wait_eof


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert, key)."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def trust(cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))  # read when the verifying context is made


# --- 1. a host name the idna codec refuses is a FetchError --------------------------------
# httpx.URL takes www..example.com; handed to getaddrinfo as a str, its idna codec raises
# UnicodeError ("label empty or too long"); anyio encodes it to bytes first, so it is a
# resolver error, an OSError, a ConnectError.


@pytest.mark.parametrize("host", ["www..example.com", "x" * 64 + ".example.com"])
async def test_a_host_name_with_an_empty_or_long_label_is_a_fetch_error(
    no_dns: None, host: str
) -> None:
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError):
            await fetcher.get(f"http://{host}/feed")
    finally:
        await fetcher.aclose()


async def test_an_article_link_with_an_empty_label_is_an_inconclusive_withdraw_check(
    no_dns: None,
) -> None:
    # a feed's item link with a typo is stored as it is (canonical_url keeps it); once the
    # item leaves the listing, withdrawing checks it: check_article catches FetchError only,
    # so the UnicodeError ends the source's poll (poll_crash), at every poll
    fetcher = Fetcher(policy())
    try:
        verdict = await check_article(fetcher, "https://news..example.id/berita/1", "*/*")
    finally:
        await fetcher.aclose()
    assert verdict.gone is None and not verdict.there


# --- 2. credentials in a source's URL are sent -------------------------------------------
# httpx's client turned http://user:pass@host/ into "Authorization: Basic ..."; a Request
# handed to the transport carries no such header unless the fetcher adds it.


async def test_credentials_in_the_url_are_sent_as_basic_auth(
    raw_server: Callable[[Serve], int],
) -> None:
    seen: list[bytes] = []

    def serve(conn: socket.socket, number: int) -> None:
        head = read_request(conn)
        seen.append(head)
        if b"\r\nauthorization: basic " in head.lower():
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")
        else:
            conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
        conn.close()

    port = raw_server(serve)
    fetcher = Fetcher(policy())
    try:
        result = await fetcher.get(f"http://reader:s3cret@127.0.0.1:{port}/private.xml")
    finally:
        await fetcher.aclose()
    assert result.body == b"<rss/>"
    assert base64.b64encode(b"reader:s3cret") in seen[0]


# --- 3. a TLS connection closed is closed at once ----------------------------------------
# asyncio's own TLS transport, closed, sends close_notify and keeps the socket open until
# the server answers it (up to 30 s, or forever if the loop ends first); anyio's stream
# under httpcore (standard_compatible=False) closes the socket at once.


def _tls_server(
    raw_server: Callable[[Serve], int],
    cert: tuple[Path, Path],
    answer: Callable[[ssl.SSLSocket], None],
    closed: threading.Event,
) -> int:
    """An https server on loopback: answers with `answer`, then never reads TLS again (so
    never answers a close_notify) and sets `closed` once the client's socket is closed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert)

    def serve(conn: socket.socket, number: int) -> None:
        tls = context.wrap_socket(conn, server_side=True)
        try:
            read_request(tls)  # type: ignore[arg-type]
            answer(tls)
            # below TLS: the bytes as they come (a close_notify) and the end of the stream
            with socket.socket(fileno=os.dup(tls.fileno())) as raw:
                if wait_eof(raw, 3.0):
                    closed.set()
        except OSError:
            closed.set()
        finally:
            tls.close()

    return raw_server(serve)


async def test_a_tls_connection_closed_at_shutdown_is_closed_at_once(
    raw_server: Callable[[Serve], int], cert: tuple[Path, Path], trust: None
) -> None:
    closed = threading.Event()

    def answer(tls: ssl.SSLSocket) -> None:
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")

    port = _tls_server(raw_server, cert, answer, closed)
    fetcher = Fetcher(policy())
    try:
        assert (await fetcher.get(f"https://127.0.0.1:{port}/feed")).body == b"<rss/>"
    finally:
        await fetcher.aclose()  # closes the kept-alive connection
    assert await asyncio.to_thread(closed.wait, 2.0), "the socket is still open 2 s after aclose"


async def test_a_tls_body_over_the_cap_frees_the_connection_at_once(
    raw_server: Callable[[Serve], int], cert: tuple[Path, Path], trust: None
) -> None:
    closed = threading.Event()

    def answer(tls: ssl.SSLSocket) -> None:
        # a page made as it is sent (no Content-Length, to the close): 300 KB so far, the
        # rest still being made, nothing read meanwhile
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n")
        tls.sendall(b"<item/>" * 50_000)

    port = _tls_server(raw_server, cert, answer, closed)
    fetcher = Fetcher(policy(max_body=100_000))
    try:
        with pytest.raises(FetchError, match="cap"):
            await fetcher.get(f"https://127.0.0.1:{port}/big.xml")
        # the poll is over and httpcore closed its connection (unread): the server should know
        assert await asyncio.to_thread(closed.wait, 2.0), "still connected 2 s after giving up"
    finally:
        await fetcher.aclose()


def test_no_unclosed_transport_once_the_loop_is_over(
    raw_server: Callable[[Serve], int], cert: tuple[Path, Path], trust: None
) -> None:
    # a well-behaved server: it answers the client's close_notify (after 50 ms, a round trip
    # to a portal) and closes. The process ends as `run --once` does: aclose, then
    # asyncio.run closes the loop; the TLS transports aclose left waiting for that answer are
    # never closed, and GC warns "unclosed transport"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert)

    def serve(conn: socket.socket, number: int) -> None:
        tls = context.wrap_socket(conn, server_side=True)
        try:
            read_request(tls)  # type: ignore[arg-type]
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")
            tls.settimeout(5)
            if tls.recv(1) == b"":  # the client's close_notify
                time.sleep(0.05)
                tls.unwrap()
        finally:
            tls.close()

    port = raw_server(serve)

    async def main() -> None:
        fetcher = Fetcher(policy())
        try:
            await fetcher.get(f"https://127.0.0.1:{port}/feed")
        finally:
            await fetcher.aclose()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []


# --- 4. a stale keep-alive connection is not reused --------------------------------------
# httpcore drops an idle connection whose socket is readable. anyio reads only when asked,
# so bytes a server sent on an idle connection stay in the socket: readable, stale. (An
# asyncio stream reads them at once: the socket reads as empty and the next answer would
# start with those bytes.)


async def test_a_stray_byte_on_an_idle_connection_marks_it_stale(
    raw_server: Callable[[Serve], int],
) -> None:
    def serve(conn: socket.socket, number: int) -> None:
        while read_request(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")
            time.sleep(0.1)
            conn.sendall(b"\n")  # a newline after the page's end (a PHP file's last line)

    port = raw_server(serve)
    fetcher = Fetcher(policy())
    try:
        for _ in range(3):
            assert (await fetcher.get(f"http://127.0.0.1:{port}/feed")).body == b"<rss/>"
            await asyncio.sleep(0.4)
    finally:
        await fetcher.aclose()


# --- 5. a poll cancelled as its connection is made leaks no socket ------------------------
# (the daemon's stop cuts polls short; asyncio.timeout cancels too). anyio's happy eyeballs
# closes it (aclose_forcefully on BaseException); asyncio's staggered_race on Python 3.11
# neither returns nor closes a socket that connected as its caller was cancelled.


async def test_a_poll_cancelled_as_its_connection_is_made_leaks_no_socket(
    raw_server: Callable[[Serve], int],
) -> None:
    closed = threading.Event()

    def serve(conn: socket.socket, number: int) -> None:
        if wait_eof(conn, 3):
            closed.set()

    port = raw_server(serve)
    fetcher = Fetcher(policy())
    loop = asyncio.get_running_loop()
    connect = loop.sock_connect
    polls: list[asyncio.Task[Any]] = []

    async def sock_connect(sock: socket.socket, address: Any) -> None:
        await connect(sock, address)
        polls[0].cancel()  # a stop arriving just as the connection is made

    loop.sock_connect = sock_connect  # type: ignore[method-assign]
    try:
        polls.append(asyncio.create_task(fetcher.get(f"http://127.0.0.1:{port}/feed")))
        with pytest.raises(asyncio.CancelledError):
            await polls[0]
        assert await asyncio.to_thread(closed.wait, 2.0), "the socket is left open"
    finally:
        del loop.sock_connect
        await fetcher.aclose()
        with warnings.catch_warnings(record=True):  # the leaked socket's ResourceWarning
            warnings.simplefilter("always")
            gc.collect()


# --- 6. a cancellation in the close of a response does not wedge the slot ----------------
# The total timeout (or a stop) can land while the response is being closed, at the
# checkpoint of httpcore's state lock in _response_closed: the connection stays ACTIVE with
# its request still in the pool. _Held gives the transport back all the same; its pool of
# one connection can never serve again, and Slots._take hands this slot to the same origin
# first: every later poll of the source waited out the total timeout. Slots now replaces
# a transport whose response's close was cut short.


async def test_a_timeout_landing_in_the_close_of_a_response_does_not_wedge_the_source(
    raw_server: Callable[[Serve], int],
) -> None:
    def serve(conn: socket.socket, number: int) -> None:
        while read_request(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")

    port = raw_server(serve)
    url = f"http://127.0.0.1:{port}/feed"
    fetcher = Fetcher(policy(total_timeout=1.0))
    deadline: list[float] = []
    cut_close(fetcher, deadline)
    try:
        deadline.append(time.monotonic() + 1.0)
        with pytest.raises(FetchError, match="no complete answer"):
            await fetcher.get(url)
        # the server answers at once: the next polls of the source must succeed
        for _ in range(2):
            assert (await fetcher.get(url)).body == b"<rss/>"
    finally:
        await fetcher.aclose()


# --- 7. a cookie that is not ASCII does not break the later polls of its host ------------
# httpx decodes the Set-Cookie header as UTF-8; the jar keeps the value; set_cookie_header
# then encodes the Cookie header as ASCII: UnicodeEncodeError, not a FetchError, at every
# request to that host for as long as the cookie lived (httpx's client did the same): such
# a cookie is not kept.


async def test_a_cookie_that_is_not_ascii_does_not_break_the_next_poll(
    raw_server: Callable[[Serve], int],
) -> None:
    def serve(conn: socket.socket, number: int) -> None:
        while read_request(conn):
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nSet-Cookie: kota="
                + "Samarinda—Kaltim".encode()
                + b"; Path=/\r\nContent-Length: 6\r\n\r\n<rss/>"
            )

    port = raw_server(serve)
    fetcher = Fetcher(policy())
    try:
        for _ in range(2):
            assert (await fetcher.get(f"http://127.0.0.1:{port}/feed")).body == b"<rss/>"
    finally:
        await fetcher.aclose()


# --- 8. a Location httpx takes but cannot send is a FetchError ---------------------------
# A port over 65535: socket.connect raises OverflowError, which asyncio's happy eyeballs on
# 3.11 turns into IndexError (create_connection indexes an empty list of OSErrors); anyio
# let it out as an ExceptionGroup. "xn--": httpx.Request raises idna.IDNAError (a
# UnicodeError, not an httpx.HTTPError), as httpx's client did.


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.1:99999/feed", "http://xn--/feed", "http://www..example.com/feed"],
)
async def test_a_redirect_to_a_url_that_cannot_be_fetched_is_a_fetch_error(
    no_dns: None, raw_server: Callable[[Serve], int], location: str
) -> None:
    def serve(conn: socket.socket, number: int) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: " + location.encode() + b"\r\n"
            b"Content-Length: 0\r\n\r\n"
        )

    port = raw_server(serve)
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError):
            await fetcher.get(f"http://127.0.0.1:{port}/feed")
    finally:
        await fetcher.aclose()
