"""The fetcher's cookie jar is bounded as a browser's is: so many cookies per domain and so many
in all, the least recently set dropped first. A portal that set a new cookie name on every
answer grew it for the life of the daemon, and every request and every Set-Cookie walked it.

Real loopback servers, as the other fetch tests; cookies are kept per host name, not per port
(http.cookiejar), so the hosts here are 127.0.0.1, localhost and other 127.0.0.x addresses.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import threading
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from syndication.fetch import COOKIES_PER_DOMAIN, BoundedCookieJar, Fetcher
from tests.portal import LoopbackServer
from tests.rawsock import policy


class Site:
    """A server on `address` whose answer to /new sets a cookie of a new name, c<n>=<n>, n
    counting the answers of all the test's sites; /set/<name> sets <name>=<n>; /delete/<name>
    expires it; /look sets none. It keeps the Cookie header of every request."""

    def __init__(self, address: str, counter: Iterator[int]) -> None:
        self.headers: list[str] = []
        self.server = LoopbackServer((address, 0), _handler(self, counter))
        self.server.daemon_threads = True
        self.url = f"http://{address}:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def last_sent(self) -> dict[str, str]:
        """The cookies the last request carried, by name."""
        pairs = [p.partition("=") for p in self.headers[-1].split("; ") if p]
        return {name: value for name, _, value in pairs}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(site: Site, counter: Iterator[int]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # as the portal's: no delayed-ACK stall per answer
        wbufsize = 1 << 16

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            site.headers.append(self.headers.get("Cookie", ""))
            n = next(counter)
            action, _, name = self.path.strip("/").partition("/")
            cookie = {
                "new": f"c{n}={n}; Path=/",
                "set": f"{name}={n}; Path=/",
                "delete": f"{name}=; Path=/; Max-Age=0",
            }.get(action)
            self.send_response(200)
            if cookie:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"<rss/>")

    return Handler


@pytest.fixture
def sites() -> Iterator[Callable[[str], Site]]:
    counter = itertools.count()
    started: list[Site] = []

    def start(address: str) -> Site:
        started.append(Site(address, counter))
        return started[-1]

    yield start
    for site in started:
        site.stop()


async def get(fetcher: Fetcher, url: str) -> None:
    assert (await fetcher.get(url)).body == b"<rss/>"


def jar(fetcher: Fetcher) -> dict[tuple[str, str], str]:
    """The jar's cookies as {(domain, name): value}."""
    return {(c.domain, c.name): c.value or "" for c in fetcher.cookies.jar}


async def test_a_new_cookie_name_on_every_answer_keeps_only_the_newest(
    sites: Callable[[str], Site],
) -> None:
    site = sites("127.0.0.1")
    fetcher = Fetcher(policy())
    try:
        for _ in range(300):
            await get(fetcher, site.url + "/new")
        await get(fetcher, site.url + "/look")
    finally:
        await fetcher.aclose()
    newest = {f"c{n}": str(n) for n in range(300 - COOKIES_PER_DOMAIN, 300)}
    assert site.last_sent() == newest
    assert jar(fetcher) == {("127.0.0.1", name): value for name, value in newest.items()}


async def test_two_hosts_each_keep_their_own_newest(sites: Callable[[str], Site]) -> None:
    site = sites("127.0.0.1")
    # the same server under another name: another domain to the jar ("localhost.local")
    hosts = [site.url, site.url.replace("127.0.0.1", "localhost")]
    fetcher = Fetcher(policy(cookies_per_domain=10))
    try:
        for _ in range(40):  # in turns: the even numbers' cookies are 127.0.0.1's
            for url in hosts:
                await get(fetcher, url + "/new")
        await get(fetcher, hosts[0] + "/look")
        first = site.last_sent()
        await get(fetcher, hosts[1] + "/look")
        second = site.last_sent()
    finally:
        await fetcher.aclose()
    assert first == {f"c{n}": str(n) for n in range(60, 80, 2)}
    assert second == {f"c{n}": str(n) for n in range(61, 80, 2)}
    assert len(jar(fetcher)) == 20


async def test_the_cap_in_all_holds_over_many_domains(sites: Callable[[str], Site]) -> None:
    hosts = [sites(f"127.0.0.{i}") for i in range(1, 5)]
    fetcher = Fetcher(policy(cookies_per_domain=2, cookies_in_all=5))
    try:
        for _ in range(3):  # c0 on the first host, c1 on the second, ... c11 on the fourth
            for site in hosts:
                await get(fetcher, site.url + "/new")
        for site in hosts:
            await get(fetcher, site.url + "/look")
    finally:
        await fetcher.aclose()
    # the five set last, whatever their domain: the cap in all dropped c0 to c6
    assert [site.last_sent() for site in hosts] == [
        {"c8": "8"},
        {"c9": "9"},
        {"c10": "10"},
        {"c7": "7", "c11": "11"},
    ]
    assert len(jar(fetcher)) == 5


async def test_a_cookie_set_again_replaces_and_counts_as_newest(
    sites: Callable[[str], Site],
) -> None:
    site = sites("127.0.0.1")
    fetcher = Fetcher(policy(cookies_per_domain=3))
    try:
        for name in ("a", "b", "c"):
            await get(fetcher, f"{site.url}/set/{name}")
        for _ in range(100):  # a session cookie renewed on every answer takes one place
            await get(fetcher, site.url + "/set/a")
        await get(fetcher, site.url + "/look")
        renewed = site.last_sent()
        await get(fetcher, site.url + "/set/d")  # b is now the least recently set
        await get(fetcher, site.url + "/look")
    finally:
        await fetcher.aclose()
    assert renewed == {"a": "102", "b": "1", "c": "2"}
    assert site.last_sent() == {"a": "102", "c": "2", "d": "104"}


async def test_a_cookie_the_portal_deletes_frees_its_place(sites: Callable[[str], Site]) -> None:
    site = sites("127.0.0.1")
    fetcher = Fetcher(policy(cookies_per_domain=3))
    try:
        for path in ("/set/a", "/set/b", "/set/c", "/delete/b", "/set/d", "/look"):
            await get(fetcher, site.url + path)
        after_d = site.last_sent()
        for path in ("/set/e", "/look"):
            await get(fetcher, site.url + path)
    finally:
        await fetcher.aclose()
    assert after_d == {"a": "0", "c": "2", "d": "4"}  # three in the jar: none dropped
    assert site.last_sent() == {"c": "2", "d": "4", "e": "6"}


# --- the cost of a request does not grow with the jar ------------------------------------
# http.cookiejar, for every Cookie header, asked every domain of the jar whether it matched
# the request (parsing the request's URL each time) and then walked every cookie for the
# expired: with a full jar that was 1.5 to 6 ms of CPU a request, where a 304 costs 0.6.


class CountingPolicy(http.cookiejar.DefaultCookiePolicy):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def domain_return_ok(self, domain: str, request: urllib.request.Request) -> bool:
        self.asked.append(domain)
        return super().domain_return_ok(domain, request)


class CountedCookie(http.cookiejar.Cookie):
    checked = 0  # how many times any was asked whether it has expired

    def is_expired(self, now: int | None = None) -> bool:
        CountedCookie.checked += 1
        return super().is_expired(now)


def cookie(
    domain: str, name: str = "k", cls: type[http.cookiejar.Cookie] = CountedCookie
) -> http.cookiejar.Cookie:
    dotted = domain.startswith(".")
    return cls(
        0, name, "v", None, False, domain, dotted, dotted, "/", True, False, None, False, None,
        None, {},
    )  # fmt: skip


async def test_a_request_looks_at_its_own_hosts_cookies_alone(
    sites: Callable[[str], Site],
) -> None:
    site = sites("127.0.0.1")
    fetcher = Fetcher(policy())
    counting = CountingPolicy()
    fetcher.cookies.jar.set_policy(counting)
    for n in range(200):  # other portals' cookies
        fetcher.cookies.jar.set_cookie(cookie(f"portal{n}.example"))
    try:
        await get(fetcher, site.url + "/set/mine")
        CountedCookie.checked = 0
        for _ in range(20):
            await get(fetcher, site.url + "/look")
    finally:
        await fetcher.aclose()
    assert site.last_sent() == {"mine": "0"}
    assert set(counting.asked) == {"127.0.0.1"}  # not the 200 other domains
    assert CountedCookie.checked == 0  # the expired were looked for at the first request


@pytest.mark.parametrize(
    "url",
    [
        "http://www.example.com/feed",
        "http://example.com:8080/a/b",
        "http://WWW.Example.COM/",
        "http://news.sub.example.com/",
        "http://localhost:8000/",
        "http://127.0.0.1/feed",
        "http://other.org/",
        "http://user:pw@www.example.com/",
    ],
)
def test_the_cookies_sent_are_those_http_cookiejar_sends(url: str) -> None:
    domains = [
        "www.example.com", ".example.com", "example.com", ".sub.example.com",
        "news.sub.example.com", "localhost.local", "127.0.0.1", ".com", "", "xample.com",
        "user:pw@www.example.com",
    ]  # fmt: skip
    ours, theirs = BoundedCookieJar(50, 1000), http.cookiejar.CookieJar()
    for jar in (ours, theirs):
        for n, domain in enumerate(domains):
            jar.set_cookie(cookie(domain, f"c{n}", http.cookiejar.Cookie))
    headers = []
    for jar in (ours, theirs):
        request = urllib.request.Request(url)
        jar.add_cookie_header(request)
        headers.append(sorted(request.get_header("Cookie", "").split("; ")))
    assert headers[0] == headers[1]
