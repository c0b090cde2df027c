"""feeds.text's fast paths give what the plain pattern gives (tests/test_feeds_render.py and
tests/test_publish_golden.py check the published bytes)."""

from __future__ import annotations

import random
import sys
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.text import _NOT_XML_TEXT, dropped_character, image_type, url_path, xml_text


def test_no_printable_character_is_one_xml_text_drops() -> None:
    # what lets xml_text return printable text untouched
    for code in range(sys.maxunicode + 1):
        character = chr(code)
        if character.isprintable():
            assert _NOT_XML_TEXT.match(character) is None, hex(code)


def test_xml_text_matches_the_pattern_on_mixed_text() -> None:
    rng = random.Random(7)
    alphabet = "aZ9 –é🎉\t\n\r\x00\x07\x0b\x1f\x7f\x85\x9f\xa0\ud800\udfff\ue000\ufffd\ufffe\uffff"
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert xml_text(value) == _NOT_XML_TEXT.sub("", value), repr(value)


# URLs built from the pieces that move urlsplit: schemes in both cases, hosts with ports and
# brackets, the three delimiters in every order, dots, spaces, controls and non-ASCII
_URL_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "ftp://",
        "//",
        "http:",
        "/",
        "?",
        "#",
        ".",
        ".jpg",
        ".PNG",
        "x",
        "host",
        ":8080",
        "[",
        "]",
        "[::1]",
        " ",
        "\t",
        "\n",
        "\x00",
        "é",
        "%2F",
        "a.b",
        "..",
        "@",
        ";",
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_URL_PIECES, max_size=10).map("".join))
def test_url_path_is_urlsplits_path(url: str) -> None:
    try:
        expected = urlsplit(url).path
    except ValueError:  # a bracket urlsplit refuses: the fast path must refuse it too
        try:
            url_path(url)
        except ValueError:
            return
        raise AssertionError(f"url_path took {url!r}, which urlsplit refuses") from None
    assert url_path(url) == expected


def test_url_path_of_common_image_urls() -> None:
    for url, path in [
        (
            "https://p.test/wp-content/uploads/2024/06/a.JPG?w=800#top",
            "/wp-content/uploads/2024/06/a.JPG",
        ),
        ("http://p.test", ""),
        ("https://p.png", ""),
        ("https://p.test#x/y.png", ""),
        ("https://p.test?x=/y.png", ""),
        ("https://p.test/a.webp ", "/a.webp "),  # urlsplit strips only leading space
    ]:
        assert url_path(url) == urlsplit(url).path == path, url
    assert image_type("https://p.test/a.JPG?w=1", None) == "image/jpeg"
    assert image_type("https://p.test/a.webp", None) == "image/webp"
    assert image_type("https://p.png", None) == "image/jpeg"
    assert image_type("https://p.test/a.png", "image/gif") == "image/gif"


@given(st.text())
def test_dropped_character_is_the_first_that_xml_text_drops(value: str) -> None:
    dropped = dropped_character(value)
    kept = xml_text(value)
    if dropped is None:
        assert kept == value
    else:
        at = value.index(dropped)
        assert kept.startswith(value[:at]) and kept != value
