"""Ad slots and hidden pixels inside a story written as text and <br> lines (detik's older
pages, read by the generic extractor): the text after one was dropped with it."""

from __future__ import annotations

import pytest

from syndication.sources.html import Article, read_article

PARAGRAPHS = [
    "Banjir merendam lima kecamatan di Samarinda sejak Minggu malam hingga Senin pagi.",
    "Kepala BPBD Samarinda menyebut ratusan warga mengungsi ke posko di kantor kelurahan.",
    "Warga di bantaran Sungai Karang Mumus diminta tetap waspada terhadap banjir susulan.",
    "Pemerintah kota berencana menormalisasi sungai setelah air surut pekan depan.",
]
SLOTS = {
    "hidden pixel": '<div id="beacon_1" style="position:absolute;visibility:hidden;">'
    '<img src="/b.gif" width="0" height="0"></div>',
    "labelled ad": '<div class="parallaxindetail scrollpage"><div class="parallax__label">'
    'ADVERTISEMENT</div><div id="div-gpt-ad-parallax"></div><div class="parallax__label">'
    "SCROLL TO CONTINUE WITH CONTENT</div></div>",
}


@pytest.mark.parametrize("slot", sorted(SLOTS))
def test_the_paragraph_after_an_ad_slot_stays(slot: str) -> None:
    lines = "<br><br>".join(PARAGRAPHS[:2]) + "<br><br>" + SLOTS[slot]
    lines += "<br><br>".join(PARAGRAPHS[2:]) + "<br><br><strong>(fai/idh)</strong>"
    page = (
        '<html><head><meta property="og:type" content="article">'
        "<title>Banjir Rendam Lima Kecamatan di Samarinda</title></head><body><article>"
        "<h1>Banjir Rendam Lima Kecamatan di Samarinda</h1>"
        "<div>Senin, 12 Feb 2024 14:30 WIB</div>"
        f'<div class="detail__body-text"><b>Samarinda</b> - {lines}</div></article></body></html>'
    )
    found = read_article(page, "https://news.example.com/berita/d-3841774/banjir-rendam-samarinda")
    assert isinstance(found, Article)
    for paragraph in PARAGRAPHS:
        assert paragraph in (found.entry.content_html or ""), (slot, paragraph)
    assert "ADVERTISEMENT" not in (found.entry.content_html or "")


def test_an_advertorials_credit_and_the_words_around_a_slot_stay() -> None:
    from syndication.sources.html_generic import _without_ad_slots

    cleaned = _without_ad_slots(
        '<html><body><div>Senin pagi<div class="ads-inarticle"><div id="div-gpt-ad-1">'
        '</div></div>Kepala BPBD <span class="label-iklan">(adv/kmf)</span></div></body></html>'
    )
    assert "Senin pagi Kepala BPBD" in cleaned and "(adv/kmf)" in cleaned
    assert "div-gpt-ad" not in cleaned


def test_a_hidden_span_inside_a_word_leaves_the_word_whole() -> None:
    from syndication.sources.html_generic import _without_ad_slots

    cleaned = _without_ad_slots(
        '<html><body><p>Bu<span style="display:none">x</span>pati meninjau '
        "ban<span hidden>q</span>jir</p></body></html>"
    )
    assert "Bupati meninjau banjir" in cleaned


def test_an_ad_span_between_words_leaves_a_space() -> None:
    from syndication.sources.html_generic import _without_ad_slots

    cleaned = _without_ad_slots(
        '<html><body><p>banjir.<span class="ads">ADVERTISEMENT</span>Warga Kutai Timur'
        '<span id="div-gpt-ad-1"></span>Bupati</p></body></html>'
    )
    assert "banjir. Warga Kutai Timur Bupati" in cleaned
