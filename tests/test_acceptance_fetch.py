"""Acceptance, black-box: portals that redirect, fail then recover, answer 304 with only one
validator, or answer slowly; what `status --json` then says about each source."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.acceptance_kit import config_text, kukar, once, rss2, source, status, titles, write
from tests.portal import Portal


class OneValidator:
    """A feed server sending only an ETag or only a Last-Modified, and honouring just that."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.body = b""
        self.log: list[tuple[str, int]] = []  # (conditional header seen, status)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                etag, lastmod = '"v-' + str(len(outer.body)) + '"', "Tue, 19 Nov 2024 01:02:03 GMT"
                if outer.kind == "etag":
                    seen, validator = self.headers.get("If-None-Match"), ("ETag", etag)
                    fresh = seen == etag
                else:
                    seen, validator = (
                        self.headers.get("If-Modified-Since"),
                        ("Last-Modified", lastmod),
                    )
                    fresh = seen == lastmod
                status = 304 if fresh else 200
                outer.log.append((seen or "", status))
                self.send_response(status)
                self.send_header(*validator)
                if status == 200:
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                if status == 200:
                    self.wfile.write(outer.body)

        return Handler


@contextmanager
def one_validator(kind: str) -> Iterator[OneValidator]:
    srv = OneValidator(kind)
    thread = threading.Thread(target=srv.server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.server.shutdown()
        srv.server.server_close()


def test_conditional_get_with_etag_only_and_last_modified_only(tmp_path: Path) -> None:
    with one_validator("etag") as etag, one_validator("lastmod") as lastmod:
        for srv in (etag, lastmod):
            srv.body = rss2(srv.url, [kukar("c1", "Pemkab Kukar Uji Validator")]).encode()
        sources = source("etag", f"{etag.url}/feed/") + source("lastmod", f"{lastmod.url}/feed/")
        config = write(tmp_path, config_text(sources))
        once(config)
        once(config)
        for srv in (etag, lastmod):
            assert [s for _, s in srv.log] == [200, 304], (srv.kind, srv.log)
        health = {s["id"]: s for s in status(config)["sources"]}
        for sid in ("etag", "lastmod"):
            assert health[sid]["healthy"] and health[sid]["not_modified_count"] == 1
            assert health[sid]["last_status"] in (200, 304)
        assert len(titles(tmp_path / "out", "all.json")) == 1  # one story, two portals


def test_redirect_failure_recovery_and_slow_portal(portal: Portal, tmp_path: Path) -> None:
    b = portal.url
    portal.set("/lama/feed/", b"", status=301, headers={"Location": f"{b}/baru/feed/"},
               content_type="text/html")  # fmt: skip
    portal.set("/baru/feed/", rss2(b, [kukar("r1", "Pemkab Kukar Pindah Alamat Situs")]))
    portal.set("/rusak/feed/", b"<h1>Internal Server Error</h1>", status=500,
               content_type="text/html")  # fmt: skip
    portal.set("/lambat/feed/", rss2(b, [kukar("l1", "Pemkab Kukar Server Lambat")]), delay=2.0)
    sources = (source("pindah", f"{b}/lama/feed/") + source("rusak", f"{b}/rusak/feed/")
               + source("lambat", f"{b}/lambat/feed/"))  # fmt: skip
    config = write(tmp_path, config_text(sources))
    once(config)  # exit 0 although one source failed
    got = titles(tmp_path / "out", "all.json")
    assert "Pemkab Kukar Pindah Alamat Situs" in got and "Pemkab Kukar Server Lambat" in got
    health = {s["id"]: s for s in status(config)["sources"]}
    assert health["pindah"]["healthy"] and health["lambat"]["healthy"]
    broken = health["rusak"]
    assert not broken["healthy"] and broken["consecutive_failures"] == 1
    assert broken["last_error"] and broken["last_success"] is None
    assert broken["last_status"] == 500
    once(config)
    assert {s["id"]: s for s in status(config)["sources"]}["rusak"]["consecutive_failures"] == 2
    portal.set("/rusak/feed/", rss2(b, [kukar("p1", "Pemkab Kukar Situs Pulih Kembali")]))
    once(config)
    fixed = {s["id"]: s for s in status(config)["sources"]}["rusak"]
    assert fixed["healthy"] and fixed["consecutive_failures"] == 0 and fixed["last_success"]
    assert fixed["last_error"] is None
    assert "Pemkab Kukar Situs Pulih Kembali" in titles(tmp_path / "out", "all.json")
    assert fixed["items_count"] == 1 and fixed["first_poll_done"] is True
