"""A template that prints its reporter's name in an element named for the reporter, the role
beside it and no byline label ("<div class='nmreporter'><div>Dewi Kania</div><span>Jurnalis
</span></div>", Okezone's, inside its share bar): the name is the author. It was lost, the
share bar gone before the author was looked for (two real Okezone pages)."""

from __future__ import annotations

import pytest

from syndication.sources.html import extract_article
from syndication.types import RawEntry

STORY = "".join(
    f"<p>DEPRESI jadi satu momok yang wajib diwaspadai, kata dokter nomor {n} kepada wartawan"
    " di Jakarta, sebab gejalanya sering tidak disadari oleh penderita diabetes.</p>"
    for n in range(4)
)


def page(box: str) -> str:
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>Sering Depresi Berat, Hati-Hati Diabetes! : Okezone Lifestyle</title>
<meta property="og:site_name" content="Okezone"></head><body>
<div class="title"><h1>Sering Depresi Berat, Hati-Hati Diabetes!</h1></div>
<div class="meta-post"><time>Kamis, 5 November 2015 - 15:56 wib</time></div>
<div class="detail-social-share-ab">{box}
<div class="r"><div class="sosmed"><ul><li><a id="facebook-share">Share on Facebook</a></li>
<li><a id="twitter-share">Share on Twitter</a></li></ul></div></div></div>
<div id="contentx" class="read">{STORY}</div></body></html>"""


URL = "https://lifestyle.okezone.test/read/2015/11/05/481/1244264/sering-depresi-berat"


@pytest.mark.parametrize(
    ("box", "author"),
    [
        ('<div class="autor"><div class="reporter"></div><div class="nmreporter">'
         "<!-- jurnalis --><div>Dewi Kania</div><span>Jurnalis</span></div></div>",
         "Dewi Kania"),
        ('<div class="penulis-detail"><span>Penulis</span> <b>Rini Astuti</b></div>',
         "Rini Astuti"),
        # no person in it: the role alone, a link, the site's name
        ('<div class="nmreporter"><span>Jurnalis</span></div>', None),
        ('<div class="nmreporter"><div>https://okezone.test/dewi</div></div>', None),
        ('<div class="nmreporter"><div>Okezone</div><span>Jurnalis</span></div>', None),
    ],
)  # fmt: skip
def test_the_name_in_a_reporter_box_is_the_author(box: str, author: str | None) -> None:
    entry = extract_article(page(box), URL)
    assert isinstance(entry, RawEntry)
    assert entry.author == author
    assert "Share on" not in (entry.content_html or "")


def test_a_byline_still_comes_before_a_reporter_box() -> None:
    box = '<div class="nmreporter"><div>Dewi Kania</div><span>Jurnalis</span></div>'
    html = page(box).replace("<time>", "<span>Penulis: Rini Astuti</span> <time>")
    entry = extract_article(html, URL)
    assert isinstance(entry, RawEntry) and entry.author == "Rini Astuti"
