"""A real browser renders the pages: headless Chromium loads a scope page, the index and an
empty site at desktop and phone widths. Skipped when Chromium is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from feeds import publish, write_index
from tests.test_feeds_support import all_scopes, hostile_entries, make_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt: chromium)")


def chromium(url: str, width: int, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    command += [f"--window-size={width},1200", *args, url]
    return subprocess.run(command, capture_output=True, timeout=120, check=True)


def build(root: Path, empty: bool = False) -> None:
    entries = [] if empty else hostile_entries()
    site = make_site()
    publish(site, root, [(s, entries) for s in all_scopes()], chats={"regency/kukar": "@x_kukar"})
    write_index(site, root, all_scopes(), entries)


@pytest.mark.parametrize("width", [1280, 412])
@pytest.mark.parametrize(
    ("page", "empty", "expected"),
    [
        ("all.html", False, "Festival Erau 2024"),
        ("index.html", False, "Kabupaten/Kota"),
        ("index.html", True, "Belum ada berita."),
        ("regency/kukar/pemerintah.html", True, "Belum ada berita."),
    ],
)
def test_chromium_renders_the_page(
    tmp_path: Path, page: str, empty: bool, expected: str, width: int
) -> None:
    build(tmp_path, empty)
    url = (tmp_path / page).as_uri()
    dom = chromium(url, width, "--dump-dom").stdout.decode("utf-8")
    assert expected in dom
    assert "<script" not in dom  # the hostile headline stays text in the rendered DOM
    shot = tmp_path / "shot.png"
    chromium(url, width, f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
