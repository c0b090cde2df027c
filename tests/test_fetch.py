"""Fetching against the fixture portal on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from syndication.errors import FetchError, HTTPStatusError, TooLargeError
from syndication.fetch import Fetcher, FetchPolicy, LazyTLSTransport, Slots, parse_retry_after
from tests.portal import Portal

UA = "syndication-test/1.0 (+tests)"


def policy(**kw: object) -> FetchPolicy:
    base: dict[str, object] = {
        "user_agent": UA,
        "connect_timeout": 2,
        "read_timeout": 1,
        "total_timeout": 3,
        "max_body": 100_000,
    }
    base.update(kw)
    return FetchPolicy(**base)  # type: ignore[arg-type]


async def test_conditional_get_and_user_agent(portal: Portal) -> None:
    portal.set("/feed/", "<rss/>")
    fetcher = Fetcher(policy())
    try:
        first = await fetcher.get(portal.url + "/feed/")
        assert first.status == 200 and first.body == b"<rss/>" and first.etag
        second = await fetcher.get(
            portal.url + "/feed/", etag=first.etag, last_modified=first.last_modified
        )
        assert second.not_modified and second.body == b""
    finally:
        await fetcher.aclose()
    hits = portal.hits_for("/feed/")
    assert [h.status for h in hits] == [200, 304]
    assert [h.conditional for h in hits] == [False, True]
    assert all(h.user_agent == UA for h in hits)


async def test_permanent_redirect_is_recorded_temporary_is_not(portal: Portal) -> None:
    portal.set("/old", status=301, headers={"Location": "/new"}, validators=False)
    portal.set("/tmp", status=302, headers={"Location": "/new"}, validators=False)
    portal.set("/new", "<rss/>")
    fetcher = Fetcher(policy())
    try:
        moved = await fetcher.get(portal.url + "/old")
        assert moved.permanent_url == portal.url + "/new" and moved.body == b"<rss/>"
        temp = await fetcher.get(portal.url + "/tmp")
        assert temp.permanent_url is None and temp.url == portal.url + "/new"
    finally:
        await fetcher.aclose()


async def test_redirect_loop_is_an_error(portal: Portal) -> None:
    portal.set("/a", status=302, headers={"Location": "/b"}, validators=False)
    portal.set("/b", status=302, headers={"Location": "/a"}, validators=False)
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError, match="redirects"):
            await fetcher.get(portal.url + "/a")
    finally:
        await fetcher.aclose()


async def test_gzip_body_is_decoded(portal: Portal) -> None:
    portal.set("/gz", "x" * 5000, gzip=True)
    fetcher = Fetcher(policy())
    try:
        result = await fetcher.get(portal.url + "/gz")
    finally:
        await fetcher.aclose()
    assert result.body == b"x" * 5000


async def test_body_cap_applies_to_decoded_bytes(portal: Portal) -> None:
    portal.set("/big", "y" * 200_000)
    portal.set("/bomb", b"\0" * 5_000_000, gzip=True)
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(TooLargeError):
            await fetcher.get(portal.url + "/big")
        with pytest.raises(TooLargeError):
            await fetcher.get(portal.url + "/bomb")
    finally:
        await fetcher.aclose()


async def test_slow_server_times_out(portal: Portal) -> None:
    # the answer would come after a minute: only the timeouts can end the request sooner
    portal.set("/slow", "<rss/>", delay=60)
    fetcher = Fetcher(policy(read_timeout=0.5, total_timeout=1))
    try:
        with pytest.raises(FetchError, match=r"timed out|no complete answer"):
            await fetcher.get(portal.url + "/slow")
    finally:
        await fetcher.aclose()


async def test_429_and_503_carry_retry_after(portal: Portal) -> None:
    portal.set("/busy", "slow down", status=429, headers={"Retry-After": "120"})
    portal.set(
        "/down", "down", status=503, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}
    )
    portal.set("/gone", "x", status=500)
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(HTTPStatusError) as busy:
            await fetcher.get(portal.url + "/busy")
        assert busy.value.status == 429 and busy.value.retry_after == 120
        with pytest.raises(HTTPStatusError) as down:
            await fetcher.get(portal.url + "/down")
        assert down.value.retry_after and down.value.retry_after > 86400
        with pytest.raises(HTTPStatusError) as gone:
            await fetcher.get(portal.url + "/gone")
        assert gone.value.status == 500 and gone.value.retry_after is None
    finally:
        await fetcher.aclose()


async def test_connection_refused_is_a_fetch_error() -> None:
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError, match="ConnectError"):
            await fetcher.get("http://127.0.0.1:9/feed")
    finally:
        await fetcher.aclose()


async def test_per_host_concurrency_is_bounded(portal: Portal) -> None:
    for i in range(6):
        portal.set(f"/p{i}", "<rss/>", delay=0.3)
    fetcher = Fetcher(policy(per_host=2, total_timeout=10))
    try:
        started = time.monotonic()
        await asyncio.gather(*(fetcher.get(f"{portal.url}/p{i}") for i in range(6)))
        elapsed = time.monotonic() - started
    finally:
        await fetcher.aclose()
    # 6 requests, 2 at a time, 0.3 s each: at least three rounds
    assert elapsed >= 0.85


def test_retry_after_forms() -> None:
    now = datetime(2024, 11, 18, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30
    assert parse_retry_after("Mon, 18 Nov 2024 12:01:00 GMT", now) == 60
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_hostile_retry_after_is_capped_or_ignored() -> None:
    now = datetime(2024, 11, 18, 12, 0, tzinfo=UTC)
    assert parse_retry_after("999999999999", now) == 7 * 86400
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) == 7 * 86400
    assert parse_retry_after("²", now) is None  # a digit to str.isdigit, not a number


async def test_unchanged_polls_reuse_one_connection() -> None:
    """A 304 is read to its end, so its connection returns to the pool: closed unread, every
    unchanged poll would cost a new connection (a TLS handshake on a real portal)."""
    async with _answering_304() as (url, connections):
        fetcher = Fetcher(policy())
        try:
            for _ in range(3):
                assert (await fetcher.get(url, etag='"a"')).not_modified
        finally:
            await fetcher.aclose()
    assert connections == [1]


async def test_concurrent_polls_keep_to_their_connections() -> None:
    """Polls at once open no more connections than `concurrency`, and the next round of them
    reuses those (each request has a connection of its own while it runs, see Slots)."""
    async with _answering_304() as (url, connections):
        fetcher = Fetcher(policy(concurrency=4, per_host=4))
        try:
            for _ in range(2):
                gets = (fetcher.get(f"{url}{i}", etag='"a"') for i in range(20))
                assert all(r.not_modified for r in await asyncio.gather(*gets))
                assert connections[0] <= 4
            opened = connections[0]
            await fetcher.get(url, etag='"a"')
        finally:
            await fetcher.aclose()
    assert connections == [opened]


@contextlib.asynccontextmanager
async def _answering_304() -> AsyncIterator[tuple[str, list[int]]]:
    """A server answering every request 304 on keep-alive connections: (a URL prefix on it,
    [how many connections it accepted])."""
    connections = [0]

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[0] += 1
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "a"\r\n\r\n')
            await writer.drain()

    handlers: list[asyncio.Task[None]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.append(task)  # type: ignore[arg-type]
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await answer(reader, writer)
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/feed/", connections
    finally:
        # each handler ends (its writer closed) before the loop does: a server-side writer
        # left to the garbage collector warns in whatever test runs next
        await asyncio.gather(*handlers, return_exceptions=True)
        server.close()
        await server.wait_closed()


class _Closing(httpx.AsyncHTTPTransport):
    def __init__(self, closed: list[str], name: str, fails: bool, slow: bool = False) -> None:
        super().__init__()
        self.closed, self.name, self.fails, self.slow = closed, name, fails, slow

    async def aclose(self) -> None:
        await super().aclose()
        if self.slow:
            await asyncio.sleep(3600)
        self.closed.append(self.name)
        if self.fails:
            raise OSError(f"{self.name} failed to close")


async def test_every_transport_is_closed_when_closing_one_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A connection that fails to close (a reset, a TLS close_notify refused) must not leave
    the others open: each is closed, in order, the first failure raised, the others logged."""
    closed: list[str] = []
    slots = Slots(3, ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    slots._made = [_Closing(closed, n, fails=n != "b") for n in ("a", "b", "c")]
    with pytest.raises(OSError, match="a failed to close"):
        await slots.aclose()
    assert closed == ["a", "b", "c"]
    assert "c failed to close" in caplog.text

    closed.clear()
    lazy = LazyTLSTransport(1)
    lazy._plain._made = [_Closing(closed, "plain", fails=True)]
    lazy._tls = Slots(1, ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    lazy._tls._made = [_Closing(closed, "tls", fails=False)]
    with pytest.raises(OSError, match="plain failed"):
        await lazy.aclose()
    assert closed == ["plain", "tls"]


async def test_a_cancelled_close_still_closes_the_rest_and_stays_cancelled() -> None:
    closed: list[str] = []
    slots = Slots(3, ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    slots._made = [
        _Closing(closed, "a", fails=True),
        _Closing(closed, "slow", fails=False, slow=True),
        _Closing(closed, "c", fails=False),
    ]
    task = asyncio.create_task(slots.aclose())
    while not closed:  # "a" is closed: the task now waits in "slow"
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled() and closed == ["a", "c"]


async def test_an_exit_while_closing_outranks_a_cancellation() -> None:
    """A Ctrl-C (or sys.exit) in one close and a cancellation in another: the exit is what
    the caller gets, not a cancellation with the exit turned into a log line."""
    from syndication.closing import close_all

    closed: list[str] = []

    async def exiting() -> None:
        closed.append("exit")
        raise SystemExit(3)

    async def cancelled() -> None:
        closed.append("cancelled")
        raise asyncio.CancelledError

    async def failing() -> None:
        closed.append("failing")
        raise OSError("failed")

    with pytest.raises(SystemExit):
        await close_all([failing, cancelled, exiting], stage="test")
    assert closed == ["failing", "cancelled", "exit"]
    with pytest.raises(asyncio.CancelledError):
        await close_all([failing, cancelled], stage="test")


async def test_a_portals_cookie_goes_back_to_it_and_to_no_other_host(portal: Portal) -> None:
    # some portals set a cookie on the first answer and want it on the next request
    portal.set("/gate", "<rss/>", headers={"Set-Cookie": "visited=1; Path=/"}, validators=False)
    portal.set("/feed/", "<rss/>")
    other = portal.url.replace("127.0.0.1", "localhost")  # the same server under another host
    fetcher = Fetcher(policy())
    try:
        await fetcher.get(portal.url + "/feed/")
        await fetcher.get(portal.url + "/gate")
        await fetcher.get(portal.url + "/feed/")
        await fetcher.get(other + "/feed/")
    finally:
        await fetcher.aclose()
    assert [h.cookie for h in portal.hits_for("/feed/")] == ["", "visited=1", ""]


async def test_a_password_in_a_source_url_stays_out_of_its_error(portal: Portal) -> None:
    fetcher = Fetcher(policy())
    url = portal.url.replace("http://", "http://reader:s3cret@") + "/missing"
    try:
        with pytest.raises(HTTPStatusError) as failed:
            await fetcher.get(url)
    finally:
        await fetcher.aclose()
    assert failed.value.status == 404
    assert "s3cret" not in str(failed.value) and "//***@127.0.0.1" in str(failed.value)
