"""[[filters]] end to end: fixture portal -> run_once -> fake Bot API. A held message gets a
delivery row in state "filtered" with its reason (explain names the filter, status counts it);
its item stays in every feed; changed filters apply to messages not yet sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from syndication.commands import status_data
from syndication.config import Config, load
from syndication.errors import ConfigError
from syndication.explain import explain_target
from syndication.service import run_once
from syndication.store import Store, open_store
from syndication.store import schema as t
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

NOW = datetime.now(UTC)
CHATS = {"kukar": "@kabar_kukar", "kutim": "@kabar_kutim", "bontang": "@kabar_bontang"}
FILTERS = """
[[filters]]
regencies = ["kukar"]
exclude = ["judi online"]
[[filters]]
regencies = ["bontang"]
require = ["mangrove", "bibit"]
"""


def _post(slug: str, title: str, body: str, minutes: int = 20) -> Post:
    return Post(slug, title, NOW - timedelta(minutes=minutes), ["Pemerintah"], f"<p>{body}</p>")


BOTH = _post("razia", "Polisi Razia Judi Online di Tenggarong dan Sangatta",
             "Polisi menggelar razia di Tenggarong dan Sangatta.")  # fmt: skip
JOINED = _post("blokir", "Situs Judionline Diblokir Pemkab Kukar",
               "Diskominfo Kukar memblokir situs di Tenggarong.")  # fmt: skip
JUDI = _post("sabung", "Judi Sabung Ayam Digerebek di Tenggarong",
             "Polisi menggerebek arena di Tenggarong.")  # fmt: skip
IN_TEXT = _post("bandar", "Bandar Ditangkap Polres Kukar",
                "TENGGARONG – Bandar JUDI-ONLINE ditangkap di Tenggarong.")  # fmt: skip
MANGROVE = _post("mangrove", "Pemkot Bontang Bagikan Bibit Mangrove",
                 "Pemkot Bontang membagikan bibit di pesisir Bontang.")  # fmt: skip
PASAR = _post("pasar", "Wali Kota Bontang Resmikan Pasar", "Pemkot Bontang meresmikan pasar.")
OLD = _post("lama", "Berita Lama Pemkab Kukar", "Kegiatan di Tenggarong.", minutes=300)


def _series(word: str, count: int) -> list[Post]:
    """`count` Kukar stories of one kind ("Kegiatan Ke-0" ...), newest first."""
    return [
        _post(f"{word.lower()}-{n}", f"Pemkab Kukar Gelar {word} Ke-{n} di Tenggarong",
              f"{word} ke-{n} berlangsung di Tenggarong.", minutes=10 + n)
        for n in range(count)
    ]  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=20, min_interval=0.0) as f:
        yield f


def _config(tmp_path: Path, db_url: str, portal: Portal, fake: FakeTelegram, extra: str) -> Path:
    return write_config(
        tmp_path / "config.toml", db_url=db_url, api_url=fake.url, chats=CHATS, extra=extra,
        sources=f'[[sources]]\nid = "portal"\nurl = "{portal.url}/feed/"\n',
    )  # fmt: skip


def _explain(config: Config, store: Store, portal: Portal, slug: str) -> str:
    text, found = explain_target(config, store, f"{portal.url}/{slug}/")
    assert found, text
    return text


def _titles(fake: FakeTelegram, chat: str) -> list[str]:
    return sorted(m.text.split("\n")[0] for m in fake.messages_to(chat))


def test_filters_hold_messages_back_per_channel_with_the_reason(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    path = _config(tmp_path, db_url, portal, fake, FILTERS)
    portal.set("/feed/", rss(portal.url, [OLD]))
    assert asyncio.run(run_once(load(path))) == 0  # the first poll: backlog
    posts = [OLD, BOTH, JOINED, JUDI, IN_TEXT, MANGROVE, PASAR]
    portal.set("/feed/", rss(portal.url, posts))
    config = load(path)
    assert asyncio.run(run_once(config)) == 0

    kukar = " ".join(m.text for m in fake.messages_to("@kabar_kukar"))
    assert "Judionline" in kukar and "Sabung Ayam" in kukar  # neither joined nor half matches
    assert "Razia Judi Online" not in kukar and "Bandar" not in kukar  # title, and text
    kutim = " ".join(m.text for m in fake.messages_to("@kabar_kutim"))
    assert "Razia Judi Online" in kutim  # Kutim has no filter
    bontang = " ".join(m.text for m in fake.messages_to("@kabar_bontang"))
    assert "Mangrove" in bontang and "Resmikan Pasar" not in bontang  # require

    store = open_store(config.database_url)
    try:
        why = _explain(config, store, portal, "razia")
        assert "kukar -> @kabar_kukar: filtered, filters[0]: excluded, mentions 'judi online'" in (
            why
        ), why
        assert "kutim -> @kabar_kutim: sent" in why, why
        why = _explain(config, store, portal, "pasar")
        assert "bontang -> @kabar_bontang: filtered, filters[1]: held, mentions none" in why, why
        channels = {c["chat"]: c for c in status_data(config, store)["channels"]}
        assert channels["@kabar_kukar"]["filtered"] == 2
        assert channels["@kabar_bontang"]["filtered"] == 1
        assert channels["@kabar_kutim"]["filtered"] == 0
    finally:
        store.engine.dispose()
    # a filtered item stays in every feed: the site-wide one and its regency's
    public = tmp_path / "public"
    for feed in ("all.rss", "regency/kukar.rss", "regency/bontang.rss"):
        text = (public / feed).read_text(encoding="utf-8")
        assert "Polisi Razia Judi Online" in text or "Resmikan Pasar" in text, feed
    assert "Bandar Ditangkap" in (public / "regency/kukar.rss").read_text(encoding="utf-8")
    assert "Wali Kota Bontang Resmikan Pasar" in (public / "regency/bontang.rss").read_text(
        encoding="utf-8"
    )


def _states(store: Store) -> dict[tuple[str, str], str]:
    d, i = t.deliveries.c, t.items.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(i.title, d.chat, d.state).join(t.items, i.id == d.item_id))
        return {(r.title, r.chat): r.state for r in rows}


def test_changed_filters_apply_to_messages_not_yet_sent(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str
) -> None:
    # a dry run (no token): every message stays pending, as if not yet sent
    path = _config(tmp_path, db_url, portal, fake, "")
    portal.set("/feed/", rss(portal.url, [OLD]))
    assert asyncio.run(run_once(load(path))) == 0
    portal.set("/feed/", rss(portal.url, [OLD, BOTH, JUDI, MANGROVE, PASAR]))
    assert asyncio.run(run_once(load(path))) == 0
    store = open_store(load(path).database_url)
    try:
        razia = (BOTH.title, "@kabar_kukar")
        pasar = (PASAR.title, "@kabar_bontang")
        assert _states(store)[razia] == "pending" and _states(store)[pasar] == "pending"

        path.write_text(path.read_text() + FILTERS)  # filters added: pending -> filtered
        assert asyncio.run(run_once(load(path))) == 0
        states = _states(store)
        assert states[razia] == "filtered" and states[pasar] == "filtered"
        assert states[(BOTH.title, "@kabar_kutim")] == "pending"
        assert states[(JUDI.title, "@kabar_kukar")] == "pending"
        assert states[(MANGROVE.title, "@kabar_bontang")] == "pending"

        # the Bontang filter dropped: its held message is queued again (still young)
        path.write_text(path.read_text().split('[[filters]]\nregencies = ["bontang"]')[0])
        assert asyncio.run(run_once(load(path))) == 0
        states = _states(store)
        assert states[pasar] == "pending" and states[razia] == "filtered"
    finally:
        store.engine.dispose()
    assert fake.messages == []  # a dry run sends nothing


# a cap below the default tests the same rule with fewer messages paced 1 s apart
CAP, OVER = 5, 12


def test_a_burst_queues_max_per_poll_per_chat_and_tells_the_admin_once(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    path = _config(tmp_path, db_url, portal, fake, "")
    path.write_text(
        path.read_text().replace(
            'max_age = "24h"', f'max_age = "24h"\nmax_per_poll = {CAP}\nadmin_chat = "@admin"'
        )
    )
    portal.set("/feed/", rss(portal.url, [OLD]))
    assert asyncio.run(run_once(load(path))) == 0  # the first poll: backlog
    burst = _series("Kegiatan", CAP + OVER)
    portal.set("/feed/", rss(portal.url, [*burst, OLD]))
    config = load(path)
    assert asyncio.run(run_once(config)) == 0

    assert len(fake.messages_to("@kabar_kukar")) == CAP
    [notice] = fake.messages_to("@admin")
    assert f"max_per_poll = {CAP}" in notice.text, notice.text
    assert f"@kabar_kukar {OVER}" in notice.text, notice.text
    public = (tmp_path / "public" / "regency" / "kukar.rss").read_text(encoding="utf-8")
    assert burst[CAP].title in public  # the newest item left out of Telegram: in the feed
    store = open_store(config.database_url)
    try:
        states = _states(store)
        assert sum(s == "sent" for s in states.values()) == CAP
        assert sum(s == "capped" for s in states.values()) == OVER
        assert states[(burst[CAP].title, "@kabar_kukar")] == "capped"
        in_scope = {i.title for i in store.scope_items("regency/kukar", 100)}
        assert {p.title for p in burst} <= in_scope  # every item is in the feeds' data
        capped = next(p for p in burst if states[(p.title, "@kabar_kukar")] == "capped")
        why = _explain(config, store, portal, capped.slug)
        assert f"kukar -> @kabar_kukar: not pushed, over max_per_poll ({CAP} per chat)" in why, why
        data = status_data(config, store)
        [kukar] = [c for c in data["channels"] if c["chat"] == "@kabar_kukar"]
        assert kukar["capped"] == OVER and kukar["sent"] == CAP
        [source] = data["sources"]
        assert "max_per_poll" in source["last_burst"]
    finally:
        store.engine.dispose()

    # the next poll lists nothing new: no more messages, no second notice
    assert asyncio.run(run_once(load(path))) == 0
    assert len(fake.messages_to("@kabar_kukar")) == CAP
    assert len(fake.messages_to("@admin")) == 1


def test_a_whole_feed_of_new_stories_is_announced_under_the_default_cap(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str
) -> None:
    """The contract: every new item of a pushed category gets its message. A later poll that
    finds a whole feed page new (50 stories, WordPress's longest common page; a portal back
    after a day away) is no runaway burst: the default cap (100) leaves every one queued. A
    dry run: the messages stay pending, none is paced out."""
    path = _config(tmp_path, db_url, portal, fake, "")
    portal.set("/feed/", rss(portal.url, [OLD]))
    assert asyncio.run(run_once(load(path))) == 0  # the first poll: backlog
    page = _series("Acara", 50)
    portal.set("/feed/", rss(portal.url, [*page, OLD]))
    config = load(path)
    assert asyncio.run(run_once(config)) == 0
    store = open_store(config.database_url)
    try:
        states = _states(store)
    finally:
        store.engine.dispose()
    assert [states.get((p.title, "@kabar_kukar")) for p in page] == ["pending"] * 50


@pytest.mark.parametrize(
    ("value", "expected"), [("0", "greater than or equal to 1"), ('"20"', "integer")]
)
def test_max_per_poll_is_checked(tmp_path: Path, value: str, expected: str) -> None:
    path = write_config(tmp_path / "config.toml", db_url="sqlite:///db.sqlite3", sources="")
    path.write_text(path.read_text().replace('max_age = "24h"', f"max_per_poll = {value}"))
    with pytest.raises(ConfigError) as e:
        load(path)
    assert "telegram.max_per_poll" in str(e.value) and expected in str(e.value), str(e.value)


def test_a_changed_filter_releases_at_most_max_per_poll_per_chat(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    held = '\n[[filters]]\nregencies = ["kukar"]\nexclude = ["kegiatan"]\n'
    path = _config(tmp_path, db_url, portal, fake, held)
    capped = 'max_age = "24h"\nmax_per_poll = 2\nadmin_chat = "@admin"'
    path.write_text(path.read_text().replace('max_age = "24h"', capped))
    portal.set("/feed/", rss(portal.url, [OLD]))
    assert asyncio.run(run_once(load(path))) == 0  # the first poll: backlog
    posts = _series("Kegiatan", 5)
    portal.set("/feed/", rss(portal.url, [*posts, OLD]))
    assert asyncio.run(run_once(load(path))) == 0
    assert fake.messages_to("@kabar_kukar") == [] and fake.messages_to("@admin") == []
    path.write_text(path.read_text().replace(held, ""))  # the filter dropped: 5 released
    assert asyncio.run(run_once(load(path))) == 0
    assert len(fake.messages_to("@kabar_kukar")) == 2
    [notice] = fake.messages_to("@admin")
    assert "max_per_poll = 2" in notice.text and "@kabar_kukar 3" in notice.text, notice.text
    store = open_store(load(path).database_url)
    try:
        states = [_states(store)[(p.title, "@kabar_kukar")] for p in posts]
        assert sorted(states) == ["capped"] * 3 + ["sent"] * 2
        left = next(p for p in posts if _states(store)[(p.title, "@kabar_kukar")] == "capped")
        why = _explain(load(path), store, portal, left.slug)
        assert "not pushed, over max_per_poll (2 per chat) when [[filters]] changed" in why, why
    finally:
        store.engine.dispose()
    assert asyncio.run(run_once(load(path))) == 0  # told once, nothing more sent
    assert len(fake.messages_to("@kabar_kukar")) == 2 and len(fake.messages_to("@admin")) == 1
