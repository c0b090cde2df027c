"""The fake Bot API itself: strict where the other tests rely on it being strict."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.telegram_api import FakeTelegram, HtmlError, parse_telegram_html, utf16_units


@pytest.mark.parametrize(
    "markup",
    [
        "a & b",
        "a < b",
        "a > b",
        "<script>x</script>",
        "<b>open",
        "<b><i>x</b></i>",
        "</b>",
        '<span class="x">s</span>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="https://x.id/?a=1&b=2">x</a>',  # & unescaped inside the attribute
        "&nbsp;",
        "&#xD800;",
        '<b style="x">y</b>',
    ],
)
def test_refuses_what_telegram_refuses(markup: str) -> None:
    with pytest.raises(HtmlError):
        parse_telegram_html(markup)


def test_visible_text_and_utf16_length() -> None:
    markup = (
        '<b>A &amp; B</b> <a href="https://x.id/?a=1&amp;b=2">&lt;link&gt;</a> '
        '<span class="tg-spoiler">s</span> <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        " &#128512; &quot;"
    )
    text = parse_telegram_html(markup)
    assert text == 'A & B <link> s 👍 😀 "'
    assert utf16_units(text) == len(text) + 2  # two characters outside the BMP


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as server:
        yield server


async def test_json_form_and_multipart_bodies(fake: FakeTelegram) -> None:
    base = f"{fake.url}/bot{fake.token}"
    async with httpx.AsyncClient() as client:
        a = await client.post(
            f"{base}/sendMessage",
            json={"chat_id": -100, "text": "<b>json</b>", "parse_mode": "HTML"},
        )
        b = await client.post(f"{base}/sendMessage", data={"chat_id": "@f", "text": "form"})
        c = await client.post(
            f"{base}/sendPhoto",
            data={"chat_id": "@m", "photo": "https://x.id/p.jpg", "caption": "multi"},
            files={"ignored": ("f.txt", b"bytes")},
        )
        d = await client.post(f"{base}/sendMessage", data={"chat_id": "@f", "text": " "})
        e = await client.post(f"{fake.url}/bot1:other/getMe")
    assert [r.status_code for r in (a, b, c, d, e)] == [200, 200, 200, 400, 401]
    assert json.loads(a.content)["result"]["text"] == "json"
    assert [m.text for m in fake.messages] == ["json", "form", "multi"]
    assert fake.messages[2].kind == "photo" and fake.messages[2].chat == "@m"


async def test_flood_limit_and_reset(fake: FakeTelegram) -> None:
    fake.per_minute = 1
    base = f"{fake.url}/bot{fake.token}"
    async with httpx.AsyncClient() as client:
        await client.post(f"{base}/sendMessage", data={"chat_id": "@a", "text": "1"})
        flood = await client.post(f"{base}/sendMessage", data={"chat_id": "@a", "text": "2"})
        other = await client.post(f"{base}/sendMessage", data={"chat_id": "@b", "text": "3"})
        assert flood.status_code == 429 and other.status_code == 200
        assert json.loads(flood.content)["parameters"]["retry_after"] >= 59
        fake.reset()
        again = await client.post(f"{base}/sendMessage", data={"chat_id": "@a", "text": "4"})
    assert again.status_code == 200 and [m.text for m in fake.messages] == ["4"]


def test_unknown_failure_kind() -> None:
    with pytest.raises(ValueError, match="unknown failure kind"):
        FakeTelegram().fail_next("@a", "gremlins")
