"""Acceptance, black-box: portals -> `run --once` (the CLI's main) -> the fake Bot API. Novelty by
identity, max_age, one message per (item, chat), HTML with title and URL, photos, edits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance_kit import (
    Story,
    cli,
    config_text,
    jsonfeed,
    kukar,
    once,
    rss2,
    source,
    status,
    write,
)
from tests.fakes.telegram_api import FakeTelegram, SentRecord
from tests.portal import Portal

CHATS: dict[str, str | int] = {
    "kukar": -1001234567890,
    "kaltim": "@kabar_prov_kaltim",
    "bontang": "@kabar_bontang",
}  # fmt: skip  (kutim: no channel)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def _config(tmp_path: Path, fake: FakeTelegram, sources: str, **kw: str) -> Path:
    return write(tmp_path, config_text(sources, chats=CHATS, api_url=fake.url, **kw))


def _announces(message: SentRecord, story: Story, url: str) -> bool:
    """The title is visible, the URL is linked, and the markup was read as HTML."""
    return (
        story.title in message.text
        and f'href="{url}"' in message.html
        and "<a " not in message.text
    )


def test_backlog_then_new_items_by_identity_not_date(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    backlog = [kukar("lama1", "Pemkab Kukar Gelar Rapat Awal Tahun", minutes_ago=10),
               kukar("lama2", "Bupati Kukar Resmikan Jembatan Desa", minutes_ago=30)]  # fmt: skip
    portal.set("/feed/", rss2(b, backlog))
    config = _config(tmp_path, fake, source("utama", f"{b}/feed/"))
    once(config, fake.token)
    assert fake.messages == []  # the first poll is backlog
    late = kukar("telat", "Sekda Kukar Pimpin Apel Pagi", minutes_ago=6 * 60)  # old date, new id
    stale = kukar("basi", "Pemkab Kukar Kabar Dua Hari Lalu", minutes_ago=49 * 60)
    biz = Story("cabai", "Harga Cabai Kukar Naik di Tenggarong", "kukar", ("Bisnis",))
    # a portal clock (or zone label) two hours ahead: still a new item, still announced
    ahead = kukar("depan", "Wabup Kukar Hadiri Pelantikan Pengurus", minutes_ago=-120)
    portal.set("/feed/", rss2(b, [late, stale, biz, ahead, *backlog]))
    once(config, fake.token)
    sent = fake.messages
    assert len(sent) == 2, [m.text for m in sent]
    assert {m.chat_id for m in sent} == {-1001234567890}  # an integer telegram_chat
    assert any(_announces(m, late, f"{b}/berita/telat/") for m in sent)
    assert any(_announces(m, ahead, f"{b}/berita/depan/") for m in sent)
    once(config, fake.token)  # nothing new: nothing sent again
    portal.set("/feed/", rss2(b, [late, ahead, backlog[0]]))  # a backlog item drops out...
    once(config, fake.token)
    portal.set("/feed/", rss2(b, [backlog[1], late, ahead, backlog[0]]))  # ...and comes back
    once(config, fake.token)
    assert len(fake.messages) == 2
    data = status(config)
    assert data["totals"]["pending_deliveries"] == 0
    chan = {c["regency"]: c for c in data["channels"]}
    assert chan["kukar"]["sent"] == 2 and chan["kukar"]["state"] == "ok"
    assert "kutim" not in chan  # no telegram_chat, no channel


def test_routing_notify_categories_and_photos(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed.json", jsonfeed(b, []), content_type="application/feed+json")
    config = _config(tmp_path, fake, source("json", f"{b}/feed.json"), notify='["advertorial"]')
    once(config, fake.token)
    stories = [
        Story("adv", "Pemkab Kukar Ajak Warga Bayar Pajak", "kukar",
              ("Advertorial", "Pemerintah"), image=f"{b}/img/pajak.jpg"),
        Story("gov", "Pemkab Kukar Rapat Internal", "kukar", ("Pemerintah",)),
        Story("prov", "Gubernur Kaltim Lantik Kepala Dinas", "kaltim", ("Advertorial",)),
        Story("kutim", "Pemkab Kutim Bagikan Sembako", "kutim", ("Advertorial",)),
        Story("btg", "Pemkot Bontang Buka Pasar Murah", "bontang", ("Advertorial",)),
    ]  # fmt: skip
    portal.set("/feed.json", jsonfeed(b, stories), content_type="application/feed+json")
    once(config, fake.token)
    by_chat = {(m.chat_id, m.text.count("\n") >= 0): m for m in fake.messages}
    assert len(fake.messages) == 3, [m.text for m in fake.messages]
    assert len(by_chat) == 3
    photo = [m for m in fake.messages if m.kind == "photo"]
    assert len(photo) == 1 and photo[0].photo == f"{b}/img/pajak.jpg"
    assert _announces(photo[0], stories[0], f"{b}/berita/adv/")
    assert photo[0].chat_id == -1001234567890
    assert [m.chat for m in fake.messages_to("@kabar_prov_kaltim")]
    assert _announces(fake.messages_to("@kabar_prov_kaltim")[0], stories[2], f"{b}/berita/prov/")
    assert len(fake.messages_to("@kabar_bontang")) == 1


def test_title_corrections_edit_and_readds_do_not_resend(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    config = _config(tmp_path, fake, source("koreksi", f"{b}/feed/"))
    once(config, fake.token)
    text = kukar("teks", "Pemkab Kukar Salurkan Bantun Banjir")
    pic = kukar("foto", "Bupati Kukar Tinjau Lokasi Bnjir", image=f"{b}/img/banjir.jpg")
    portal.set("/feed/", rss2(b, [text, pic]))
    once(config, fake.token)
    assert Counter(m.kind for m in fake.messages) == {"text": 1, "photo": 1}
    fixed = [
        kukar("teks", "Pemkab Kukar Salurkan Bantuan Banjir"),
        kukar("foto", "Bupati Kukar Tinjau Lokasi Banjir", image=f"{b}/img/banjir.jpg"),
    ]
    portal.set("/feed/", rss2(b, fixed))
    once(config, fake.token)
    assert len(fake.messages) == 2  # no new message for a correction
    edited = {e.message_id: e.text for e in fake.edits}
    assert len(fake.edits) == 2, fake.edits
    assert any(fixed[0].title in t for t in edited.values())
    assert any(fixed[1].title in t for t in edited.values())
    # dropped, then listed again: still the same item, never announced twice
    portal.set("/feed/", rss2(b, [fixed[0]]))
    once(config, fake.token)
    portal.set("/feed/", rss2(b, fixed))
    once(config, fake.token)
    assert len(fake.messages) == 2 and len(fake.edits) == 2


def test_one_story_two_sources_one_message_per_chat(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    portal.set("/category/pemerintah/feed/", rss2(b, []))
    portal.set("/mirror/", rss2(b, []).replace(b, "http://127.0.0.1:1"))
    sources = (source("main", f"{b}/feed/") + source("cat", f"{b}/category/pemerintah/feed/")
               + source("mirror", f"{b}/mirror/"))  # fmt: skip
    config = _config(tmp_path, fake, sources)
    once(config, fake.token)
    story = kukar("bersama", "Pemkab Kukar Teken Nota Kesepahaman Dengan Kampus")
    portal.set("/feed/", rss2(b, [story]))
    portal.set("/category/pemerintah/feed/", rss2(b, [story]))
    # another portal republishes the same press release under its own URL
    portal.set("/mirror/", rss2("http://127.0.0.1:1", [story]))
    once(config, fake.token)
    assert len(fake.messages) == 1, [m.text for m in fake.messages]


def test_max_age_short_and_hostile_titles(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    config = _config(tmp_path, fake, source("h", f"{b}/feed/"), max_age="90s")
    once(config, fake.token)
    fresh = [
        kukar("xss", "Pemkab Kukar <b>Tebal</b> <script>alert(1)</script>", minutes_ago=0),
        kukar("amp", "Pemkab Kukar &amp; Dinas PU & PDAM <Tirta>", minutes_ago=0),
        kukar("emoji", "Pemkab Kukar 🎉 Festival Erau \u202eمرحبا", minutes_ago=0),
        kukar("long", "Pemkab Kukar " + "sangat panjang " * 200, minutes_ago=0),
    ]
    old = kukar("lima", "Pemkab Kukar Berita Lima Menit Lalu", minutes_ago=5)
    portal.set("/feed/", rss2(b, [*fresh, old]))
    once(config, fake.token)
    texts = [m.text for m in fake.messages]
    assert len(texts) == 4, texts
    assert not any("Lima Menit" in t for t in texts)
    # a title is text: what it says stays, shown as text and never sent as live markup
    assert any("<script>alert(1)</script>" in t for t in texts)
    assert not any("<script" in m.html for m in fake.messages)
    assert any("Pemkab Kukar & Dinas PU & PDAM" in t for t in texts)  # entities decoded once
    assert all(len(t) <= 4096 for t in texts)
    assert status(config)["totals"]["pending_deliveries"] == 0


def test_dry_run_keeps_messages_pending_until_a_token(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    config = _config(tmp_path, fake, source("dry", f"{b}/feed/"))
    once(config)
    portal.set("/feed/", rss2(b, [kukar("dry1", "Pemkab Kukar Tunda Pengumuman")]))
    done = cli(config, "run", "--once")
    assert done.returncode == 0
    assert fake.messages == []
    data = status(config)
    assert data["dry_run"] is True
    assert data["totals"]["pending_deliveries"] == 1
    assert {c["regency"]: c["pending"] for c in data["channels"]}["kukar"] == 1
    once(config, fake.token)
    assert len(fake.messages) == 1
    data = status(config)
    assert data["totals"]["pending_deliveries"] == 0
    assert fake.token not in done.stderr + done.stdout


def test_empty_notify_list_pushes_nothing_and_bisnis_can_be_pushed(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    quiet = _config(tmp_path, fake, source("q", f"{b}/feed/"), notify="[]")
    once(quiet, fake.token)
    gov = kukar("gov", "Pemkab Kukar Umumkan Libur Daerah")
    biz = Story("biz", "Harga Cabai di Pasar Tenggarong Kukar Turun", "kukar", ("Bisnis",))
    portal.set("/feed/", rss2(b, [gov, biz]))
    once(quiet, fake.token)
    assert fake.messages == []
    assert status(quiet)["totals"]["pending_deliveries"] == 0
    other = tmp_path / "bisnis"
    other.mkdir()
    portal.set("/feed/", rss2(b, []))
    loud = write(other, config_text(source("q", f"{b}/feed/"), chats=CHATS, api_url=fake.url,
                                    notify='["bisnis"]'))  # fmt: skip
    once(loud, fake.token)
    portal.set("/feed/", rss2(b, [gov, biz]))
    once(loud, fake.token)
    assert [m.text.count(biz.title) for m in fake.messages] == [1]
