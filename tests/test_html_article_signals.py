"""Article or listing, and the date line, on pages that say little: real pages first.

ANTARA's 2015-16 templates carry a row of headline links around the story and no og:type or
JSON-LD; one says it is an article in microdata (`itemprop="articleBody"`), the other writes
its paragraphs as <div>s. Tempo English prints "04 November, 2015" with a comma.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from syndication.sources.html import Article, read_article

REAL = Path(__file__).parent / "data" / "real" / "articles"


def _read(name: str, url: str) -> Article:
    result = read_article((REAL / f"{name}.html").read_text(errors="replace"), url)
    assert isinstance(result, Article), result
    return result


@pytest.mark.parametrize(
    ("name", "url", "first"),
    [
        (
            "antara-lombok-flights",
            "http://www.antaranews.com/berita/546627/x",
            "Mataram",
        ),
        (
            "antara-otomotif-aspira",
            "http://otomotif.antaranews.com/berita/546646/astra-otoparts-luncurkan-ban-motor",
            "Jakarta (ANTARA News) - PT Astra Otoparts Tbk",
        ),
    ],
)
def test_a_story_among_headline_links_is_an_article(name: str, url: str, first: str) -> None:
    article = _read(name, url)
    assert first in (article.entry.content_html or "")[:200]


def _page(story: str, headlines: int = 12) -> str:
    links = "".join(
        f'<li><a href="/berita/{100 + i}/kabar-nomor-{i}-dari-daerah">Kabar nomor {i} dari '
        f"daerah yang panjang judulnya</a></li>"
        for i in range(headlines)
    )
    return (
        "<html><head><title>Bupati Kukar Resmikan Jembatan</title></head><body>"
        f"<ul>{links}</ul><h1>Bupati Kukar Resmikan Jembatan</h1>"
        f"<div class='date'>Senin, 18 November 2024 19:15 WITA</div>{story}</body></html>"
    )


_SENTENCE = "Bupati Kutai Kartanegara meresmikan jembatan baru di Tenggarong pada Senin pagi. "


def test_microdata_article_body_outweighs_headline_links() -> None:
    url = "https://portal.example/berita/546627/jembatan"
    story = f"{_SENTENCE * 3}<br/>{_SENTENCE}"
    plain = read_article(_page(f"<div>{story}</div>"), url)
    assert not isinstance(plain, Article)  # a short story among many headlines: undecided
    result = read_article(_page(f'<div itemprop="articleBody">{story}</div>'), url)
    assert isinstance(result, Article), result


def test_many_microdata_items_do_not_make_a_listing_an_article() -> None:
    teasers = "".join(
        f'<div itemscope itemtype="http://schema.org/NewsArticle"><a href="/berita/{i}/a-b-c">'
        f"Kabar nomor {i} dari daerah yang panjang judulnya</a></div>"
        for i in range(12)
    )
    result = read_article(_page(teasers, headlines=0), "https://portal.example/news/kabar")
    assert not isinstance(result, Article)


def test_paragraphs_written_as_divs_are_a_story_at_a_post_url() -> None:
    story = "".join(f"<div>{_SENTENCE * 2}</div>" for _ in range(6))
    url = "https://portal.example/berita/546646/bupati-kukar-resmikan-jembatan"
    assert isinstance(read_article(_page(story), url), Article)
    # the same divs made of links are a list of headlines, not a story
    links = "".join(f'<div><a href="/berita/{i}/x-y-z">{_SENTENCE * 2}</a></div>' for i in range(6))
    assert not isinstance(read_article(_page(links), url), Article)


def test_a_date_with_a_comma_after_the_month_is_the_story_line() -> None:
    article = _read(
        "tempoen-peatland",
        "http://en.tempo.co/read/news/2015/11/04/055715684/Indonesia-can-Learn",
    )
    assert article.entry.published_raw is not None
    assert "07:28" in article.entry.published_raw
