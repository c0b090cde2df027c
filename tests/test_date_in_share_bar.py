"""A template that prints the article's date line inside its share bar, under a top bar's
bare "today" (Kompas's 2016 template, seen on two real pages of a helper's review): the
story's timed line is read before the share bar goes. The top bar's day was taken, at
midnight of the source's zone: 17 hours early, silently."""

from __future__ import annotations

from datetime import UTC, datetime

from syndication.normalize import normalize_entry
from syndication.sources.html import extract_article
from syndication.types import NormalizeContext, RawEntry

PAGE = """<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>Samsul Arif Tak Beban Lawan Arema - Kompas.com</title></head><body>
<div class="kcm-top"><div class="logo"><a href="/">Kompas.com</a></div>
<div class="small grey mt1 mb1">Selasa, 23 Februari 2016</div>
<div class="span4 kcm-logo"><h1 class="tcenter">Bola</h1></div></div>
<div class="kcm-read-content-top">
<h4 class="green breadcrump"><a href="/">Bola</a> / <a href="/liga">Liga Indonesia</a></h4>
<h2>Samsul Arif Tak Beban Lawan Arema</h2>
<div class="social clearfix">
  <div class="kcm-date msmall grey">Selasa, 23 Februari 2016 | 16:37 WIB</div>
  <div class="social__share clearfix"><ul class="social__wrap">
    <li class="social__item"><a class="social__link" href="javascript:void(0);">fb</a></li>
    <li class="social__item"><a href="#komentar"><span>komentar</span></a></li></ul>
  <div class="share-total"><span>Shares</span></div></div>
</div></div>
<div class="kcm-read-content-text"><div class="kcm-read-text">
<p>KUTA, KOMPAS.com — Penyerang anyar Persib Bandung, Samsul Arif, mengaku tidak terbebani
menghadapi mantan klubnya, Arema Cronus, pada laga Bali Island Cup di Stadion Kapten I Wayan
Dipta, Gianyar, Rabu malam.</p>
<p>Menurut Samsul, laga melawan mantan klub adalah hal biasa bagi pemain profesional yang sudah
berpindah klub beberapa kali selama kariernya di sepak bola nasional.</p>
<p>"Kami ingin menang pada pertandingan nanti dan kami ingin juara," kata Samsul kepada
wartawan seusai latihan di lapangan Trisakti, Legian.</p>
</div></div></body></html>"""

URL = "https://bola.kompas.test/read/2016/02/23/16374618/samsul.arif.tak.beban.lawan.persib"


def test_the_date_line_in_a_share_bar_is_the_stories() -> None:
    entry = extract_article(PAGE, URL)
    assert isinstance(entry, RawEntry)
    assert entry.published_raw == "Selasa, 23 Februari 2016 | 16:37 WIB"
    now = datetime(2026, 12, 7, tzinfo=UTC)
    item = normalize_entry(entry, NormalizeContext(regencies=(), categories=()), now, now)
    assert item.published == datetime(2016, 2, 23, 9, 37, tzinfo=UTC)  # 16:37 WIB
    assert "Shares" not in item.content_html and "komentar" not in item.content_html


def test_a_top_bars_today_of_another_day_gives_way_too() -> None:
    """The page read days later: its top bar shows that day, the story's line its own."""
    html = PAGE.replace(
        '<div class="small grey mt1 mb1">Selasa, 23 Februari 2016</div>',
        '<div class="small grey mt1 mb1">Senin, 7 Desember 2026</div>',
    )
    entry = extract_article(html, URL)
    assert isinstance(entry, RawEntry)
    assert entry.published_raw == "Selasa, 23 Februari 2016 | 16:37 WIB"


def test_an_agenda_under_the_headline_does_not_displace_the_posted_date() -> None:
    """A timed line under the headline that is no date line of the story (an event's
    agenda) leaves the page's own posted date (a theme's date element), machine date or not."""
    story = "".join(
        f"<p>SANGATTA - Bupati Kutai Timur meninjau lokasi banjir di Sangatta Utara, hari ke-{n},"
        " dan memastikan bantuan logistik tersalurkan kepada seluruh warga terdampak.</p>"
        for n in range(5)
    )
    html = (
        "<html><head><title>Bupati Kutim Tinjau Banjir</title></head><body><main><article>"
        '<h1 class="judul">Bupati Kutim Tinjau Banjir</h1><ul class="agenda">'
        "<li>Rabu, 14 Februari 2024</li><li>Pukul 09.00 WITA - selesai</li></ul>"
        f'<div class="isi-berita">{story}</div><div class="post-footer">'
        '<span class="posted-on">Diposting pada 12 Februari 2024</span></div>'
        "</article></main></body></html>"
    )
    entry = extract_article(html, "https://kutimkab.test/berita/2024/02/12/tinjau-banjir")
    assert isinstance(entry, RawEntry)
    assert entry.published_raw is not None and "12 Februari 2024" in entry.published_raw
