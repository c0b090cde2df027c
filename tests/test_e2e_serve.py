"""`syndication serve` as a process, read by a real RSS client (newsboat) and by httpx:
every item with the right title, link and date; conditional requests answered 304."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from syndication.config import load
from syndication.service import run_once
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_e2e_once import kukar_post, kutim_post
from tests.test_feeds_newsboat import cached_items, reader_home, reload

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # generous: a loaded machine starts a process slowly
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
        try:
            if httpx.get(url + "healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
def test_newsboat_reads_what_syndication_serve_serves(tmp_path: Path, portal: Portal) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    config_path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        server=True,
        port=port,
        sources=f"""
        [[sources]]
        id = "portal"
        url = "{portal.url}/feed/"
        """,
    )
    text = config_path.read_text().replace(
        'base_url = "http://127.0.0.1:8080/"', f'base_url = "{base}"'
    )
    config_path.write_text(text)
    posts = [
        kukar_post("satu", "Pemkab Kukar Buka Pelatihan UMKM di Tenggarong"),
        kukar_post("dua", "Bupati Kukar Tinjau Jalan Rusak di Loa Kulu", hours=2),
        kutim_post("tiga", "Pemkab Kutim Salurkan Bibit Sawit ke Petani"),
    ]
    portal.set("/feed/", rss(portal.url, posts))
    assert asyncio.run(run_once(load(config_path))) == 0

    proc = subprocess.Popen(
        [sys.executable, "-m", "syndication", "--config", str(config_path), "serve"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_ready(base, proc)
        names = ["all.rss", "regency/kukar.atom", "regency/kukar/advertorial.rss"]
        homes = [reader_home(tmp_path / f"r{i}", base + n) for i, n in enumerate(names)]
        for home in homes:
            asyncio.run(reload(home))
        expected_kukar = {
            (p.title, f"{portal.url}/{p.slug}/", int(p.published.timestamp())) for p in posts[:2]
        }
        got = {
            name: set(cached_items(h).get(base + name, []))
            for name, h in zip(names, homes, strict=True)
        }
        assert got["regency/kukar.atom"] == expected_kukar
        assert got["regency/kukar/advertorial.rss"] == expected_kukar
        assert len(got["all.rss"]) == 3

        first = httpx.get(base + "all.rss")
        assert first.headers["content-type"].startswith("application/rss+xml")
        again = httpx.get(base + "all.rss", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert httpx.get(base + "../config.toml").status_code == 404
        assert httpx.get(base + "index.html").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)  # closes the pipes too
        assert proc.returncode == 0
    assert "event=serving" in err.decode()


def test_serve_on_a_machine_of_its_own_serves_what_run_published(
    tmp_path: Path, portal: Portal
) -> None:
    """A `serve` whose output_dir is empty (another machine, one database) writes what the
    publishing process keeps in the database, at start and as it changes (review of
    2026-12-06: it answered 404 for every feed)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    sources = f'[[sources]]\nid = "portal"\nurl = "{portal.url}/feed/"\n'
    db = f"sqlite:///{tmp_path}/db.sqlite3"
    publishing = write_config(tmp_path / "run.toml", db_url=db, sources=sources)
    serving = write_config(
        tmp_path / "serve.toml", db_url=db, server=True, port=port, sources=sources
    )
    text = serving.read_text().replace('output_dir = "public"', 'output_dir = "elsewhere"')
    serving.write_text(text)
    assert load(serving).output_dir != load(publishing).output_dir
    portal.set("/feed/", rss(portal.url, [kukar_post("satu", "Pemkab Kukar Buka Pelatihan")]))
    assert asyncio.run(run_once(load(publishing))) == 0

    proc = subprocess.Popen(
        [sys.executable, "-m", "syndication", "--config", str(serving), "serve"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_ready(base, proc)
        published = (load(publishing).output_dir / "all.rss").read_bytes()
        assert _served(base + "all.rss") == published
        # a later publish reaches it too
        portal.set(
            "/feed/",
            rss(portal.url, [kukar_post("dua", "Bupati Kukar Tinjau Jalan", hours=1)]),
        )
        assert asyncio.run(run_once(load(publishing))) == 0
        newer = (load(publishing).output_dir / "all.rss").read_bytes()
        assert newer != published
        deadline = time.monotonic() + 120
        while _served(base + "all.rss") != newer:
            assert time.monotonic() < deadline, "the newer feed never reached the server"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()[-2000:]


def _served(url: str) -> bytes | None:
    answer = httpx.get(url)
    return answer.content if answer.status_code == 200 else None
