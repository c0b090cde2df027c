"""An emoji sequence joined by U+200D (a family 👨‍👩‍👧, a profession 👩‍⚕️) keeps its joiners in
the title, the text, the feeds and the message: they were dropped as invisible characters,
and the family arrived as three separate people. The zero-width space still goes."""

from __future__ import annotations

from syndication.normalize.text import clean_content, clean_title

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
NURSE = "\U0001f469\u200d\u2695\ufe0f"


def test_a_title_keeps_an_emoji_sequence_whole() -> None:
    title = clean_title(f"Keluarga {FAMILY} dan {NURSE} hadir\u200b di Tenggarong")
    assert FAMILY in title and NURSE in title
    assert "\u200b" not in title


def test_a_body_keeps_an_emoji_sequence_whole() -> None:
    body = clean_content(
        f"<p>Keluarga {FAMILY} hadir di Tenggarong untuk acara tahunan yang meriah.</p>", None
    )
    assert FAMILY in body.content_html and FAMILY in body.text


def test_a_zero_width_non_joiner_of_a_script_stays() -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with its ZWNJ
    assert clean_title(persian) == persian
