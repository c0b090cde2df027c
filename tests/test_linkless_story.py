"""A feed entry whose link no reader can open (`javascript:`, `data:`): no message is queued
for it (none could link it: the render failed, logged at ERROR, the delivery marked failed),
`explain` says why, and the feeds' refusal of it is logged once, not once per scope and
format and publish."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance_kit import cli, config_text, once, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_reclassified import CHATS, feed, item, market


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def test_a_story_without_an_openable_link_is_not_queued(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", feed())
    config = write(
        tmp_path, config_text(source("utama", f"{b}/feed/"), chats=CHATS, api_url=fake.url)
    )
    once(config, fake.token)
    body = market("TENGGARONG", "Bupati Kutai Kartanegara", "adv/diskominfo/kukar")
    bad = item(b, "x", "Pemkab Kukar Resmikan Pasar Rakyat", body, ("Pemerintah",))
    bad = bad.replace(f"<link>{b}/berita/x/</link>", "<link>javascript:alert(1)</link>")
    good = item(b, "y", "Pemkab Kukar Gelar Rapat Anggaran", body.replace("pasar", "rapat"), ())
    portal.set("/feed/", feed(bad, good))
    done = once(config, fake.token)
    once(config, fake.token)
    assert len(fake.messages) == 1 and "Rapat Anggaran" in fake.messages[0].text
    assert "render_failed" not in done.stderr
    assert done.stderr.count("entry_unpublishable") <= 1, done.stderr
    db = sqlite3.connect(tmp_path / "state.sqlite3")
    (found,) = db.execute("SELECT id FROM items WHERE title LIKE '%Pasar Rakyat'").fetchone()
    db.close()
    said = cli(config, "explain", str(found)).stdout
    assert "no link a reader can open" in said, said
