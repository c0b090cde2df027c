"""When a feed URL answers with an HTML page: say so, and name the feed the page links."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

# the charset parameter of a Content-Type header
HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")


def looks_like_html(body: bytes, content_type: str) -> bool:
    if "html" in content_type.lower() and "xhtml" not in content_type.lower():
        return True
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    while head.startswith(b"<!--"):  # comments before the doctype
        end = head.find(b"-->")
        head = head[end + 3 :].lstrip() if end >= 0 else b""
    return head.startswith(_HTML_START)


class _Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href", "").strip():
            self.found.append(values["href"].strip())


def linked_feeds(body: bytes, url: str) -> list[str]:
    """The feeds an HTML page names in <link rel="alternate">, as absolute URLs."""
    parser = _Alternates()
    try:
        parser.feed(body[: 512 * 1024].decode("utf-8", "replace"))
        parser.close()
    except AssertionError:  # html.parser gives up on some broken markup
        pass
    seen: list[str] = []
    for href in parser.found:
        absolute = urljoin(url, href)
        if absolute.startswith(("http://", "https://")) and absolute not in seen:
            seen.append(absolute)
    return seen


def html_page_message(body: bytes, url: str) -> str:
    feeds = linked_feeds(body, url)
    links = (
        f"; the page links the feed {feeds[0]}: use that URL as this source's url"
        if feeds
        else "; it links no feed"
    )
    return (
        f'parse: {url}: this is an HTML page, not a feed{links}; or set kind = "html" on '
        f"this source to read the page itself; `syndication probe {url}` shows what it finds"
    )
