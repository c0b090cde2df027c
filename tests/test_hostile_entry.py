"""feedparser runs without its own sanitizer and URI resolution: our cleaning (nh3 with
absolute URLs) must cover both. A hostile entry comes out safe and absolute."""

from __future__ import annotations

from datetime import UTC, datetime

from syndication.normalize import normalize_entry
from syndication.sources.feed import parse_feed
from syndication.types import NormalizeContext

NOW = datetime(2024, 5, 21, tzinfo=UTC)
BODY = (
    '<p onclick="steal()">TENGGARONG &#8211; Teks <a href="javascript:alert(1)">tautan</a>'
    ' <img src="/wp-content/a.jpg" onerror="alert(2)"> <a href="../arsip/lama/">arsip</a>'
    ' <a href="JaVaScRiPt:alert(4)">dua</a></p><script>alert(3)</script>'
    '<iframe src="https://evil.test/"></iframe><p style="x" onmouseover="y()">Akhir.</p>'
)
FEED = f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>t</title><link>https://portal.test/</link><description>d</description>
<item><title><![CDATA[Judul <b>Tebal</b><script>alert(5)</script>]]></title>
<link>/2024/05/berita/</link><guid isPermaLink="false">p1</guid>
<description><![CDATA[<p onclick="x()">Ringkas <script>alert(6)</script>an</p>]]></description>
<content:encoded><![CDATA[{BODY}]]></content:encoded></item>
</channel></rss>"""
ATOM = """<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://portal.test/sub/wp-atom.php">
<title>t</title><id>urn:x</id><updated>2024-05-20T00:00:00Z</updated>
<entry><title type="html">Judul</title><id>urn:a</id><link href="2024/berita/"/>
<updated>2024-05-20T00:00:00Z</updated>
<content type="html"><![CDATA[<p>Foto <img src="img/b.jpg"></p>]]></content></entry></feed>"""


def test_hostile_entry_comes_out_safe_and_absolute() -> None:
    (raw,) = parse_feed(FEED.encode(), "s", "https://portal.test/feed/")
    item = normalize_entry(raw, NormalizeContext(regencies=(), categories=()), NOW, NOW)
    html = item.content_html.lower()
    for bad in ("script", "onclick", "onerror", "onmouseover", "javascript:", "iframe", "style="):
        assert bad not in html, bad
    assert "alert(3)" not in item.summary and "alert(6)" not in item.summary
    assert 'src="https://portal.test/wp-content/a.jpg"' in item.content_html
    # relative to the item's page, where the feed sets no xml:base (as readers take it)
    assert 'href="https://portal.test/2024/05/arsip/lama/"' in item.content_html
    assert item.image == "https://portal.test/wp-content/a.jpg"
    assert item.url == "https://portal.test/2024/05/berita/"


def test_xml_base_still_resolves_content() -> None:
    (raw,) = parse_feed(ATOM.encode(), "s", "https://portal.test/feed/atom/")
    item = normalize_entry(raw, NormalizeContext(regencies=(), categories=()), NOW, NOW)
    assert item.url == "https://portal.test/sub/2024/berita/"
    assert 'src="https://portal.test/sub/img/b.jpg"' in item.content_html
