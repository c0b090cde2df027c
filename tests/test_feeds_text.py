"""feeds.text's fast paths give what the plain pattern gives (tests/test_feeds_render.py and
tests/test_publish_golden.py check the published bytes)."""

from __future__ import annotations

import random
import sys

from feeds.text import _NOT_XML_TEXT, xml_text


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
