"""An entry dated only by its last change keeps that date (review of 2026-12-06: it got the
time of the poll, so a three-day-old story read as new and went out to the channels).

RSS 1.0 dates an item by dc:date only (feedparser reads it as `updated`), an Atom entry may
carry <updated> without <published> (RFC 4287 requires only updated), a JSON Feed item may
have date_modified only, and an RSS 2.0 item may carry dc:date instead of pubDate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.acceptance_kit import (
    Story,
    config_text,
    json_items,
    kukar,
    once,
    rdf,
    source,
    write,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def _atom_updated_only(base: str, stories: list[Story]) -> str:
    entries = "".join(
        f'<entry><title>{s.title}</title><link rel="alternate" href="{base}/a/{s.key}/"/>'
        f"<id>tag:acc.example,2024:{s.key}</id><updated>{s.published.isoformat()}</updated>"
        f'<category term="Pemerintah"/><content type="html">{_esc(s.body())}</content></entry>'
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>A</title><id>tag:acc.example,2024:feed</id>"
        f"<updated>{datetime.now(UTC).isoformat()}</updated><author><name>r</name></author>"
        f"{entries}</feed>"
    )


def _json_modified_only(base: str, stories: list[Story]) -> str:
    items = [
        {
            "id": f"{base}/?j={s.key}",
            "url": f"{base}/j/{s.key}/",
            "title": s.title,
            "content_html": s.body(),
            "date_modified": s.published.isoformat(),
            "tags": ["Pemerintah"],
        }
        for s in stories
    ]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items})


def _rss_dc_date(base: str, stories: list[Story]) -> str:
    items = "".join(
        f"<item><title>{s.title}</title><link>{base}/d/{s.key}/</link>"
        f'<guid isPermaLink="false">{base}/?d={s.key}</guid>'
        f"<dc:date>{s.published.isoformat()}</dc:date><category>Pemerintah</category>"
        f"<description>{_esc(s.body())}</description></item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>D</title>'
        f"<link>{base}/</link><description>d</description>{items}</channel></rss>"
    )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SHAPES = {"rdf": rdf, "atom": _atom_updated_only, "json": _json_modified_only, "dc": _rss_dc_date}
THREE_DAYS = 3 * 24 * 60


def _published(out: Path) -> dict[str, datetime]:
    return {
        str(i["title"]): datetime.fromisoformat(i["date_published"])
        for i in json_items(out, "all.json")
    }


def test_the_change_date_is_the_date_and_an_old_story_is_not_pushed(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    backlog = {
        name: kukar(f"{name}-lama", f"Pemkab Kukar Rapat Lama Versi {name}", minutes_ago=THREE_DAYS)
        for name in SHAPES
    }
    for name, shape in SHAPES.items():
        portal.set(f"/{name}/", shape(b, [backlog[name]]))
    sources = "".join(source(name, f"{b}/{name}/") for name in SHAPES)
    config = write(
        tmp_path, config_text(sources, chats={"kukar": "@kabar_kukar"}, api_url=fake.url)
    )
    once(config, fake.token)
    seen = _published(tmp_path / "out")
    for name, story in backlog.items():
        assert abs(seen[story.title] - story.published) < timedelta(seconds=1), (name, seen)

    # a later poll lists an old story for the first time (older than max_age, 24h) and a
    # fresh one: by identity both are new, by age only the fresh one is pushed
    for name, shape in SHAPES.items():
        old = kukar(f"{name}-arsip", f"Pemkab Kukar Arsip Lama {name}", minutes_ago=THREE_DAYS)
        fresh = kukar(f"{name}-baru", f"Pemkab Kukar Kabar Baru {name}", minutes_ago=5)
        portal.set(f"/{name}/", shape(b, [fresh, old, backlog[name]]))
    once(config, fake.token)
    sent = sorted(m.text.split("\n")[0] for m in fake.messages)
    assert len(fake.messages) == len(SHAPES), sent
    assert all("Kabar Baru" in m.text and "Arsip" not in m.text for m in fake.messages), sent
    seen = _published(tmp_path / "out")
    for name in SHAPES:
        when = seen[f"Pemkab Kukar Arsip Lama {name}"]
        assert datetime.now(UTC) - when > timedelta(days=2), (name, when)
