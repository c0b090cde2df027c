"""Hostile review of bots/ rendering and Bot API talk, against the fake Bot API server."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bots.errors import ChatBroken
from bots.message import Headline, render
from bots.telegram import TelegramSender
from bots.template import cut_plain, utf16_len
from tests.fakes.telegram_api import FakeTelegram, parse_telegram_html

TOKEN = "987654321:AAreview-token-for-tests_0123456789abcd"
IMAGE = "https://eksposisi.com/wp-content/uploads/jembatan.jpg"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji, five code points
FLAG = "\U0001f1ee\U0001f1e9"  # 🇮🇩: two regional indicators


def headline(title: str = "Pemkab Kukar Gelar Rapat", image: str | None = None) -> Headline:
    return Headline(
        key="k", title=title, url="https://eksposisi.com/a/?x=1&y=2", source_name="Eksposisi",
        published=datetime(2024, 11, 18, 12, 15, tzinfo=UTC), labels=("Pemerintah",),
        regency_name="Kutai Kartanegara", summary="Ringkasan.", image_url=image,
    )  # fmt: skip


def _is_ri(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def split_cluster(kept: str, rest: str) -> str | None:
    """Why cutting a text into `kept` + `rest` splits one user-perceived character, if it does."""
    if not kept or not rest:
        return None
    if kept.endswith("\u200d") or rest.startswith("\u200d"):
        return "an emoji joined by a zero-width joiner"
    if unicodedata.category(rest[0]) in ("Mn", "Me", "Mc"):
        return "a combining mark or variation selector torn from its base"
    if 0x1F3FB <= ord(rest[0]) <= 0x1F3FF:
        return "a skin tone torn from its emoji"
    ri_run = len(kept) - len(kept.rstrip("".join(ch for ch in kept if _is_ri(ch))))
    if ri_run % 2 and _is_ri(rest[0]):
        return "half a flag"
    return None


# --- cuts never split what a reader sees as one character ---------------------------------


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        (FLAG * 10, 8),  # 🇮🇩🇮🇩🇮 + "…"
        ("Merdeka" + FLAG * 10, 14),
        (FAMILY * 10, 14),
        ("cafe\u0301" * 10, 10),  # "e" + COMBINING ACUTE: the accent would be lost
        ("\U0001f44d\U0001f3fd" * 10, 7),  # thumbs up + skin tone
        ("1\ufe0f\u20e3" * 10, 5),  # keycap one
    ],
    ids=["flags", "word-flags", "family", "combining", "skin-tone", "keycap"],
)
def test_cut_plain_keeps_whole_graphemes(text: str, limit: int) -> None:
    cut = cut_plain(text, limit)
    assert utf16_len(cut) <= limit and cut.endswith("…")
    kept = cut[:-1]
    assert text.startswith(kept)
    assert split_cluster(kept, text[len(kept) :]) is None


@pytest.mark.parametrize(
    "title",
    [FAMILY * 900, FLAG * 2100, "Merdeka" + FLAG * 2100, "cafe\u0301" * 1000],
    ids=["family", "flags", "word-flags", "combining"],
)
def test_cut_title_in_a_rendered_message_keeps_whole_emoji(title: str) -> None:
    # the cut falls wherever the budget ends: shift it through one cluster's width
    found = {}
    for pad in range(6):
        full = "x" * pad + title
        visible = parse_telegram_html(render(headline(full)).html)
        head = visible[: visible.index("…")]
        kept = head[head.index(full[:12]) :]
        assert full.startswith(kept) and len(kept) > 1000
        found[pad] = split_cluster(kept, full[len(kept) :])
    assert found == dict.fromkeys(range(6))


# --- a group that forbids the bot to post photos still gets the headline ---------------------


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TOKEN, per_minute=None, min_interval=None)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def sender(fake: FakeTelegram) -> AsyncIterator[TelegramSender]:
    async with TelegramSender(TOKEN, fake.url, read_timeout=2.0) as bot:
        yield bot


async def test_no_right_to_send_photos_falls_back_to_text(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    fake.restrict_photos("-1001234")  # a group whose members (the bot too) may not send media
    sent = await sender.send("-1001234", render(headline(image=IMAGE)))
    assert sent.kind == "text"
    [record] = fake.messages
    assert record.kind == "text" and "Pemkab Kukar Gelar Rapat" in record.text


async def test_no_right_to_send_text_is_still_a_broken_chat(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    fake.fail_next("@c", "forbidden")
    with pytest.raises(ChatBroken):
        await sender.send("@c", render(headline(image=IMAGE)))
