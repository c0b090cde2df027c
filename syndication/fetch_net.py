"""httpcore's sockets on asyncio's own streams.

httpcore reaches asyncio through anyio, which checks for cancellation and yields to the loop
around every read and write and rebuilds a socket's attributes (a getpeername call) each time
one is asked for: over a cycle of unchanged polls that was a sixth of a request's CPU. Every
source is polled on asyncio, so the fetcher's connections speak to it directly; httpcore's
exceptions are raised as anyio's backend raises them, so httpx maps them the same way.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
from httpcore._utils import is_socket_readable

HAPPY_EYEBALLS = 0.25  # seconds before the next address of a host is tried (RFC 8305)

# httpcore asks a stream for these by name (connection.py, http11.py, our fetch._peer)
_EXTRA = {"client_addr": "sockname", "server_addr": "peername", "socket": "socket"}


@contextmanager
def _mapped(on_timeout: type[Exception], on_error: type[Exception]) -> Iterator[None]:
    try:
        yield
    except TimeoutError as e:
        raise on_timeout(str(e) or "timed out") from e
    except (OSError, EOFError, ssl.SSLError) as e:  # ssl.SSLError is an OSError too
        raise on_error(str(e) or type(e).__name__) from e


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _mapped(httpcore.ReadTimeout, httpcore.ReadError):
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)  # b"" once the peer has closed

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with _mapped(httpcore.WriteTimeout, httpcore.WriteError):
            async with asyncio.timeout(timeout):
                if self._writer.is_closing():
                    raise ConnectionResetError("the connection is closed")
                self._writer.write(buffer)
                await self._writer.drain()

    async def aclose(self) -> None:
        # not waiting for the peer's goodbye, as anyio's backend under httpcore does not:
        # a server that never answers the TLS close must not hold the poll
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
                async with asyncio.timeout(timeout):
                    await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except BaseException:
            self._writer.close()
            raise
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # data or EOF waiting on an idle connection: it is stale
            return is_socket_readable(self._writer.get_extra_info("socket"))
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        name = _EXTRA.get(info)
        return self._writer.get_extra_info(name) if name else None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                    happy_eyeballs_delay=HAPPY_EYEBALLS,
                )
        try:
            sock = writer.get_extra_info("socket")
            for option in socket_options or ():
                sock.setsockopt(*option)
        except OSError as e:
            writer.close()
            raise httpcore.ConnectError(str(e)) from e
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # sources are URLs: nothing asks for one
        raise httpcore.ConnectError(f"unix sockets are not fetched ({path})")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
