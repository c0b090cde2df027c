"""The readable page of one feed scope (all.html, category/x.html, regency/x.html,
regency/x/y.html): the same items as the scope's RSS, newest first, with the scope's subscribe
links. Plain HTML5 with an inline stylesheet: no XSLT, no script.

    Site + Scope + entries (+ the scope's Telegram chat) | select like RSS | escape | bytes
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from feeds.layout import EMPTY, autodiscovery, document, long_date, subscribe_links
from feeds.model import ADVERTORIAL_SLUG, Entry, Scope, Site
from feeds.render import feed_title, headline, select_entries, summary_text, unlabelled_title
from feeds.text import one_line

SUMMARY_CHARS = 240
TITLE_CHARS = 200  # a runaway headline (a whole article in <title>) must not fill the page


def page_title(entry: Entry) -> str:
    """The headline without a leading "[Advertorial]": the page labels advertorials with a
    badge instead, so the word appears once per item."""
    title = headline(entry)
    if entry.advertorial:
        title = unlabelled_title(title)
    return _shorten(title, TITLE_CHARS)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _summary(entry: Entry) -> str:
    text = one_line(summary_text(entry))
    if text == one_line(entry.title):
        return ""
    return f"<p>{escape(_shorten(text, SUMMARY_CHARS))}</p>"


def item_html(site: Site, entry: Entry) -> str:
    """One story: badge, linked title, time in the site's zone, source, categories."""
    badge = '<span class="ad">Advertorial</span>' if entry.advertorial else ""
    when = long_date(entry.published, site.timezone)
    stamp = entry.published.isoformat(timespec="seconds")  # HTML: 3 fraction digits at most
    meta = [f'<time datetime="{stamp}">{escape(when)}</time>']
    if one_line(entry.source_name):
        meta.append(escape(one_line(entry.source_name)))
    names = [one_line(n) or one_line(s) for s, n in entry.categories if s != ADVERTORIAL_SLUG]
    if any(names):
        meta.append(escape(", ".join(n for n in names if n)))
    return (
        f'<li class="item">{badge}<a class="title" href="{escape(entry.link)}">'
        f"{escape(page_title(entry))}</a>"
        f'<div class="meta">{" · ".join(meta)}</div>{_summary(entry)}</li>'
    )


def render_page(
    site: Site, scope: Scope, entries: Iterable[Entry], *, chat: str | None = None
) -> bytes:
    """The page of `scope`: exactly the entries its RSS lists (same selection and order)."""
    return page_bytes(site, scope, select_entries(entries, site.items_per_feed), chat)


def page_bytes(site: Site, scope: Scope, chosen: Sequence[Entry], chat: str | None) -> bytes:
    """render_page's bytes from the entries `select_entries` chose."""
    items = "".join(item_html(site, e) for e in chosen)
    listing = f"<ul>{items}</ul>" if chosen else f'<p class="empty">{EMPTY}</p>'
    body = [
        f'<header><p><a href="{escape(site.url("index.html"))}">'
        f"{escape(one_line(site.title))}</a> · semua feed</p>",
        f"<h1>{escape(one_line(scope.title))}</h1>",
        f"<p>{escape(one_line(scope.description))}</p>",
        f"<p>Berlangganan: {subscribe_links(site, scope, chat)}</p></header>",
        "<main>",
        listing,
        "</main>",
        f'<footer>Waktu dalam zona {escape(site.timezone)}. <a href="'
        f'{escape(site.url("index.html"))}">Daftar semua feed</a></footer>',
    ]
    return document(site, feed_title(site, scope), body, autodiscovery(site, [scope]))
