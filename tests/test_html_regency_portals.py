"""Each rule that lost stories of regency portals, alone (the whole portal runs in
tests/test_e2e_html.py::test_a_regency_portal_on_codeigniter_loses_no_story)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syndication.sources.html import Article, NotArticle, extract_titled_links, read_article

SITE = "https://kutaitimurkab.go.id"
STORY = (
    "<p>SANGATTA - Bupati Kutai Timur meninjau lokasi banjir di Kecamatan Sangatta Utara dan "
    "memastikan bantuan logistik tersalurkan kepada seluruh warga terdampak.</p>"
)


def _page(head: str, body: str) -> str:
    return f'<html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def test_a_title_naming_only_the_site_gives_way_to_the_headline_the_listing_showed() -> None:
    head = (
        "<title>Pemerintah Kabupaten Kutai Timur</title>"
        '<meta property="og:title" content="Pemerintah Kabupaten Kutai Timur">'
    )
    body = '<h1 class="judul">Bupati Kutim Tinjau Lokasi Banjir</h1>' + STORY * 4
    url = f"{SITE}/berita/detail/1201/bupati-kutim-tinjau-lokasi-banjir"
    read = read_article(_page(head, body), url, listed_as="Bupati Kutim Tinjau Lokasi Banjir")
    assert isinstance(read, Article) and read.entry.title == "Bupati Kutim Tinjau Lokasi Banjir"
    # a listing headline the h1 does not read changes nothing (it may be another story's)
    other = read_article(_page(head, body), url, listed_as="Pasar Murah Digelar di Sangatta Utara")
    assert isinstance(other, Article) and other.entry.title == "Pemerintah Kabupaten Kutai Timur"
    # og:site_name says the same without a listing
    named = head + '<meta property="og:site_name" content="Pemerintah Kabupaten Kutai Timur">'
    alone = read_article(_page(named, body), url)
    assert isinstance(alone, Article) and alone.entry.title == "Bupati Kutim Tinjau Lokasi Banjir"


def test_the_listing_headline_cuts_the_site_affix_where_no_h1_shows_the_headline() -> None:
    head = "<title>Kukar Raih WTP ke-10 Kali | Pemerintah Kabupaten Kutai Kartanegara</title>"
    body = '<h3 class="judul">Kukar Raih WTP ke-10 Kali</h3>' + STORY * 5
    url = "https://kukarkab.go.id/berita/5318/Kukar-Raih-WTP-ke-10-Kali"
    read = read_article(
        _page(head, body), url, source_id="t-affix", listed_as="Kukar Raih WTP ke-10 Kali"
    )
    assert isinstance(read, Article) and read.entry.title == "Kukar Raih WTP ke-10 Kali"


def test_a_short_release_at_a_post_url_beside_a_column_of_links_is_an_article() -> None:
    column = "".join(
        f'<li><a href="/berita/{n}/berita-lain-nomor-{n}">Berita Lain Nomor {n} di Kutim</a></li>'
        for n in range(5300, 5304)
    )
    short = "<p>" + "Kukar meraih opini WTP kesepuluh kalinya dari BPK. " * 3 + "</p>"
    body = f'<div class="col-md-8"><h1>Kukar Raih WTP ke-10 Kali</h1>{short * 3}</div>'
    body += f'<div class="col-md-4"><h4>Berita Terbaru</h4><ul>{column}</ul></div>'
    page = _page("<title>Kukar Raih WTP ke-10 Kali</title>", body)
    assert 400 <= len(short) * 3 < 800
    read = read_article(page, "https://kukarkab.go.id/berita/5318/Kukar-Raih-WTP-ke-10-Kali")
    assert isinstance(read, Article), read
    # not at a post's URL, the same page is still a listing
    listing = read_article(page, "https://kukarkab.go.id/berita")
    assert isinstance(listing, NotArticle)


def test_a_headline_that_is_its_whole_slug_is_listed_on_a_dated_or_numbered_path() -> None:
    links = "".join(
        f'<li><a href="{href}">{text}</a></li>'
        for href, text in (
            ("/2024/02/12/banjir-sangatta-surut", "Banjir Sangatta Surut"),
            ("/berita/5317/Festival-Erau-2024", "Festival Erau 2024"),
            ("/kabar-kutai-timur", "Kabar Kutai Timur"),  # a menu: no date, no number
            ("/2024/02/11/dprd-kutim-sahkan-tiga-perda-baru", "DPRD Kutim Sahkan Tiga Perda Baru"),
        )
    )
    found = extract_titled_links(_page("", f"<ul>{links}</ul>"), f"{SITE}/kutim")
    assert list(found) == [
        f"{SITE}/2024/02/12/banjir-sangatta-surut",
        f"{SITE}/berita/5317/Festival-Erau-2024",
        f"{SITE}/2024/02/11/dprd-kutim-sahkan-tiga-perda-baru",
    ]


# -- what a second hostile review found in the rules above (2026-12-07) --------------------


def test_a_storys_own_time_in_its_permalink_or_by_its_category_still_dates_it() -> None:
    story = "".join(
        f"<p>Paragraf {n} tentang rapat koordinasi pembangunan jalan desa.</p>" for n in range(8)
    )
    url = f"{SITE}/berita/bupati-kutim-pimpin-rakor-pembangunan-jalan-desa"
    for meta in (
        f'<a href="{url}"><time datetime="2024-11-18T09:00:00+08:00">18 November 2024</time></a>',
        '<a href="/kategori/pemerintahan-kabupaten-kutai-timur">Pemerintahan Kabupaten Kutai '
        'Timur</a> <time datetime="2024-11-18T09:00:00+08:00">18 November 2024</time>',
    ):
        page = _page(
            "<title>Bupati Kutim Pimpin Rakor Pembangunan Jalan Desa</title>",
            "<main><article><header><h1>Bupati Kutim Pimpin Rakor Pembangunan Jalan Desa</h1>"
            f'<div class="meta">{meta}</div></header><div class="content">{story}</div></article>'
            '<div class="tanggapan"><div class="item"><b>Andi</b> '
            '<time datetime="2025-03-02T10:00:00+08:00">2 Maret 2025</time>'
            "<p>Semoga cepat selesai.</p></div></div></main>",
        )
        read = read_article(page, url)
        assert isinstance(read, Article)
        assert read.entry.published == datetime(2024, 11, 18, 1, 0, tzinfo=UTC), meta


def test_standing_pages_and_category_pages_stay_out() -> None:
    """Links a sidebar shows to a site's standing pages (a number or a year in the path, a
    whole slug for a title) are no stories; a category page whose teasers share one block is
    a listing, whatever its URL looks like."""
    side = "".join(
        f'<li><a href="{href}">{text}</a></li>'
        for href, text in (
            ("/halaman/101/visi-misi", "Visi Misi"),
            ("/ppid/2024/laporan-keuangan", "Laporan Keuangan"),
            ("/galeri/2024/05/foto-kegiatan", "Foto Kegiatan"),
        )
    )
    assert extract_titled_links(_page("", f"<ul>{side}</ul>"), f"{SITE}/berita") == {}
    teasers = "".join(
        f'<h3><a href="/berita/detail/{n}/jalan-desa-nomor-{n}">Pembangunan Jalan Desa Nomor '
        f"{n} Dimulai</a></h3><p>Pemkab Kutim memulai pembangunan jalan desa di kecamatan "
        f"terpencil nomor {n} bersama warga setempat.</p>"
        for n in range(5)
    )
    page = _page("<title>Tag: Pembangunan Jalan Desa</title>", f"<div>{teasers}</div>")
    found = read_article(page, f"{SITE}/berita/kategori/pemerintahan-daerah")
    assert isinstance(found, NotArticle), found


def test_a_page_without_h1_whose_titles_name_the_site_takes_the_listings_headline() -> None:
    head = (
        "<title>Pemerintah Kabupaten Kutai Timur</title>"
        '<meta property="og:title" content="Pemerintah Kabupaten Kutai Timur">'
        '<meta property="og:site_name" content="Pemerintah Kabupaten Kutai Timur">'
    )
    body = '<h2 class="judul">Bupati Kutim Resmikan Jembatan Sangatta Utara</h2>' + STORY * 4
    url = f"{SITE}/berita/detail/1210/bupati-kutim-resmikan-jembatan-sangatta-utara"
    read = read_article(
        _page(head, body), url, listed_as="Bupati Kutim Resmikan Jembatan Sangatta Utara"
    )
    assert isinstance(read, Article)
    assert read.entry.title == "Bupati Kutim Resmikan Jembatan Sangatta Utara"
    alone = read_article(_page(head, body), url)  # no listing: the site's name, not no story
    assert isinstance(alone, Article) and alone.entry.title == "Pemerintah Kabupaten Kutai Timur"


def test_a_base_on_the_sites_other_scheme_or_host_keeps_the_pages() -> None:
    """A template's base_url on http:// or without www would re-key every story."""
    links = (
        '<li><a href="berita/detail/500/pemkab-kutim-gelar-rapat-koordinasi">'
        "Pemkab Kutim Gelar Rapat Koordinasi</a></li>"
    )
    page = _page('<base href="http://kutaitimurkab.go.id/portal/">', f"<ul>{links}</ul>")
    found = extract_titled_links(page, "https://www.kutaitimurkab.go.id/berita/")
    assert list(found) == [
        "https://www.kutaitimurkab.go.id/portal/berita/detail/500/pemkab-kutim-gelar-rapat-koordinasi"
    ]


def test_a_video_page_is_no_story_but_a_photo_story_is() -> None:
    """20detik's and detikTV's pages (og:type video.other, a VideoObject) carry a clip and its
    one-line blurb: read as an article, the blurb became a story."""
    body = "<h1>Video: Banjir Rendam Samarinda, Warga Mengungsi</h1>" + STORY * 4
    ld = '<script type="application/ld+json">{"@type": "VideoObject", "name": "Banjir"}</script>'
    video = _page('<meta property="og:type" content="video.other">' + ld, body)
    url = "https://20.detik.com/detikupdate/20240212-240212034/video-banjir-rendam-samarinda"
    found = read_article(video, url)
    assert isinstance(found, NotArticle) and "video page" in found.reason
    news = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Banjir"}</script>'
    )
    photo = _page('<meta property="og:type" content="video.other">' + news, body)
    assert isinstance(read_article(photo, url), Article)  # it says it is an article too


# -- and what a third review found in the mends (2026-12-07) -------------------------------


def test_slug_headlines_on_month_paths_and_other_numbered_folders_are_listed() -> None:
    links = "".join(
        f'<li><a href="{href}">Banjir Sangatta Surut</a></li>'
        for href in (
            "/2024/05/banjir-sangatta-surut/",
            "/berita/5317/banjir-sangatta-surut",
            "/p/5318/banjir-sangatta-surut",  # Blogger's standing pages
            "/statis/101/banjir-sangatta-surut",  # a standing page with a number
            "/indeks/2024/05/banjir-sangatta-surut",
        )
    )
    found = extract_titled_links(_page("", f"<ul>{links}</ul>"), f"{SITE}/kutim")
    assert list(found) == [
        f"{SITE}/2024/05/banjir-sangatta-surut/",
        f"{SITE}/berita/5317/banjir-sangatta-surut",
    ]


def test_a_base_on_another_subdomain_is_followed_as_a_browser_does() -> None:
    link = (
        '<li><a href="berita/detail/500/pemkab-kutim-gelar-rapat-koordinasi">'
        "Pemkab Kutim Gelar Rapat Koordinasi</a></li>"
    )
    page = _page('<base href="https://diskominfo.kutaitimurkab.go.id:8443/">', f"<ul>{link}</ul>")
    found = extract_titled_links(page, f"{SITE}/berita/")
    assert list(found) == [
        "https://diskominfo.kutaitimurkab.go.id:8443/berita/detail/500/pemkab-kutim-gelar-rapat-koordinasi"
    ]


def test_a_long_story_on_a_video_typed_page_is_still_a_story() -> None:
    body = (
        '<div itemscope itemtype="https://schema.org/NewsArticle">'
        "<h1>Bupati Kutim Tinjau Lokasi Banjir</h1>" + STORY * 8 + "</div>"
    )
    page = _page('<meta property="og:type" content="video.other">', body)
    url = f"{SITE}/berita/detail/1201/bupati-kutim-tinjau-lokasi-banjir"
    assert isinstance(read_article(page, url), Article)
    plain = _page('<meta property="og:type" content="video.other">', body.replace("itemscope", ""))
    assert isinstance(read_article(plain, url), Article)  # 8 paragraphs: a story all the same


@pytest.mark.parametrize("wrap", ["{}", "<strong>{}</strong>"])
def test_a_short_release_with_its_own_baca_juga_links_is_still_an_article(wrap: str) -> None:
    own = "".join(
        "<p>Baca juga: "
        + wrap.format(
            f'<a href="/berita/detail/{n}/berita-terkait-{n}">Berita Terkait Nomor {n} dari '
            "Kutai Timur</a>"
        )
        + "</p>"
        for n in (1190, 1185)
    )
    side = "".join(
        f'<li><a href="/berita/detail/11{n}0/terbaru-{n}">Berita Terbaru Nomor {n} Hari Ini'
        "</a></li>"
        for n in range(20)
    )
    release = "<p>" + "Bupati Kutai Timur meninjau lokasi banjir bersama camat. " * 8 + "</p>"
    page = _page(
        "<title>Bupati Kutim Tinjau Lokasi Banjir</title>",
        f'<h1>Bupati Kutim Tinjau Lokasi Banjir</h1><div class="isi">{release}{own}</div>'
        f'<div class="kolom"><ul>{side}</ul></div>',
    )
    read = read_article(page, f"{SITE}/berita/detail/1201/bupati-kutim-tinjau-lokasi-banjir")
    assert isinstance(read, Article), read


def test_a_base_on_the_pages_own_host_written_otherwise_keeps_the_pages() -> None:
    link = (
        '<li><a href="berita/detail/500/pemkab-kutim-gelar-rapat-koordinasi">'
        "Pemkab Kutim Gelar Rapat Koordinasi</a></li>"
    )
    page = _page('<base href="https://KUTAITIMURKAB.go.id./">', f"<ul>{link}</ul>")
    found = extract_titled_links(page, f"{SITE}/berita/")
    assert list(found) == [f"{SITE}/berita/detail/500/pemkab-kutim-gelar-rapat-koordinasi"]
