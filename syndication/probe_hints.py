"""Selector hints for `probe` when the defaults find nothing: where the links and the story
probably are, as CSS an admin can paste into `[sources.selectors]` and adjust."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

_BLOCKS = "article, main, section, div"
_MIN_STORY_CHARS = 200
_MIN_REPEATS = 3


def _css(node: LexborNode) -> str:
    """tag.first-class (or tag#id, or tag) for a node."""
    attrs = node.attributes
    classes = (attrs.get("class") or "").split()
    if classes:
        return f"{node.tag}.{classes[0]}"
    if attrs.get("id"):
        return f"{node.tag}#{attrs['id']}"
    return node.tag or "div"


def content_selector(html: str) -> str | None:
    """The element holding the most paragraph text directly: likely the story's body."""
    doc = LexborHTMLParser(html)
    best, best_len = None, 0
    for node in doc.css(_BLOCKS):
        size = sum(
            len(child.text(deep=True, strip=True)) for child in node.iter() if child.tag == "p"
        )
        if size > best_len:
            best, best_len = node, size
    return _css(best) if best is not None and best_len >= _MIN_STORY_CHARS else None


def link_selector(html: str, page_url: str) -> str | None:
    """The most repeated `parent a` pattern among same-site links with a long text."""
    doc = LexborHTMLParser(html)
    host = urlsplit(page_url).hostname
    shapes: Counter[str] = Counter()
    for a in doc.css("a[href]"):
        try:  # a broken href ("http://[oops/") costs only itself
            href = urljoin(page_url, a.attributes.get("href") or "")
            href_host = urlsplit(href).hostname
        except ValueError:
            continue
        text = a.text(deep=True, strip=True)
        parent = a.parent
        if href_host != host or len(text.split()) < 4 or parent is None:
            continue
        shapes[f"{_css(parent)} a"] += 1
    if not shapes:
        return None
    shape, count = shapes.most_common(1)[0]
    return shape if count >= _MIN_REPEATS else None
