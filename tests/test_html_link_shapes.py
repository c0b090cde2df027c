"""Story links of portals that are not WordPress: ids in the query, an id before the slug, a
short slug in a story folder. Menus and category pages beside them stay out."""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from syndication.sources.html_links import default_links, default_titled_links, has_post_shape

PAGE = "https://diskominfo.example.go.id/index.php?page=berita"
STORIES = {
    "/berita.php?id=201": "Bupati Resmikan Jembatan Penghubung Dua Desa",
    "/index.php?page=berita&id=77": "Pemkab Salurkan Bantuan Bibit kepada Petani",
    "/berita/banjir-sangatta": "Banjir Sangatta Mulai Surut Warga Kembali",
    "/berita/201-jembatan.html": "Jembatan Baru Dibuka untuk Umum Pekan Ini",
    "/detail.php?news_id=9": "Rapat Paripurna DPRD Bahas Anggaran Tahun Depan",
}
MENU = {
    "/index.php?page=2": "Halaman Berikutnya Daftar Berita Lama Sekali",
    "/kategori/berita-daerah": "Berita Daerah",
    "/berita/kukar": "Kukar",
    "/profil.php": "Profil Dinas Komunikasi dan Informatika Kabupaten",
    "/?cat_id=5": "Semua Berita Pemerintahan Kabupaten Kutai Kartanegara",
    "/index.php?tag_id=7": "Semua Berita dengan Tag Infrastruktur Daerah",
    "/kategori.php?id=3": "Daftar Berita Kategori Pemerintahan Daerah Ini",
}


def _listing() -> str:
    links = "".join(
        f'<li><a href="{href}">{text}</a></li>' for href, text in {**MENU, **STORIES}.items()
    )
    return f"<html><body><ul class='daftar'>{links}</ul></body></html>"


def test_a_listing_of_a_non_wordpress_portal_gives_every_story() -> None:
    found = default_links(LexborHTMLParser(_listing()), PAGE)
    base = "https://diskominfo.example.go.id"
    assert sorted(found) == sorted(base + href for href in STORIES)


def test_shapes() -> None:
    base = "https://portal.example.id"
    assert all(has_post_shape(base + href) for href in STORIES)
    assert not any(has_post_shape(base + href) for href in ("/berita/kukar", "/profil.php"))
    assert not has_post_shape(base + "/index.php?page=2")
    # a category, a tag, an author or a static page named by number is no story
    for href in ("/?cat_id=5", "/?tag_id=5", "/?author_id=2", "/?page_id=9", "/kategori.php?id=3"):
        assert not has_post_shape(base + href), href


def test_joomla_article_links_have_a_post_shape() -> None:
    """Review of 2026-12-06: a Joomla site's non-SEF article link names its story as
    id=<number>:<alias>, which was no number, so government sites lost their stories."""
    base = "https://kukarkab.example.go.id/index.php?option=com_content"
    assert has_post_shape(base + "&view=article&id=1234:pemkab-kukar-raih-opini-wtp&catid=8")
    assert has_post_shape(base + "&view=article&id=1234")
    assert not has_post_shape(base + "&view=category&id=8")
    assert not has_post_shape(base + "&view=article&id=12:34:56")


CARDS = """<html><body><nav><a href="/berita/1299-menu-pilihan">Selengkapnya</a></nav>
<main><div class="row">
 <div class="card"><a href="/berita/1201-bupati-resmikan-jalan"><img src="a.jpg"></a>
  <div class="card-body"><h5>Bupati Kukar Resmikan Jalan Desa</h5><p>Ringkasan.</p>
  <a class="btn" href="/berita/1201-bupati-resmikan-jalan">Baca Selengkapnya &raquo;</a></div>
 </div>
 <div class="card"><div class="card-body"><h5 class="judul">Pemkab Gelar Rapat Koordinasi</h5>
  <p>Ringkasan.</p><a class="btn" href="/berita/detail/1202">Selengkapnya</a></div></div>
 <div class="card"><a href="/berita/1203-pasar-rakyat-dibuka"><img src="c.jpg"></a>
  <h5>Pasar Rakyat Dibuka Kembali</h5></div>
</div>
<div class="daftar"><h3>Jalan Poros Sangatta Diperbaiki</h3><p>x</p>
 <a href="/post/2024/10/jalan-poros">Read more</a>
 <h3>Sekolah Baru di Sepaku Diresmikan</h3><p>y</p>
 <a href="/post/2024/10/sekolah-baru">Read more</a></div>
<a href="/kategori/berita">Selengkapnya</a>
<a href="/berita">Berita lainnya</a>
<div class="banner"><a href="/tentang-kami"><img src="logo.png"></a></div>
</main></body></html>"""


def test_a_card_listing_with_unlinked_headlines_gives_every_story() -> None:
    """Review of 2026-12-06 (left then): a listing whose cards print the headline as plain
    text and link the story only from a "Selengkapnya" button gave nothing. Each button's
    link is taken, titled with the card's own headline; menus, category links, a logo and a
    card linked by its picture alone (a banner looks the same) stay out."""
    found = _titled_links(CARDS, "https://pemkab.example.go.id/berita")
    base = "https://pemkab.example.go.id"
    assert found == {
        base + "/berita/1201-bupati-resmikan-jalan": "Bupati Kukar Resmikan Jalan Desa",
        base + "/berita/detail/1202": "Pemkab Gelar Rapat Koordinasi",
        base + "/post/2024/10/jalan-poros": "Jalan Poros Sangatta Diperbaiki",
        base + "/post/2024/10/sekolah-baru": "Sekolah Baru di Sepaku Diresmikan",
    }


def test_a_headline_link_names_its_story_before_any_card() -> None:
    """A card's title never overrides the text of the story's own headline link, however
    long the box's heading is (review: every title became the section's heading)."""
    page = (
        "<html><body><div><h2>Berita Pemerintahan Kabupaten Kutai Kartanegara Terbaru</h2>"
        '<p><a href="/berita/1300-judul-berita-ini">Judul Berita Ini Cukup Panjang</a></p>'
        '<a href="/berita/1300-judul-berita-ini">Selengkapnya</a>'
        '<a href="/berita/1301-gambar-lain"><img src="b.jpg"></a></div></body></html>'
    )
    found = _titled_links(page, "https://p.example/")
    assert found == {
        "https://p.example/berita/1300-judul-berita-ini": "Judul Berita Ini Cukup Panjang"
    }


def test_what_a_read_more_link_opens_that_is_no_story() -> None:
    """Review of the change: a next page, a section, a download and an agenda item, each
    behind a button under a headline-like heading, and a date line taken for a title."""
    page = (
        "<html><body><main>"
        '<div class="flat"><h3>Bupati Tinjau Jalan Poros Sangatta</h3><p>x</p>'
        '<a href="/berita/detail/9101">Selengkapnya</a></div>'
        '<div><a href="/berita/130">Selanjutnya</a></div>'
        "<section><h2>Berita Terkini Kabupaten Kutai Timur</h2>"
        '<a href="/berita/kutai-timur">Selengkapnya</a></section>'
        "<div><h4>Formulir Permohonan Informasi Publik Tahun 2024</h4>"
        '<a href="/download/detail/5000">Detail</a></div>'
        '<div><h4>Rapat Koordinasi Camat Se Kabupaten</h4><a href="/agenda/5100">Detail</a></div>'
        '<div class="card"><h5>Pemkab Gelar Pasar Murah Ramadan</h5>'
        '<h6>Senin, 14 Oktober 2024</h6><a href="/berita/detail/9102">Baca Selengkapnya</a></div>'
        "</main></body></html>"
    )
    assert _titled_links(page, "https://pemkab.example.go.id/") == {
        "https://pemkab.example.go.id/berita/detail/9101": "Bupati Tinjau Jalan Poros Sangatta",
        "https://pemkab.example.go.id/berita/detail/9102": "Pemkab Gelar Pasar Murah Ramadan",
    }


def test_a_short_article_with_a_box_of_cards_is_still_an_article() -> None:
    """Review of the change: a short go.id story with a "Berita Lainnya" box of four cards
    was taken for a listing (its card links counted as headlines) and lost."""
    from syndication.sources.html import extract_article
    from syndication.types import RawEntry

    cards = "".join(
        f'<div class="card"><a href="/berita/detail/{n}"><img src="/i/{n}.jpg"></a>'
        f"<h5>Berita Lain Nomor {n} Dari Pemkab</h5>"
        f'<a href="/berita/detail/{n}">Selengkapnya</a></div>'
        for n in range(101, 105)
    )
    page = (
        "<html><head><title>Bupati Resmikan Jembatan Desa - Pemkab</title></head><body>"
        '<div class="col-md-8"><h1>Bupati Resmikan Jembatan Desa</h1>'
        '<span class="tanggal">Senin, 14 Oktober 2024</span><div class="isi">'
        "<p>TENGGARONG – Bupati Kukar meresmikan jembatan desa di Loa Kulu, Senin.</p>"
        "<p>Jembatan itu ditargetkan selesai akhir tahun dan menghubungkan dua desa.</p>"
        '<p>"Kami ingin warga segera bisa melintas," ujarnya. (adv/diskominfo kukar)</p></div>'
        f"<h4>Berita Lainnya</h4><div class='row'>{cards}</div></div></body></html>"
    )
    got = extract_article(page, "https://kukarkab.example.go.id/berita/detail/99")
    assert isinstance(got, RawEntry), got


def test_a_read_more_link_without_a_headline_of_its_own_is_not_taken() -> None:
    """Under a section's title ("MH17 TRAGEDY", a horoscope's "Leo" above "More"), a "read
    more" link says nothing of what it opens. A card with two headings of one level is
    titled with the first (a title, then its subtitle)."""
    several = (
        "<html><body><div><div><h3>Satu Dua Tiga Empat</h3><h3>Lima Enam Tujuh Delapan</h3>"
        '</div><div><span><a href="/berita/detail/4321">Detail</a></span></div></div>'
        "</body></html>"
    )
    section = (
        '<html><body><div><h2>Leo</h2><a href="/horoscopes/leo/overview-daily-20140724.html">'
        'More</a></div><div><h3>MH17 TRAGEDY</h3><a href="/2014/07/24/world/crash/index.html">'
        '<img src="x.jpg"></a></div></body></html>'
    )
    assert _titled_links(several, "https://p.example/") == {
        "https://p.example/berita/detail/4321": "Satu Dua Tiga Empat"
    }
    assert _titled_links(section, "https://p.example/") == {}


def _titled_links(html: str, page_url: str) -> dict[str, str]:
    return default_titled_links(LexborHTMLParser(html), page_url)


def test_a_card_with_a_short_headline_gets_its_own_title_or_none() -> None:
    """Review: a card headed "Banjir Sangatta Surut" (three words) was titled with the card
    before it, the first card with the section's heading; a card headed by two words
    gives nothing rather than its neighbour's title."""
    grid = "".join(
        f'<div class="col"><div class="card"><div class="card-body"><h5>{title}</h5>'
        f'<a href="/berita/detail/{n}">Selengkapnya</a></div></div></div>'
        for n, title in (
            (701, "Pemkab Kutim Gelar Rapat Anggaran"),
            (702, "Banjir Sangatta Surut"),
            (703, "Sekda Buka"),
        )
    )
    flat = (
        '<div class="flat"><h3>Pemkab Kutim Gelar Rapat Anggaran</h3>'
        '<a href="/berita/detail/801">Selengkapnya</a><h3>Sekda Buka</h3><p>x</p>'
        '<a href="/berita/detail/802">Selengkapnya</a><h3>Banjir Sangatta Surut</h3>'
        '<a href="/berita/detail/803">Selengkapnya</a></div>'
    )
    page = (
        f"<html><body><h2>Berita Terbaru Pemkab Kutai Timur</h2><div class='row'>{grid}</div>"
        f"{flat}</body></html>"
    )
    base = "https://kutimkab.example.go.id/berita/detail/"
    assert _titled_links(page, "https://kutimkab.example.go.id/") == {
        base + "701": "Pemkab Kutim Gelar Rapat Anggaran",
        base + "702": "Banjir Sangatta Surut",
        base + "801": "Pemkab Kutim Gelar Rapat Anggaran",
        base + "803": "Banjir Sangatta Surut",
    }


def test_a_heading_nested_in_headings_is_read_once_and_titles_are_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review: headings nested a hundred deep around a big text had that text read once per
    heading (an 8 MB page: 28 s), and a megabyte heading became a megabyte title."""
    from syndication.sources import html_links

    words = "Judul berita yang sangat panjang sekali " * 20_000
    page = (
        "<html><body><div>"
        + "<h3><span>" * 60
        + words
        + "</span></h3>" * 60
        + '<a href="/berita/detail/4040">Selengkapnya</a></div></body></html>'
    )
    read: list[int] = []
    real = html_links._title_line

    def counted(text: str) -> str:
        read.append(len(text))
        return real(text)

    monkeypatch.setattr(html_links, "_title_line", counted)
    found = _titled_links(page, "https://p.example/")
    assert len(read) == 1  # the outermost heading only
    (title,) = found.values()
    assert len(title) <= 300


CARDS_DATA = Path(__file__).parent / "data" / "html" / "cards"
BERITA = "https://berita.kutaitimurkab.go.id/berita/detail/"
JEMBATAN = "Bupati Kutim Resmikan Jembatan Sangatta Baru"
BANJIR = "Banjir Sangatta Surut"
STUNTING = "Pemkab Kutim Gelar Rapat Koordinasi Stunting"
THREE = {
    BERITA + "1234/bupati-kutim-resmikan-jembatan-sangatta-baru": JEMBATAN,
    BERITA + "1235/banjir-sangatta-surut-warga-kembali": BANJIR,
    BERITA + "1236/pemkab-kutim-gelar-rapat-koordinasi-stunting": STUNTING,
}
SIX = {
    BERITA + f"{n}/{slug}": title
    for n, slug, title in (
        (1234, "bupati-kutim-resmikan-jembatan-sangatta-baru", JEMBATAN),
        (1335, "banjir-sangatta-surut-warga-kembali", BANJIR),
        (1436, "pemkab-kutim-gelar-rapat-koordinasi-stunting", STUNTING),
        (1534, "bupati-kutim-resmikan-jembatan-sangatta-baru", JEMBATAN),
        (1635, "banjir-sangatta-surut-warga-kembali", BANJIR),
        (1736, "pemkab-kutim-gelar-rapat-koordinasi-stunting", STUNTING),
    )
}


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("02_author_h6", THREE),  # "Oleh Admin Diskominfo" under each title: not the title
        ("24_office_h6", SIX),  # "Dinas Kesehatan Kutim" under each title
        ("05_meta_links", THREE),  # category, author and date links in each card
        ("07_flat_datelink", THREE),  # a linked date between a flat list's title and button
        ("22_section_6cards", SIX),  # titles in div.card-title, a section's h2 above the grid
        ("27_strong_title_in_p", {}),  # titles in <strong>: the section's h4 is none of theirs
        ("40_static_boxes", {}),  # a home page's boxes: the site's own pages
    ],
)
def test_card_listings_of_the_reviews(page: str, expected: dict[str, str]) -> None:
    """Third review of the card rules: an author or office line under the title became every
    card's title, a card's meta links or a linked date hid its title, a section's heading
    titled cards that have none, and the site's own pages were taken for stories."""
    html = (CARDS_DATA / f"{page}.html").read_text(encoding="utf-8")
    assert _titled_links(html, "https://berita.kutaitimurkab.go.id/") == expected


STORY_TITLES = [
    "Bupati Kutim Resmikan Jembatan Sangatta Baru",
    "Pemkab Kutim Gelar Rapat Koordinasi Stunting",
    "Wabup Tinjau Banjir di Kecamatan Muara Wahau",
]


@pytest.mark.parametrize(
    ("page", "titles"),
    [
        ("r4_A3_overlay_and_footer", STORY_TITLES),  # a "Detail" on the picture, a footer button
        ("r4_A_two_buttons", STORY_TITLES),  # "Read more" and "Selengkapnya" side by side
        ("r4_Q_excerpt_more_plus_button", STORY_TITLES),
        ("r4_E_title_wrap", STORY_TITLES),  # div.title-wrap around the h4 and a meta line
        ("r4_F_kicker_subtitle", STORY_TITLES),  # span.subtitle above the h4
        ("r4_P_p_card_subtitle", STORY_TITLES),  # p.card-subtitle under h5.card-title
        ("r4_G_container_title_class", STORY_TITLES),  # the card's own div has "title" in its class
        ("r4_S_category_badge_title", STORY_TITLES),  # a.category-title badge above the h5
        ("r4_O_elementor_postname", STORY_TITLES),  # WordPress /%postname%/, three of them
        ("r4_B_category_in_folder", []),  # /berita/kategori/..., /berita/tag/..., /berita/arsip/...
        ("r4_C_nonstory_first_seg", []),  # galleries, agenda, documents, JDIH, Joomla listings
    ],
)
def test_card_listings_of_the_fourth_review(page: str, titles: list[str]) -> None:
    """Fourth review of the card rules: a card with two buttons to its story was lost, a
    subtitle or a wrapper with a title's class became the title, a category badge hid the
    card, WordPress's bare permalinks behind buttons were refused, and category, tag,
    archive, gallery and document folders were taken for stories."""
    html = (CARDS_DATA / f"{page}.html").read_text(encoding="utf-8")
    found = _titled_links(html, "https://berita.kutaitimurkab.go.id/")
    assert sorted(found.values()) == sorted(titles)


FOUR_TITLES = [*STORY_TITLES, "Kutim Raih Penghargaan Kabupaten Layak Anak"]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("r5_S1_static_toplevel_pages", []),  # a home page's boxes: /sejarah-..., /visi-...
        ("r5_S2_two_static_two_buttons", []),  # two pages, two buttons each: not three URLs
        ("r5_S8_blogger_p_pages", []),  # Blogger's /p/ pages
        ("r5_S9_profil_daerah_folder", []),  # /profil-daerah/<slug>
        ("r5_S4_classed_title_h6_meta", FOUR_TITLES),  # div.card-title over an h6 author line
        ("r5_S4b_classed_title_h6_category", FOUR_TITLES),  # ... over an h6 category
        (
            "r5_S10_bootstrap_subtitle",  # ... over h6.card-subtitle
            [
                "Sejarah Singkat Kabupaten Kutai Timur",
                "Visi dan Misi Bupati",
                "Potensi Unggulan Daerah Kutim",
            ],
        ),
        (
            "r5_S6_flat_with_section_button",  # a flat list, one card without a heading
            ["Bupati Kutim Resmikan Jembatan Sangatta Baru", STORY_TITLES[2]],
        ),
    ],
)
def test_card_listings_of_the_fifth_review(page: str, expected: list[str]) -> None:
    """Fifth review: the site's own pages taken for stories (top-level and Blogger pages, a
    profile folder, two pages with two buttons each), an h6 meta line taking a classed
    title's place, and a flat list lost whole for one card without a heading."""
    html = (CARDS_DATA / f"{page}.html").read_text(encoding="utf-8")
    found = _titled_links(html, "https://berita.kutaitimurkab.go.id/")
    assert sorted(found.values()) == sorted(expected)


def test_a_story_id_wins_over_a_word_of_the_sites_own_pages() -> None:
    """Fifth review: /berita/profil/12345-..., /berita/layanan/12345-..., /berita/event/12345-...
    and /berita-dan-agenda/12345/... are stories; a word of a profile or service page in a
    folder refuses only a URL with no id or date."""
    html = (CARDS_DATA / "r5_S5_word_in_later_segment.html").read_text(encoding="utf-8")
    found = _titled_links(html, "https://berita.kutaitimurkab.go.id/")
    paths = {u.removeprefix("https://berita.kutaitimurkab.go.id") for u in found}
    assert {
        "/berita/profil/12345-profil-desa-wisata",
        "/berita/layanan/12345-layanan-kesehatan-gratis",
        "/berita/event/12345-festival-magic-land",
        "/berita-dan-agenda/12345/rapat-koordinasi",
    } <= paths


def test_words_of_a_sites_own_pages_inside_a_storys_slug_are_no_matter() -> None:
    """Sixth review: "pelayanan", "infrastruktur", "tentang", "statistik", "bersejarah",
    "revisi" hold a word of a site's own pages; such slugs are stories, under /berita/ or
    as WordPress permalinks, while /sejarah-kabupaten-... and /profil-daerah/... are not."""
    slugs = [
        "/berita/pelayanan-kesehatan-gratis-di-sangatta",
        "/berita/sosialisasi-perda-tentang-retribusi-daerah",
        "/berita/bps-rilis-data-statistik-kemiskinan-kutim",
        "/berita/momen-bersejarah-hut-kutim-ke-25",
        "/berita/dprd-setujui-revisi-perda-pajak-daerah",
        "/berita/profil-atlet-kutim-peraih-emas",
        "/pembangunan-infrastruktur-jalan-desa-dimulai/",
        "/pelayanan-publik-kutim-makin-cepat/",
        "/bupati-tinjau-struktur-jembatan-baru/",
    ]
    cards = "".join(
        f"<div class='card'><h3>Judul Berita Nomor {n} Dari Kutim</h3>"
        f"<a href='{slug}'>Selengkapnya</a></div>"
        for n, slug in enumerate(slugs)
    )
    found = _titled_links(f"<html><body><div>{cards}</div></body></html>", "https://k.example/")
    assert {u.removeprefix("https://k.example") for u in found} == set(slugs)


@pytest.mark.parametrize(
    "classes",
    [
        "post-meta-title",
        "card-title-date",
        "entry-title subject",
        "title-submenu",
        "news-subject",
        "post-title updated",
        "card-title sub-title-news",
        "title category-news",
    ],
)
def test_a_titles_class_that_mentions_a_meta_word_keeps_it_the_title(classes: str) -> None:
    """Sixth review: "sub", "date" and "category" inside a title's class ("subject",
    "updated", "card-title-date") ranked it below the byline under it."""
    cards = "".join(
        f"<div class='card'><h5 class='{classes}'>Judul Berita Nomor {n} Dari Kutim</h5>"
        f"<h6>Oleh Admin Diskominfo Kutim</h6><a href='/berita/detail/{100 + n}'>Selengkapnya</a>"
        "</div>"
        for n in range(3)
    )
    found = _titled_links(f"<html><body><div>{cards}</div></body></html>", "https://k.example/")
    assert sorted(found.values()) == [f"Judul Berita Nomor {n} Dari Kutim" for n in range(3)]
