"""A fixture portal on 127.0.0.1: pages and feeds with ETag/Last-Modified, 304s, redirects,
errors, delays and gzip, and a log of every request it answered."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer(ThreadingHTTPServer):
    """The stdlib's threaded server with a listen backlog of 128, not 5: a poll of ten pages
    at once, on a machine busy with the rest of the suite, overflowed the five, the kernel
    dropped the SYNs past them, and the client's retry (1 s, then 3 s) ran past a test's
    2 s connect timeout: a ConnectTimeout on loopback, a flaky test."""

    request_queue_size = 128


@dataclass
class Page:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    validators: bool = True  # send ETag and Last-Modified
    gzip: bool = False
    reason: str | None = None  # the status line's reason phrase, when not the standard one


@dataclass
class Hit:
    path: str
    status: int
    conditional: bool
    user_agent: str
    start: float = 0.0  # time.time() when the request arrived
    end: float = field(default_factory=time.time)  # when its answer was ready
    cookie: str = ""  # the Cookie header the request carried


class Portal:
    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: list[Hit] = []
        self.begun: list[str] = []  # paths of requests as they arrive (a hit is logged at the end)
        self.arrivals: list[tuple[str, float]] = []  # (path, time.time()) as they arrive
        self._lock = threading.Lock()
        self._hurry = threading.Event()
        handler = _handler(self)
        self.server = LoopbackServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def set(self, path: str, body: bytes | str = b"", **kwargs: object) -> Page:
        data = body.encode() if isinstance(body, str) else body
        page = Page(body=data, **kwargs)  # type: ignore[arg-type]
        self.pages[path] = page
        return page

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def arrived(self, path: str) -> list[float]:
        """When each request for `path` arrived, answered or not yet."""
        with self._lock:
            return [at for p, at in self.arrivals if p == path]

    def hurry(self) -> None:
        """Answer the requests waiting out a page's delay now, and later ones without delay."""
        self._hurry.set()

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def start(self) -> Portal:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(portal: Portal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body in one segment: no Nagle / delayed-ACK stall on every response
        disable_nagle_algorithm = True
        wbufsize = 1 << 16

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            start = time.time()
            with portal._lock:
                portal.begun.append(self.path)
                portal.arrivals.append((self.path, start))
            page = portal.pages.get(self.path)
            conditional = bool(
                self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
            )
            ua = self.headers.get("User-Agent", "")
            cookie = self.headers.get("Cookie", "")
            if page is None:
                portal.record(Hit(self.path, 404, conditional, ua, start, cookie=cookie))
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            if page.delay:
                portal._hurry.wait(page.delay)
            etag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'
            lastmod = "Mon, 18 Nov 2024 12:00:00 GMT"
            headers = {"Content-Type": page.content_type, **page.headers}
            if page.validators and page.status == 200:
                headers.update({"ETag": etag, "Last-Modified": lastmod})
                if self.headers.get("If-None-Match") == etag:
                    portal.record(Hit(self.path, 304, conditional, ua, start, cookie=cookie))
                    self._send(304, b"", {"ETag": etag})
                    return
            body = page.body
            if page.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            portal.record(Hit(self.path, page.status, conditional, ua, start, cookie=cookie))
            self._send(page.status, body, headers, page.reason)

        def _send(
            self, status: int, body: bytes, headers: dict[str, str], reason: str | None = None
        ) -> None:
            self.send_response(status, reason)
            for key, value in headers.items():
                self.send_header(key, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

    return Handler


@contextmanager
def running_portal() -> Iterator[Portal]:
    portal = Portal().start()
    try:
        yield portal
    finally:
        portal.stop()
