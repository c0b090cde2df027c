"""A hostile black-box read of what a reader's RSS app receives (helper, sixteenth review):
real feed shapes served on 127.0.0.1, `syndication run --once`, then the published files read
with strict, independent consumers (lxml without recovery, json.loads, lxml.html).

Found:
- a body the source gives as HTML but without any tag (WordPress's summary-only excerpt,
  "... &#8211; ... [&#8230;]") is taken for plain text and escaped once more: readers see
  "&#8211;" and "[&#8230;]" written out;
- a body the source gives as plain text (Atom type="text", JSON Feed content_text) is taken
  for HTML: "<b>" in the words becomes bold markup, "<blink>" vanishes, and the blank line
  between paragraphs is lost;
- entries of a real WordPress Atom feed whose alternate link is empty (href="", so it
  resolves to the feed document itself) are merged into one item: distinct posts are lost.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from lxml import html as lxml_html

from tests import acceptance_kit as ak
from tests.conftest import CORPUS
from tests.portal import Portal

ATOM = "{http://www.w3.org/2005/Atom}"


def _publish(portal: Portal, tmp_path: Path, body: str, content_type: str) -> Path:
    portal.set("/feed", body, content_type=content_type)
    config = ak.write(tmp_path, ak.config_text(ak.source("src", f"{portal.url}/feed")))
    ak.once(config)
    out = tmp_path / "out"
    # independent strict consumers accept every file before anything else is read
    for name in ("all.rss", "all.atom"):
        etree.fromstring((out / name).read_bytes(), etree.XMLParser(recover=False))
    return out


def _json_items(out: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((out / "all.json").read_text(encoding="utf-8"))
    return {item["url"]: item for item in data["items"]}


def _html_text(fragment: str) -> str:
    """What a reader's app shows for an HTML fragment: its text, entities decoded once."""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return " ".join(root.text_content().split())


def _html_tags(fragment: str) -> set[str]:
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return {el.tag for el in root.iter() if isinstance(el.tag, str)} - {"div"}


def _atom_entry(out: Path, link: str) -> etree._Element:
    root = etree.fromstring((out / "all.atom").read_bytes())
    for entry in root.findall(f"{ATOM}entry"):
        if any(a.get("href") == link for a in entry.findall(f"{ATOM}link")):
            return entry
    raise AssertionError(f"no Atom entry links {link}")


def _rss_item(out: Path, link: str) -> etree._Element:
    root = etree.fromstring((out / "all.rss").read_bytes())
    for item in root.iter("item"):
        if item.findtext("link") == link:
            return item
    raise AssertionError(f"no RSS item links {link}")


# --- HTML without tags: entities decoded once --------------------------------------------------


def test_a_summary_only_wordpress_excerpt_is_not_escaped_twice(
    portal: Portal, tmp_path: Path
) -> None:
    """WordPress with "For each post in a feed, include: Summary" writes only
    <description><![CDATA[{the_excerpt_rss}]]></description>: HTML whose only markup is its
    entities, the en dash and the "[&#8230;]" excerpt_more (the shape of dcrainmaker's
    descriptions in ../shared/corpus/real/wordpress, without their read-more anchor).
    RSS 2.0's description is entity-encoded HTML: a reader shows "–", "&" and "[…]"."""
    # (not "Warga Kukar &#8211; ...": a Title Case opening before a dash reads as a dateline)
    excerpt = "Warga bergotong royong &#8211; kerja bakti &amp; bersih desa di Tenggarong [&#8230;]"
    shown = "Warga bergotong royong – kerja bakti & bersih desa di Tenggarong […]"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>WP</title>'
        f"<link>{portal.url}/</link><description>d</description>"
        f"<item><title>Kerja bakti</title><link>{portal.url}/2026/12/kerja-bakti/</link>"
        f'<guid isPermaLink="false">{portal.url}/?p=101</guid>'
        "<pubDate>Mon, 07 Dec 2026 09:00:00 +0800</pubDate>"
        f"<description><![CDATA[{excerpt}]]></description></item></channel></rss>"
    )
    out = _publish(portal, tmp_path, body, "application/rss+xml; charset=UTF-8")
    link = f"{portal.url}/2026/12/kerja-bakti/"
    item = _json_items(out)[link]
    assert _html_text(item["content_html"]) == shown, item["content_html"]
    assert item["summary"] == shown, item["summary"]
    content = _atom_entry(out, link).findtext(f"{ATOM}content") or ""  # type="html"
    assert _html_text(content) == shown, content


# --- plain text stays text --------------------------------------------------------------------


def test_atom_text_content_and_summary_stay_text(portal: Portal, tmp_path: Path) -> None:
    """RFC 4287 3.1.1.1: type="text" (the default) is text, not markup. The first body is
    feedparser's fixture wellformed/atom10/entry_content_text_plain_brackets.xml
    (../shared/corpus/feedparser, BSD-2-Clause), whose expected value is
    'History of the <blink> tag'; the second a summary in the default type."""
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:t:feed</id>
<updated>2026-12-07T02:00:00Z</updated><author><name>r</name></author>
<entry><title>Sejarah tag blink</title><link href="{portal.url}/b/blink"/><id>urn:t:1</id>
<updated>2026-12-07T01:00:00Z</updated>
<content type="text">History of the &lt;blink&gt; tag</content></entry>
<entry><title>Tanda tebal</title><link href="{portal.url}/b/tebal"/><id>urn:t:2</id>
<updated>2026-12-07T02:00:00Z</updated>
<summary>Tulis &lt;b&gt;tebal&lt;/b&gt; untuk huruf tebal</summary></entry>
</feed>"""
    out = _publish(portal, tmp_path, body, "application/atom+xml")
    items = _json_items(out)
    blink = items[f"{portal.url}/b/blink"]
    assert _html_text(blink["content_html"]) == "History of the <blink> tag", blink
    bold = items[f"{portal.url}/b/tebal"]
    assert "b" not in _html_tags(bold["content_html"]), bold["content_html"]
    assert _html_text(bold["content_html"]) == "Tulis <b>tebal</b> untuk huruf tebal", bold


def test_json_feed_content_text_stays_text_and_keeps_its_paragraphs(
    portal: Portal, tmp_path: Path
) -> None:
    """JSON Feed 1.1: content_text is plain text. Its "<b>" is words, and its blank line
    separates two paragraphs that a reader must still show apart."""
    text = "Paragraf pertama rapat.\n\nParagraf kedua: tulis <b>tebal</b> & selesai."
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "J",
            "home_page_url": f"{portal.url}/",
            "items": [
                {
                    "id": "1",
                    "url": f"{portal.url}/berita/teks",
                    "title": "Hanya teks",
                    "content_text": text,
                    "date_published": "2026-12-07T10:00:00+07:00",
                }
            ],
        }
    )
    out = _publish(portal, tmp_path, body, "application/feed+json")
    item = _json_items(out)[f"{portal.url}/berita/teks"]
    html = item["content_html"]
    assert "b" not in _html_tags(html), html
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    paragraphs = [" ".join(p.text_content().split()) for p in root.findall("p")]
    assert paragraphs == [
        "Paragraf pertama rapat.",
        "Paragraf kedua: tulis <b>tebal</b> & selesai.",
    ], html


# --- a link to the feed document is no link ---------------------------------------------------

ONEFOOT = CORPUS / "real" / "wordpress" / "onefoottsunami-wp4.3-atom.xml"


def test_wordpress_atom_posts_with_an_empty_link_are_not_merged(
    portal: Portal, tmp_path: Path
) -> None:
    """onefoottsunami (WordPress 4.3 Atom, ../shared/corpus/real) has 25 entries, each with
    its own <id> (?p=NNNNN), title and date. Three "Link:" posts carry
    <link rel="alternate" href=""/>, which resolves to the feed's xml:base document
    (wp-atom.php), not to a story: they are still three posts, and a reader subscribed to
    the portal sees all three ("That's Not What Dolphins Do", "It's Also a Very High-End
    Hunting Load ...", "Chicago Falcons")."""
    if not ONEFOOT.is_file():
        pytest.skip(f"{ONEFOOT} is absent (../shared/corpus not beside the repository)")
    out = _publish(portal, tmp_path, ONEFOOT.read_text(encoding="utf-8"), "application/atom+xml")
    data = json.loads((out / "all.json").read_text(encoding="utf-8"))
    titles = [item["title"] for item in data["items"]]
    for title in (
        "Link: That\u2019s Not What Dolphins Do",
        "Link: It\u2019s Also a Very High-End Hunting Load for Ducks, Geese, or Turkeys",
        "Link: Chicago Falcons",
    ):
        assert title in titles, (title, len(titles))
    assert len(data["items"]) == 25, len(data["items"])
