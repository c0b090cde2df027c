"""The verifying TLS context (certifi's bundle, 30 ms to load) is made at the first https
request, not at start: a process whose sources are all http never loads it. https still
verifies: a certificate nobody vouches for is refused, one the trust store holds is taken."""

from __future__ import annotations

import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from syndication.errors import FetchError
from syndication.fetch import Fetcher, FetchPolicy, LazyTLSTransport
from tests.portal import Portal


class _Hello(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", "6")
        self.end_headers()
        self.wfile.write(b"<rss/>")


@pytest.fixture
def tls_portal(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An https server on 127.0.0.1 with a self-signed certificate; (its URL, the cert)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/feed", cert
    finally:
        server.shutdown()
        server.server_close()


def _policy() -> FetchPolicy:
    return FetchPolicy(user_agent="tls-test", connect_timeout=3, read_timeout=3, total_timeout=5)


def _transport(fetcher: Fetcher) -> LazyTLSTransport:
    transport = fetcher.transport
    assert isinstance(transport, LazyTLSTransport)
    return transport


async def test_plain_http_never_makes_the_verifying_context(portal: Portal) -> None:
    portal.set("/feed/", "<rss/>")
    fetcher = Fetcher(_policy())
    try:
        assert (await fetcher.get(portal.url + "/feed/")).body == b"<rss/>"
        assert _transport(fetcher)._tls is None
    finally:
        await fetcher.aclose()


async def test_https_refuses_a_certificate_nobody_vouches_for(
    tls_portal: tuple[str, Path],
) -> None:
    url, _ = tls_portal
    fetcher = Fetcher(_policy())
    try:
        with pytest.raises(FetchError):
            await fetcher.get(url)
        assert _transport(fetcher)._tls is not None
    finally:
        await fetcher.aclose()


async def test_https_takes_a_certificate_the_trust_store_holds(
    tls_portal: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = tls_portal
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # read when the context is made
    fetcher = Fetcher(_policy())
    try:
        assert (await fetcher.get(url)).body == b"<rss/>"
    finally:
        await fetcher.aclose()
