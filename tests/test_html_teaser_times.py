"""A <time> below the story (another story's teaser: "Berita Lainnya" inside <main>) never
dates a story that prints its own date line above its text; a story whose only date is a
<time> below its text (a theme's footer) keeps it; a story's own <time> above its text wins
over the teasers' below, whatever links stand beside it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syndication.sources.html import Article, read_article

URL = "https://kutaitimurkab.go.id/berita/detail/1201/bupati-kutim-tinjau-lokasi-banjir"
HEADLINE = "Bupati Kutim Tinjau Lokasi Banjir di Sangatta Utara"
PARAGRAPHS = "".join(
    f"<p>SANGATTA - Bupati Kutai Timur meninjau lokasi banjir di Kecamatan Sangatta Utara, "
    f"hari ke-{n}, dan memastikan bantuan logistik tersalurkan kepada seluruh warga.</p>"
    for n in range(1, 6)
)
TEASERS = (
    '<div class="berita-lainnya"><h4>Berita Lainnya</h4>'
    '<div class="item"><a href="/berita/detail/1190/dprd-kutim-sahkan-tiga-perda-baru">'
    "DPRD Kutim Sahkan Tiga Perda Baru Tahun Ini</a> "
    '<time datetime="2024-02-05T09:00:00+08:00">5 Februari 2024</time></div>'
    '<div class="item"><a href="/berita/detail/1185/kutim-raih-penghargaan-layak-anak">'
    "Kutim Raih Penghargaan Kabupaten Layak Anak</a> "
    '<time datetime="2024-02-02T10:30:00+08:00">2 Februari 2024</time></div></div>'
)
OWN_LINE = '<div class="info"><span class="tgl">Senin, 12 Februari 2024 - 14:30</span></div>'


def page(header: str, body_class: str, footer: str = "") -> str:
    """A story under `header` (its meta line), in a body element of `body_class` ("entry-content"
    is a theme rule's; a class no rule knows leaves the story to the generic extractor), then
    `footer` and the teasers, all inside <main>."""
    return (
        f'<html><head><meta charset="utf-8"><title>{HEADLINE}</title></head><body>'
        f'<main><article><h1 class="judul">{HEADLINE}</h1>{header}'
        f'<div class="{body_class}">{PARAGRAPHS}</div>{footer}</article>{TEASERS}</main>'
        "</body></html>"
    )


def read(html: str) -> Article:
    found = read_article(html, URL)
    assert isinstance(found, Article), found
    return found


@pytest.mark.parametrize("body_class", ["entry-content", "isi-berita"])
def test_teasers_times_below_the_story_never_date_a_story_with_its_own_line(
    body_class: str,
) -> None:
    article = read(page(OWN_LINE, body_class))
    assert article.entry.published is None  # read from the line, in the source's zone
    assert article.entry.published_raw == "Senin, 12 Februari 2024 - 14:30"
    assert "date line" in article.date_by


@pytest.mark.parametrize("body_class", ["entry-content", "isi-berita"])
def test_a_time_below_the_story_dates_it_when_the_page_prints_no_line_above(
    body_class: str,
) -> None:
    """Twenty Fifteen prints a post's date in the footer under its text."""
    footer = (
        '<footer class="entry-footer"><span class="posted-on"><a href="' + URL + '">'
        '<time class="entry-date published" datetime="2024-02-12T14:30:00+08:00">'
        "12 Februari 2024</time></a></span></footer>"
    )
    article = read(page("", body_class, footer))
    assert article.entry.published == datetime(2024, 2, 12, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "beside",
    [
        '<a href="/kategori/pemerintahan">Pemerintahan</a>',
        '<a href="/penulis/diskominfo">Diskominfo Kutim</a>',
        '<a href="/tag/banjir-sangatta-utara-kutai-timur">Banjir Sangatta Utara Kutai Timur</a>',
        '<a href="/cetak/1201">Cetak Berita Ini</a>',
        '<a href="https://wa.me/?text=Bupati%20Kutim%20Tinjau">Bagikan ke WhatsApp</a>',
    ],
)
def test_a_storys_own_time_above_its_text_wins_over_the_teasers(beside: str) -> None:
    header = (
        f'<div class="meta">{beside} '
        '<time datetime="2024-02-12T14:30:00+08:00">12 Februari 2024</time></div>'
    )
    for body_class in ("entry-content", "isi-berita"):
        article = read(page(header, body_class))
        assert article.entry.published == datetime(2024, 2, 12, 6, 30, tzinfo=UTC), body_class


def test_a_line_above_the_headline_does_not_outweigh_a_time_below_the_story() -> None:
    """A bar above the headline may print today's date: the footer's <time> stands."""
    footer = (
        '<footer class="entry-footer"><time class="entry-date published" '
        'datetime="2024-02-12T14:30:00+08:00">12 Februari 2024</time></footer>'
    )
    html = page("", "entry-content", footer).replace(
        "<main>", '<div class="hari-ini">Kamis, 15 Februari 2024 08:00</div><main>'
    )
    article = read(html)
    assert article.entry.published == datetime(2024, 2, 12, 6, 30, tzinfo=UTC)


def test_a_time_below_the_story_on_its_own_lines_day_keeps_its_precision() -> None:
    """The line prints the day only, the footer's <time> the same day with its hour: the
    story's own, kept over the teasers' (other days) and over the bare line."""
    header = '<div class="info"><span class="tgl">Senin, 12 Februari 2024</span></div>'
    footer = (
        '<footer class="entry-footer"><time class="entry-date published" '
        'datetime="2024-02-12T14:30:00+08:00">12 Februari 2024</time></footer>'
    )
    article = read(page(header, "entry-content", footer))
    assert article.entry.published == datetime(2024, 2, 12, 6, 30, tzinfo=UTC)
