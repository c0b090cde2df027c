"""A config edited while the service was stopped reaches every published file, not only the
scopes that get news (review of 2026-12-06: a new base_url reached index.html and feeds.opml
only; 68 of 70 files kept the old self links, ids and category names)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tests.acceptance_kit import (
    ATOM,
    check_all_feeds,
    config_text,
    kukar,
    once,
    rss2,
    source,
    write,
)
from tests.portal import Portal

OLD, NEW = "http://127.0.0.1:8080/", "https://kabar.example.id/feeds/"


def _files(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.*")}


def test_a_new_base_url_and_names_reach_every_file_then_nothing_is_rewritten(
    portal: Portal, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", rss2(b, [kukar("satu", "Pemkab Kukar Gelar Rapat Koordinasi")]))
    config = write(tmp_path, config_text(source("utama", f"{b}/feed/")))
    once(config)
    out = tmp_path / "out"
    assert any(OLD in p.read_text(encoding="utf-8") for p in out.rglob("*.rss"))

    text = config.read_text(encoding="utf-8")
    text = text.replace(f'base_url = "{OLD}"', f'base_url = "{NEW}"')
    text = text.replace('name = "Pemerintah"', 'name = "Pemerintahan Daerah"', 1)
    config.write_text(text, encoding="utf-8")
    once(config)  # the feed is unchanged: no scope has news
    stale = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*") if OLD in p.read_text())
    assert stale == []
    assert len(check_all_feeds(out, NEW)) >= 9  # self links and ids under the new base_url
    rss = etree.parse(str(out / "category/pemerintah.rss")).getroot()
    assert rss.findtext("channel/title", "").startswith("Kategori Pemerintahan Daerah")
    atom = etree.parse(str(out / "category/pemerintah.atom")).getroot()
    assert atom.findtext(f"{ATOM}title", "").startswith("Kategori Pemerintahan Daerah")

    before = _files(out)
    once(config)  # nothing changed since: nothing is rewritten
    assert _files(out) == before

    # a source named anew: every page that lists its stories says so (second review)
    config.write_text(
        config.read_text().replace('id = "utama"', 'id = "utama"\nname = "Kabar Utama"')
    )
    once(config)
    assert "Kabar Utama" in (out / "regency/kukar.html").read_text(encoding="utf-8")
    assert "Kabar Utama" in (out / "all.html").read_text(encoding="utf-8")
