"""bots.message / bots.template: rendering within Telegram's HTML rules and limits.

The checker is the fake Bot API's own parser (tests/fakes), written apart from bots/, so a
rendering bug cannot hide behind the same mistake in the measuring code.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.errors import TemplateError
from bots.message import Headline, HeadlineError, format_time, is_quiet, render
from bots.template import Template, cut_plain, utf16_len
from tests.fakes.telegram_api import CAPTION_LIMIT, TEXT_LIMIT, parse_telegram_html, utf16_units

WHEN = datetime(2024, 11, 18, 12, 15, tzinfo=UTC)
HOSTILE = [
    "<script>alert('x')</script>",
    "Tom & Jerry &amp; &lt;b&gt; &#xZZ; &",
    'He said "hi" and \'bye\' <a href="javascript:x">',
    "🎉👨‍👩‍👧‍👦🇮🇩 emoji " * 50,
    "مرحبا بالعالم ‏RTL‏ עברית ‮override‬",
    "A" * 5000,
    ("kata " * 1200).strip(),
    "line\nbreak\r\tand\x00control\x1b[31m",
    "\ud800 lone surrogate",
]


def headline(**changes: object) -> Headline:
    base: dict[str, object] = {
        "key": "k1",
        "title": "Bupati Kukar Resmikan Jembatan",
        "url": "https://eksposisi.com/2024/11/18/jembatan/?a=1&b=2",
        "source_name": "Eksposisi",
        "published": WHEN,
        "labels": ("Advertorial", "Pemerintah"),
        "advertorial": True,
        "regency_name": "Kutai Kartanegara",
        "summary": "Ringkasan singkat berita.",
        "image_url": None,
    }
    base.update(changes)
    return Headline(**base)  # type: ignore[arg-type]


def test_default_layout_names_title_links_url_and_marks_advertorial() -> None:
    message = render(headline())
    assert message.kind == "text" and not message.disable_web_page_preview
    assert message.html.splitlines()[0] == (
        "📢 ADVERTORIAL · #Advertorial #Pemerintah #KutaiKartanegara"
    )
    assert (
        '<b><a href="https://eksposisi.com/2024/11/18/jembatan/?a=1&amp;b=2">'
        "Bupati Kukar Resmikan Jembatan</a></b>" in message.html
    )
    assert "18 Nov 2024 20:15 WITA" in message.html
    assert "Ringkasan singkat berita." in parse_telegram_html(message.html)


def test_non_advertorial_has_no_paid_marker() -> None:
    message = render(headline(labels=("Pemerintah",), advertorial=False))
    assert "ADVERTORIAL" not in message.html
    assert message.html.startswith("#Pemerintah #KutaiKartanegara\n")


def test_advertorial_label_alone_still_marks_paid_content() -> None:
    assert "📢 ADVERTORIAL" in render(headline(advertorial=False)).html


@pytest.mark.parametrize("title", HOSTILE)
@pytest.mark.parametrize("image", [None, "https://eksposisi.com/i.jpg"])
def test_hostile_titles_stay_valid_and_within_limits(title: str, image: str | None) -> None:
    message = render(headline(title=title, summary=title, image_url=image))
    visible = parse_telegram_html(message.html)  # raises on any HTML Telegram would refuse
    limit = CAPTION_LIMIT if message.kind == "photo" else TEXT_LIMIT
    assert 0 < utf16_units(visible) <= limit
    assert "<script>" not in message.html


def test_long_title_is_cut_on_a_word_with_ellipsis() -> None:
    message = render(headline(title=("kata " * 1200).strip(), image_url="https://x.id/i.jpg"))
    assert message.kind == "text"  # the title cannot fit a caption intact
    visible = parse_telegram_html(message.html)
    title_line = visible.splitlines()[1]
    assert title_line.endswith("kata…")
    assert utf16_units(visible) <= TEXT_LIMIT


def test_photo_when_image_and_title_fit_summary_cut_to_caption() -> None:
    message = render(headline(image_url="https://x.id/i.jpg", summary="isi " * 600))
    assert message.kind == "photo" and message.photo_url == "https://x.id/i.jpg"
    visible = parse_telegram_html(message.html)
    assert "Bupati Kukar Resmikan Jembatan" in visible
    assert utf16_units(visible) <= CAPTION_LIMIT


def test_forced_photo_layout_for_caption_edits() -> None:
    message = render(headline(title="x " * 3000), kind="photo")
    assert message.kind == "photo" and message.photo_url is None
    assert utf16_units(parse_telegram_html(message.html)) <= CAPTION_LIMIT


def test_non_http_url_is_refused() -> None:
    with pytest.raises(HeadlineError, match="not http"):
        render(headline(url="javascript:alert(1)"))


def test_cut_counts_utf16_and_never_splits_a_pair() -> None:
    text = "😀" * 10
    cut = cut_plain(text, 7)
    assert cut == "😀😀😀…" and utf16_len(cut) == 7
    assert cut_plain("short", 10) == "short"
    assert cut_plain("satu dua tiga empat", 12) == "satu dua…"


def test_custom_template_escapes_values_and_keeps_trusted_html() -> None:
    tpl = Template.parse('<b>{labels}</b> <a href="{url}">{title}</a>\n<i>{source}</i>')
    message = render(headline(title="A & <B>", source_name='"Q"'), tpl)
    assert '<a href="https://eksposisi.com/2024/11/18/jembatan/?a=1&amp;b=2">' in message.html
    assert "A &amp; &lt;B&gt;" in message.html and "&quot;Q&quot;" in message.html
    parse_telegram_html(message.html)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{title} {url} {author}", "unknown placeholder {author}"),
        ("{title}", "must contain {url}"),
        ("{title} {url:>10}", "no format"),
        ("{title} {url", "brace"),
        ("<script>{title}</script>{url}", "not allowed"),
        ("<b>{title}{url}", "never closed"),
        ("<b>{title}</i>{url}", "does not close"),
        ("{title} & {url}", "bare &"),
        # what Telegram refuses in attributes (review of 2026-12-06: check passed them, and
        # every message was then refused and lost)
        ('<span>{title}</span> <a href="{url}">baca</a>', 'class="tg-spoiler"'),
        ('{title} <a href="{url}" target="_blank">baca</a>', "no target="),
        ('<a title="x" href="{url}">{title}</a>', "no title="),
        ("<a>{title}</a> {url}", "needs href"),
        ('<a href="javascript:alert(1)">{title}</a> {url}', "needs href"),
        ('<a href="{title}">baca</a> {url}', "needs href"),
        ('<b class="x">{title}</b> {url}', "no class="),
        ("{title} &#xD800; {url}", "names no character"),
        ('<a href="https://a.test/?a=1&b=2">{title}</a> {url}', "bare &"),
        ("<tg-emoji>👍</tg-emoji> {title} {url}", "emoji-id"),
    ],
)
def test_bad_templates_get_a_clear_error(text: str, problem: str) -> None:
    with pytest.raises(TemplateError, match=problem):
        Template.parse(text)


def test_time_in_local_zone_names() -> None:
    assert format_time(WHEN) == "18 Nov 2024 20:15 WITA"
    assert format_time(WHEN, "Asia/Jakarta") == "18 Nov 2024 19:15 WIB"
    assert format_time(datetime(2024, 8, 1, tzinfo=UTC)) == "1 Agu 2024 08:00 WITA"


@pytest.mark.parametrize(
    ("hour", "start", "end", "quiet"),
    [
        (23, 22, 6, True),  # 23:00 WITA inside a window across midnight
        (3, 22, 6, True),
        (12, 22, 6, False),
        (13, 12, 14, True),
        (14, 12, 14, False),  # end is exclusive
        (10, 8, 8, False),  # empty window
    ],
)
def test_quiet_hours(hour: int, start: int, end: int, quiet: bool) -> None:
    now = datetime(2024, 11, 18, hour - 8 if hour >= 8 else hour + 16, 0, tzinfo=UTC)
    assert is_quiet(now, time(start), time(end), "Asia/Makassar") is quiet


@settings(max_examples=150, deadline=None)
@given(
    title=st.text(min_size=0, max_size=6000),
    summary=st.text(max_size=3000),
    labels=st.lists(st.text(max_size=40), max_size=6),
    source=st.text(max_size=300),
    photo=st.booleans(),
)
def test_any_text_renders_to_valid_html_within_limits(
    title: str, summary: str, labels: list[str], source: str, photo: bool
) -> None:
    image = "https://x.id/i.jpg" if photo else None
    message = render(
        headline(
            title=title, summary=summary, labels=tuple(labels), source_name=source, image_url=image
        )
    )
    visible = parse_telegram_html(message.html)
    limit = CAPTION_LIMIT if message.kind == "photo" else TEXT_LIMIT
    assert 0 < utf16_units(visible) <= limit


@pytest.mark.parametrize(
    "text",
    [
        '<span class="tg-spoiler">{title}</span> <a href="{url}">baca</a>',
        '<blockquote expandable>{summary}</blockquote>{title} <a href="{url}">baca</a>',
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> {title} <a href="{url}">b</a>',
        '<a href="https://a.test/?a=1&amp;b=2">{title}</a> {url}',
        '<code class="language-text">{title}</code> {url}',
    ],
)
def test_templates_telegram_takes_pass(text: str) -> None:
    Template.parse(text)
