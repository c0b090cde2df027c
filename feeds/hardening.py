"""What every response of the HTTP server carries, and how long a connection may idle.

SecurityHeaders: Content-Security-Policy, X-Content-Type-Options and Referrer-Policy on every
response (the published files and the daemon's /status, /metrics, ...).
HeaderTimeoutProtocol: uvicorn's h11 protocol with a deadline for request headers.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0  # seconds a connection may take to send a request's headers

# Every response, feeds included. The pages need their own inline <style> and images (feed
# items' pictures are on the portals' hosts); nothing runs scripts, and no feed links a stylesheet.
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https: http:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """ASGI middleware: CSP, nosniff and Referrer-Policy on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
            await send(message)

        await self.app(scope, receive, send_secured)


class HeaderTimeoutProtocol(H11Protocol):
    """h11 with a deadline for request headers: a connection that sends nothing (or dribbles
    its headers) is closed after `header_timeout`, on the first request and between requests
    (uvicorn's keep-alive timer is cancelled by any byte, so it does not cover that)."""

    header_timeout = HEADER_TIMEOUT
    _deadline: asyncio.TimerHandle | None = None
    _armed_cycle: object = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._armed_cycle = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._expire)

    def _expire(self) -> None:
        waiting = self.cycle is self._armed_cycle  # no new request's headers since arming
        idle = self.cycle is None or self.cycle.response_complete
        if waiting and idle and not self.transport.is_closing():
            self.transport.close()
