"""A CMS whose template prints the home page (or the section) as every article's canonical
link or og:url: each article keeps its own URL. Taken as it stood, every story on the portal
had the same link, so each new one was merged into the first as its duplicate, lost silently."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syndication.sources.html import extract_article
from tests.conftest import write_config
from tests.portal import Portal
from tests.test_e2e_html import once, stored

HTML = "text/html; charset=UTF-8"
PARAGRAPH = (
    "TENGGARONG – Pemkab Kutai Kartanegara menggelar rapat koordinasi program desa nomor {n} di"
    " Pendopo Bupati bersama camat dan kepala desa se-Kukar, membahas bantuan keuangan desa."
)


def page(title: str, n: int, head: str) -> str:
    when = datetime(2026, 12, 1, 8, n, tzinfo=UTC).isoformat()
    body = "".join(f"<p>{PARAGRAPH.format(n=n)} Kalimat {k}.</p>" for k in range(4))
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{html.escape(title)} | Kabar Benua</title>{head}
<meta property="og:type" content="article">
<meta property="article:published_time" content="{when}"></head>
<body class="single"><article><h1 class="entry-title">{html.escape(title)}</h1>
<div class="entry-content">{body}</div></article></body></html>"""


ARTICLE = "https://kabar.test/berita/2026/12/01/rapat-desa-kukar"


@pytest.mark.parametrize(
    "head",
    [
        '<link rel="canonical" href="https://kabar.test/">',
        '<link rel="canonical" href="https://kabar.test">',
        '<link rel="canonical" href="/">',
        '<meta property="og:url" content="https://www.kabar.test/">',
        '<link rel="canonical" href="https://kabar.test/berita/">',
        '<link rel="canonical" href="https://kabar.test/berita/2026/12">',
        '<meta property="og:url" content="http://kabar.test/index.php">',
    ],
)
def test_a_home_or_section_canonical_leaves_the_page_its_own_url(head: str) -> None:
    entry = extract_article(page("Rapat Desa di Kukar", 1, head), ARTICLE)
    assert getattr(entry, "link", entry) == ARTICLE


@pytest.mark.parametrize(
    ("head", "link"),
    [
        # the usual cases: the article's own URL, cleaned or on its main host
        ('<link rel="canonical" href="https://www.kabar.test/berita/2026/12/01/rapat-desa-kukar/">',
         "https://www.kabar.test/berita/2026/12/01/rapat-desa-kukar/"),
        # WordPress's plain permalinks: the root with the post's query
        ('<link rel="canonical" href="https://kabar.test/?p=123">', "https://kabar.test/?p=123"),
        # a story first published by another portal
        ('<link rel="canonical" href="https://other.test/2026/12/01/rapat/">',
         "https://other.test/2026/12/01/rapat/"),
        # an article's canonical under another section (a moved story): still the article
        ('<link rel="canonical" href="https://kabar.test/kukar/rapat-desa-kukar">',
         "https://kabar.test/kukar/rapat-desa-kukar"),
    ],
)  # fmt: skip
def test_an_articles_own_canonical_still_stands(head: str, link: str) -> None:
    entry = extract_article(page("Rapat Desa di Kukar", 1, head), ARTICLE)
    assert getattr(entry, "link", entry) == link


def test_a_canonical_without_the_query_naming_the_story_is_not_taken() -> None:
    page_url = "https://kabar.test/read.php?id=123"
    head = '<link rel="canonical" href="https://kabar.test/read.php">'
    entry = extract_article(page("Rapat Desa di Kukar", 1, head), page_url)
    assert getattr(entry, "link", entry) == page_url


def test_a_home_canonical_gives_way_to_the_pages_og_url() -> None:
    head = (
        '<link rel="canonical" href="https://kabar.test/">'
        '<meta property="og:url" content="https://kabar.test/berita/rapat-desa-kukar-2026">'
    )
    entry = extract_article(page("Rapat Desa di Kukar", 1, head), ARTICLE)
    assert getattr(entry, "link", entry) == "https://kabar.test/berita/rapat-desa-kukar-2026"


def test_every_story_of_a_portal_whose_canonical_is_its_home_is_published(
    tmp_path: Path, portal: Portal
) -> None:
    home = (
        f'<link rel="canonical" href="{portal.url}/">'
        f'<meta property="og:url" content="{portal.url}/">'
    )
    paths = [f"/berita/2026/12/0{n}/rapat-desa-{n}" for n in (1, 2, 3)]
    titles = [f"Pemkab Kukar Gelar Rapat Desa Tahap {n}" for n in (1, 2, 3)]
    for n, (p, t) in enumerate(zip(paths, titles, strict=True), 1):
        portal.set(p, page(t, n, home), content_type=HTML)
    rows = "".join(
        f'<article class="post"><h2><a href="{p}">{html.escape(t)}</a></h2></article>'
        for p, t in zip(paths, titles, strict=True)
    )
    portal.set("/", f"<html><body><main>{rows}</main></body></html>", content_type=HTML)
    path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        sources=f'[[sources]]\nid = "benua"\nurl = "{portal.url}/"\nkind = "html"\n',
    )
    once(path)
    items = stored(path)
    assert set(items) == {portal.url + p for p in paths}
    assert sorted(i.title for i in items.values()) == sorted(titles)
    assert all(
        i.published > datetime(2026, 12, 1, tzinfo=UTC) - timedelta(days=1) for i in items.values()
    )
