"""A real browser renders the pages people read: headless Chromium (one process for the module)
opens the index, a scope page and /status of a site filled by `run --once` from the fixture
portal, and of an empty site, all served by syndication.web's app through uvicorn on
127.0.0.1, at 1280 and 412 CSS pixels wide. Nothing may overflow the viewport and nothing may
fail to load (the server's strict CSP included). Screenshots go to var/screenshots/.

Skipped when Chromium is not installed, except in CI (CI=true), where it fails instead.
"""

from __future__ import annotations

import asyncio
import os
import struct
import threading
import tomllib
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from feeds.server import RunningServer, start_server
from syndication.config import load
from syndication.store import open_store
from syndication.web import build_app
from tests.chromium import BINARY, Chromium, Visit
from tests.feedmaker import Post, rss
from tests.portal import running_portal
from tests.test_daemon import cli, daemon_config, source

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
WIDTHS = (1280, 412)
# A headline no naive page survives: markup, and one word wider than any phone.
HOSTILE = "<script>alert(1)</script> Jalan poros " + "#SamarindaBontangSangattaTenggarong" * 3
PNG = b"\x89PNG\r\n\x1a\n"

if BINARY is None:
    if os.environ.get("CI"):
        pytest.fail("no chromium installed: CI must install it (apt: chromium)")
    pytest.skip("no chromium installed (apt: chromium)", allow_module_level=True)


def demo_posts() -> list[Post]:
    """The demo's sample articles (realistic Kaltim headlines), an hour apart."""
    text = resources.files("syndication.demo").joinpath("articles.toml").read_text("utf-8")
    now = datetime.now(UTC)
    posts = []
    for n, article in enumerate(tomllib.loads(text)["articles"]):
        paragraphs = [f"{article['dateline']} – {article['body'][0]}", *article["body"][1:]]
        body = "".join(f"<p>{p}</p>" for p in paragraphs) + f"<p>({article['credit']})</p>"
        published = now - timedelta(hours=n + 1)
        posts.append(
            Post(article["slug"], article["title"], published, article["categories"], body)
        )
    return posts


def tiny_png() -> bytes:
    """A real 2x1 PNG, for the item picture the portal serves."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes([200, 60, 30, 30, 90, 200]))
    return PNG + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def fill(folder: Path, sources: str) -> Path:
    """A config in `folder` and one `run --once` (dry run: no token) on it."""
    folder.mkdir()
    config = daemon_config(
        folder / "config.toml", db_url=f"sqlite:///{folder / 'db.sqlite3'}", sources=sources,
        chats={"kukar": "@kabar_kukar", "kutim": "@kabar_kutim"},
    )  # fmt: skip
    done = cli(config, "run", "--once")
    assert done.returncode == 0, done.stderr[-3000:]
    return config


class Served:
    """syndication.web's app for a config, on uvicorn at 127.0.0.1 in a thread of its own."""

    def __init__(self, config_path: Path) -> None:
        config = load(config_path)
        self.store = open_store(config.database_url)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        app = build_app(config, self.store)
        started = asyncio.run_coroutine_threadsafe(start_server(app, "127.0.0.1", 0), self.loop)
        self.server: RunningServer = started.result(timeout=60)
        self.url = self.server.base_url

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=60)
        self.loop.close()
        self.store.engine.dispose()


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """ "full" (the demo's articles, a hostile headline with a picture, a dead source) and
    "empty" (only a dead source), each filled by `run --once` and served; name -> base URL."""
    root = tmp_path_factory.mktemp("browser")
    with running_portal() as portal:
        picture = f"{portal.url}/wp-content/uploads/erau.png"
        hostile = Post("jalan-poros", HOSTILE, datetime.now(UTC) - timedelta(minutes=20),
                       ["Pemerintah"], "<p>TENGGARONG – Pemkab Kukar membangun jalan.</p>",
                       image=picture)  # fmt: skip
        portal.set("/feed/", rss(portal.url, [hostile, *demo_posts()]))
        portal.set("/wp-content/uploads/erau.png", tiny_png(), content_type="image/png")
        dead = source("mati", f"{portal.url}/hilang/feed/")
        full = fill(root / "full", source("portal", f"{portal.url}/feed/") + dead)
        empty = fill(root / "empty", dead)
        served = {"full": Served(full), "empty": Served(empty)}
        try:
            yield {name: s.url for name, s in served.items()}
        finally:
            for s in served.values():
                s.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    assert BINARY is not None
    with Chromium(BINARY, tmp_path_factory.mktemp("chromium")) as chromium:
        yield chromium


PAGES = [
    # (site, path, a text the reader must see)
    ("full", "index.html", "Bupati Kukar Resmikan Jembatan"),
    ("full", "regency/kukar.html", "Jalan poros #Samarinda"),
    ("full", "status", "mati"),
    ("empty", "index.html", "Belum ada berita."),
    ("empty", "all.html", "Belum ada berita."),
    ("empty", "status", "mati"),
]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("site", "path", "expected"), PAGES)
def test_the_page_fits_the_screen_and_loads_completely(
    sites: dict[str, str], browser: Chromium, site: str, path: str, expected: str, width: int
) -> None:
    visit = browser.visit(sites[site] + path, width)
    save(visit, f"{site}-{path.replace('/', '_').removesuffix('.html')}-{width}.png")
    assert expected in visit.text
    assert visit.scripts == 0  # the hostile headline stays text
    assert visit.problems == [], visit.problems
    assert visit.inner_width == width
    assert visit.scroll_width <= visit.inner_width, visit.overflowing
    assert visit.overflowing == []


def save(visit: Visit, name: str) -> None:
    assert visit.screenshot[:8] == PNG
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / name).write_bytes(visit.screenshot)
