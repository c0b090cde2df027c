"""The generic main-content extractor: the body of a page no theme rule knows.

Used when neither the admin's body selector nor a theme selector finds a body, or when the
theme's body is poor (too short to be the story). trafilatura reads the page as a whole
(text density, link density, boilerplate lists) and hands back the main text as HTML; the
headline and the date line it keeps at the top are cut here, as they are fields, not body.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from selectolax.lexbor import LexborHTMLParser, LexborNode

from syndication.nesting import bound_depth
from syndication.sources.html_meta import clean_line, looks_like_date

if TYPE_CHECKING:
    from trafilatura.deduplication import LRUCache

# A theme body shorter than this (plain text) is taken as a wrong match: a teaser, a caption.
POOR_BODY_CHARS = 300
_MIN_GENERIC_CHARS = 200
_DEDUP_SIZE = 4096  # text segments remembered within one page (trafilatura's own size)
_GENERIC_DEPTH = 64  # levels the generic extractor reads (the deepest real page seen nests 51)

# trafilatura logs every page it finds too short at WARNING: that is our decision to report
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def generic_body(html: str, page_url: str, title: str | None) -> LexborNode | None:
    """The main text of the page as an element, or None when there is no story to find.

    trafilatura's own pass first; only when it finds no story is it run again with its second
    opinion (its readability port and jusText), which costs half as much again on every page.
    """
    from trafilatura.deduplication import LRUCache

    # repeated text is dropped within this page only: trafilatura's default cache is the
    # process's, so a page read for the third time (or a paragraph every page of a site
    # repeats) would lose its story
    seen = LRUCache(maxsize=_DEDUP_SIZE)
    # trafilatura weighs every link of every box around it, in Python: a box nested 240 deep
    # around 20,000 links took 30 s. Its copy nests no deeper than real pages do.
    html, _ = bound_depth(_without_ad_slots(html), _GENERIC_DEPTH)
    return _story(html, title, seen, fast=True) or _story(html, title, seen, fast=False)


# an element that holds an ad or a tracking pixel: named so by its id or class, or hidden
_AD_NAMES = re.compile(
    # not "adv", "advertorial", "iklan" nor "sponsor": an advertorial's own label (a credit
    # "(adv/kmf)" in a span.label-iklan) is evidence
    r"(?:^|[\s_-])(?:ads?|advertis\w*|gpt|dfp|beacon|parallax\w*)(?:$|[\s_-])",
    re.IGNORECASE,
)
_COMMENT_NAME = re.compile(
    r"(?:(?:box|kolom|wrap|wrapper|area|list|section|daftar|comments?)[-_])?"
    r"(?:komentar|disqus)(?:[-_]\w+)*+",  # possessive: "_a" pieces split 2^n ways
    re.IGNORECASE,
)


def _comments_box(names: str) -> bool:
    """Whether an element's id and classes name a box of readers' comments ("komentar",
    "box-komentar", "disqus_thread"): a word starting so, never a post's tag or taxonomy
    class ("tag-komentar", "topik-komentar-publik")."""
    return any(_COMMENT_NAME.fullmatch(word) for word in names.split())


_AD_TAGS = frozenset({"div", "ins", "aside", "span", "iframe"})
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_AD_TEXT = 80  # an ad slot's own words at most ("ADVERTISEMENT", "SCROLL TO CONTINUE")


def _without_ad_slots(html: str) -> str:
    """The page without its ad slots and hidden pixels (elements with at most a label's
    words). In a story written as text and <br> lines (detik's older pages), trafilatura
    took the text after such a <div> for the div's own tail and dropped the paragraph."""
    doc = LexborHTMLParser(html)
    if doc.body is None:
        return html
    doomed: list[tuple[LexborNode, bool]] = []  # (slot, a hidden span inside a word)
    for node in doc.body.css("div, ins, aside, span, iframe, section, ol, ul"):
        attrs = node.attributes
        names = f"{attrs.get('id') or ''} {attrs.get('class') or ''}"
        if _comments_box(names) and node.css_first("h1") is None:
            # readers' comments (trafilatura knows only English names), not a page's wrapper
            doomed.append((node, False))
            continue
        if node.tag not in _AD_TAGS:
            continue
        named = _AD_NAMES.search(names)
        hidden = "hidden" in attrs or _HIDDEN.search(attrs.get("style") or "")
        if (named or hidden) and len(node.text(deep=True, strip=True)) <= _AD_TEXT:
            doomed.append((node, bool(hidden and not named and node.tag == "span")))
    if not doomed:
        return html
    for node, in_word in reversed(doomed):  # inner ones first: an outer one may hold them
        if in_word:
            node.decompose()  # copy protection inside a word ("Bu<span hidden>x</span>pati")
        else:
            node.replace_with(" ")  # an ad's place: the words on either side stay apart
    return doc.html or html


def _story(html: str, title: str | None, seen: LRUCache, *, fast: bool) -> LexborNode | None:
    import trafilatura  # here: a second of start-up that only HTML sources need

    found = trafilatura.extract(
        html,
        url=None,  # no base: its links stay as written, resolved later against the page's URL
        output_format="html",
        include_comments=False,
        include_images=False,
        include_links=True,  # kept so that lists of links (related stories) can be cut
        include_tables=True,
        favor_precision=True,
        deduplicate=seen,
        fast=fast,
    )
    if not found:
        return None
    body = LexborHTMLParser(found).body
    if body is None:
        return None
    _drop_fields(body, title)
    text = body.text(deep=True, separator=" ", strip=True)
    return body if len(text) >= _MIN_GENERIC_CHARS else None


def body_text_len(node: LexborNode) -> int:
    return len(node.text(deep=True, separator=" ", strip=True))


def _drop_fields(body: LexborNode, title: str | None) -> None:
    """Cut the headline, the kicker above it and date lines: trafilatura keeps them as text."""
    wanted = " ".join((title or "").split()).casefold()
    for node in body.css("h1, h2, h3"):
        if wanted and " ".join(clean_line(node).split()).casefold() == wanted:
            _cut_before(node)
            node.decompose()
            break
    for node in body.css("p"):
        line = clean_line(node)
        if len(line) <= 80 and looks_like_date(line):
            node.decompose()


def _cut_before(headline: LexborNode) -> None:
    """Short lines above the headline are a kicker and a date line, never the story."""
    previous = headline.prev
    while previous is not None:
        before = previous.prev
        if len(clean_line(previous)) <= 80:
            previous.decompose()
        previous = before
