"""The look shared by every page people read (index.html and the per-scope pages): one inline
stylesheet (nothing else to load, no script), Indonesian dates in the site's zone, and the
subscribe links of a scope.

Every string a source or the config wrote goes through `html.escape` here or in the caller;
attribute values are always double-quoted.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from feeds.model import Scope, Site
from feeds.text import one_line

FORMATS: tuple[tuple[str, str, str], ...] = (
    # (extension, label, MIME type for autodiscovery)
    ("rss", "RSS", "application/rss+xml"),
    ("atom", "Atom", "application/atom+xml"),
    ("json", "JSON Feed", "application/feed+json"),
)
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # Monday first
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
EMPTY = "Belum ada berita."
# The tab's icon, inline: without one every browser asks for /favicon.ico, which is not
# published (a 404 and a console error on every first visit). CSP allows data: images.
ICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Crect width='16' height='16' rx='3' fill='%23e8711a'/%3E"
    "%3Ccircle cx='4.5' cy='11.5' r='1.8' fill='%23fff'/%3E"
    "%3Cpath d='M3 6.5a6.5 6.5 0 0 1 6.5 6.5M3 2.5A10.5 10.5 0 0 1 13.5 13' "
    "stroke='%23fff' stroke-width='2' fill='none'/%3E%3C/svg%3E"
)
# A public Telegram username (t.me/<name> opens it); numeric ids are private chats.
_PUBLIC_CHAT = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")

CSS = """
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:48rem;padding:1rem;color:#1d1d1f;background:#fafafa;overflow-wrap:anywhere}
header p,footer{color:#555;font-size:.9rem}footer{margin-top:2rem}
h1{font-size:1.5rem;margin:.25rem 0 .5rem;line-height:1.25}
h2{font-size:1.15rem;margin:1.5rem 0 .25rem;border-bottom:2px solid #ddd}
ul{list-style:none;padding:0;margin:0}li{padding:.55rem 0;border-bottom:1px solid #eee}
a{color:#0b57d0}small,.meta{color:#555;font-size:.85rem}
.subscribe a{display:inline-block;margin:.2rem .35rem .2rem 0;padding:.05rem .6rem;
border:1px solid #0b57d0;border-radius:1rem;font-size:.85rem;text-decoration:none}
.subscribe a.tg{border-color:#229ed9;color:#1479a8}
.item a.title{font-weight:600;text-decoration:none}.item a.title:hover{text-decoration:underline}
.item p{margin:.2rem 0 0;color:#333;font-size:.95rem}
.ad{background:#fff0c2;color:#6b4e00;border-radius:4px;padding:0 .3rem;font-size:.75rem;
font-weight:600;margin-right:.3rem}
.empty{color:#666;font-style:italic}
.scope{display:flex;flex-wrap:wrap;justify-content:space-between;gap:0 1rem}
.scope .name{font-weight:600}.pairs{font-size:.85rem;margin-top:.15rem}
.pairs a{margin-right:.6rem;white-space:nowrap}
""".strip()


def long_date(moment: datetime, timezone: str) -> str:
    """ "Selasa, 3 Desember 2026 14.05 WITA": Indonesian names without touching the locale."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (
        f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year} "
        f"{local.hour:02d}.{local.minute:02d} {local.tzname()}"
    )


def telegram_url(chat: str | None) -> str | None:
    """https://t.me/<name> for a public @username; None for a numeric (private) chat."""
    match = _PUBLIC_CHAT.fullmatch(chat or "")
    return f"https://t.me/{match.group(1)}" if match else None


def subscribe_links(site: Site, scope: Scope, chat: str | None) -> str:
    """RSS / Atom / JSON of the scope, and its Telegram channel when the chat is public."""
    links = [
        f'<a href="{escape(site.url(f"{scope.path}.{ext}"))}" type="{mime}">{label}</a>'
        for ext, label, mime in FORMATS
    ]
    channel = telegram_url(chat)
    if channel:
        links.append(f'<a class="tg" href="{escape(channel)}">Telegram {escape(chat or "")}</a>')
    return f'<span class="subscribe">{" ".join(links)}</span>'


def autodiscovery(site: Site, scopes: list[Scope] | tuple[Scope, ...]) -> list[str]:
    """<link rel="alternate"> for feed readers: every format of `all`, RSS of the others."""
    tags = []
    for scope in scopes:
        formats = FORMATS if scope.kind == "all" else FORMATS[:1]
        for ext, label, mime in formats:
            title = escape(f"{one_line(scope.title)} ({label})")
            href = escape(site.url(f"{scope.path}.{ext}"))
            tags.append(f'<link rel="alternate" type="{mime}" title="{title}" href="{href}">')
    return tags


def document(site: Site, title: str, body: list[str], head: list[str]) -> bytes:
    """A whole HTML5 page: `title` is plain text, `body` and `head` are markup."""
    parts = [
        "<!doctype html>",
        f'<html lang="{escape(site.language)}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f'<link rel="icon" href="{ICON}">',
        *head,
        f"<style>{CSS}</style></head>",
        "<body>",
        *body,
        "</body></html>\n",
    ]
    return "\n".join(parts).encode("utf-8")
