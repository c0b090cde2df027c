"""A tag list closing a body ("Tags: Kukar, Pemkab Kukar") is the page's, not the story's."""

from __future__ import annotations

import pytest

from syndication.normalize.text import clean_content

STORY = (
    "<p>TENGGARONG - Bupati Kutai Kartanegara meresmikan jembatan baru di Kecamatan Tenggarong "
    "Seberang pada Senin pagi.</p><p>Jembatan itu dibangun dengan dana daerah tahun ini.</p>"
)


@pytest.mark.parametrize(
    "line",
    [
        "Tags: Kukar, Pemkab Kukar, Edi Damansyah",
        "TAG : jembatan, Tenggarong Seberang",
        "<strong>Tags:</strong> <a href='/tag/kukar'>Kukar</a>, <a href='/tag/bupati'>Bupati</a>",
        "Kata kunci: jembatan, infrastruktur",
    ],
)
def test_a_tag_line_leaves_the_text(line: str) -> None:
    got = clean_content(f"{STORY}<p>{line}</p>")
    assert "Jembatan itu dibangun" in got.text
    assert "jembatan, " not in got.text.lower().replace("jembatan itu", "")
    assert "Kukar," not in got.text and "Kata kunci" not in got.text
    assert "tag" not in got.text.lower()


def test_a_sentence_about_tags_stays() -> None:
    line = "Tag: warga diminta memasang label pada setiap pohon. Program itu berjalan sebulan."
    got = clean_content(f"{STORY}<p>{line}</p>")
    assert "warga diminta memasang label" in got.text
