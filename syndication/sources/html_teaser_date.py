"""A story that another story's teaser dates: its own date line instead.

A regency portal prints a story's date as text under its headline and lists other stories
under it ("Berita Lainnya"), each with a <time datetime>; with no <meta> or JSON-LD date,
that teaser's <time> was the story's date. The story's own line wins only when every sign
agrees (each guard is a page that two reviews found dated wrongly without it, see
tests/data/html/own_dates):

- nothing else dates the page: no meta, JSON-LD or marked <time> (time.published,
  time.entry-date, itemprop) anywhere;
- the plain <time> that dates it lies after the story's end, in one of two or more sibling
  items of a list of other stories (each small, with a <time> and a headline link to another
  page): never the story's own footer, however long the links beside its <time>;
- the line stands between a headline reading the title and the story's first paragraph
  (not an update, agenda or caption line inside the story, nor a top bar's today);
- it names a day, and another day than the teaser's <time> in that time's own zone, and says
  nothing of an update, agenda, deadline, print or photo.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from syndication.normalize.dates import printed_day
from syndication.sources import html_meta as hm
from syndication.sources.html_dateline import BYLINE, PROFILE_HREF, date_line

_TEASER_CHARS = 600  # a teaser: a headline, a date, perhaps a line of summary
_ITEM_LEVELS = 4  # ancestors of a <time> searched for the item of a list it is one of
# a line that dates something else than the publication: an update, an agenda, a deadline,
# a print, a photo
_NOT_PUBLICATION = re.compile(
    r"\b(?:diperbarui|diupdate|update[ds]?|diubah|perubahan|terakhir|jadwal|agenda|kegiatan"
    r"|acara|batas|deadline|pendaftaran|dicetak|cetak|print|foto|sumber|berlaku)\b",
    re.IGNORECASE,
)
_HEADLINE_CHARS, _HEADLINE_WORDS = 25, 4
_PARAGRAPH_CHARS = 40  # a paragraph long enough to be found once in the page


def own_date_line(
    doc: LexborHTMLParser,
    ld: dict[str, object] | None,
    skip: set[int],
    body: LexborNode,
    found: tuple[str, str],
) -> str | None:
    """The story's own date line where only another story's teaser dates the page, else
    None (`skip`: the ids inside page chrome; `found`: the page's URL and its title)."""
    page_url, title = found
    if hm.machine_dates(doc, ld, skip, plain=False) != hm.MachineDates():
        return None
    time = _dating_time(doc, skip)
    span = _story_span(doc, body)
    if time is None or span is None or doc.body is None or doc.root is None:
        return None
    node, day = time
    headline = _headline(doc, title)
    if headline is None or not _in_teaser(node, page_url):
        return None
    outside = _order(doc.root, headline, span, node)
    if outside is None:
        return None
    line = date_line(doc.body, span[0].mem_id, outside | skip, headline)
    if line is None or _NOT_PUBLICATION.search(line):
        return None
    printed = printed_day(hm.readable_date(line))
    return line if printed is not None and printed != day else None


def _dating_time(doc: LexborHTMLParser, skip: set[int]) -> tuple[LexborNode, date] | None:
    """The plain <time> machine_dates takes when nothing else dates the page (the first with
    a zone, else the first without), and the day it names in its own zone."""
    first: tuple[LexborNode, datetime] | None = None
    for node in hm.plain_time_nodes(doc, skip):
        value = node.attributes.get("datetime") or ""
        when = hm.as_written(value)
        if when is not None and when.tzinfo is not None and hm.parse_iso(value) is None:
            continue  # past the calendar's ends in UTC: machine_dates does not take it
        if when is not None and when.tzinfo is not None:
            return node, when.date()
        if when is not None and first is None:
            first = (node, when)
    return (first[0], first[1].date()) if first is not None else None


def _story_span(doc: LexborHTMLParser, body: LexborNode) -> tuple[LexborNode, LexborNode] | None:
    """The page's elements where the story starts and ends: the body element itself, or, for
    the generic extractor's copy, the page's paragraphs equal to its first and last (None
    when either is not found exactly once)."""
    top = body
    while top.parent is not None:
        top = top.parent
    root = doc.root
    if root is not None and root.parent is not None and top.mem_id == root.parent.mem_id:
        return body, body
    blocks = [b for b in (hm.clean_line(n) for n in body.css("p")) if len(b) >= _PARAGRAPH_CHARS]
    if not blocks or doc.body is None:
        return None
    page = [(hm.clean_line(n), n) for n in doc.body.css("p")]
    ends = []
    for wanted in (blocks[0], blocks[-1]):
        matches = [n for text, n in page if text == wanted]
        if len(matches) != 1:
            return None
        ends.append(matches[0])
    return ends[0], ends[1]


def _headline(doc: LexborHTMLParser, title: str) -> LexborNode | None:
    """The first h1-h3 reading the title exactly."""
    wanted = title.casefold()
    for node in doc.css("h1, h2, h3"):
        if hm.clean_line(node).casefold() == wanted:
            return node
    return None


def _order(
    root: LexborNode, headline: LexborNode, span: tuple[LexborNode, LexborNode], time: LexborNode
) -> set[int] | None:
    """The ids of every element outside the stretch between the headline's end and the
    story's start, when the page's order is headline, story, then `time` after the story's
    end; None otherwise. One walk, in the page's order (a subtree is one stretch of it)."""
    start, end = span
    in_headline = {n.mem_id for n in headline.css("*")} | {headline.mem_id}
    in_end = {n.mem_id for n in end.css("*")} | {end.mem_id}
    outside: set[int] = set()
    state = 0  # 0 before the headline, 1 in it, 2 between it and the story, 3 in the story
    for node in root.traverse(include_text=False):
        key = node.mem_id
        if state == 0 and key == headline.mem_id:
            state = 1
        elif state == 1 and key not in in_headline:
            state = 2
        if state == 2 and key == start.mem_id:
            state = 3
        if key == time.mem_id:  # the time must come after the story's end
            return outside if state == 3 and key not in in_end else None
        if state != 2:
            outside.add(key)
    return None


def _in_teaser(node: LexborNode, page_url: str) -> bool:
    """One of two or more sibling items of a list of other stories: each item small, with a
    <time> and a headline link to another page. A story's own footer is one block, however
    long the links beside its <time> (previous story, category, print, source)."""
    item = node
    for _ in range(_ITEM_LEVELS):
        parent = item.parent
        if parent is None or parent.tag in ("body", "html"):
            return False
        teasers = [c for c in parent.iter(include_text=False) if _teaser_item(c, page_url)]
        if len(teasers) >= 2 and any(t.mem_id == item.mem_id for t in teasers):
            return True
        item = parent
    return False


def _teaser_item(node: LexborNode, page_url: str) -> bool:
    if node.css_first("time") is None:
        return False
    if len(node.text(deep=True, strip=True)) > _TEASER_CHARS:
        return False
    return any(_other_story(a, page_url, hm.clean_line(a)) for a in node.css("a[href]"))


def _other_story(link: LexborNode, page_url: str, words: str) -> bool:
    """A link to another page whose `words` read like its headline."""
    href = link.attributes.get("href") or ""
    words = " ".join(words.split())
    if BYLINE.match(words) or PROFILE_HREF.search(href):
        return False
    if len(words) < _HEADLINE_CHARS or len(words.split()) < _HEADLINE_WORDS:
        return False
    try:
        target = urlsplit(urljoin(page_url, href))
        here = urlsplit(page_url)
    except ValueError:
        return False
    if target.scheme not in ("http", "https"):
        return False
    return (target.netloc, target.path.rstrip("/")) != (here.netloc, here.path.rstrip("/"))
