"""The fetcher against servers that misbehave at the socket level, each a raw server on
127.0.0.1: a keep-alive connection the server dropped while idle, a body cut
short, a TLS handshake that never ends, TLS spoken to a plain HTTP server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest

from syndication.errors import FetchError
from syndication.fetch import Fetcher, FetchPolicy
from tests.rawsock import Serve, policy, read_request


def _answer(conn: socket.socket, body: bytes) -> None:
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nContent-Type: text/xml\r\n\r\n"
    conn.sendall(head.encode() + body)


async def test_a_keep_alive_connection_the_server_dropped_is_not_reused(
    raw_server: Callable[[Serve], int],
) -> None:
    connections: list[int] = []
    answered = threading.Event()

    def serve(conn: socket.socket, number: int) -> None:
        connections.append(number)
        if read_request(conn):
            _answer(conn, b"<rss/>")
        answered.set()
        conn.close()  # keep-alive promised by HTTP/1.1, dropped at once

    host = f"127.0.0.1:{raw_server(serve)}"
    fetcher = Fetcher(policy())
    try:
        assert (await fetcher.get(f"http://{host}/feed")).body == b"<rss/>"
        assert answered.wait(5)
        # the dropped connection reads as closed, so the second poll opens a new one
        assert (await fetcher.get(f"http://{host}/feed")).body == b"<rss/>"
    finally:
        await fetcher.aclose()
    assert connections == [0, 1]


async def test_a_body_cut_short_is_the_sources_error(
    raw_server: Callable[[Serve], int],
) -> None:
    def serve(conn: socket.socket, number: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<rss><channel>")
        conn.close()

    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError, match="peer closed connection"):
            await fetcher.get(f"http://127.0.0.1:{raw_server(serve)}/feed")
    finally:
        await fetcher.aclose()


async def test_a_tls_handshake_that_never_ends_times_out(
    raw_server: Callable[[Serve], int],
) -> None:
    release = threading.Event()

    def serve(conn: socket.socket, number: int) -> None:
        release.wait(10)  # reads nothing, answers nothing

    fetcher = Fetcher(policy(connect_timeout=0.3))
    try:
        with pytest.raises(FetchError, match="timed out"):
            await fetcher.get(f"https://127.0.0.1:{raw_server(serve)}/feed")
    finally:
        release.set()
        await fetcher.aclose()


async def test_tls_to_a_plain_http_server_is_a_connect_error(
    raw_server: Callable[[Serve], int],
) -> None:
    def serve(conn: socket.socket, number: int) -> None:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        conn.close()

    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError, match="ConnectError"):
            await fetcher.get(f"https://127.0.0.1:{raw_server(serve)}/feed")
    finally:
        await fetcher.aclose()


async def test_the_answering_address_is_read_from_the_socket(
    raw_server: Callable[[Serve], int],
) -> None:
    def serve(conn: socket.socket, number: int) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1/x\r\nContent-Length: 0\r\n\r\n"
        )

    # a loopback source may redirect anywhere; were its address unknown, the redirect could
    # not be judged, so this checks the peer address is known: the refusal below needs it
    fetcher = Fetcher(
        FetchPolicy(user_agent="net-test", total_timeout=3, is_public=lambda a: a.is_loopback)
    )
    try:
        with pytest.raises(FetchError, match="public"):
            await fetcher.get(f"http://127.0.0.1:{raw_server(serve)}/feed")
    finally:
        await fetcher.aclose()
