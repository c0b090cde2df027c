"""What two real Kompas pages left in a story (a black-box review): an empty table closing
the body, and a dateline naming the desk run together ("Jakarta, KompasOtomotif –") read as
the story's first words, in its summary."""

from __future__ import annotations

import pytest

from syndication.normalize import clean_content

STORY = (
    "<p>{lead}Tahun depan, dua produsen otomotif asal China akan masuk ke pasar Indonesia.</p>"
    "<p>Itu pekerjaan yang harus dilakukan oleh merek baru, kata Ketua Umum Gaikindo.</p>"
)


@pytest.mark.parametrize(
    "lead", ["Jakarta, KompasOtomotif – ", "Jakarta, KompasTekno — ", "KUTA, KOMPAS.com — "]
)
def test_a_desks_dateline_is_the_dateline(lead: str) -> None:
    body = clean_content(STORY.format(lead=lead))
    assert body.dateline == lead.strip()
    assert body.summary.startswith("Tahun depan")


def test_a_name_and_a_role_is_no_dateline() -> None:
    body = clean_content("<p>Andi, Pelatih – begitu ia dikenal warga, datang pagi ini.</p>")
    assert body.dateline is None


@pytest.mark.parametrize(
    ("tail", "kept"),
    [
        ("<table><tbody><tr></tr></tbody></table>", ""),
        ("<table><tbody><tr><td></td><td> </td></tr></tbody></table>", ""),
        ("<div><p></p></div>", ""),
        # a row with one empty cell among others keeps it: the columns keep their places
        ("<table><tbody><tr><td>Nama</td><td></td><td>Bupati Kukar</td></tr></tbody></table>",
         "<table><tbody><tr><td>Nama</td><td></td><td>Bupati Kukar</td></tr></tbody></table>"),
    ],
)  # fmt: skip
def test_empty_tables_and_blocks_leave_the_body(tail: str, kept: str) -> None:
    body = clean_content(STORY.format(lead="") + tail)
    assert body.content_html == STORY.format(lead="") + kept
