"""`make demo`: the real daemon on a bundled demo portal, fully offline.

A demo portal on 127.0.0.1 publishes one of the sample articles (articles.toml) every few
seconds, as an RSS feed and as an HTML listing; the daemon polls both, publishes the feeds at
http://127.0.0.1:8080/ and prints the Telegram messages it would send (dry run: no token).
Everything it writes goes to a temporary folder, never into the source tree.
"""

from __future__ import annotations

import argparse
import html
import os
import socket
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

from ..cli import main as cli_main
from . import preview


@dataclass
class Published:
    article: dict[str, Any]
    when: datetime


class DemoPortal:
    """Serves /feed/, /berita/ (listing) and /berita/<slug>/ (articles) from memory."""

    def __init__(self, every: float) -> None:
        data = resources.files("syndication.demo").joinpath("articles.toml").read_text("utf-8")
        self.articles = tomllib.loads(data)["articles"]
        self.every = every
        self.published: list[Published] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self.publish_next()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self._clock, daemon=True).start()

    def _clock(self) -> None:
        while True:  # for as long as the demo runs
            time.sleep(self.every)
            self.publish_next()

    def publish_next(self) -> None:
        """The next sample article; after the last one, the samples again as new articles
        (an edition number in slug and title, so each is a new story)."""
        with self.lock:
            n = len(self.published)
            art = dict(self.articles[n % len(self.articles)])
            edition = n // len(self.articles) + 1
            if edition > 1:
                art["slug"] = f"{art['slug']}-{edition}"
                art["title"] = f"{art['title']} (edisi {edition})"
            self.published.append(Published(art, datetime.now(UTC)))
            print(f"demo portal: published {art['title']!r}", flush=True)

    def feed(self) -> bytes:
        with self.lock:
            items = "".join(self._rss_item(p) for p in reversed(self.published))
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Portal Demo Kaltim</title><link>{self.url}/</link>"
            f"<description>Demo</description>{items}</channel></rss>"
        ).encode()

    def _rss_item(self, p: Published) -> str:
        a, link = p.article, f"{self.url}/berita/{p.article['slug']}/"
        cats = "".join(f"<category>{html.escape(c)}</category>" for c in a["categories"])
        return (
            f"<item><title>{html.escape(a['title'])}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid><pubDate>{format_datetime(p.when)}</pubDate>'
            f"{cats}<content:encoded><![CDATA[{_body(a)}]]></content:encoded></item>"
        )

    def listing(self) -> bytes:
        with self.lock:
            posts = "".join(
                f'<article class="post"><h2 class="entry-title"><a href="/berita/'
                f'{p.article["slug"]}/">{html.escape(p.article["title"])}</a></h2></article>'
                for p in reversed(self.published)
            )
        return _page("Berita", f'<main class="site-main">{posts}</main>').encode()

    def article(self, slug: str) -> bytes | None:
        with self.lock:
            found = next((p for p in self.published if p.article["slug"] == slug), None)
        if found is None:
            return None
        a = found.article
        crumbs = " / ".join(["Home", *a["categories"]])
        head = (
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{found.when.isoformat()}">'
        )
        main = (
            f'<div class="breadcrumb">{html.escape(crumbs)}</div><article class="post">'
            f'<h1 class="entry-title">{html.escape(a["title"])}</h1>'
            f'<div class="entry-content">{_body(a)}</div></article>'
        )
        return _page(a["title"], main, head).encode()


def _body(a: dict[str, Any]) -> str:
    paras = [html.escape(p) for p in a["body"]]
    paras[0] = f"{html.escape(a['dateline'])}, demo.kaltim – {paras[0]}"
    paras[-1] += f" ({html.escape(a['credit'])})"
    return "".join(f"<p>{p}</p>" for p in paras)


def _page(title: str, main: str, head: str = "") -> str:
    return (
        f"<!doctype html><html lang=id><head><meta charset=utf-8><title>{html.escape(title)}"
        f"</title>{head}</head><body><nav><a href='/'>Home</a> <a href='/category/x/'>"
        f"Kategori</a></nav>{main}</body></html>"
    )


def _handler(portal: DemoPortal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/feed/":
                self._send(portal.feed(), "application/rss+xml; charset=utf-8")
            elif self.path in ("/", "/berita/"):
                self._send(portal.listing(), "text/html; charset=utf-8")
            elif self.path.startswith("/berita/"):
                body = portal.article(self.path.strip("/").split("/")[-1])
                self._send(body or b"not found", "text/html; charset=utf-8", 200 if body else 404)
            else:
                self._send(b"not found", "text/plain", 404)

        def _send(self, body: bytes, ctype: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def demo_config(folder: Path, portal_url: str, port: int, interval: str) -> Path:
    shipped = resources.files("syndication.demo").joinpath("demo.toml").read_text("utf-8")
    text = (
        shipped.replace("@PORTAL@", portal_url)
        .replace("@PORT@", str(port))
        .replace("@INTERVAL@", interval)
    )
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m syndication.demo")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between articles")
    parser.add_argument("--dir", help="where to write (default: a new temporary folder)")
    args = parser.parse_args(argv)
    folder = Path(args.dir or tempfile.mkdtemp(prefix="syndication-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    port = args.port or free_port()  # 0: any free port (the feeds' base_url must name it)
    portal = DemoPortal(args.every)
    portal.start()
    config = demo_config(folder, portal.url, port, f"{max(1, int(args.every))}s")
    os.environ.pop("SYNDICATION_DEMO_TOKEN", None)
    print(f"demo: portal at {portal.url}/, data in {folder}", flush=True)
    print(f"demo: feeds at http://127.0.0.1:{port}/ (Ctrl-C stops)", flush=True)
    print(
        "demo: look inside from another terminal:\n"
        f"  .venv/bin/syndication --config {config} status\n"
        f"  .venv/bin/syndication --config {config} explain {portal.url}/berita/"
        f"{portal.articles[0]['slug']}/",
        flush=True,
    )
    preview.install()  # dry-run messages as the channel shows them, not raw HTML
    return cli_main(["--config", str(config), "run"])


if __name__ == "__main__":
    raise SystemExit(main())
