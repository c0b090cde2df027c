"""Boilerplate that portals print inside the story, removed the way "Baca Juga" is:
staff lines, agency copyright trailers, "Cek berita ..." lines, comment counters, photo
credits, a date line alone, and related-headline lists under "Baca juga:" (merdeka.com)."""

from __future__ import annotations

import pytest

from syndication.normalize.text import clean_content

STORY = (
    "<p>SAMARINDA – Pemkot Samarinda menggelar rapat koordinasi penanganan banjir di Balai Kota"
    " pada Senin pagi.</p><p>Wali Kota meminta seluruh camat menyiapkan posko di tiap"
    " kelurahan.</p>"
)


def _text(html: str) -> str:
    return clean_content(html).text


@pytest.mark.parametrize(
    "tail",
    [
        "<p>Editor: Jalu Wisnu Wirajati</p>",
        "<p>Penulis: Anju Christian</p><p>Editor: Jalu Wisnu Wirajati</p>",
        "<div>Penulis</div><div>: Anju Christian</div><div>Editor</div><div>: Jalu Wisnu</div>",
        "<p>Reporter : Anju Christian | Editor : Jalu Wisnu</p>",
        "<p>COPYRIGHT © ANTARA 2016</p>",
        "<p>© 2016 Kaltim Post. All rights reserved</p>",
    ],
)
def test_closing_staff_and_copyright_lines_go(tail: str) -> None:
    text = _text(STORY + tail)
    assert text.endswith("menyiapkan posko di tiap kelurahan.")
    for name in ("Anju", "Jalu", "ANTARA", "Kaltim Post"):
        assert name not in text


@pytest.mark.parametrize(
    "line",
    [
        "<p>Cek berita dan artikel lainnya di Google News</p>",
        "<p>0 Komentar</p>",
        "<p>Comment (0)</p>",
        "<p>Foto: Humas Pemkot Samarinda</p>",
        "<p>Jumat, 19 Juni 2015 12:58 WIB</p>",
        "<p>19 Juni 2015</p>",
    ],
)
def test_lines_that_are_never_story_go_wherever_they_stand(line: str) -> None:
    text = _text(line + STORY + line)
    assert text.startswith("SAMARINDA – Pemkot Samarinda")
    assert text.endswith("menyiapkan posko di tiap kelurahan.")


def test_a_related_headline_list_under_a_bare_label_goes_whole() -> None:
    related = (
        "<p>Baca juga:<br>Kisah Mayor Raheem, masuk Islam dan jadi Imam di tentara AS<br>"
        "Kisah para tentara Islam berjuang di perang kemerdekaan Amerika</p>"
    )
    text = _text(STORY + related)
    assert "Kisah" not in text
    assert text.endswith("menyiapkan posko di tiap kelurahan.")


def test_the_list_ends_before_a_story_sentence_in_the_same_block() -> None:
    html = (
        "<p>Wali Kota meminta camat bersiaga.<br>Baca juga: Banjir Rendam Sempaja<br>"
        "Posko dibuka di tiap kelurahan sejak Senin pagi.</p>"
    )
    text = _text(html)
    assert "Banjir Rendam Sempaja" not in text
    assert "Posko dibuka di tiap kelurahan sejak Senin pagi." in text


def test_story_sentences_naming_an_editor_or_a_date_stay() -> None:
    html = (
        "<p>Editor senior itu mengatakan redaksi akan mengikuti keputusan Dewan Pers.</p>"
        "<p>Pada 19 Juni 2015 pukul 12.58 WIB, banjir mulai surut di Sempaja.</p>"
        "<p>Foto-foto banjir beredar luas di media sosial sejak pagi.</p>"
    )
    text = _text(html)
    assert "Editor senior itu" in text
    assert "Pada 19 Juni 2015" in text
    assert "Foto-foto banjir" in text


def test_portal_promotions_for_their_channels_leave_the_text() -> None:
    """Review of 2026-12-06: Kompas's "Dapatkan update berita pilihan ..." paragraph and
    Tribun's "Ikuti berita populer lainnya di Google News, saluran WhatsApp dan Telegram
    TribunKaltim.co" stayed in the story."""
    from syndication.normalize import clean_content

    story = "<p>SAMARINDA – Pemkot Samarinda membuka pasar murah di Sempaja, Senin.</p>"
    html = (
        story + "<p>Dapatkan update berita pilihan dan breaking news setiap hari dari Kompas.com."
        ' Mari bergabung di Grup Telegram "Kompas.com News Update", caranya klik link'
        " https://t.me/kompascomupdate, kemudian join.</p>"
        "<p>Ikuti berita populer lainnya di Google News, saluran WhatsApp dan Telegram"
        " TribunKaltim.co</p>"
    )
    text = clean_content(html).text
    assert "Pemkot Samarinda membuka pasar murah" in text
    assert "Dapatkan" not in text and "Ikuti berita" not in text, text
    # a hostile review of 2026-12-07: Tribun's channel line, detik's video pointer
    more = (
        story + "<p>Ikuti saluran Tribun Kaltim di WhatsApp</p>"
        '<p>Simak Video "Video: Banjir Rendam Samarinda, Warga Mengungsi" (bba/bba)</p>'
    )
    text = clean_content(more).text
    assert text == "SAMARINDA – Pemkot Samarinda membuka pasar murah di Sempaja, Senin.", text
    # a story's own sentence about a video or a channel stays
    for sentence in (
        "Simak video berikut untuk melihat suasana pasar murah di Sempaja.",
        "Simak video: warga Sempaja bergotong royong membersihkan pasar.",
        "Ikuti saluran resmi BMKG di WhatsApp untuk peringatan dini, kata Kepala BPBD Kutim.",
        "Ikuti akun resmi Disdukcapil di Instagram untuk jadwal perekaman KTP, kata Kadis.",
    ):
        assert sentence in clean_content(story + f"<p>{sentence}</p>").text, sentence
