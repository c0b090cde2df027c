"""Raw socket servers on 127.0.0.1 for the fetcher's edge tests: each accepted connection is
served on a thread by a function of (connection, its number from 0); a stand-in for DNS that
answers only loopback names; the helpers such servers share."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any

import pytest

from syndication.fetch import Fetcher, FetchPolicy

Serve = Callable[[socket.socket, int], None]  # (an accepted connection, its number from 0)


@pytest.fixture
def raw_server() -> Iterator[Callable[[Serve], int]]:
    listeners: list[socket.socket] = []
    accepted: list[socket.socket] = []

    def start(serve: Serve) -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def loop() -> None:
            number = 0
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                accepted.append(conn)

                def run(conn: socket.socket = conn, number: int = number) -> None:
                    with suppress(OSError):  # the client going away is no failure here
                        serve(conn, number)

                threading.Thread(target=run, daemon=True).start()
                number += 1

        threading.Thread(target=loop, daemon=True).start()
        return int(listener.getsockname()[1])

    yield start
    for one in listeners + accepted:
        one.close()


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names beyond loopback fail to resolve as an unknown name does, with no query made. A
    str host is first encoded with the idna codec, as CPython's getaddrinfo does (checked
    below on the real function, which fails on that encoding before any lookup)."""
    from tests.conftest import _real_getaddrinfo

    with pytest.raises(UnicodeError):
        _real_getaddrinfo("www..example.com", 80)
    guarded = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else host
        if name in ("localhost", "127.0.0.1", "::1", None):
            return guarded(host, *args, **kwargs)  # type: ignore[arg-type]
        if isinstance(host, str):
            host.encode("idna")  # socket.getaddrinfo's first step for a str host
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def read_request(conn: socket.socket) -> bytes:
    """A request's head as it came (empty or short once the client has closed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return data
        data += chunk
    return data


def policy(**kw: object) -> FetchPolicy:
    base: dict[str, object] = {
        "user_agent": "review-test",
        "connect_timeout": 2,
        "read_timeout": 2,
        "total_timeout": 5,
        "max_body": 100_000,
    }
    base.update(kw)
    return FetchPolicy(**base)  # type: ignore[arg-type]


def wait_eof(raw: socket.socket, within: float) -> bool:
    """Whether the peer closed `raw` within `within` seconds (bytes it sends are skipped)."""
    raw.settimeout(0.1)
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            if not raw.recv(65536):
                return True
        except TimeoutError:
            continue
        except OSError:  # reset
            return True
    return False


def cut_close(fetcher: Fetcher, deadline: list[float]) -> None:
    """Make the next response's close (httpcore's, at its state lock) wait until the time in
    `deadline`, so a total timeout ending then lands inside that close (a busy loop)."""

    async def trace(event: str, info: object) -> None:
        if event == "http11.response_closed.started" and deadline:
            time.sleep(max(0.0, deadline.pop() - time.monotonic()) + 0.01)
            await asyncio.sleep(0)

    send = fetcher.transport.handle_async_request

    async def traced(request: Any) -> Any:
        request.extensions = {**request.extensions, "trace": trace}
        return await send(request)

    fetcher.transport.handle_async_request = traced  # type: ignore[method-assign]
