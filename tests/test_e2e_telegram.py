"""Telegram end to end through the CLI: fixture portal -> `syndication run --once` (a real
subprocess) -> the fake Bot API; `status --json`; `send-test`. The token never shows."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests import inprocess
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime.now(UTC)
CHATS = {"kukar": "@kabar_kukar", "kutim": "@kabar_kutim", "kaltim": "@kabar_kaltim",
         "samarinda": "@kabar_smd"}  # fmt: skip


def cli(
    config: Path, *args: str, token: str | None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `syndication --config X ...` (in-process: tests/inprocess.py)."""
    env = {k: v for k, v in os.environ.items() if k != "SYNDICATION_TEST_TOKEN"}
    if token:
        env["SYNDICATION_TEST_TOKEN"] = token
    return inprocess.run(["--config", str(config), *args], env=env, cwd=ROOT, timeout=timeout)


def secret_free(fake: FakeTelegram, *outputs: str) -> None:
    secret = fake.token.split(":", 1)[1]
    for text in outputs:
        assert fake.token not in text and secret not in text


def post(slug: str, title: str, body: str, labels: list[str], minutes: int = 30,
         image: str | None = None) -> Post:  # fmt: skip
    return Post(slug, title, NOW - timedelta(minutes=minutes), labels, body, image=image)


def kukar(slug: str, title: str, image: str | None = None) -> Post:
    body = ("<p>TENGGARONG – Pemkab Kukar menggelar kegiatan di Tenggarong.</p>"
            "<p>Kegiatan berlangsung lancar. (adv/diskominfo/kukar)</p>")  # fmt: skip
    return post(slug, title, body, ["Advertorial", "Pemerintah"], image=image)


def kutim(slug: str, title: str) -> Post:
    body = ("<p>SANGATTA – Pemkab Kutim menyalurkan bantuan di Sangatta Utara.</p>"
            "<p>Bantuan diterima warga. (adv/diskominfo/kutim)</p>")  # fmt: skip
    return post(slug, title, body, ["Advertorial"])


BOTH = post("kerja-sama", "Bupati Kukar dan Bupati Kutim Teken Kerja Sama Jalan Poros",
            "<p>TENGGARONG – Bupati Kutai Kartanegara dan Bupati Kutai Timur menandatangani "
            "kerja sama jalan poros Tenggarong–Sangatta.</p><p>(adv/diskominfo/kukar)</p>",
            ["Pemerintah"])  # fmt: skip
PROVINCE = post("lantik", "Gubernur Kaltim Lantik Pejabat Pemprov",
                "<p>SAMARINDA – Gubernur Kalimantan Timur melantik pejabat di lingkungan "
                "Pemprov Kaltim.</p><p>(adv/diskominfo/kaltim)</p>", ["Pemerintah"])  # fmt: skip
BONTANG = post(
    "mangrove",
    "Pemkot Bontang Bagikan Bibit Mangrove",
    "<p>BONTANG – Pemkot Bontang membagikan bibit mangrove.</p>",
    ["Pemerintah"],
)
CABAI = post(
    "cabai",
    "Harga Cabai di Pasar Segiri Samarinda Naik",
    "<p>SAMARINDA – Harga cabai di Samarinda naik.</p>",
    ["Bisnis"],
)
BALIKPAPAN_BISNIS = post(
    "kilang",
    "Harga Solar di Balikpapan Stabil",
    "<p>BALIKPAPAN – Harga solar di Balikpapan stabil.</p>",
    ["Bisnis"],
)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=20, min_interval=1.0) as f:
        yield f


def config_for(tmp_path: Path, db_url: str, portal: Portal, fake: FakeTelegram,
               extra: str = "") -> Path:  # fmt: skip
    path = write_config(
        tmp_path / "config.toml", db_url=db_url, api_url=fake.url, chats=CHATS, extra=extra,
        sources=f"""
        [[sources]]
        id = "portal"
        url = "{portal.url}/feed/"
        [[sources]]
        id = "mirror"
        url = "{portal.url}/mirror/"
        """,
    )  # fmt: skip
    # the Samarinda channel wants business news instead of the default categories
    text = path.read_text().replace(
        'telegram_chat = "@kabar_smd"',
        'telegram_chat = "@kabar_smd"\nnotify_categories = ["bisnis"]',
    )
    path.write_text(text)
    return path


def test_run_once_routes_each_story_once_per_chat_and_edits_corrections(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str
) -> None:
    path = config_for(tmp_path, db_url, portal, fake)
    token = fake.token
    old = kukar("lama", "Berita Lama Pemkab Kukar Soal Jalan Desa")
    portal.set("/feed/", rss(portal.url, [old]))
    portal.set("/mirror/", rss(portal.url, []))
    runs = [cli(path, "run", "--once", token=token)]
    assert runs[-1].returncode == 0, runs[-1].stderr
    assert fake.messages == []  # the first poll is the backlog

    photo = "https://img.portal.test/jembatan.jpg"
    posts = [old, kukar("jembatan", "Pemkab Kukar Resmikan Jembatan Loa Kulu", image=photo),
             kukar("pasar", "Pemkab Kukar Buka Pasar Murah di Tenggarong"),
             kutim("nelayan", "Bupati Kutim Salurkan Bantuan Nelayan"),
             BOTH, PROVINCE, BONTANG, CABAI, BALIKPAPAN_BISNIS]  # fmt: skip
    portal.set("/feed/", rss(portal.url, posts))
    # the mirror republishes two of the stories: one item each, announced once per chat
    portal.set("/mirror/", rss(portal.url, [BOTH, posts[3]]))
    runs.append(cli(path, "run", "--once", token=token))
    assert runs[-1].returncode == 0, runs[-1].stderr

    def titles(chat: str) -> list[str]:
        return sorted(next(t for t in (p.title for p in posts) if t in m.text)
                      for m in fake.messages_to(chat))  # fmt: skip

    assert titles("@kabar_kukar") == sorted([posts[1].title, posts[2].title, BOTH.title])
    assert titles("@kabar_kutim") == sorted([posts[3].title, BOTH.title])
    assert titles("@kabar_kaltim") == [PROVINCE.title]
    assert titles("@kabar_smd") == [CABAI.title]  # its own notify_categories
    assert {fake.chat_id(c) for c in CHATS.values()} == {m.chat_id for m in fake.messages}
    assert len(fake.messages) == 7  # Bontang has no channel; Balikpapan has none either
    [pic] = [m for m in fake.messages if m.kind == "photo"]
    assert pic.photo == photo and "Jembatan Loa Kulu" in pic.text
    assert all(f'href="{portal.url}/' in m.html for m in fake.messages)

    runs.append(cli(path, "run", "--once", token=token))  # nothing new: nothing sent
    assert runs[-1].returncode == 0 and len(fake.messages) == 7 and fake.edits == []

    # corrected titles: the photo's caption and a text message are edited, nothing is sent
    posts[1] = kukar("jembatan", "Pemkab Kukar Resmikan Jembatan Gantung Loa Kulu", image=photo)
    posts[3] = kutim("nelayan", "Bupati Kutim Salurkan Bantuan Alat Tangkap Nelayan")
    portal.set("/feed/", rss(portal.url, posts))
    runs.append(cli(path, "run", "--once", token=token))
    assert runs[-1].returncode == 0, runs[-1].stderr
    assert len(fake.messages) == 7
    methods = sorted(r.method for r in fake.requests if r.method.startswith("edit"))
    assert methods == ["editMessageCaption", "editMessageText"]
    by_id = {(e.chat_id, e.message_id): e for e in fake.edits}
    assert "Jembatan Gantung" in by_id[(pic.chat_id, pic.message_id)].text
    [nelayan] = [m for m in fake.messages_to("@kabar_kutim") if "Nelayan" in m.text]
    assert "Alat Tangkap" in by_id[(nelayan.chat_id, nelayan.message_id)].text
    runs.append(cli(path, "run", "--once", token=token))
    assert len(fake.edits) == 2 and len(fake.messages) == 7

    status = cli(path, "status", "--json", token=token)
    data = json.loads(status.stdout)
    chans = {c["chat"]: c for c in data["channels"]}
    assert chans["@kabar_kukar"]["sent"] == 3 and chans["@kabar_kukar"]["pending"] == 0
    assert data["totals"]["pending_deliveries"] == 0 and not data["dry_run"]
    secret_free(fake, status.stdout, status.stderr, *(r.stderr + r.stdout for r in runs))
    assert "event=telegram_sent" in runs[1].stderr


def test_broken_channel_shows_in_status_and_dry_run_waits_for_a_token(
    tmp_path: Path, portal: Portal, fake: FakeTelegram
) -> None:
    path = config_for(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", portal, fake)
    text = path.read_text().replace(
        'max_age = "24h"', 'max_age = "24h"\nadmin_chat = "@admin_synd"'
    )
    path.write_text(text)
    portal.set("/feed/", rss(portal.url, []))
    portal.set("/mirror/", rss(portal.url, []))
    assert cli(path, "run", "--once", token=None).returncode == 0
    portal.set("/feed/", rss(portal.url, [kukar("a", "Pemkab Kukar Gelar Rapat Koordinasi"),
                                          kutim("b", "Bupati Kutim Tinjau Banjir")]))  # fmt: skip
    dry = cli(path, "run", "--once", token=None)  # no token: rendered, logged, kept pending
    assert dry.returncode == 0 and fake.requests == []
    assert "event=telegram_dry_run chat=@kabar_kukar" in dry.stderr
    assert "Rapat Koordinasi" in dry.stderr
    pending = json.loads(cli(path, "status", "--json", token=None).stdout)
    assert pending["dry_run"] and pending["totals"]["pending_deliveries"] == 2

    fake.fail_next("@kabar_kukar", "kicked")
    real = cli(path, "run", "--once", token=fake.token)
    assert real.returncode == 0, real.stderr
    assert fake.messages_to("@kabar_kukar") == [] and len(fake.messages_to("@kabar_kutim")) == 1
    [alert] = fake.messages_to("@admin_synd")
    assert "@kabar_kukar" in alert.text
    status = cli(path, "status", "--json", token=fake.token)
    chans = {c["chat"]: c for c in json.loads(status.stdout)["channels"]}
    assert chans["@kabar_kukar"]["state"] == "broken"
    assert chans["@kabar_kukar"]["pending"] == 1 and "kicked" in chans["@kabar_kukar"]["reason"]
    human = cli(path, "status", token=fake.token)
    assert "@kabar_kukar" in human.stdout and "broken" in human.stdout
    # the admin re-adds the bot and checks it: the channel reopens, its message goes out
    reopened = cli(path, "send-test", "--chat", "@kabar_kukar", token=fake.token)
    assert reopened.returncode == 0 and "was marked broken" in reopened.stdout
    again = cli(path, "run", "--once", token=fake.token)
    assert again.returncode == 0, again.stderr
    assert len(fake.messages_to("@kabar_kukar")) == 2  # the test message and the headline
    secret_free(fake, dry.stderr, real.stderr, status.stdout, human.stdout, human.stderr)


def test_send_test(tmp_path: Path, portal: Portal, fake: FakeTelegram) -> None:
    path = config_for(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", portal, fake)
    ok = cli(path, "send-test", "--chat", "@kabar_kukar", token=fake.token)
    assert ok.returncode == 0, ok.stderr
    [sent] = fake.messages
    assert "@fake_bot" in ok.stdout and f"message {sent.message_id}" in ok.stdout
    fake.fail_next("@nowhere_chat", "not_found")
    missing = cli(path, "send-test", "--chat", "@nowhere_chat", token=fake.token)
    assert missing.returncode == 1 and "chat not found" in missing.stderr.lower()
    assert "@nowhere_chat" in missing.stderr
    no_token = cli(path, "send-test", "--chat", "@kabar_kukar", token=None)
    assert no_token.returncode == 1 and "SYNDICATION_TEST_TOKEN" in no_token.stderr
    assert len(fake.messages) == 1
    secret_free(fake, ok.stdout, ok.stderr, missing.stdout, missing.stderr)
