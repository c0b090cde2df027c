"""Hostile inputs a hunt for super-linear time found in the page reader and the text cleaner
(2026-12-07): each was quadratic (or worse) and is linear now. As in test_hostile_nesting, no
test measures time: each slow case runs in a fresh interpreter with its deadline (60 s) on an
input the old code took minutes over (the figure is beside each); where a rewrite must give
what the old code gave, a reference test holds it to the old code's answers."""

from __future__ import annotations

import re
from textwrap import dedent

from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from syndication import nesting
from syndication.normalize import text
from syndication.sources import html_titles
from syndication.sources.html_links import _HEADLINE_ANCHORS, _headline_anchor_ids
from tests.test_hostile_nesting import finishes, parsed_depth

HEADLINE = "Bupati Resmikan Jembatan Baru di Tenggarong"
URL = "https://kab.example.id/berita/2024/11/18/bupati-resmikan-jembatan-baru"

# an article page whose body (a theme rule's) holds `inside`, with `after` below the article
PAGE = """
def page(inside: str, after: str = "") -> str:
    return (
        "<html><head><title>Bupati Resmikan Jembatan Baru di Tenggarong</title>"
        '<meta property="og:type" content="article"></head><body class="single"><article>'
        "<h1 class='entry-title'>Bupati Resmikan Jembatan Baru di Tenggarong</h1>"
        "<div class='entry-content'><p>" + "Isi berita tentang jembatan baru. " * 12 + "</p>"
        + inside + "</div></article>" + after + "</body></html>"
    )
URL = "https://kab.example.id/berita/2024/11/18/bupati-resmikan-jembatan-baru"
from syndication.sources.html import extract_article, read_article
"""


def test_baca_juga_then_a_long_run_of_spaces_is_cleaned_in_linear_time() -> None:
    """16,000 spaces took 7.7 s (the run split between two \\s* parts, and read again by the
    look-ahead at each of its characters); 200,000 would take some 20 minutes."""
    out = finishes(
        """
        from syndication.normalize.text import clean_content
        for gap in (" ", "\\n", "\\t"):
            cleaned = clean_content("<p>Baca juga" + gap * 200_000 + "Baca juga</p><p>Akhir.</p>")
            print("Akhir." in cleaned.text)
        """
    )
    assert out.split() == ["True"] * 3


# the insert pattern before it took white space runs whole: the new one must match the same
_OLD_INSERT = re.compile(
    r"(?:(?P<lead><br>\s*)|(?<=<p>)|(?<=<div>)|(?<=<li>))(?:<(?:strong|b|em|i|span|u)>\s*)*"
    r"(?:baca\s+(?:juga|pula)|simak\s+juga|lihat\s+juga)\b(?:"
    r"\s*[:：]?\s*(?:</(?:strong|b|em|i|span|u)>\s*)*"
    r"(?:<br>\s*+(?:[^<]|</?(?:strong|b|em|i|span|u|a)\b[^>]*>){0,300}?[^.<\s]\s*"
    r"(?:</(?:strong|b|em|i|span|u|a)>\s*)*){1,50}(?=</(?:p|div|li)>)"
    r"|(?:[^<]|</?(?:strong|b|em|i|span|u|a)\b[^>]*>)*?)(?=(?P<trail>\s*<br>)|</(?:p|div|li)>)",
    re.IGNORECASE,
)
_ATOMS = [
    "Baca juga", "baca JUGA", "Simak juga", " ", "  ", "\n", "\t", ":", "：", "<br>", "<BR>",
    "<p>", "</p>", "<strong>", "</strong>", "<a href=x>", "</a>", "x", "Judul Berita Kukar",
    ".", "</div>", "<div>", "<li>", "</li>", "<em>", "</em>", "<span>",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_ATOMS), max_size=14))
def test_the_insert_pattern_matches_as_it_did(parts: list[str]) -> None:
    html = "".join(parts)
    for at in range(len(html) + 1):
        old, new = _OLD_INSERT.match(html, at), text._INLINE_INSERT.match(html, at)
        assert (old and (old.span(), old["lead"], old["trail"])) == (
            new and (new.span(), new["lead"], new["trail"])
        ), (html, at)


def test_a_title_of_many_crumbs_is_read_in_linear_time() -> None:
    """20,000 crumbs took 28 s (the title split again for each crumb dropped); 60,000 some
    four minutes."""
    out = finishes(
        PAGE
        + dedent(
            """
        crumbs = "<title>Bupati Resmikan Jembatan Baru" + " » a" * 60_000 + " - Example"
        html = page("").replace("<title>Bupati Resmikan Jembatan Baru di Tenggarong", crumbs)
        print(read_article(html, URL).entry.title)
        """
        )
    )
    assert out.strip() == "Bupati Resmikan Jembatan Baru"  # the <title> cut of its crumbs


def _old_drop_trail(title: str) -> str:
    while True:
        parts = html_titles._TRAIL.split(title)
        if len(parts) < 2 or len(parts[-1].split()) > html_titles._CRUMB_WORDS:
            return title
        title = html_titles._remove(title, parts[-1])


_TITLE_ATOMS = [
    " » ", " | ", " › ", "»", "|", " ", "  ", "-", " - ", ":", "·", "Judul", "Berita Kukar",
    "Local", "a", "Noticias Hoy Dia", "—", "\t", "\u00a0", " »", "» ",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_TITLE_ATOMS), max_size=12))
def test_crumbs_are_dropped_as_they_were(parts: list[str]) -> None:
    title = "".join(parts)
    assert html_titles._drop_trail(title) == _old_drop_trail(title)


def test_forms_and_link_lists_side_by_side_are_read_in_linear_time() -> None:
    """16,000 forms in one box took 22 s, a list of 16,000 links 33 s (each read its box's
    whole text again); 48,000 of each would take minutes."""
    out = finishes(
        PAGE
        + dedent(
            """
        forms = extract_article(page("<div>" + "<form>kirim</form>" * 48_000 + "</div>"), URL)
        items = "".join(f"<li><a href='/berita/{i}'>Berita terkait nomor {i}</a></li>"
                        for i in range(48_000))
        links = extract_article(page("<ul>" + items + "</ul>"), URL)
        print("kirim" in forms.content_html, "terkait" in links.content_html)
        """
        )
    )
    assert out.split() == ["False", "False"]  # the form and the list of links are no story


def test_a_breadcrumb_of_many_long_pieces_beside_a_long_title_is_read_in_linear_time() -> None:
    """A title of 24n characters beside n crumbs lowered the title once per crumb: 5.6 s at
    20,000, some 90 s at 80,000."""
    out = finishes(
        PAGE
        + dedent(
            """
        n = 80_000
        title = "Bupati Resmikan Jembatan Baru " + "panjang " * (n * 3)
        crumbs = " » ".join(["Kategori berita daerah nomor"] * n)
        html = page("", f"<div class='breadcrumb'>{crumbs}</div>")
        html = html.replace("Bupati Resmikan Jembatan Baru di Tenggarong", title)
        print(read_article(html, URL).entry.title[:29])
        """
        )
    )
    assert out.strip() == "Bupati Resmikan Jembatan Baru"


def test_bare_links_under_deeply_nested_headline_boxes_are_read_in_linear_time() -> None:
    """`article .entry-title a` made lexbor try every pair of a link's ancestors: 160,000
    bare links under 240 nested boxes took 31 s; 600,000 some two minutes."""
    out = finishes(
        """
        from syndication.sources.html import extract_titled_links
        html = ("<html><body>" + "<div class='entry-title'>" * 240 + "<a></a>" * 600_000
                + "</div>" * 240 + "</body></html>")
        print(len(extract_titled_links(html, "https://kab.example.id/")))
        """
    )
    assert out.strip() == "0"  # bare anchors link nothing


_BOX_TAGS = [
    "<article>", "</article>", "<div class='entry-title'>", "</div>", "<h2>", "</h2>",
    "<a href=x>", "</a>", "<a class='entry-title' href=y>", "<div class='post-item'>",
    "<h3 class='post-title'>", "</h3>", "<a rel='bookmark' href=z>", "<div class='list-berita'>",
    "t", "<p>", "</p>",
]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_BOX_TAGS), max_size=25))
def test_headline_anchors_are_the_ones_the_selectors_name(parts: list[str]) -> None:
    doc = LexborHTMLParser("".join(parts))
    named = {n.mem_id for n in doc.css(", ".join(_HEADLINE_ANCHORS))}
    assert _headline_anchor_ids(doc) == named


def test_the_generic_extractor_reads_a_copy_no_deeper_than_real_pages(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """trafilatura weighs every link of every box around it: 20,000 links in a box nested 240
    deep took 30 s. It is handed a copy nested at most 64 deep (real pages: 51)."""
    import trafilatura

    from syndication.sources.html_generic import generic_body

    seen: list[str] = []

    def spy(html: str, **options: object) -> None:
        seen.append(html)
        return None

    monkeypatch.setattr(trafilatura, "extract", spy)
    story = "<p>" + "Warga Tenggarong menanam pohon di tepi sungai. " * 10 + "</p>"
    generic_body("<html><body>" + "<div>" * 240 + story + "</div>" * 240, URL, None)
    assert seen and all(parsed_depth(html) <= 64 + 3 for html in seen)  # + html, body, p
    assert all("Warga Tenggarong" in html for html in seen)


def test_a_feed_url_answering_with_hostile_html_is_read_in_linear_time() -> None:
    """The standard library's HTMLParser took quadratic time on a run of unclosed tags (64 KB
    of `<a b='`: 33 s); the page a feed URL answers with is read up to 512 KB."""
    out = finishes(
        """
        from syndication.sources.feed_links import linked_feeds
        head = '<html><head><link rel="alternate" type="application/rss+xml" href="/feed/">'
        print(linked_feeds((head + "<a b='" * 85_000).encode(), "https://kab.example.id/"))
        """
    )
    assert out.strip() == "['https://kab.example.id/feed/']"


def test_a_long_title_beside_many_headline_elements_is_read_in_linear_time() -> None:
    """A 200 KB og:title beside 2,000 <h1>s took 66 s (the title folded again for each)."""
    out = finishes(
        """
        from syndication.sources.html import read_article
        title = ("kata " * 40_000).strip()
        page = (f"<html><head><meta property='og:title' content='{title}'><title>t</title>"
                "</head><body><article><div class='entry-content'><p>" + "Isi berita. " * 50
                + "</p></div></article>" + "<h1>lain</h1>" * 4_000 + "</body></html>")
        print(type(read_article(page, "https://x.id/berita/2024/01/02/a-b-c")).__name__)
        """
    )
    assert out.strip() == "Article"


def test_many_announced_feeds_are_found_in_linear_time() -> None:
    """40,000 distinct feed links took 63 s (each searched for in the list of those found)."""
    out = finishes(
        """
        from syndication.sources.html import find_feed_links
        links = "".join(f'<link rel="alternate" type="application/rss+xml" href="/f/{i}">'
                        for i in range(60_000))
        html = f"<html><head>{links}<link rel='alternate' type='application/rss+xml' href='http://['></head></html>"
        print(len(find_feed_links(html, "https://x.id/").feeds))
        """
    )
    assert out.strip() == "60000"


def test_long_runs_of_escaped_text_are_cleaned_in_linear_time() -> None:
    """html5ever (under nh3) is quadratic in a text node's length once it holds many character
    references or non-ASCII characters: 400,000 `&#160;` in a plain-text body took 10.8 s,
    800 KB of no-break spaces 20 s; these three (each within the 8 MB a body may have) would
    take minutes. Each long run now reaches nh3 cut by empty comments. (A tag-less body's
    references are decoded once now: its words keep the run of them long.)"""
    out = finishes(
        """
        from syndication.normalize.text import CONTENT_MAX, clean_content
        for body in (
            "Kata&#160;" * 1_200_000,
            "<p>" + "\\u00a0" * 2_000_000 + "</p><p>Akhir.</p>",
            "<p>" + "PT Abc &amp; Co " * 400_000 + "</p>",
        ):
            cleaned = clean_content(body)  # what the cap keeps of it, at least
            print(len(cleaned.content_html) > min(len(body), CONTENT_MAX) // 4)
        """
    )
    assert out.split() == ["True"] * 3


# what split_text must cut through without changing a character the parser reads: references
# cut short, raw text, comments, CDATA, foreign content, tags never closed, "</>", stray "<"
_RUN_ATOMS = [
    "&amp;", "&amp", "&not", "&notin;", "&#160;", "&#x41;", "&#16", "&", "#", ";", "x", "A0",
    "\u00a0", "é", " ", "\t", "\n", "\r\n", "\r", "<", "</>", "<>", "< ", "<p>", "</p>",
    "<b>", "</b>", "<a href='x>y' title=\"a&amp;b\">", "</a>", "<br/>", "<!-- c -->", "<!-->",
    "<!--", "-->", "<![CDATA[", "]]>", "<svg>", "</svg>", "<math>", "<textarea>", "</textarea>",
    "<title>", "</title>", "<script>", "</script>", "<style>", "</style>", "<noscript>",
    "</noscript>", "<plaintext>", "<xmp>", "</xmp>", "<table>", "<td>", "</table>", "<pre>",
    "<img alt='&amp;&#160;'>", "<?x?>", "<!x>", "</ x>", "<a b", "\u00a0\u00a0\u00a0",
    "<select>", "<option>", "</select>", "<math><mi>", "<svg><desc>", "<noembed>", "</noembed>",
    "<iframe>", "</iframe>", "<noframes>", "<colgroup>", "<caption>", "<tr>", "\u3000", "\x0c",
    "&#32;", "&Tab;", "&#x0a", "<!--!>", "<!--->", "<b =\"", "\"=\"",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_RUN_ATOMS), max_size=30), st.integers(1, 12))
def test_comments_put_into_long_runs_change_nothing_the_cleaner_writes(
    parts: list[str], every: int
) -> None:
    html = "".join(parts)
    whole = text._sanitize(html, "https://kab.example.id/berita/")
    cut = nesting.split_text(html, every)
    assert cut.replace("<!---->", "") == html.replace("<!---->", "")
    kept = text.split_text
    text.split_text = lambda fragment: cut if fragment == html else kept(fragment)  # type: ignore[assignment]
    try:
        assert text._sanitize(html, "https://kab.example.id/berita/") == whole, cut
    finally:
        text.split_text = kept


def test_split_text_cuts_long_text_and_leaves_markup_alone() -> None:
    body = "<p title='" + "&amp; " * 30 + "'>" + "a &amp; b " * 30 + "</p>"
    cut = nesting.split_text(body, 40)
    assert cut.count("<!---->") >= 5
    assert cut.startswith("<p title='" + "&amp; " * 30 + "'>")  # not inside the tag
    assert nesting.split_text("<textarea>" + "a &amp; " * 40 + "</textarea>", 40).count("<!") == 0
    assert nesting.split_text("<script>" + "a &amp; " * 40, 40).count("<!") == 0
    assert nesting.split_text("<!-- " + "a &amp; " * 40 + "-->", 40).count("<!") == 1
    short = "<p>" + "a &amp; b " * 3 + "</p>"
    assert nesting.split_text(short, 40) is short
