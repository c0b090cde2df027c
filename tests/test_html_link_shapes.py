"""Story links of portals that are not WordPress: ids in the query, an id before the slug, a
short slug in a story folder. Menus and category pages beside them stay out."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from syndication.sources.html_links import default_links, has_post_shape

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
