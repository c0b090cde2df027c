"""Hostile review of when and what is published (syndication/publishing.py), end to end
through run_once with the fixture portal, real SQLite, reading the published files."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser

from syndication.config import load
from syndication.service import run_once
from tests.conftest import write_config
from tests.feedmaker import Post, rss
from tests.portal import Portal

NOW = datetime.now(UTC)


def post(slug: str, title: str, cats: list[str], minutes: float = 60) -> Post:
    return Post(
        slug,
        title,
        NOW - timedelta(minutes=minutes),
        cats,
        "<p>TENGGARONG, portal.test – Pemkab Kukar menggelar kegiatan di Tenggarong.</p>"
        "<p>Kegiatan berlangsung lancar.</p>",
    )


def config(tmp_path: Path, portal: Portal, extra: str = "") -> Path:
    return write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        extra=extra,
        sources=f"""
        [[sources]]
        id = "portal"
        url = "{portal.url}/feed/"
        interval = "5m"
        """,
    )


def once(path: Path) -> None:
    assert asyncio.run(run_once(load(path))) == 0


def links(public: Path, scope: str, ext: str = "rss") -> list[str]:
    return [e.link for e in feedparser.parse((public / f"{scope}.{ext}").read_bytes()).entries]


def snapshot(public: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(public)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in public.rglob("*")
        if p.is_file()
    }


def test_reclassified_item_leaves_its_old_pair_feeds_index_and_opml(
    tmp_path: Path, portal: Portal
) -> None:
    path = config(tmp_path, portal)
    public = tmp_path / "public"
    a = post("a", "Pemkab Kukar Bahas Anggaran Desa", ["Pemerintah"])
    portal.set("/feed/", rss(portal.url, [a]))
    once(path)
    assert links(public, "regency/kukar/pemerintah") == [f"{portal.url}/a/"]
    # the portal moves it to Bisnis, and corrects the title
    b = post("a", "Pemkab Kukar Bahas Harga Pasar", ["Bisnis"])
    portal.set("/feed/", rss(portal.url, [b]))
    once(path)
    assert links(public, "regency/kukar/pemerintah") == []
    assert links(public, "category/pemerintah") == []
    assert links(public, "regency/kukar/bisnis") == [f"{portal.url}/a/"]
    titles = [e.title for e in feedparser.parse((public / "all.atom").read_bytes()).entries]
    assert titles == ["Pemkab Kukar Bahas Harga Pasar"]
    index = (public / "index.html").read_text()
    opml = (public / "feeds.opml").read_text()
    assert "regency/kukar/pemerintah" not in index and "regency/kukar/bisnis" in index
    assert "regency/kukar/pemerintah" not in opml and "regency/kukar/bisnis" in opml


def test_withdrawn_item_leaves_every_feed_and_page(tmp_path: Path, portal: Portal) -> None:
    path = config(tmp_path, portal)
    public = tmp_path / "public"
    a = post("a", "Pemkab Kukar Bahas Anggaran Desa", ["Pemerintah"])
    b = post("b", "Pemkab Kukar Resmikan Jembatan", ["Pemerintah"], minutes=30)
    portal.set("/feed/", rss(portal.url, [a, b]))
    once(path)
    portal.set("/feed/", rss(portal.url, [a]))
    portal.set("/b/", "gone", status=404, content_type="text/plain")
    once(path)
    for scope in ("all", "category/pemerintah", "regency/kukar", "regency/kukar/pemerintah"):
        for ext in ("rss", "atom", "json"):
            body = (public / f"{scope}.{ext}").read_text()
            assert "Jembatan" not in body, (scope, ext)
        assert "Jembatan" not in (public / f"{scope}.html").read_text(), scope
    assert "Jembatan" not in (public / "index.html").read_text()


def test_nothing_new_rewrites_nothing(tmp_path: Path, portal: Portal) -> None:
    path = config(tmp_path, portal)
    public = tmp_path / "public"
    portal.set(
        "/feed/", rss(portal.url, [post("a", "Pemkab Kukar Bahas Anggaran", ["Pemerintah"])])
    )
    once(path)
    before = snapshot(public)
    once(path)
    assert snapshot(public) == before


def test_config_edit_reaches_every_file(tmp_path: Path, portal: Portal) -> None:
    """Only base_url and the site title change: every file shows them at the next publish,
    also the feeds of a pair whose last item left (still served)."""
    path = config(tmp_path, portal)
    public = tmp_path / "public"
    a = post("a", "Pemkab Kukar Bahas Anggaran Desa", ["Pemerintah"])
    portal.set("/feed/", rss(portal.url, [a]))
    once(path)
    portal.set("/feed/", rss(portal.url, [post("a", "Pemkab Kukar Bahas Pasar", ["Bisnis"])]))
    once(path)
    text = path.read_text().replace("http://127.0.0.1:8080/", "https://kabar.example/")
    path.write_text(text)
    once(path)
    stale = [
        str(p.relative_to(public))
        for p in public.rglob("*")
        if p.is_file() and "127.0.0.1:8080" in p.read_text()
    ]
    assert stale == []


def test_removed_category_keeps_no_index_links(tmp_path: Path, portal: Portal) -> None:
    path = config(tmp_path, portal)
    public = tmp_path / "public"
    portal.set("/feed/", rss(portal.url, [post("a", "Pemkab Kukar Bahas Pasar", ["Bisnis"])]))
    once(path)
    assert (public / "category/bisnis.rss").exists()
    block = '[[categories]]\nslug = "bisnis"\nname = "Bisnis"\naliases = ["ekonomi"]\n'
    text = path.read_text().replace(block, "")
    assert 'slug = "bisnis"' not in text
    path.write_text(text)
    once(path)
    index = (public / "index.html").read_text()
    opml = (public / "feeds.opml").read_text()
    assert "category/bisnis" not in index and "category/bisnis" not in opml
    assert "regency/kukar/bisnis" not in index and "regency/kukar/bisnis" not in opml


def test_withdrawn_item_leaves_the_files_of_a_removed_category(
    tmp_path: Path, portal: Portal
) -> None:
    """A category taken out of config.toml: its files stay served (nothing deletes them), so
    a story withdrawn afterwards must not stay listed in them."""
    path = config(tmp_path, portal)
    public = tmp_path / "public"
    a = post("a", "Pemkab Kukar Bahas Harga Pasar", ["Bisnis"])
    b = post("b", "Pemkab Kukar Bahas Anggaran Desa", ["Pemerintah"], minutes=30)
    portal.set("/feed/", rss(portal.url, [a, b]))
    once(path)
    assert links(public, "category/bisnis") == [f"{portal.url}/a/"]
    block = '[[categories]]\nslug = "bisnis"\nname = "Bisnis"\naliases = ["ekonomi"]\n'
    path.write_text(path.read_text().replace(block, ""))
    once(path)
    portal.set("/feed/", rss(portal.url, [b]))
    portal.set("/a/", "gone", status=404, content_type="text/plain")
    once(path)
    assert "Harga Pasar" not in (public / "all.rss").read_text()  # withdrawn indeed
    for scope in ("category/bisnis", "regency/kukar/bisnis"):
        for ext in ("rss", "atom", "json", "html"):
            file = public / f"{scope}.{ext}"
            assert not file.exists() or "Harga Pasar" not in file.read_text(), file


def test_one_scope_that_cannot_be_written_leaves_the_others_current(
    tmp_path: Path, portal: Portal
) -> None:
    """A path taken in one scope (here a folder where regency/kukar/bisnis.rss goes; in life a
    folder left owned by another user) must not keep every scope after it, and the index,
    stale for as long as it lasts."""
    path = config(tmp_path, portal)
    public = tmp_path / "public"
    portal.set(
        "/feed/", rss(portal.url, [post("a", "Pemkab Kukar Bahas Anggaran", ["Pemerintah"])])
    )
    once(path)
    (public / "regency/kukar/bisnis.rss" / "x").mkdir(parents=True)
    a = post("a", "Pemkab Kukar Bahas Anggaran", ["Pemerintah"])
    b = post("b", "Pemkab Kukar Bahas Harga Pasar", ["Bisnis"], minutes=40)
    c = post("c", "Pemkab Kukar Resmikan Jembatan", ["Pemerintah"], minutes=30)
    portal.set("/feed/", rss(portal.url, [a, b, c]))
    once(path)
    assert links(public, "all") == [f"{portal.url}/c/", f"{portal.url}/b/", f"{portal.url}/a/"]
    assert links(public, "regency/kukar/pemerintah") == [f"{portal.url}/c/", f"{portal.url}/a/"]
    assert "Resmikan Jembatan" in (public / "index.html").read_text()
    assert "regency/kukar/bisnis.html" not in (public / "index.html").read_text()
    # once the path is free, the scope left behind is published by the next run
    import shutil

    shutil.rmtree(public / "regency/kukar/bisnis.rss")
    once(path)
    assert links(public, "regency/kukar/bisnis") == [f"{portal.url}/b/"]
    assert "regency/kukar/bisnis.html" in (public / "index.html").read_text()
