"""Headline -> Telegram message (HTML parse mode) that always fits Telegram's limits.

Plain text is cleaned and cut BEFORE it is escaped and placed in the template, so a cut can
never split a tag or an entity. The budget is the visible length Telegram counts (UTF-16
units after entity parsing): 4096 for a text message, 1024 for a photo caption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from bots.errors import BotError
from bots.template import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Template,
    clean_plain,
    cut_plain,
    utf16_len,
    visible_length,
)

DEFAULT_TEMPLATE = Template.parse(
    "{labels}\n"
    '<b><a href="{url}">{title}</a></b>\n\n'
    "{summary}\n\n"
    "<i>{source}</i> · {time}\n"
    '🔗 <a href="{url}">Baca selengkapnya</a>'
)
ADVERTORIAL_MARK = "📢 ADVERTORIAL"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
_SHORT_FIELD = 120  # source, regency: a name, never a paragraph
_LABELS_MAX = 300
_HTTP_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)

Kind = Literal["text", "photo"]


class HeadlineError(BotError):
    """A headline cannot be rendered (e.g. its URL is not http(s))."""


@dataclass(frozen=True)
class Headline:
    """What bots/ needs to announce one item; every text field is plain text."""

    key: str
    title: str
    url: str
    source_name: str
    published: datetime  # timezone-aware
    labels: tuple[str, ...] = ()  # category display names, e.g. ("Advertorial", "Pemerintah")
    advertorial: bool = False
    regency_name: str | None = None
    summary: str = ""
    image_url: str | None = None


@dataclass(frozen=True)
class Message:
    """A rendered message: `html` is the text, or the caption when kind is "photo"."""

    kind: Kind
    html: str
    photo_url: str | None = None
    disable_web_page_preview: bool = False


def render(
    headline: Headline,
    template: Template | str | None = None,
    tz: str = "Asia/Makassar",
    *,
    kind: Kind | None = None,
    summary_max: int = 300,
) -> Message:
    """Render `headline`; a photo with caption when it has an image and the title fits in one.

    `kind` forces a layout: "photo" gives a caption-sized message (for editing a photo's
    caption, `photo_url` may then be None); "text" never uses the photo.
    """
    if not _HTTP_URL.fullmatch(headline.url):
        raise HeadlineError(f"headline {headline.key!r}: url is not http(s): {headline.url!r}")
    tpl = _template(template)
    values = _values(headline, tz, summary_max)
    image = (
        headline.image_url
        if headline.image_url and _HTTP_URL.fullmatch(headline.image_url)
        else None
    )
    if kind == "photo" or (kind is None and image and _title_fits(tpl, values, CAPTION_LIMIT)):
        return Message("photo", _fit(tpl, values, CAPTION_LIMIT), photo_url=image)
    return Message("text", _fit(tpl, values, TEXT_LIMIT), disable_web_page_preview=False)


def format_time(moment: datetime, tz: str = "Asia/Makassar") -> str:
    """ "18 Nov 2024 20:15 WITA": the zone's own abbreviation (WIB, WITA, WIT)."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year} {local:%H:%M} {local.tzname()}"


def is_quiet(now: datetime, start: time, end: time, tz: str = "Asia/Makassar") -> bool:
    """True when `now` is in the daily quiet window [start, end), local time; may wrap midnight."""
    local = now.astimezone(ZoneInfo(tz)).time().replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def labels_line(headline: Headline) -> str:
    """The press-rule label: paid content is marked first and unmistakably."""
    names = [clean_plain(label) for label in headline.labels if clean_plain(label)]
    if headline.regency_name:
        names.append(clean_plain(headline.regency_name))
    tags = " ".join(
        dict.fromkeys("#" + re.sub(r"\W+", "", name) for name in names if re.sub(r"\W+", "", name))
    )
    paid = headline.advertorial or any(name.casefold() == "advertorial" for name in names)
    parts = [ADVERTORIAL_MARK] if paid else []
    if tags:
        parts.append(tags)
    return cut_plain(" · ".join(parts), _LABELS_MAX)


def _template(template: Template | str | None) -> Template:
    if template is None:
        return DEFAULT_TEMPLATE
    return template if isinstance(template, Template) else Template.parse(template)


def _values(headline: Headline, tz: str, summary_max: int) -> dict[str, str]:
    return {
        "title": clean_plain(headline.title) or headline.url,
        "url": headline.url,
        "labels": labels_line(headline),
        "source": cut_plain(clean_plain(headline.source_name), _SHORT_FIELD),
        "time": format_time(headline.published, tz),
        "summary": cut_plain(clean_plain(headline.summary), summary_max),
        "regency": cut_plain(clean_plain(headline.regency_name or ""), _SHORT_FIELD),
    }


def _title_fits(tpl: Template, values: dict[str, str], limit: int) -> bool:
    return visible_length(tpl.fill({**values, "summary": ""})) <= limit


def _fit(tpl: Template, values: dict[str, str], limit: int) -> str:
    """Cut the summary first, then the title, until the visible length is within `limit`."""
    for name in ("summary", "title", "labels", "source"):
        values = {**values, name: _cut_field(tpl, values, name, limit)}
        markup = tpl.fill(values)
        if visible_length(markup) <= limit:
            return markup
    raise HeadlineError(f"template: its fixed text alone exceeds {limit} characters")


def _cut_field(tpl: Template, values: dict[str, str], name: str, limit: int) -> str:
    """Longest cut of values[name] that fits; the length is linear in the field's length."""
    text = values[name]
    for _ in range(4):  # the first estimate is exact unless blank lines collapse
        over = visible_length(tpl.fill({**values, name: text})) - limit
        if over <= 0:
            return text
        per_char = _occurrences(tpl, values, name)
        if per_char <= 0:
            return text  # shown only inside attributes: cutting it cannot help
        text = cut_plain(text, utf16_len(text) - -(-over // per_char))
    return text if visible_length(tpl.fill({**values, name: text})) <= limit else ""


def _occurrences(tpl: Template, values: dict[str, str], name: str) -> int:
    """How many times the field shows in the visible text (0 if only inside attributes)."""
    one = visible_length(tpl.fill({**values, name: "x"}))
    two = visible_length(tpl.fill({**values, name: "xx"}))
    return two - one
