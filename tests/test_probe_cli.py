"""`syndication probe URL` (the CLI's main, in-process) against the fixture portal: its
`[[sources]]` block, pasted into a config, makes `run --once` store the portal's articles."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import feedparser

from syndication.config import load
from syndication.store import open_store
from tests import inprocess
from tests.conftest import write_config
from tests.portal import Portal
from tests.test_e2e_html import HTML, SEED, THEMES, fixture, serve_theme


def cli(*args: str, cwd: Path, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    """syndication ARGS in `cwd` (where a ./config.toml would be read), in-process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATION_")}
    if config is not None:
        env["SYNDICATION_CONFIG"] = str(config)
    return inprocess.run(args, env=env, cwd=cwd)


def suggested_block(stdout: str) -> str:
    assert "paste into config.toml):" in stdout, stdout
    return stdout.split("paste into config.toml):", 1)[1]


def run_block(tmp_path: Path, block: str) -> list[str]:
    """Paste the block into a full config, `run --once`, return the stored item URLs."""
    path = write_config(
        tmp_path / "run.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite3", sources=block
    )
    done = cli("--config", str(path), "run", "--once", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    store = open_store(load(path).database_url)
    try:
        return [i.url for i in store.scope_items("all", 100)]
    finally:
        store.engine.dispose()


def test_probe_of_a_portal_without_feed_gives_a_working_html_source(
    tmp_path: Path, portal: Portal
) -> None:
    paths = serve_theme(portal, "newspaper")  # no /feed/, no /wp-json/: 404
    settings = write_config(tmp_path / "config.toml", db_url="sqlite:///unused.db", sources="")
    done = cli("probe", portal.url + "/", cwd=tmp_path, config=settings)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Listing: 3 article links" in out
    assert "DPRD Kukar Setujui Raperda APBD 2025 Senilai Rp13 Triliun" in out
    assert (
        "normalized: categories pemerintah, advertorial; regencies kukar" in out
    )  # the config's gazetteer
    block = suggested_block(out)
    (source,) = tomllib.loads(block)["sources"]
    assert source["kind"] == "html" and source["url"] == portal.url + "/"
    assert "selectors" not in source

    urls = run_block(tmp_path, block)
    assert sorted(urls) == sorted(portal.url + p for p in paths)
    feed = feedparser.parse((tmp_path / "public/regency/kukar.rss").read_bytes())
    assert [e.title for e in feed.entries] == [
        "DPRD Kukar Setujui Raperda APBD 2025 Senilai Rp13 Triliun"
    ]


def test_probe_of_a_portal_with_a_feed_suggests_the_feed(tmp_path: Path, portal: Portal) -> None:
    serve_theme(portal, "eksposisi")
    theme = THEMES["eksposisi"]
    portal.set("/feed/", fixture("eksposisi/feed.xml", theme, portal),
               content_type="application/rss+xml; charset=UTF-8")  # fmt: skip
    done = cli("probe", portal.url + "/", cwd=tmp_path)  # no config: no normalized lines
    assert done.returncode == 0, done.stderr
    assert "normalized:" not in done.stdout
    block = suggested_block(done.stdout)
    (source,) = tomllib.loads(block)["sources"]
    assert (source["kind"], source["url"]) == ("feed", portal.url + "/feed/")
    assert source["name"] == "Eksposisi"

    before = len(portal.hits)
    urls = run_block(tmp_path, block)
    assert portal.url + SEED in urls and len(urls) == 2
    assert {h.path for h in portal.hits[before:]} == {"/feed/"}  # a feed source: no pages


def test_probe_of_a_dead_host_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    done = cli("probe", "http://127.0.0.1:9/", cwd=tmp_path)
    assert done.returncode == 1
    assert "probe: http://127.0.0.1:9/: the page did not load (ConnectError" in done.stderr
    assert "did not load" in done.stdout


def test_probe_of_a_missing_page_exits_1(tmp_path: Path, portal: Portal) -> None:
    portal.set("/", "<html><body><h1>Portal</h1></body></html>", content_type=HTML)
    done = cli("probe", portal.url + "/hilang/", cwd=tmp_path)
    assert done.returncode == 1
    assert "the page did not load (HTTP 404)" in done.stderr
