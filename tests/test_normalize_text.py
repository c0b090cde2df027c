"""Titles and bodies: sanitizing, inserts removed block by block, tail, dateline, credit."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from syndication.normalize.dedup import content_hash
from syndication.normalize.text import SUMMARY_CHARS, clean_content, clean_title

TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def test_clean_title() -> None:
    assert clean_title("Pemkab &amp;amp; DPRD <b>Kukar</b>&#8217;s") == "Pemkab & DPRD Kukar’s"
    assert clean_title("  Dua\n\tBaris\x07  ") == "Dua Baris"
    assert clean_title("&lt;script&gt;alert(1)&lt;/script&gt;Judul") == "alert(1)Judul"
    assert clean_title(None) == ""


def test_insert_removed_but_story_after_it_kept() -> None:
    body = (
        "<p>Paragraf satu tentang Kukar.</p>"
        "<p>Baca Juga: <a href='/x'>Bupati Kutim Resmikan Pasar</a></p>"
        "<p>Paragraf dua tetap ada.</p><p>Paragraf tiga juga ada. (adv)</p>"
    )
    got = clean_content(body, "https://e.id/")
    assert "Kutim" not in got.content_html and "Kutim" not in got.text
    assert "Paragraf dua tetap ada." in got.text and "Paragraf tiga" in got.content_html
    assert got.credit == "adv"


def test_plain_text_inline_insert_line() -> None:
    body = "Paragraf satu.\nBaca juga: Berita Lain di Berau\nLanjutan paragraf.\n\nPenutup."
    got = clean_content(body)
    assert "Berau" not in got.text
    assert "Lanjutan paragraf." in got.text and "Penutup." in got.text


def test_share_marker_at_top_is_not_a_tail() -> None:
    long = "Kalimat panjang tentang pembangunan jalan di daerah. " * 6
    got = clean_content(f"Share :\n\n{long}\n\n{long}")
    assert "pembangunan jalan" in got.text and "Share" not in got.text


def test_sanitizing() -> None:
    html = (
        '<p onclick="x()">Isi <a href="/berita/1">tautan</a> <img src="foto.jpg">'
        '<script>alert(1)</script><iframe src="https://evil"></iframe>'
        '<a href="javascript:alert(1)">x</a></p>'
    )
    got = clean_content(html, "https://portal.id/2024/11/judul/")
    assert "script" not in got.content_html and "iframe" not in got.content_html
    assert "onclick" not in got.content_html and "javascript" not in got.content_html
    assert 'href="https://portal.id/berita/1"' in got.content_html
    assert 'rel="noopener nofollow"' in got.content_html
    assert got.image == "https://portal.id/2024/11/judul/foto.jpg"


def test_summary_is_short_plain_text_without_dateline() -> None:
    words = " ".join(["kata"] * 200)
    got = clean_content(f"<p>SAMARINDA, kaltimkita.id – {words}</p>")
    assert got.dateline == "SAMARINDA, kaltimkita.id –"
    assert got.summary.startswith("kata kata")
    assert len(got.summary) <= SUMMARY_CHARS + 1 and got.summary.endswith("…")


def test_credit_variants() -> None:
    for credit in (
        "adv/diskominfo/kukar",
        "*/adv",
        "Adv/KominfoKukar/Ksm",
        "adpimprovkaltim/RW",
        "adv/hms7",
        "RWT | ADV DISKOMINFO BONTANG",
    ):
        assert clean_content(f"Isi berita selesai. ({credit})").credit == credit
        if "/" in credit or "|" in credit:
            assert clean_content(f"Isi berita selesai. [{credit}]").credit == credit
    assert clean_content("Isi berita selesai. [ADV]").credit == "ADV"
    assert clean_content("Isi berita selesai. [Advertorial]").credit == "Advertorial"
    assert clean_content("Dinas Kesehatan Kota (Dinkes)").credit is None


def test_a_credit_in_square_brackets_leaves_the_summary() -> None:
    got = clean_content("<p>Isi berita selesai.</p><p>[RWT | ADV DISKOMINFO BONTANG]</p>")
    assert got.credit == "RWT | ADV DISKOMINFO BONTANG"
    assert got.summary == "Isi berita selesai."
    after_word = clean_content("<p>Jalan itu dibuka Senin, ujarnya (adv | kukar).</p>")
    assert after_word.credit == "adv | kukar"
    assert after_word.summary == "Jalan itu dibuka Senin, ujarnya"


@pytest.mark.parametrize(
    "credit",
    [
        "ADV DISKOMINFO KUTIM",
        "ADV PEMKAB BERAU",
        "Adv Kutim",
        "ADV-KUKAR",
        "ADVERTORIAL DPRD KALTIM",
        "Pariwara",
        "Iklan",
        "RWT | Humas Pemkab Berau",
        "Advetorial Diskominfo Kutim",  # a common misspelling
        "Tim Humas Pemkab Kutim",  # an office anywhere in it
        "Sekretariat DPRD Kutim",
        "RWT - Humas Pemkab Berau",
        "hms - Pemkab Kutim",
        "Dinas Kominfo Kutim",  # a unit's name before the office
        "Bagian Prokopim Setkab Kutim",
        "Publikasi DPRD Kutim",
        "Bag. Humas Setda Kutim",  # up to two words naming a unit or a release
        "Tim Publikasi Humas Kutim",
        "Kerja sama Diskominfo Kutim",
        "Rilis Humas Pemkab Kutim",
        "Sumber - Humas Kutim",  # a source before a dash
        "adpimprovkaltim/RW",  # an office glued to its region
    ],
)
def test_advertorial_credits_in_square_brackets(credit: str) -> None:
    assert clean_content(f"<p>Isi berita selesai.</p><p>[{credit}]</p>").credit == credit


@pytest.mark.parametrize("credit", ["Klik Kaltim/adv", "Lihat/adv", "More/kukar"])
def test_a_credit_with_parts_is_no_read_more_link(credit: str) -> None:
    """Review: "(Klik Kaltim/adv)" lost its credit to the read-more rule, meant for
    "(Baca selengkapnya)", which has no parts."""
    assert clean_content(f"<p>Jalan desa dibuka. ({credit})</p>").credit == credit


@pytest.mark.parametrize("tag", ["[Red]", "[foto]", "[Tonton Video]"])
def test_a_bracketed_tag_after_the_credit_in_its_paragraph_does_not_hide_it(tag: str) -> None:
    """Review: "... dibuka Bupati. (adv/diskominfo kukar) [Red]" in one paragraph gave no
    credit (nor did the code before the square-bracket credits)."""
    got = clean_content(f"<p>Jalan desa dibuka Bupati. (adv/diskominfo kukar) {tag}</p>")
    assert got.credit == "adv/diskominfo kukar"


@pytest.mark.parametrize("tag", ["[Red]", "[video]", "[foto]", "[ilustrasi]", "[Tonton Video]"])
def test_a_bracketed_tag_after_the_credit_does_not_hide_it(tag: str) -> None:
    """Review of the change: a last paragraph "[Red]" was read as the credit, and the story
    lost its advertorial label and its regency."""
    got = clean_content(f"<p>Jalan desa dibuka Bupati. (adv/diskominfo kukar)</p><p>{tag}</p>")
    assert got.credit == "adv/diskominfo kukar"


@pytest.mark.parametrize(
    "text",
    [
        "Isi berita. [Baca selengkapnya]",  # a summary's link to the story
        "Isi berita. (Read more)",
        "Isi berita. [Selengkapnya]",
        "Isi berita. (adv]",  # brackets that do not pair
        "Kata dia [1]",  # a footnote: no letters
        "Isi berita. [Readmore]",
        "Isi berita. (Lanjutkan membaca)",
        "Isi berita. [Update 12.30 WITA]",  # square brackets: parts, or the advertorial mark
        "Isi berita. [Red]",
        "Isi berita. [Video | Kukar]",  # square brackets: a credit names an advertorial or office
        "Isi berita. [Berita Terkait | Kutim]",
        "Isi berita. [Sumber/Kompas]",
        "Isi berita. [Advokasi Hukum]",  # the word first or after a separator, and whole
        "Isi berita. [Berita terkait DPRD Kutim Sahkan APBD 2025]",  # an office mid-sentence
        "Isi berita. [Foto ilustrasi Gedung DPRD Kutim]",
        "Isi berita. [Ketua DPRD Kutim Joni]",
        "Isi berita. [Update - Pemkab Kutim membantah]",  # a dash after a word, not a code
        "Isi berita. [Kerja sama - iklan]",
        "Isi berita. [Sumber - Pemkab Kutim membantah]",  # a sentence after the office
        "Isi berita. [Redaksi - Pemkab Kutim belum memberi tanggapan]",
        "Isi berita. [Kerja sama Pemkab Kutim dan PT KPC]",
        "Isi berita. [Kabag Humas Setda Kutim Joni]",  # a person
        "Isi berita. [Hubungi kami untuk pasang iklan]",
        "Biaya dibayar oleh pemohon [dan/atau kuasanya].",  # an aside after a word
        "Harga cabai naik, kata pedagang [Rp50 ribu/kg].",
        "Warga dari [Kutim] hadir",  # a place in brackets inside a sentence
        "Warga hadir di [Kutim]",  # ... or after its last word
    ],
)
def test_what_is_no_bracketed_credit(text: str) -> None:
    assert clean_content(text).credit is None


@given(st.text(max_size=400))
def test_clean_title_never_raises_and_is_plain(text: str) -> None:
    title = clean_title(text)
    assert TAG.search(title) is None and "\n" not in title
    assert clean_title(title) == title or "&" in title


@settings(max_examples=150)
@given(
    st.text(max_size=600), st.sampled_from([None, "https://e.id/a/", "not a url", "http://[::1"])
)
def test_clean_content_never_raises(text: str, base: str | None) -> None:
    got = clean_content(text, base)
    assert TAG.search(got.summary) is None


_SPACES = "\t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2003\u2028\u2029\u202f\u205f\u3000 "


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=_SPACES, min_size=1, max_size=4),
            st.sampled_from(["<p>", "</p>", "<br>", "<li>", "&nbsp;", "&#8203;", "<b>", "</b>"]),
            st.text(max_size=12),
        ),
        max_size=30,
    )
)
@example(parts=["a", "\u3000", "<p>", "b", "\xa0", "</p>", " "])
def test_one_line_is_the_texts_words_joined_by_single_spaces(parts: list[str]) -> None:
    """content_hash(..., one_line=True) over CleanContent.one_line() skips the split of the
    whole body: it must be the string the split and join would give, whatever white space
    (Unicode spaces, separators, controls) the body held."""
    for body in ("".join(parts), "<p>" + "</p><p>".join(parts) + "</p>"):
        got = clean_content(body)
        assert got.one_line() == " ".join(got.text.split())
        assert content_hash("T", got.one_line(), one_line=True) == content_hash("T", got.text)


@settings(max_examples=150)
@given(
    st.lists(
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<div>",
                "</div>",
                "<ul><li>",
                "</li></ul>",
                "Baca Juga",
                "Baca Juga: X",
                "Share :",
                "<br>",
                "teks biasa.",
                "(adv)",
                "SAMARINDA –",
                "<h3>Berita Terkait</h3>",
                "<img src=x>",
                "&amp;",
                "\n\n",
                "<a href='/y'>",
                "</a>",
                "The post A appeared first on B.",
            ]
        ),
        max_size=40,
    )
)
@example(parts=["Baca Juga", "&amp;", "Baca Juga: X"])  # a label over a list, alone in its block
def test_clean_content_on_html_soup(parts: list[str]) -> None:
    got = clean_content("<br>".join(parts), "https://e.id/")
    assert TAG.search(got.summary) is None
    assert "Baca Juga: X" not in got.text


def test_boilerplate_rules_see_leaves_and_branches_as_before() -> None:
    """_remove_blocks tells leaf blocks from boxes in one walk (issue 12: it ran a selector
    per block and searched the doomed list per ancestor); nested boxes still behave."""
    from selectolax.lexbor import LexborHTMLParser

    from syndication.normalize.text import _BLOCK_SEL, _branches

    html = (
        "<body><div><p>a</p><div><ul><li>b</li><li><p>c</p></li></ul></div></div>"
        "<blockquote>d</blockquote><section><article><h2>e</h2></article></section></body>"
    )
    root = LexborHTMLParser(html).body
    assert root is not None
    blocks = list(root.css(_BLOCK_SEL))
    branches = _branches(blocks)
    leaves = [len(b.css(_BLOCK_SEL)) == 1 for b in blocks]  # css() includes the block itself
    assert [b.mem_id not in branches for b in blocks] == leaves
    assert sum(b.mem_id in branches for b in blocks) == 6  # div div ul li section article
    story = "<p>KUKAR – Pasar dibuka hari ini oleh bupati bersama warga sekitar.</p>"
    boxed = (
        "<div><div><h4>Baca Juga</h4><ul><li>Judul lain</li><li>Judul kedua</li></ul></div></div>"
    )
    cleaned = clean_content(story + boxed + "<p>Warga menyambut baik pembukaan pasar itu.</p>")
    assert "Baca Juga" not in cleaned.text and "Judul lain" not in cleaned.text
    assert "Warga menyambut" in cleaned.text


def test_lone_surrogates_are_dropped_and_cost_no_entry() -> None:
    """The sources mend half a surrogate pair (sources/jsontext.py); one in a RawEntry all the
    same made nh3 raise in a body (the entry skipped every poll), and no database takes one."""
    from datetime import UTC, datetime

    from syndication.normalize import normalize_entry
    from syndication.types import NormalizeContext, RawEntry

    now = datetime(2024, 6, 1, tzinfo=UTC)
    ctx = NormalizeContext(regencies=(), categories=())
    for field in ("title", "content_html", "summary_html", "author"):
        fields = {"title": "Judul berita"}
        if field != "summary_html":  # read only without a body
            fields["content_html"] = "<p>Isi berita.</p>"
        fields[field] = fields.get(field, "Tim") + " \ud800a\udfff b \U0001f600"
        item = normalize_entry(RawEntry("s", link="https://e.id/a/", **fields), ctx, now, now)
        shown = (item.title, item.content_html, item.summary, item.author or "")
        assert not any("\ud800" in v or "\udfff" in v for v in shown), (field, shown)
        assert any("a b \U0001f600" in v for v in shown), (field, shown)  # the rest kept


@pytest.mark.parametrize("separator", list("\x0b\x0c\r\x1c\x1d\x85\u2028\u2029"))
def test_a_separating_control_between_words_is_a_space(separator: str) -> None:
    """Vertical tab, form feed, CR, the file and group separators, NEL and the line and
    paragraph separators part words: deleted with the other controls, "Titik\u2028pemisah"
    read "Titikpemisah" in every feed, and a filter's "titik pemisah" let it through."""
    words = f"Titik{separator}pemisah baris"
    assert clean_title(words) == "Titik pemisah baris"
    assert clean_title(words, markup=False) == "Titik pemisah baris"
    assert clean_content(f"<p>{words}</p>").text == "Titik pemisah baris"
    assert clean_content(words).text.split() == ["Titik", "pemisah", "baris"]
    # a zero-width or format character still joins what it stands between, and so do a word
    # processor's non-breaking and optional hyphens (\x1e, \x1f) inside a word
    assert clean_title("Kutai\u200bTimur") == "KutaiTimur"
    assert clean_title("Pemerin\x1ftahan Covid\x1e19") == "Pemerintahan Covid19"
