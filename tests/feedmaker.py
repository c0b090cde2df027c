"""Small RSS documents in the shape of a Kaltim WordPress portal, for the fixture portal."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime


@dataclass
class Post:
    slug: str
    title: str
    published: datetime
    categories: list[str] = field(default_factory=list)
    body: str = ""
    image: str | None = None
    pub_text: str | None = None  # a printed date instead of RFC 822 (e.g. with WITA)


def rss(base: str, posts: list[Post], *, blank_line: bool = False) -> bytes:
    items = "".join(_item(base, p) for p in posts)
    head = "\n" if blank_line else ""
    return (
        f'{head}<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>Portal Uji</title><link>{base}/</link><description>uji</description>"
        f"{items}</channel></rss>"
    ).encode()


def _item(base: str, p: Post) -> str:
    link = f"{base}/{p.slug}/"
    cats = "".join(f"<category><![CDATA[{c}]]></category>" for c in p.categories)
    date = p.pub_text or format_datetime(p.published)
    media = f'<media:content url="{p.image}" medium="image"/>' if p.image else ""
    return (
        f"<item><title>{html.escape(p.title)}</title><link>{link}</link>"
        f'<guid isPermaLink="false">{base}/?p={p.slug}</guid>'
        f"<pubDate>{date}</pubDate>{cats}{media}"
        f"<description><![CDATA[{p.body[:200]}]]></description>"
        f"<content:encoded><![CDATA[{p.body}]]></content:encoded></item>"
    )
