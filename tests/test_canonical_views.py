"""A page's canonical link or og:url that its template got wrong, seen on real portals: the
story keeps the address it answered at. Each was taken as the story's link before, one that
answers 404 (kompas: the tracking query glued into the path; cleveland.com: a canonical
"8003098" resolved into the page's folder) or a second address of the story (tempo: "?i=1").
A reader clicking it met a dead page, and a later read of that address withdrew the story."""

from __future__ import annotations

import pytest

from syndication.sources.html import extract_article
from syndication.urls import canonical_url
from tests.real_pages import REAL, decode
from tests.test_canonical_home import ARTICLE, page


@pytest.mark.parametrize(
    ("name", "url"),
    [
        # og:url ".../rp.200.jutautm.sourcewputm.mediumboxutm.campaignkhlwp", no canonical
        (
            "kompas",
            "http://bola.kompas.com/read/2015/06/17/22260808/"
            "supaya.timnya.mengalah.eks.pelatih.mengaku.ditawari.rp.200.juta",
        ),
        # <link rel="canonical" href="8003098" />, og:url the page's own address
        (
            "cleveland-food-searches",
            "http://www.cleveland.com/food/index.ssf/2014/12/let_me_google_that_for_you_201.html",
        ),
        # og:url the page's address with "?i=1", no canonical
        (
            "tempo-malas-bergerak",
            "http://gaya.tempo.co/read/news/2015/11/05/060716092/"
            "ini-7-alasan-mengapa-orang-malas-bergerak",
        ),
    ],
)
def test_a_real_page_keeps_the_address_it_answered_at(name: str, url: str) -> None:
    raw = (REAL / "articles" / f"{name}.html").read_bytes()
    entry = extract_article(decode(raw, "text/html"), url, source_id=name)
    assert canonical_url(getattr(entry, "link", "")) == canonical_url(url)


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="og:url" content="https://kabar.test/berita/2026/12/01/'
        'rapat-desa-kukarutm_sourcefacebook">',
        '<link rel="canonical" href="https://kabar.test/berita/2026/12/01/'
        'rapat-desa-kukar-utm-medium-social">',
        f'<link rel="canonical" href="123"><meta property="og:url" content="{ARTICLE}">',
        f'<meta property="og:url" content="{ARTICLE}?i=1">',
        f'<link rel="canonical" href="{ARTICLE}?page=all">',
    ],
)
def test_a_mangled_or_contradicted_link_leaves_the_page_its_address(head: str) -> None:
    entry = extract_article(page("Rapat Desa di Kukar", 1, head), ARTICLE)
    assert getattr(entry, "link", entry) == ARTICLE


@pytest.mark.parametrize(
    ("served", "head", "link"),
    [
        # a republished story names its first publisher: the two portals' copies are one story
        (
            ARTICLE,
            '<link rel="canonical" href="https://www.antaranews.com/berita/123/rapat-desa">'
            f'<meta property="og:url" content="{ARTICLE}">',
            "https://www.antaranews.com/berita/123/rapat-desa",
        ),
        # the listing linked a second address (a mobile host, a tracking path): both of the
        # site's links name the story's own
        (
            "https://m.kabar.test/berita/2026/12/01/rapat-desa-kukar",
            f'<link rel="canonical" href="{ARTICLE}"><meta property="og:url" content="{ARTICLE}">',
            ARTICLE,
        ),
        (
            "https://kabar.test/go/991",
            f'<link rel="canonical" href="{ARTICLE}">',
            ARTICLE,
        ),
        # a script's page reads its story from the query: its canonical keeps it
        (
            "https://kabar.test/berita/read.php",
            '<link rel="canonical" href="https://kabar.test/berita/read.php?id=45">',
            "https://kabar.test/berita/read.php?id=45",
        ),
    ],
)
def test_a_sound_canonical_still_names_the_story(served: str, head: str, link: str) -> None:
    entry = extract_article(page("Rapat Desa di Kukar", 1, head), served)
    assert getattr(entry, "link", entry) == link
