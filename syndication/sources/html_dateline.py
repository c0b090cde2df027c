"""The article's own visible date line: never a sidebar's, and with its time.

Rules: a known date element first (a line with a time beats one without: a Hijri line
"23 Muharram 1437 / 05 November 2015" loses to "Kamis, 05 November 2015 14:05 WIB");
otherwise the short date-like lines around the headline. A line inside a teaser (a block
holding another story's headline link: related news, most read) is never taken. A date
printed without its time takes the time printed beside it in the same short line block.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from syndication.sources.html_meta import (
    DATE_LINE_SELECTORS,
    PerNode,
    below_story,
    clean_line,
    has_clock,
    looks_like_date,
)

_LINE_TAGS = ("div", "span", "p", "li", "time", "small", "em", "h3", "h4", "h5", "h6")
_TEASER_LEVELS = 3  # ancestors of a date line searched for another story's headline link
_HEADLINE_WORDS = 4
_LINK_LEVELS = 6  # ancestors searched for a link wrapping the date line
_TEASER_CHARS = 400  # a teaser: a headline, a date, perhaps a line of summary
_HEADLINE_CHARS = 25
# a long link beside a date line that is the byline, not another story's headline
_BYLINE = re.compile(
    r"(?:kontributor|penulis|reporter|wartawan|editor|redaktur|oleh|by)\b", re.IGNORECASE
)
_PROFILE_HREF = re.compile(
    r"/(?:author|penulis|reporter|kontributor|wartawan|editor|redaksi|profil|profile|tag|tags|"
    r"topik)/",
    re.IGNORECASE,
)
_COMBINED_MAX = 120  # a date and its time beside it: still a short line
_LINE_SELECTOR = ", ".join(_LINE_TAGS)
_CAPTION_LEVELS = 4  # ancestors of a date line searched for a caption
_LINE_ELEMENTS = 12  # elements in a date line's subtree at most (its spans, icons, links)
_LEAD_CHARS = 200  # story text after which a body's lead holds no date line any more


def date_line(
    scope: LexborNode, body_id: int, skip: set[int], headline: LexborNode | None = None
) -> str | None:
    """The visible date line: a known date element, else the first short date-like element.

    Elements in `skip` (page chrome, the story itself) are never read: a top bar prints
    today's date and a story mentions dates of its own. The scan ends at the body.
    """
    around = _ancestor_ids(headline)
    texts = _Texts()
    untimed: str | None = None
    for sel in DATE_LINE_SELECTORS:  # in priority order, not page order
        for node in scope.css(sel):
            if node.mem_id in skip or _is_update(node) or not looks_like_date(clean_line(node)):
                continue
            if _in_caption(node):
                continue
            if _in_teaser(node, around, texts) or _in_caption(node):
                continue
            text = with_time(node, texts)
            if has_clock(text):
                return text
            untimed = untimed or text
    if untimed is not None:
        return untimed
    return _scan(scope, body_id, skip, headline, around, texts)


def _scan(
    scope: LexborNode,
    body_id: int,
    skip: set[int],
    headline: LexborNode | None,
    around: set[int],
    texts: _Texts,
) -> str | None:
    before: list[str] = []  # lines above the headline (or all, with no headline seen)
    after: list[str] = []
    lines = before
    headline_id = headline.mem_id if headline is not None else None
    for node in scope.traverse(include_text=False):
        if node.mem_id == body_id:
            break
        if node.mem_id == headline_id:
            lines = after
        if node.mem_id in skip or node.tag not in _LINE_TAGS or _is_update(node):
            continue
        innermost = _is_small(node) and _is_innermost_date(node)
        line = with_time(node, texts) if innermost else _own_date(node)
        if line is None or _in_teaser(node, around, texts) or _in_caption(node):
            continue
        lines.append(line)
        if lines is after and has_clock(lines[0]):
            return lines[0]  # first timed line under the headline, before any sidebar
    # above the headline, the line nearest it is the story's (a top bar's "today" comes
    # first); a line with a time beats a bare day
    timed = [line for line in before if has_clock(line)]
    pick = timed or before or after
    return pick[-1] if pick else None


class _Texts:
    """Each element's text (its line) and the length of its stripped text, read once per
    page: date lines side by side share their parents (a block of 4,000 dated links read
    its whole text for each: 6.6 s at 200 KB)."""

    def __init__(self) -> None:
        self.line = PerNode(clean_line)
        self.size = PerNode(lambda node: len(node.text(deep=True, strip=True)))


def with_time(node: LexborNode, texts: _Texts | None = None) -> str:
    """The date line, joined with the time printed in a sibling element when it has none:
    `<span>Senin, 18 November 2024</span> <span>19:15 WITA</span>`."""
    texts = texts or _Texts()
    text = clean_line(node)
    if has_clock(text):
        return text
    parent = node.parent
    for _ in range(2):
        if parent is None or parent.tag in ("body", "html"):
            break
        joined = texts.line(parent)
        if len(joined) > _COMBINED_MAX:
            break
        if has_clock(joined) and text in joined:
            return joined
        parent = parent.parent
    return text


def _in_teaser(node: LexborNode, around: set[int], texts: _Texts) -> bool:
    """Inside a block that links another story's headline (and not the article's header),
    or inside a link itself (a teaser card is one <a> around headline and date)."""
    parent = node.parent
    for _ in range(_LINK_LEVELS):
        if parent is None or parent.mem_id in around:
            break
        if parent.tag == "a" and parent.attributes.get("href"):
            return True
        parent = parent.parent
    parent = node.parent
    for _ in range(_TEASER_LEVELS):
        if parent is None or parent.mem_id in around or parent.tag in ("body", "html"):
            return False
        if texts.size(parent) > _TEASER_CHARS:
            return False  # a large container (the page's column), not one teaser
        for link in parent.css("a[href]"):
            words = clean_line(link)
            if _BYLINE.match(words) or _PROFILE_HREF.search(link.attributes.get("href") or ""):
                continue  # "Kontributor Samarinda, Zakarias Demon Daton": a byline, no story
            if len(words) >= _HEADLINE_CHARS and len(words.split()) >= _HEADLINE_WORDS:
                return True
        parent = parent.parent
    return False


def _ancestor_ids(node: LexborNode | None) -> set[int]:
    found: set[int] = set()
    while node is not None:
        found.add(node.mem_id)
        node = node.parent
    return found


def _is_innermost_date(node: LexborNode) -> bool:
    """Date-like, and no smaller element inside it is (a header wrapper also reads as a date)."""
    if not looks_like_date(clean_line(node)):
        return False
    # css() on a node also matches the node itself; an "updated" stamp inside a line does
    # not make the line a wrapper: `By X on December 27, 2014 at 12:06 PM, updated <span>...`
    inner = [n for n in node.css(_LINE_SELECTOR) if n.mem_id != node.mem_id]
    return not any(looks_like_date(clean_line(c)) and not _is_update(c) for c in inner)


def _in_caption(node: LexborNode) -> bool:
    """Inside a photo's caption: its date is the photo's, not the article's."""
    current: LexborNode | None = node
    for _ in range(_CAPTION_LEVELS):
        if current is None:
            return False
        if current.tag in ("figcaption", "figure"):
            return True
        if "caption" in (current.attributes.get("class") or "").lower():
            return True
        current = current.parent
    return False


def _is_update(node: LexborNode) -> bool:
    """A last-modified stamp (`class="updated"`), not the publication's date line."""
    attrs = node.attributes
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return "updated" in names or "modified" in names


def _own_date(node: LexborNode) -> str | None:
    """The date in a byline's own text, when the whole byline is too long to be a date line:
    `By National Desk on December 27, 2014 at 12:06 PM, updated <span>...</span>`."""
    own = " ".join(node.text(deep=False, separator=" ", strip=True).split())
    if not own or not looks_like_date(own):
        return None
    return None if looks_like_date(clean_line(node)) else own


def _is_small(node: LexborNode) -> bool:
    """Few enough elements inside to be one line: reading a page column's whole text for
    each of its elements would cost the scan most of its time."""
    elements = enumerate(node.traverse(include_text=False))
    return all(count <= _LINE_ELEMENTS for count, _ in elements)  # stops at the first past it


_HEADER_ELEMENTS = 400  # elements between a headline and its story read at most
_HEADER_P_CHARS = 80  # a paragraph longer than this is the story's


def header_zone(
    scope: LexborNode | None, headline: LexborNode | None, body_id: int
) -> tuple[list[LexborNode], set[str]]:
    """The elements after the headline and before the story, in document order: the
    article's header (its date line, its reporter, its share bar). It ends at the body's
    element, at a paragraph of the story (a <p> of more than _HEADER_P_CHARS characters), at
    a box of comments or related stories, or after _HEADER_ELEMENTS elements; no headline,
    no zone. A reader of this zone meets no comment or related story below the story. Also
    the date lines above the headline (a top bar's "today"), as with_time reads them."""
    if scope is None or headline is None:
        return [], set()
    zone: list[LexborNode] = []
    above: set[str] = set()
    texts = _Texts()  # each element's text read once (a column of thousands of dated links)
    started = False
    for node in scope.traverse(include_text=False):
        if node.mem_id == headline.mem_id:
            started = True
            continue
        if not started:
            if node.tag in _LINE_TAGS and _is_small(node) and _is_innermost_date(node):
                above.add(with_time(node, texts))
            continue
        if node.mem_id == body_id or len(zone) >= _HEADER_ELEMENTS:
            break
        if node.tag == "p" and len(clean_line(node)) > _HEADER_P_CHARS:
            break  # the story's first paragraph (a date line or a byline is shorter)
        if below_story(node):
            break  # comments, related stories: below the story, whatever holds them
        zone.append(node)
    return zone, above


def header_date_line(zone: list[LexborNode], headline: LexborNode | None) -> str | None:
    """The first timed date line of an article's header (`header_zone`), however the page
    wraps it: read before the page's junk goes, as a template may print it inside its share
    bar ("Selasa, 23 Februari 2016 | 16:37 WIB" beside the share buttons). Not a teaser's
    (a related story's date beside its headline link)."""
    around, texts = _ancestor_ids(headline), _Texts()
    for node in zone:
        small = node.tag in _LINE_TAGS and _is_small(node)
        if small and _is_innermost_date(node) and not _is_update(node):
            if _in_teaser(node, around, texts) or _in_caption(node):
                continue
            text = with_time(node, texts)
            if has_clock(text):
                return text
    return None


def lead_date_line(body: LexborNode) -> tuple[str, LexborNode] | None:
    """A date line at the head of the body, above the story's first paragraph (a theme rule
    whose element also holds the article's header: `Submitted on Mon, 2019-01-21 13:49`),
    and its element, which is no part of the story."""
    seen = 0
    for node in body.traverse(include_text=False):
        if node.mem_id == body.mem_id:
            continue
        # a small element only, as _scan reads lines: reading each level of a tower of boxes
        # around the story whole was its depth times its size (240 levels at 1 MB: 8.6 s)
        small = node.tag in _LINE_TAGS and _is_small(node)
        if small and _is_innermost_date(node) and not _is_update(node):
            return with_time(node), node
        if node.tag == "p":
            seen += len(clean_line(node))
            if seen > _LEAD_CHARS:
                return None
    return None
