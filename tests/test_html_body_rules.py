"""The general rules html_body cuts by, each with what it must leave alone; and the Indonesian
boilerplate lines through the whole path (an article page read, then normalized), with their
variants, and the closing credits that must stay for the normalizer to read.

The real pages each rule was written for are in tests/test_real_bodies.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from syndication.normalize import normalize_entry
from syndication.normalize.text import plain_text
from syndication.sources.html import Article, read_article
from syndication.sources.html_body import clean_body, with_lead
from syndication.types import Item
from tests.real_pages import gazetteer_path
from tests.test_normalize_golden import build_ctx

STORY = (
    "<p>SAMARINDA – Pemkot Samarinda menggelar rapat koordinasi penanganan banjir di Balai Kota"
    " pada Senin pagi bersama seluruh camat dan lurah se-kota.</p>"
    "<p>Wali Kota meminta seluruh camat menyiapkan posko di tiap kelurahan sebelum musim hujan"
    " tiba, dan melaporkan kesiapan posko setiap pekan.</p>"
    "<p>Rapat itu juga membahas anggaran tanggap darurat, termasuk pengadaan perahu karet dan"
    " pompa air.</p>"
)
STORY_TEXT = " ".join(plain_text(STORY).split())


def _clean(inner: str) -> str:
    doc = LexborHTMLParser(f"<html><body><div id='isi'>{inner}</div></body></html>")
    node = doc.css_first("#isi")
    assert node is not None
    return " ".join(plain_text(clean_body(node)).split())


def _card(kicker: str, headline: str, date: str) -> str:
    return (
        f"<div class='row'><div class='pic'><a href='/{len(headline)}'><img src='/a.jpg'></a>"
        f"</div><div class='desc'><label>{kicker}</label><a href='/{len(headline)}'>"
        f"<h5>{headline}</h5></a><p>{date}</p></div></div>"
    )


def test_a_grid_of_teaser_cards_goes_with_its_label() -> None:
    grid = (
        "<label>MORE STORIES LIKE THIS ONE</label><div class='grid'>"
        + _card("BERITA", "Banjir rendam tiga kecamatan di Samarinda", "12 Maret 2024")
        + _card("DAERAH", "Wali Kota tinjau posko pengungsian", "11 Maret 2024")
        + "</div>"
    )
    assert _clean(STORY + grid) == STORY_TEXT
    assert _clean(grid + STORY) == STORY_TEXT


def test_story_blocks_under_linked_subheadings_are_no_grid() -> None:
    story = (
        "<div><h3><a href='/banjir'>Banjir di Sempaja</a></h3><p>Air setinggi lutut merendam"
        " permukiman warga sejak Senin pagi, dan warga mengungsi ke masjid.</p></div>"
        "<div><h3><a href='/posko'>Posko pengungsian</a></h3><p>Pemkot membuka dua posko di"
        " kelurahan itu. Bantuan makanan datang dari dinas sosial.</p></div>"
    )
    out = _clean(story)  # (a heading all link is cut as a link line: an older rule)
    assert "Air setinggi lutut" in out and "Bantuan makanan datang dari dinas sosial." in out


def test_the_box_around_a_related_list_goes_whole() -> None:
    box = (
        "<div class='box'><h2>TR 7/2019</h2><p>Dieser Beitrag stammt aus Ausgabe 7/2019."
        " Highlights aus dem Heft:</p><ul>"
        "<li><a href='/a'>Der FCKW-Krimi</a></li><li><a href='/b'>High mit Hefe</a></li>"
        "<li><a href='/c'>Elektromobilität: Auf dem Weg zum Öko-Akku</a></li>"
        "<li><a href='/d'>Besuch in der Körperfabrik</a></li></ul></div>"
    )
    assert _clean(box + STORY) == STORY_TEXT


def test_a_related_list_inside_the_story_block_takes_only_itself() -> None:
    block = (
        f"<div>{STORY}<ul><li><a href='/a'>Banjir rendam tiga kecamatan</a></li>"
        "<li><a href='/b'>Walkot tinjau posko pengungsian</a></li></ul></div>"
    )
    assert _clean(block) == STORY_TEXT


def test_a_short_story_sharing_its_block_with_a_related_list_stays() -> None:
    short = "<p>Pemkot Samarinda membuka dua posko banjir di Sempaja sejak Senin pagi.</p>"
    block = (
        f"<div>{short}<ul><li><a href='/a'>Banjir rendam tiga kecamatan di Samarinda</a></li>"
        "<li><a href='/b'>Wali Kota tinjau posko pengungsian di Sungai Pinang</a></li>"
        "<li><a href='/c'>Dinas sosial kirim bantuan makanan ke Sempaja</a></li></ul></div>"
    )
    assert _clean(block) == "Pemkot Samarinda membuka dua posko banjir di Sempaja sejak Senin pagi."


def test_a_form_widget_goes_with_its_label() -> None:
    widget = (
        "<div class='find'><label>FIND YOUR NEXT CAR</label><div class='card'><form>"
        "<select><option>Choose vehicle brand</option><option>Toyota</option></select>"
        "</form></div></div>"
    )
    assert _clean(STORY + widget) == STORY_TEXT


@pytest.mark.parametrize(
    "line",
    [
        "<p>-- By Michael Russell <a href='https://twitter.com/x'>Follow @tdmrussell</a></p>",
        "<p>Oleh Anju Christian @anjuc</p>",
        "<p>Like this story? Share it with a friend!</p>",
        "<p>Bagikan artikel ini</p>",
    ],
)
def test_bylines_with_a_handle_and_share_prompts_go(line: str) -> None:
    assert _clean(STORY + line) == STORY_TEXT


@pytest.mark.parametrize(
    "prompt",
    [
        "<p>この記事は会員限定です。電子版に登録すると続きをお読みいただけます。</p>",
        "<p>To continue reading, subscribe now.</p>",
        "<div><p>Artikel ini khusus untuk pelanggan. Berlangganan untuk membaca.</p></div>",
    ],
)
def test_a_paywall_prompt_at_the_end_goes(prompt: str) -> None:
    assert _clean(STORY + prompt) == STORY_TEXT


@pytest.mark.parametrize(
    "line",
    [
        "<p>PDAM mencatat 2.000 pelanggan baru tahun ini, dan pelanggan lama mendapat"
        " potongan tarif selama musim banjir.</p>",
        "<p>Promo ini khusus untuk pelanggan PLN di Samarinda.</p>",
        "<p>The briefing was open to subscribers only.</p>",
    ],
)
def test_a_story_sentence_about_subscribers_stays(line: str) -> None:
    assert _clean(STORY + line).startswith(STORY_TEXT + " ")


def test_an_agency_mark_glued_to_the_last_sentence_is_cut() -> None:
    out = _clean(STORY.replace("pompa air.</p>", "pompa air. (c)AFP/Aminu ABUBAKAR</p>"))
    assert out == STORY_TEXT


def test_a_closing_credit_is_no_agency_mark() -> None:
    out = _clean(STORY.replace("pompa air.</p>", "pompa air. (adv/diskominfo)</p>"))
    assert out.endswith("pompa air. (adv/diskominfo)")


def _lead_page(lead_block: str, description: str) -> tuple[LexborHTMLParser, str]:
    html = (
        f"<html><head><meta name='description' content='{description}'></head><body>"
        f"<div class='article'><h1>Judul</h1>{lead_block}<div class='text'>{STORY}</div>"
        "</div></body></html>"
    )
    return LexborHTMLParser(html), html


LEAD = "Banjir merendam tiga kecamatan di Samarinda sejak Minggu malam, dan ribuan warga mengungsi."


@pytest.mark.parametrize(
    ("block", "description"),
    [
        (f"<div class='summary'>{LEAD}</div>", ""),  # a class naming it a lead
        (f"<div class='x1'>{LEAD}</div>", LEAD),  # the page's description repeats it
        (f"<div class='x1'><img src='/a.jpg'></div><div class='x2'>{LEAD}</div>", LEAD),
    ],
)
def test_a_lead_in_a_block_of_its_own_above_the_body_opens_the_body(
    block: str, description: str
) -> None:
    doc, _ = _lead_page(block, description)
    body = doc.css_first(".text")
    assert body is not None
    with_lead(doc, body, description or None)
    assert _clean_node(body).startswith(LEAD + " SAMARINDA – Pemkot")


@pytest.mark.parametrize(
    ("block", "description"),
    [
        (f"<div class='x1'>{LEAD}</div>", "Another summary of the story entirely, not this."),
        (f"<div class='summary'><a href='/x'>{LEAD}</a></div>", ""),  # a teaser link
        ("<div class='summary'>Banjir Samarinda</div>", ""),  # a kicker, too short
    ],
)
def test_other_blocks_above_the_body_stay_out(block: str, description: str) -> None:
    doc, _ = _lead_page(block, description)
    body = doc.css_first(".text")
    assert body is not None
    with_lead(doc, body, description or None)
    assert _clean_node(body) == STORY_TEXT


def _generic_body(inner: str) -> tuple[LexborHTMLParser, LexborNode]:
    """A page whose story block is `inner`, and a body as a generic extractor hands it back:
    a tree of its own holding the block's paragraphs only."""
    doc = LexborHTMLParser(f"<html><body><div class='news'>{inner}</div></body></html>")
    own = LexborHTMLParser(f"<html><body>{STORY}</body></html>").body
    assert own is not None
    return doc, own


def test_prose_written_before_the_first_paragraph_of_the_block_opens_the_body() -> None:
    bare = "<b>Situs.com</b> - " + LEAD.replace("Samarinda", "<a href='/s'><b>Samarinda</b></a>")
    doc, body = _generic_body(bare + "<p></p>" + STORY)
    with_lead(doc, body, None)
    assert _clean_node(body) == "Situs.com - " + LEAD + " " + STORY_TEXT


@pytest.mark.parametrize(
    "before",
    [
        "Samarinda, Senin",  # too short: a place and a day
        "<p>Sebuah paragraf lain yang panjang, berdiri sendiri sebagai blok, dan bukan lead.</p>"
        "Kata kunci: banjir, posko, Samarinda, camat, lurah, perahu karet, pompa air",  # no prose
    ],
)
def test_other_text_before_the_first_paragraph_stays_out(before: str) -> None:
    doc, body = _generic_body(before + STORY)
    with_lead(doc, body, None)
    assert _clean_node(body) == STORY_TEXT


def test_a_lead_already_in_the_body_is_not_doubled() -> None:
    doc, _ = _lead_page("<div class='lead'>" + STORY_TEXT[:200] + "</div>", "")
    body = doc.css_first(".text")
    assert body is not None
    with_lead(doc, body, None)
    assert _clean_node(body) == STORY_TEXT


def _clean_node(node: LexborNode) -> str:
    return " ".join(plain_text(clean_body(node)).split())


# --- Indonesian boilerplate through the whole path ------------------------------------------

_NOW = datetime(2030, 1, 1, tzinfo=UTC)
_CTX = build_ctx(gazetteer_path())


def _published(inner: str) -> tuple[str, Item]:
    html = (
        "<html><head><title>Pemkot Samarinda siapkan posko banjir</title>"
        "<meta property='og:type' content='article'><meta property='article:published_time'"
        " content='2024-03-01T10:00:00+08:00'></head><body><article>"
        "<h1>Pemkot Samarinda siapkan posko banjir</h1>"
        f"<div class='detail-content'>{inner}</div></article></body></html>"
    )
    found = read_article(html, "https://example.co.id/berita/posko-banjir")
    assert isinstance(found, Article), found
    item = normalize_entry(found.entry, _CTX, _NOW, _NOW)
    return " ".join(plain_text(item.content_html).split()), item


_MID = [
    "<p>Baca Juga: Banjir rendam tiga kecamatan di Samarinda</p>",
    "<p>Baca juga: <a href='/x'>Banjir rendam tiga kecamatan di Samarinda</a></p>",
    "<p>BACA JUGA : Banjir rendam tiga kecamatan di Samarinda</p>",
    "<p><strong>BACA JUGA:</strong> <a href='/x'>Banjir rendam tiga kecamatan</a></p>",
    "<p>Simak juga: Banjir rendam tiga kecamatan di Samarinda</p>",
    "<p>Lihat juga: Banjir rendam tiga kecamatan di Samarinda</p>",
    "<p>Baca Juga</p><ul><li><a href='/a'>Banjir rendam tiga kecamatan</a></li>"
    "<li><a href='/b'>Walkot tinjau posko pengungsian</a></li></ul>",
    "<p>Berita Terkait</p><ul><li><a href='/a'>Banjir rendam tiga kecamatan</a></li>"
    "<li><a href='/b'>Walkot tinjau posko pengungsian</a></li></ul>",
    "<p>Foto: Humas Pemkot Samarinda</p>",
    "<p>Wali Kota meninjau posko banjir di Sungai Pinang. (Foto: Humas Pemkot)</p>",
    "<p>Warga melintasi banjir di Jalan Pahlawan, Samarinda, Senin (4/3/2024)."
    " ANTARA FOTO/M Risyal Hidayat/foc.</p>",
    "<figure><img src='/a.jpg'><figcaption>Wali Kota meninjau posko. (Foto: Humas)"
    "</figcaption></figure>",
]
_END = [
    "<p>Editor: Jalu Wisnu Wirajati</p>",
    "<p>Editor : Jalu Wisnu Wirajati</p>",
    "<p>Penulis: Anju Christian</p>",
    "<p>Pewarta: Anju Christian</p>",
    "<p>Pewarta : Anju Christian<br>Editor : Jalu Wisnu</p>",
    "<p>Reporter: Anju Christian<br>Editor: Jalu</p>",
    "<p>Sumber: Antara</p>",
    "<p>Sumber : Humas Pemkot Samarinda</p>",
    "<p>COPYRIGHT © ANTARA 2016</p>",
    "<p>Copyright © 2024 Kaltim Post. All rights reserved.</p>",
    "<p>Cek berita dan artikel lainnya di Google News</p>",
    "<p>Cek Berita dan Artikel yang lain di Google News</p>",
    "<p>Simak berita dan artikel lainnya di Google News</p>",
    "<p>Ikuti berita terkini dari Kaltim di Google News</p>",
    "<p>0 Komentar</p>",
    "<p>Bagikan artikel ini</p>",
]


@pytest.mark.parametrize("line", _MID)
def test_inserts_and_captions_in_the_story_go(line: str) -> None:
    paragraphs = STORY.split("</p>")
    inner = paragraphs[0] + "</p>" + line + "</p>".join(paragraphs[1:])
    text, _ = _published(inner)
    assert text == STORY_TEXT


@pytest.mark.parametrize("line", _END)
def test_closing_staff_source_copyright_and_prompt_lines_go(line: str) -> None:
    text, _ = _published(STORY + line)
    assert text == STORY_TEXT


@pytest.mark.parametrize(
    ("line", "credit", "advertorial"),
    [
        ("<p>(adv/diskominfo)</p>", "adv/diskominfo", True),
        ("<p>(adv/hms7)</p>", "adv/hms7", True),
        ("<p>(ant/hms)</p>", "ant/hms", False),
        ("<p>(dok/adv)</p>", "dok/adv", True),
        ("<p>(foto/adv)</p>", "foto/adv", True),
        ("<p>[RWT | ADV DISKOMINFO BONTANG]</p>", "RWT | ADV DISKOMINFO BONTANG", True),
        ("<p>[adv/diskominfo kukar]</p>", "adv/diskominfo kukar", True),
        ("<p>(ant | hms)</p>", "ant | hms", False),
    ],
)
def test_closing_credits_stay_for_the_normalizer_to_read(
    line: str, credit: str, advertorial: bool
) -> None:
    text, item = _published(STORY + line)
    assert text.startswith(STORY_TEXT)
    assert item.credit == credit
    assert item.advertorial is advertorial


def test_a_credit_after_the_last_word_stays() -> None:
    inner = STORY.replace("pompa air.</p>", "pompa air, pungkasnya (adv/hms7).</p>")
    text, item = _published(inner)
    assert text.endswith("pungkasnya (adv/hms7).")
    assert item.advertorial is True
