"""HTTP fetching with httpx: conditional GET, redirects, timeouts, a body cap, politeness.

httpx 0.28's pool gets slow as requests x open connections grow (encode/httpx#3215), so a
request goes through a transport of one connection that serves it alone (Slots), and our own
semaphores bound concurrency: one overall, one per host. The host's slot is taken first, so
requests waiting for a slow host hold none of the overall ones. Requests skip httpx's client
and go to that transport as built here: redirects are followed here, hop by hop, and the
client's layers (merging, auth, hooks) cost a sixth of an unchanged poll's CPU.

Bodies are read raw and decoded here (fetch_decode.py): the size cap holds on the decoded
bytes, whatever the number of Content-Encoding layers. A source on a public address is not
followed into private, loopback or link-local address space (fetch_addr.py).
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import hashlib
import http.cookiejar
import logging
import re
import ssl
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from urllib.request import Request

import httpx

from .closing import close_all
from .errors import FetchError, HTTPStatusError, TooLargeError
from .fetch_addr import IPAddress, IsPublic, is_public, parse_address, refusal, resolve
from .fetch_decode import read_decoded
from .urls import userinfo, without_userinfo

log = logging.getLogger(__name__)
PERMANENT = {301, 308}
# a server's Retry-After is honoured up to a week; the poll scheduling caps it further
RETRY_AFTER_MAX = 7 * 86400.0
ACCEPT_FEED = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# The cookie jar is bounded as browsers bound theirs, the least recently set dropped first: a
# portal that set a new cookie name on every answer grew it for the life of the process, and
# each request to it carried them all. 50 per domain is what RFC 6265 (6.1) asks a client to
# keep at least (Chrome keeps 180): more than a portal needs for its session. 1,000 in all is
# twenty domains at that cap, where the sources that set cookies at all set a few each (the
# RFC's 3,000 is for a browser, which visits any site); a cookie takes about 1 KB (5 with a
# 4 KB value), so the jar stays within a few MB.
COOKIES_PER_DOMAIN = 50
COOKIES_IN_ALL = 1000
# http.cookiejar drops expired cookies after every Cookie header it makes, walking every
# cookie; one expired is never sent, so the walk only frees places: once a minute is enough
EXPIRED_SWEEP = 60.0


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_body: int = 8 * 2**20
    per_host: int = 2
    concurrency: int = 10
    max_redirects: int = 5
    is_public: IsPublic = is_public  # which addresses count as public (tests call one so)
    cookies_per_domain: int = COOKIES_PER_DOMAIN
    cookies_in_all: int = COOKIES_IN_ALL


@dataclass(frozen=True)
class FetchResult:
    url: str  # the URL finally answered
    status: int  # 200, or 304 when not modified
    body: bytes
    etag: str | None
    last_modified: str | None
    content_type: str
    permanent_url: str | None  # set when a 301/308 moved the resource for good
    max_age: float | None  # from Cache-Control
    body_hash: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """One shared client for every source of the process."""

    def __init__(self, policy: FetchPolicy, transport: httpx.AsyncBaseTransport | None = None):
        self.policy = policy
        # requests go to the transport as they are: httpx's client would add a sixth of a
        # 304 poll's CPU (merging, auth, redirects, hooks), and we follow redirects ourselves
        self.transport = transport or LazyTLSTransport(policy.concurrency)
        timeout = httpx.Timeout(
            connect=policy.connect_timeout,
            read=policy.read_timeout,
            write=policy.read_timeout,
            pool=policy.total_timeout,
        )
        self._extensions = {"timeout": timeout.as_dict()}  # every request's, as the client's
        self._headers = {
            "User-Agent": policy.user_agent,
            "Accept-Encoding": "gzip, deflate",
            "Connection": "keep-alive",
        }
        # a portal's cookies go back to it, as a browser's do
        jar = BoundedCookieJar(policy.cookies_per_domain, policy.cookies_in_all)
        self.cookies = httpx.Cookies(jar)
        # origin -> the Authorization the user information of a URL asked for (a source's)
        # gave it: the article pages of a private portal, linked without it, are asked with
        # it too, as a browser asks again in the realm it logged in to (never another origin:
        # a redirect away carries none; a redirect's own user information is sent to it once,
        # never kept: another source could otherwise replace a portal's login)
        self._logins: dict[_Origin, str] = {}
        self.closed = False
        self._all = asyncio.Semaphore(policy.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def keep_logins(self, urls: Iterable[str]) -> None:
        """Forget each login no URL of `urls` (the sources configured now) gives its origin:
        a source removed, or its URL written again without its password (the portal went
        public, a login put on the wrong portal), had it sent there until a restart."""
        given = set()
        for url in urls:
            with suppress(FetchError):  # a URL that cannot be fetched gives no login
                given.add(_origin_login(_target(url)))
        self._logins = {o: a for o, a in self._logins.items() if (o, a) in given}

    async def aclose(self) -> None:
        await self.transport.aclose()
        self.closed = True

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
    ) -> FetchResult:
        """GET with validators; raises FetchError (with retry_after when the server gave one)."""
        headers = {"Accept": accept}
        # a validator a server sent in UTF-8 cannot go back in a header: asked without it
        if etag and etag.isascii():
            headers["If-None-Match"] = etag
        if last_modified and last_modified.isascii():
            headers["If-Modified-Since"] = last_modified
        try:
            host = urlsplit(url).netloc.lower()
        except ValueError:  # "http://[::1/": the request below fails on it
            host = ""
        if "@" in url:  # the caller's URL logs in to its origin: a redirect's never does
            with suppress(FetchError):  # one that cannot be fetched fails in _follow
                origin, given = _origin_login(_target(url))
                if given is not None:
                    self._logins[origin] = given
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self.policy.per_host))
        # the host's slot first: requests queued behind a slow host hold no global slot
        async with sem, self._all:
            try:
                async with asyncio.timeout(self.policy.total_timeout):
                    return await self._follow(url, headers)
            except TimeoutError as e:
                failure = FetchError(
                    f"fetch: {url}: no complete answer within {self.policy.total_timeout:g}s"
                )
                failure.__cause__ = e
            except FetchError as e:
                failure = e
        secret = userinfo(url)
        if secret:  # a source's password stays out of its error, its logs and /status
            message = failure.args[0].replace(secret, "***")
            with suppress(httpx.InvalidURL, UnicodeError, ValueError):  # and as httpx wrote it
                message = message.replace(httpx.URL(url).userinfo.decode("ascii"), "***")
            failure.args = (message, *failure.args[1:])
            failure.__cause__ = None  # httpx's own message may quote a piece of it
            failure.__suppress_context__ = True
        raise failure

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        permanent: str | None = None
        all_permanent = True
        origin: IPAddress | None = None
        for hop in range(self.policy.max_redirects + 1):
            status, resp, body, peer = await self._one(url, headers)
            if hop == 0:
                origin = peer
            elif why := refusal(origin, [peer] if peer else [], self.policy.is_public):
                raise FetchError(f"fetch: {url}: {why}")
            if status in (301, 302, 303, 307, 308):
                target = resp.headers.get("location")
                if not target:
                    raise HTTPStatusError(
                        status, f"fetch: {url}: redirect {status} without Location"
                    )
                try:
                    next_url = str(httpx.URL(url).join(target))
                except (httpx.InvalidURL, UnicodeError, ValueError) as e:
                    raise FetchError(f"fetch: {url}: redirect to an invalid URL ({e})") from e
                _target(next_url)  # a URL that cannot be fetched fails before it is resolved
                await self._check_redirect(url, next_url, origin)
                url = next_url
                all_permanent = all_permanent and status in PERMANENT
                permanent = url if all_permanent else None
                continue
            return _result(url, status, resp, body, permanent)
        raise FetchError(f"fetch: {url}: more than {self.policy.max_redirects} redirects")

    async def _check_redirect(self, url: str, target: str, origin: IPAddress | None) -> None:
        """Refuse a redirect from a public address to a private, loopback or link-local one."""
        if origin is None or not self.policy.is_public(origin):
            return
        try:
            addresses = await resolve(target)
        except (OSError, UnicodeError, ValueError) as e:  # idna refuses "www..example.com"
            raise FetchError(f"fetch: {url}: redirect to {target}: cannot resolve ({e})") from e
        why = refusal(origin, addresses, self.policy.is_public)
        if why:
            raise FetchError(
                f"fetch: {url}: {why} (Location {target}); a source on a public address "
                "may only redirect to public ones"
            )

    async def _one(
        self, url: str, headers: dict[str, str]
    ) -> tuple[int, httpx.Response, bytes, IPAddress | None]:
        request = self._request(url, headers)
        try:
            resp = await self.transport.handle_async_request(request)
            try:
                resp.request = request
                if "set-cookie" in resp.headers:  # those not in ASCII are refused by the jar
                    self.cookies.extract_cookies(resp)
                peer = _peer(resp)
                if resp.status_code == 304:
                    # read to its end (a 304 has no body), so its connection goes back to the
                    # pool: closed unread, every unchanged poll would open a new one (and TLS)
                    await resp.aread()
                    return resp.status_code, resp, b"", peer
                if 300 <= resp.status_code < 400:
                    return resp.status_code, resp, b"", peer
                if resp.status_code >= 400:
                    raise _status_error(url, resp)
                return resp.status_code, resp, await self._read_capped(url, resp), peer
            finally:
                await resp.aclose()
        except httpx.TimeoutException as e:
            raise FetchError(f"fetch: {url}: timed out ({type(e).__name__})") from e
        except httpx.HTTPError as e:
            raise FetchError(f"fetch: {url}: {type(e).__name__}: {e}") from e

    def _request(self, url: str, headers: dict[str, str]) -> httpx.Request:
        target = _target(url)
        try:
            request = httpx.Request(
                "GET", target, headers={**self._headers, **headers}, extensions=self._extensions
            )
        except (UnicodeError, ValueError) as e:
            raise FetchError(f"fetch: {url}: a header cannot be sent ({e})") from e
        origin, given = _origin_login(target)
        login = given or self._logins.get(origin)  # http://user:pass@host/, as browsers send it
        if login is not None:
            request.headers["Authorization"] = login
        if self.cookies.jar:  # its length is kept, not counted
            self.cookies.set_cookie_header(request)
        return request

    async def _read_capped(self, url: str, resp: httpx.Response) -> bytes:
        declared = resp.headers.get("content-length")
        cap = self.policy.max_body
        if declared and declared.isdigit() and int(declared) > cap:
            raise TooLargeError(f"fetch: {url}: body of {declared} bytes is over the {cap} cap")
        # raw bytes, decoded here in bounded steps: httpx would inflate each layer whole
        return await read_decoded(url, resp.aiter_raw(), resp.headers.get("content-encoding"), cap)


_CookieKey = tuple[str, str, str]  # (domain, path, name), as http.cookiejar files a cookie


class BoundedCookieJar(http.cookiejar.CookieJar):
    """At most `per_domain` cookies per domain and `in_all` in all, the least recently set
    dropped first. http.cookiejar keeps no time of setting: the order is kept here, beside it,
    so a cookie set costs the same whatever the jar holds.

    A cookie not in ASCII is not kept (nor the value it replaces): a Cookie header cannot
    carry it, and one kept would fail every later request to its host."""

    # the base class's: the cookies by domain, path and name; the cookies of a domain to send
    _cookies: dict[str, dict[str, dict[str, http.cookiejar.Cookie]]]
    _cookies_for_domain: Callable[[str, Request], list[http.cookiejar.Cookie]]

    def __init__(self, per_domain: int, in_all: int) -> None:
        super().__init__()
        self._per_domain = per_domain
        self._in_all = in_all
        self._order: OrderedDict[_CookieKey, None] = OrderedDict()  # least recently set first
        self._domains: dict[str, OrderedDict[_CookieKey, None]] = {}  # the same, by domain
        self._next_sweep = 0.0

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        key = (cookie.domain, cookie.path, cookie.name)
        if not (cookie.name + (cookie.value or "")).isascii():
            with suppress(KeyError):
                self.clear(*key)
            return
        super().set_cookie(cookie)
        domain = self._domains.setdefault(cookie.domain, OrderedDict())
        for order in (self._order, domain):
            order[key] = None
            order.move_to_end(key)  # set again: the newest, in the same place of the jar
        while len(domain) > self._per_domain:
            self.clear(*next(iter(domain)))
        while len(self._order) > self._in_all:
            self.clear(*next(iter(self._order)))

    def clear(
        self, domain: str | None = None, path: str | None = None, name: str | None = None
    ) -> None:
        """As the base class's (KeyError for a cookie not there), the order kept in step;
        the emptied path and domain go too, or a portal setting cookies under ever new paths
        would grow the jar with them."""
        if domain is None or path is None or name is None:  # a whole domain or path, or all
            super().clear(domain, path, name)
            for key in [k for k in self._order if domain in (None, k[0]) and path in (None, k[1])]:
                self._forget(key)
            return
        paths = self._cookies[domain]
        del paths[path][name]
        if not paths[path]:
            del paths[path]
        if not paths:
            del self._cookies[domain]
        self._forget((domain, path, name))

    def _forget(self, key: _CookieKey) -> None:
        del self._order[key]
        domain = self._domains[key[0]]
        del domain[key]
        if not domain:
            del self._domains[key[0]]

    def __len__(self) -> int:  # the base class counts them one by one
        return len(self._order)

    def _cookies_for_request(self, request: Request) -> list[http.cookiejar.Cookie]:
        """The cookies to send, looked for in the domains the request's host is in alone: the
        base class asks every domain of the jar, parsing the request's URL each time."""
        cookies: list[http.cookiejar.Cookie] = []
        for domain in _cookie_domains(request):
            if domain in self._cookies:
                cookies.extend(self._cookies_for_domain(domain, request))
        return cookies

    def clear_expired_cookies(self) -> None:  # every EXPIRED_SWEEP seconds, not every request
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + EXPIRED_SWEEP
            super().clear_expired_cookies()


_PORT = re.compile(r":\d+$", re.ASCII)


def _cookie_domains(request: Request) -> list[str]:
    """Every domain whose cookies http.cookiejar may send to the request's host, as its policy
    matches them (domain_return_ok, which still checks each): the host as it finds it (the
    URL's netloc, port cut, lowered; "<name>.local" for a name without a dot too), and each
    domain the host ends in, with its leading dot and without, and ""."""
    host = urlsplit(request.get_full_url()).netloc or request.get_header("Host", "")
    host = _PORT.sub("", host, count=1).lower()
    found = {"": None}
    for name in ("." + host, "." + host + ("" if "." in host else ".local")):
        for at, char in enumerate(name):
            if char == ".":
                found[name[at:]] = found[name[at + 1 :]] = None
    return list(found)


class LazyTLSTransport(httpx.AsyncBaseTransport):
    """Plain http through connections that load no certificates; the verifying context
    (loading certifi's bundle costs 30 ms of CPU) is made at the first https request, so a
    process whose sources are all http never pays for it."""

    def __init__(self, connections: int) -> None:
        self._connections = connections
        # no CA loaded and verification required: an https request sent here by mistake
        # would fail, never go unverified
        refusing = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._plain = Slots(connections, refusing)
        self._tls: Slots | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            return await self._plain.handle_async_request(request)
        if self._tls is None:
            self._tls = Slots(self._connections, httpx.create_ssl_context())
        return await self._tls.handle_async_request(request)

    async def aclose(self) -> None:
        await close_all(
            [self._plain.aclose, *([self._tls.aclose] if self._tls else [])], stage="fetch"
        )


class Slots(httpx.AsyncBaseTransport):
    """Up to `size` transports of one connection each, each serving one request at a time,
    the one whose connection goes to the request's origin taken first.

    httpx's own pool hands an idle connection to every request that comes in before the
    first of them starts on it: all but one then fail over and try again, and every try walks
    every connection of the pool with a socket call each. Over a cycle of 304s that was half
    of a poll's CPU. A transport that holds one connection and one request never races."""

    def __init__(self, size: int, verify: ssl.SSLContext) -> None:
        self._verify = verify
        self._size = size
        self._room = asyncio.Semaphore(size)  # transports free or yet to make
        self._free: list[tuple[str, httpx.AsyncHTTPTransport]] = []  # (origin, transport)
        self._made: list[httpx.AsyncHTTPTransport] = []
        self._closing: set[asyncio.Task[None]] = set()  # transports given up, being closed

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
        await self._room.acquire()
        slot = self._take(origin)
        try:
            response = await slot.handle_async_request(request)
        except BaseException:
            self._give(origin, slot)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        held = _Held(response.stream, lambda clean: self._give(origin, slot, clean))
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=held,
            extensions=response.extensions,
        )

    def _take(self, origin: str) -> httpx.AsyncHTTPTransport:
        """A free transport, the one last used for `origin` first (its connection may still
        be open), else a new one while fewer than the limit exist, else the longest unused."""
        for index in range(len(self._free) - 1, -1, -1):
            if self._free[index][0] == origin:
                return self._free.pop(index)[1]
        if len(self._made) < self._size:
            self._made.append(_one_connection(self._verify))
            return self._made[-1]
        return self._free.pop(0)[1]

    def _give(self, origin: str, slot: httpx.AsyncHTTPTransport, clean: bool = True) -> None:
        if not clean or not all(c.is_idle() or c.is_closed() for c in slot._pool.connections):
            # a cancellation (the total timeout, a stop) cut a response's close short, ours or
            # one httpcore ran itself after a failed read: its connection may be left busy
            # for good, and the next poll of the origin would wait on it; it is closed, and a
            # new transport takes its place
            self._made[self._made.index(slot)] = fresh = _one_connection(self._verify)
            closing = asyncio.get_running_loop().create_task(slot.aclose())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
            slot = fresh
        self._free.append((origin, slot))
        self._room.release()

    async def aclose(self) -> None:
        # those serving a request too, as httpx's pool closes them
        await asyncio.gather(*self._closing, return_exceptions=True)
        await close_all([slot.aclose for slot in self._made], stage="fetch")


def _one_connection(verify: ssl.SSLContext) -> httpx.AsyncHTTPTransport:
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return httpx.AsyncHTTPTransport(verify=verify, limits=one)


class _Held(httpx.AsyncByteStream):
    """A response's body that hands its transport back once, when it is closed, saying
    whether the close ran to its end."""

    def __init__(self, stream: httpx.AsyncByteStream, give: Callable[[bool], None]) -> None:
        self._stream = stream
        self._give: Callable[[bool], None] | None = give

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        clean = False
        try:
            await self._stream.aclose()
            clean = True
        finally:
            give, self._give = self._give, None
            if give is not None:
                give(clean)


def _target(url: str) -> httpx.URL:
    """`url` parsed for a request; FetchError when it cannot be requested."""
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, UnicodeError, ValueError) as e:  # idna's errors are both
        # httpx's words may quote a piece of a password ("Invalid port: 'pass/word'")
        detail = "" if "@" in url else f" ({e})"
        raise FetchError(f"fetch: {url}: not a URL that can be fetched{detail}") from e
    port = target.port
    if port is not None and not 0 < port < 65536:
        raise FetchError(f"fetch: {url}: port {port} is out of range")
    if not target.raw_host:  # raw: .host decodes an IDNA name, which may fail ("xn--")
        raise FetchError(f"fetch: {url}: no host")
    return target


_Origin = tuple[str, bytes, int | None]  # scheme, host as sent, port (None: the default)


def _origin_login(target: httpx.URL) -> tuple[_Origin, str | None]:
    """The URL's origin, and the Basic Authorization its user information gives (None)."""
    origin = (target.scheme, target.raw_host.lower(), target.port)
    if not (target.username or target.password):
        return origin, None
    pair = f"{target.username}:{target.password}".encode()
    return origin, "Basic " + base64.b64encode(pair).decode()


def _peer(resp: httpx.Response) -> IPAddress | None:
    """The address the response came from (the socket's, not a second DNS answer)."""
    stream = resp.extensions.get("network_stream")
    if stream is None:
        return None
    server = stream.get_extra_info("server_addr")
    return parse_address(str(server[0])) if server else None


def _result(
    url: str, status: int, resp: httpx.Response, body: bytes, permanent: str | None
) -> FetchResult:
    return FetchResult(
        url=without_userinfo(url),  # the base of the page's links: a password is not passed on
        status=status,
        body=body,
        etag=_ascii(resp.headers.get("etag")),
        last_modified=_ascii(resp.headers.get("last-modified")),
        content_type=resp.headers.get("content-type", ""),
        permanent_url=permanent,
        max_age=_max_age(resp.headers.get("cache-control")),
        body_hash=hashlib.sha256(body).hexdigest() if status != 304 else "",
    )


def _ascii(validator: str | None) -> str | None:
    """A validator that can be sent back (httpx reads headers as UTF-8, sends them as ASCII)."""
    return validator if validator is None or validator.isascii() else None


def _status_error(url: str, resp: httpx.Response) -> HTTPStatusError:
    status = resp.status_code
    retry = parse_retry_after(resp.headers.get("retry-after"), datetime.now(UTC))
    hint = ""
    if status in (429, 503) and retry is not None:
        hint = f"; the server asks to wait {retry:.0f}s"
    return HTTPStatusError(
        status, f"fetch: {url}: HTTP {status} {resp.reason_phrase}{hint}", retry_after=retry
    )


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" is a digit to str.isdigit, not to float
        return min(float(value), RETRY_AFTER_MAX)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), RETRY_AFTER_MAX)


def _max_age(value: str | None) -> float | None:
    if not value:
        return None
    for part in value.split(","):
        key, _, arg = part.strip().partition("=")
        if (
            key.lower() in ("max-age", "s-maxage")
            and arg.strip().isascii()
            and arg.strip().isdigit()
        ):
            return float(arg)
    return None
