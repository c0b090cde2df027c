"""Rendering a delivery row for Telegram, and whether it goes out silently (quiet hours)."""

from __future__ import annotations

from datetime import datetime

from bots.message import Headline, Kind, Message, is_quiet, render

from ..config import Config
from ..store import DeliveryRow


def headline(config: Config, row: DeliveryRow) -> Headline:
    item = row.item
    names = {c.slug: c.name for c in config.categories}
    cats = sorted(item.categories, key=lambda c: (c != "advertorial", c))
    regency = next((r.name for r in config.regencies if r.slug == row.regency), None)
    source = config.source(item.source_id)
    return Headline(
        key=str(item.id),
        title=item.title,
        url=item.url,
        source_name=source.display_name if source else item.source_id,
        published=item.published,
        labels=tuple(names.get(c, c) for c in cats),
        advertorial=item.advertorial,
        regency_name=regency,
        summary=item.summary,
        image_url=item.image,
    )


def render_row(config: Config, row: DeliveryRow, kind: Kind | None = None) -> Message:
    """The message for `row`; raises a BotError (e.g. HeadlineError) if it cannot be built."""
    tg = config.telegram
    return render(headline(config, row), tg.template, tg.timezone, kind=kind)


def silent(config: Config, now: datetime) -> bool:
    """Whether `now` is in the quiet hours (parsed and validated when the config loaded)."""
    window = config.telegram.quiet
    return window is not None and is_quiet(now, *window, config.telegram.timezone)
