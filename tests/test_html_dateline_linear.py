"""A page's visible date line is found in time linear in the page: a block of thousands of
dated links (an archive column, a hostile page) had each of its date lines read the block's
whole text again, to join a time printed beside it and to tell a teaser from the page's column.

No test here measures time: one counts the text read, the other runs in a fresh interpreter
with test_hostile_nesting's deadline on an input the old code took minutes over.
"""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborNode

from syndication.sources import html_dateline
from syndication.sources.html import extract_article
from tests.test_hostile_nesting import finishes

HEADLINE = "Bupati Kukar Resmikan Jembatan Baru di Tenggarong"
STORY = "Pemerintah Kabupaten Kutai Kartanegara meresmikan jembatan di Tenggarong. " * 20


def archive_page(lines: int, tag: str = "span") -> str:
    """An article under a column of `lines` dated links, none of them a headline."""
    column = "".join(
        f'<{tag}>5 Mei 2024</{tag}><a href="/berita/{i}">{i}</a>' for i in range(lines)
    )
    return (
        f"<html><head><title>{HEADLINE}</title></head><body>"
        f'<div class="arsip">{column}</div>'
        f'<h1>{HEADLINE}</h1><p class="meta">Senin, 6 Mei 2024 10:15 WITA</p>'
        f'<div class="content"><p>{STORY}</p></div></body></html>'
    )


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of each text html_dateline reads (clean_line), as it reads it."""
    lengths: list[int] = []
    clean_line = html_dateline.clean_line

    def counting(node: LexborNode) -> str:
        found = clean_line(node)
        lengths.append(len(found))
        return found

    monkeypatch.setattr(html_dateline, "clean_line", counting)
    return lengths


@pytest.mark.parametrize("tag", ["span", "time"])
def test_a_column_of_dated_links_is_read_once(read: list[int], tag: str) -> None:
    """Each of the 3,000 date lines read its parent's whole text (the column: 60 KB) to look
    for a time beside it: 180 MB of text in all. Now each element's text is read once."""
    html = archive_page(3000, tag)
    article = extract_article(html, "https://portal.test/berita/2024/05/06/bupati-kukar")
    assert article.title == HEADLINE
    if tag == "span":  # a <time> is a known date element: the column's first one is taken
        assert article.published_raw == "Senin, 6 Mei 2024 10:15 WITA"
    assert sum(read) <= 4 * len(html)


def test_a_page_with_a_huge_column_of_dated_links_is_read_in_time() -> None:
    """24,000 dated links (1.2 MB): about 4 minutes before (4,000 took 6.6-8 s, quadratic)."""
    out = finishes(
        """
        from tests.test_html_dateline_linear import archive_page
        from syndication.sources.html import extract_article
        article = extract_article(archive_page(24_000), "https://portal.test/berita/2024/05/06/b")
        print(article.published_raw)
        """
    )
    assert out.strip() == "Senin, 6 Mei 2024 10:15 WITA"


def test_a_tower_of_boxes_around_the_story_is_read_once_for_its_lead_date(
    read: list[int],
) -> None:
    """The lead's date scan read each of 240 boxes around the story whole (its depth times
    its size: 8.6 s at 1 MB); only small elements are date lines, as in the page's scan."""
    from selectolax.lexbor import LexborHTMLParser

    story = "<p>TENGGARONG – Pemkab Kukar rapat bersama warga desa dan bupati.</p>" * 300
    html = "<div class='entry-content'>" + "<div>" * 200 + story + "</div>" * 200 + "</div>"
    body = LexborHTMLParser(html).css_first(".entry-content")
    assert body is not None
    assert html_dateline.lead_date_line(body) is None  # no date line heads this story
    assert sum(read) <= 4 * len(story)
