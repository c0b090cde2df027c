"""Serving output_dir over HTTP: a Starlette app and a uvicorn runner.

Files are read whole (feeds are small) and validated by content: a strong ETag is the SHA-256
of the bytes, Last-Modified is the mtime, which `publish` only moves when the bytes change.
Gzip is done here rather than by GZipMiddleware so the compressed form gets its own strong
ETag (a strong validator names one exact byte sequence) and identical bytes every time.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .hardening import HEADER_TIMEOUT, HeaderTimeoutProtocol, SecurityHeaders

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "opml": "text/x-opml; charset=utf-8",
    "xsl": "text/xsl; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
# A browser downloads application/rss+xml instead of showing it; as application/xml it shows
# the feed's text. Readers keep the feed types.
_BROWSER_XML = "application/xml; charset=utf-8"
_GZIP_MIN_BYTES = 512
_CACHE_FILES = 1024


@dataclass(frozen=True)
class _File:
    body: bytes
    gzipped: bytes
    etag: str  # the bare hash; quoted and suffixed per representation
    last_modified: str
    mtime: int  # whole seconds, for If-Modified-Since
    content_type: str
    written: float = 0.0  # the file's modification time to the fraction of a second


class _FileCache:
    """Remembers hashes and gzip forms by (path, mtime_ns, size, inode), so each changes once."""

    def __init__(self, capacity: int = _CACHE_FILES) -> None:
        self._items: OrderedDict[Path, tuple[tuple[int, int, int], _File]] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()  # load() runs in worker threads, several at once

    def load(self, path: Path) -> _File | None:
        try:
            # open + fstat + read on one descriptor: os.replace may swap the file meanwhile.
            with path.open("rb") as handle:
                stat = os.fstat(handle.fileno())
                key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
                with self._lock:
                    cached = self._items.get(path)
                    if cached is not None and cached[0] == key:
                        self._items.move_to_end(path)
                        return cached[1]
                body = handle.read()
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            return None
        if body.startswith(_SQLITE_MAGIC):  # a database, whatever it is named
            return None
        loaded = _make_file(path, body, stat.st_mtime)
        with self._lock:
            self._items[path] = (key, loaded)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return loaded


def _make_file(path: Path, body: bytes, mtime: float) -> _File:
    extension = path.suffix.lstrip(".").lower()
    return _File(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),  # mtime=0: same bytes every time
        etag=hashlib.sha256(body).hexdigest()[:32],
        last_modified=formatdate(int(mtime), usegmt=True),
        mtime=int(mtime),
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        written=mtime,
    )


# never served, whatever folder output_dir is: a config file (it may hold a private feed's
# password) and SQLite's files (the database, its journal, its WAL); nor any file of a kind
# the publisher never writes (a database named "state.data", a log beside the files): only
# the _PUBLISHED extensions are served, and no SQLite database whatever its name
_PRIVATE = (".toml", ".sqlite", ".sqlite3", ".db", "-wal", "-shm", "-journal")
_SQLITE_MAGIC = b"SQLite format 3\x00"
# what the publisher writes (feeds.publish, feeds.index): a .txt, .xml or .xsl beside them is
# no file of its (a log, a backup, a token pasted in a note)
_PUBLISHED = frozenset({"rss", "atom", "json", "html", "opml"})


def locate(root: Path, url_path: str) -> Path | None:
    """The file under root that url_path names, or None: no "..", no dotfiles, no config or
    database files, none of a kind the publisher never writes, no absolute paths, nothing
    whose real path (symlinks followed) leaves root."""
    relative = url_path.lstrip("/") or "index.html"
    parts = relative.split("/")
    if "\x00" in relative or "\\" in relative:
        return None
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    name = parts[-1].lower()
    if name.endswith(_PRIVATE) or name.rpartition(".")[2] not in _PUBLISHED or "." not in name:
        return None  # an output_dir beside the config, the database, a log
    try:
        resolved = root.joinpath(*parts).resolve()
    except (OSError, RuntimeError):  # symlink loops, names too long
        return None
    try:
        if not resolved.is_relative_to(root) or not resolved.is_file():
            return None
    except OSError:  # ENAMETOOLONG and the like: no such file to serve
        return None
    return resolved


def _tokens(header: str) -> Iterator[str]:
    for token in header.split(","):
        token = token.strip()
        yield token[2:] if token.startswith("W/") else token


def _accepts_gzip(header: str) -> bool:
    """Whether Accept-Encoding admits gzip (RFC 9110 12.5.3): gzip, or its alias x-gzip,
    named with a weight above zero; else "*" with one. A coding named outweighs "*" wherever
    each stands ("*;q=0, gzip" asks for gzip)."""
    named: float | None = None
    anything: float | None = None
    for coding in header.lower().split(","):
        name, *params = coding.split(";")
        name, weight = name.strip(), _weight(params)
        if name in ("gzip", "x-gzip"):
            named = weight if named is None else max(named, weight)
        elif name == "*":
            anything = weight if anything is None else max(anything, weight)
    if named is not None:
        return named > 0
    return anything is not None and anything > 0


def _weight(params: list[str]) -> float:
    """A coding's q parameter; 1 without one, and 1 for one not written as a number."""
    for param in params:
        key, _, value = param.strip().partition("=")
        if key.strip() == "q":
            try:
                weight = float(value.strip())
            except ValueError:
                return 1.0
            return weight if 0.0 <= weight <= 1.0 else 1.0
    return 1.0


def _not_modified(
    request: Request, file: _File, etags: tuple[str, ...], dated: bool = True
) -> str | None:
    """The ETag a 304 should carry, or None when the full response is due (`dated`: whether
    the file's Last-Modified may answer an If-Modified-Since)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110 13.2.2)
        for tag in _tokens(if_none_match):
            if tag in etags:
                return tag
            if tag == "*":
                return etags[0]
        return None
    since = request.headers.get("if-modified-since")
    if since is None or not dated:
        return None
    try:
        unchanged = file.mtime <= int(parsedate_to_datetime(since).timestamp())
    except (TypeError, ValueError, OverflowError):
        return None
    return etags[0] if unchanged else None


def _is_browser(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "rss" not in accept and "atom" not in accept


def _respond(request: Request, file: _File, max_age: int) -> Response:
    use_gzip = len(file.body) >= _GZIP_MIN_BYTES and _accepts_gzip(
        request.headers.get("accept-encoding", "")
    )
    identity_tag, gzip_tag = f'"{file.etag}"', f'"{file.etag}-gz"'
    chosen_tag = gzip_tag if use_gzip else identity_tag
    content_type, vary = file.content_type, "Accept-Encoding"
    if content_type.startswith(("application/rss+xml", "application/atom+xml")):
        vary = "Accept-Encoding, Accept"
        content_type = _BROWSER_XML if _is_browser(request) else content_type
    headers = {
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": vary,
        # published files are public: a reader running in a browser (a web page on another
        # site) may fetch them too, as it may from any public feed service
        "Access-Control-Allow-Origin": "*",
    }
    # Last-Modified counts whole seconds: given within the second the file was written, it
    # would also date a version written later in that second, and an If-Modified-Since
    # would answer 304 for it (RFC 9110 8.8.2.2). Then the ETag alone validates.
    dated = time.time() >= file.written + 1
    if dated:
        headers["Last-Modified"] = file.last_modified
    # Only a form this request may get validates: a cache holding the gzip form asks with
    # its tag for a client that takes no gzip too (RFC 9111 4.3.2), and a 304 naming it
    # would have it send that client gzip. The unencoded form suits every client.
    matched = _not_modified(request, file, (chosen_tag, identity_tag), dated)
    if matched is not None:
        return Response(status_code=304, headers={"ETag": matched, **headers})
    body = file.gzipped if use_gzip else file.body
    headers["ETag"] = chosen_tag
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
    headers["Content-Length"] = str(len(body))
    headers["Content-Type"] = content_type
    content = b"" if request.method == "HEAD" else body
    return Response(content=content, status_code=200, headers=headers)


def create_app(
    output_dir: str | os.PathLike[str],
    extra_routes: Sequence[BaseRoute] = (),
    *,
    max_age: int = 300,
    prefix: str | Callable[[], str] = "/",
) -> ASGIApp:
    """An ASGI app serving output_dir: "/" is index.html, /healthz answers "ok", extra_routes
    (e.g. /readyz, /metrics) come before the files. `prefix` is the path of the public base URL
    (e.g. "/berita/feeds/"), or a function giving the current one (a config reloaded): the
    files are served under it, where every published link points, and at the root as well."""
    root = Path(output_dir).resolve()
    cache = _FileCache()
    current_prefix = prefix if callable(prefix) else (lambda: prefix)

    async def serve_file(request: Request) -> Response:
        url_path = request.url.path
        # the base URL's path is written encoded ("/berita%20kaltim/"), the request's decoded
        wanted = unquote(current_prefix()).strip("/")
        if wanted and (url_path + "/").startswith(f"/{wanted}/"):
            url_path = url_path[len(wanted) + 1 :]
        path = locate(root, url_path)
        file = None if path is None else await anyio.to_thread.run_sync(cache.load, path)
        if file is None:
            return PlainTextResponse("not found\n", status_code=404)
        return _respond(request, file, max_age)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        *extra_routes,
        Route("/{path:path}", serve_file, methods=["GET", "HEAD"]),
    ]
    return SecurityHeaders(_no_store_by_default(_origin_form(Starlette(routes=routes))))


def _origin_form(app: ASGIApp) -> ASGIApp:
    """Reads a request target in absolute form (`GET http://host/all.rss`) as its path: a
    server MUST accept it (RFC 9112 3.2.2), a client sends it when told the server is its
    proxy, and routes match paths only. Dot segments stay for locate() to refuse."""

    async def routed(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "/")
        if scope["type"] == "http" and not path.startswith("/") and "://" in path:
            raw = (scope.get("raw_path") or path.encode()).decode("latin-1")
            scope = {**scope, "path": _after_authority(path)}
            scope["raw_path"] = _after_authority(raw).encode("latin-1")
        await app(scope, receive, send)

    return routed


def _after_authority(target: str) -> str:
    """The path of an absolute-form target: from the first "/" after "scheme://host", or "/".
    Not urlsplit, which raises on a "[" a client put in the host ("Invalid IPv6 URL")."""
    rest = target.split("://", 1)[-1]
    slash = rest.find("/")
    return rest[slash:] if slash >= 0 else "/"


def _no_store_by_default(app: ASGIApp) -> ASGIApp:
    """Cache-Control: no-store on a response that names no lifetime (/healthz, /readyz,
    /metrics, /status, a 404): a cache in front keeps one without it (Varnish 120 s), and a
    monitor behind it would read a stale health, a shared cache the admin's status page."""

    async def stamped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("Cache-Control", "no-store")
            await send(message)

        await app(scope, receive, send_stamped if scope["type"] == "http" else send)

    return stamped


# --- running it --------------------------------------------------------------------------------


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the caller owns SIGINT/SIGTERM and calls stop()."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class RunningServer:
    server: uvicorn.Server
    task: asyncio.Task[None]
    host: str
    port: int

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def stop(self) -> None:
        """Stop accepting, finish open requests (up to 5 s), return when down."""
        self.server.should_exit = True
        await self.task

    async def wait(self) -> None:
        """Return when the server stops (after stop(), or if it fails)."""
        await asyncio.shield(self.task)


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening-ready socket on host:port; OSError (e.g. EADDRINUSE) when it is taken.
    Binding comes first so a caller can refuse to start before doing anything else."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


async def start_server(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    sock: socket.socket | None = None,
    log_level: str = "warning",
    access_log: bool = False,
    header_timeout: float = HEADER_TIMEOUT,
) -> RunningServer:
    """Start uvicorn on host:port (0 = any free port), or on `sock` from bind(), in this event
    loop; returns once it accepts connections. A port already in use raises OSError here (not
    SystemExit)."""
    if sock is None:
        sock = bind(host, port)
    protocol = type("Protocol", (HeaderTimeoutProtocol,), {"header_timeout": header_timeout})
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=access_log,
        timeout_graceful_shutdown=5,
        http=protocol,
        timeout_keep_alive=5,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()  # re-raise why it could not start
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.01)
    return RunningServer(server, task, host, sock.getsockname()[1])
