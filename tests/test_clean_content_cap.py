"""A body past CONTENT_MAX characters is read up to it: the story's start is kept, the rest
(a hostile item's millions of '<', a runaway export) costs nothing and is in no feed."""

from __future__ import annotations

from syndication.normalize.text import CONTENT_MAX, clean_content


def test_a_huge_body_is_read_up_to_the_cap() -> None:
    start = "<p>TENGGARONG – Bupati Kukar meresmikan jembatan baru di Loa Kulu.</p>"
    filler = "<p>" + "isi berita " * 50 + "</p>"
    body = start + filler * (CONTENT_MAX // len(filler) + 10) + "<p>EKOR-TERAKHIR</p>"
    assert len(body) > CONTENT_MAX
    got = clean_content(body)
    assert got.text.startswith("TENGGARONG")
    assert "EKOR-TERAKHIR" not in got.text
    assert len(got.content_html) <= CONTENT_MAX + 1000  # closing tags nh3 adds


def test_a_body_of_angle_brackets_is_cut_too() -> None:
    got = clean_content("<p>Awal berita.</p><p>" + "<" * (CONTENT_MAX * 2) + "</p>")
    assert got.text.startswith("Awal berita.")
    assert len(got.content_html) <= CONTENT_MAX * 5  # '<' escaped as '&lt;', never more
