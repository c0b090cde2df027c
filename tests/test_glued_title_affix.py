"""A title with the site's name glued on, no space before its mark (Hankook Ilbo's og:title
`<headline>-정치ㅣ한국일보`, and no <h1>): the headline the page shows (its JSON-LD article's
headline, an element, the listing's link) without it. The affix stayed in the title, in
every feed and message."""

from __future__ import annotations

import pytest

from syndication.sources.html import extract_article
from syndication.sources.html_titles import AffixMemory, clean_headline
from tests.real_pages import REAL, decode

HEADLINE = "민주당 '선호투표제' 도입 또다시 불발··· 친청계 \"당규 개정 왜 밀어붙이나\""


def test_the_real_page_loses_the_glued_affix() -> None:
    raw = (REAL / "articles" / "fundus-hankook-primary-vote.html").read_bytes()
    url = "https://www.hankookilbo.com/News/Read/A2026071209150001742"
    entry = extract_article(decode(raw, "text/html"), url, source_id="hankook")
    assert getattr(entry, "title", entry) == HEADLINE


@pytest.mark.parametrize(
    ("title", "site", "shown", "want"),
    [
        (HEADLINE + "-정치ㅣ한국일보", "한국일보", HEADLINE, HEADLINE),
        (
            "Bupati Resmikan Jembatan Baru-Kaltimpost",
            "Kaltim Post",
            "Bupati Resmikan Jembatan Baru",
            "Bupati Resmikan Jembatan Baru",
        ),
        # a place joined to another is the headline's own: the shown line is some other one
        ("Jalan Tol Samarinda-Bontang", "Site", "Jalan Tol Samarinda", None),
        ("Jalan Tol Samarinda-Bontang Dibuka", "Site", "Jalan Tol Samarinda", None),
    ],
)
def test_a_glued_affix_goes_only_when_it_names_the_site(
    title: str, site: str, shown: str, want: str | None
) -> None:
    got = clean_headline(title, "https://kaltimpost.id/berita/1", site, [shown], "s", AffixMemory())
    assert got == (want or title)
