"""A hostile read of the whole change (helper 166): a title glued to a place that is also the
site's name ("Banjir di Samarinda-Bontang" on "Bontang"), with a related story's h2 reading
its start, took that h2 as the headline (and could merge the story into the related one),
though the page's h1 shows the title whole; a CJK time with seconds ("21時37分56秒") lost
its time of day."""

from __future__ import annotations

from datetime import UTC, datetime

from selectolax.lexbor import LexborHTMLParser

from syndication.normalize.dates import parse_date
from syndication.normalize.dedup import title_key
from syndication.sources.html_fields import headline
from syndication.sources.html_meta import readable_date
from syndication.sources.html_titles import MEMORY


def test_a_related_h2_never_cuts_a_title_the_h1_shows_whole() -> None:
    MEMORY.clear()
    title = "Banjir di Samarinda-Bontang"
    page = f"""<html><head><title>{title}</title><meta property="og:title" content="{title}">
<meta property="og:site_name" content="Bontang"></head><body><article><h1>{title}</h1>
<p>Banjir merendam ruas jalan penghubung Samarinda dan Bontang sejak pagi.</p></article>
<div class="related"><h2><a href="/b/">Banjir di Samarinda</a></h2></div></body></html>"""
    found = headline(LexborHTMLParser(page), None, "https://bontang.test/berita/1", "s")
    assert found is not None and title_key(found[0]) == title_key(title), found


def test_a_cjk_time_with_seconds_keeps_its_time() -> None:
    now = datetime(2026, 12, 8, tzinfo=UTC)
    got = parse_date(readable_date("2024年4月24日 21時37分56秒"), now, "Asia/Tokyo")
    assert got == datetime(2024, 4, 24, 12, 37, 56, tzinfo=UTC)
