"""A page's <base href> is what its relative links resolve against, as in a browser.

CodeIgniter portals (many regencies' own sites) write `<base href="https://site/">` and every
link relative to it: read against the listing's own URL, each story's link pointed one folder
too deep (/berita/berita/detail/...), a 404 each, and the source kept no story at all."""

from __future__ import annotations

from syndication.sources.html import (
    Article,
    extract_titled_links,
    find_feed_links,
    read_article,
)

SITE = "https://kutaitimurkab.go.id"


def _listing(base: str) -> str:
    cards = "".join(
        f'<div class="col-md-4"><div class="card"><img src="assets/img/{n}.jpg">'
        f'<h5 class="card-title"><a href="berita/detail/{n}/{slug}">{title}</a></h5>'
        f'<p class="card-text">Senin, 12 Februari 2024</p></div></div>'
        for n, slug, title in (
            (1201, "bupati-kutim-tinjau-lokasi-banjir", "Bupati Kutim Tinjau Lokasi Banjir"),
            (1200, "pemkab-kutim-salurkan-bantuan-korban", "Pemkab Kutim Salurkan Bantuan Korban"),
        )
    )
    return (
        f'<html><head><base href="{base}"><title>Berita</title>'
        '<link rel="alternate" type="application/rss+xml" href="feed/rss"></head>'
        f'<body><div class="row">{cards}</div></body></html>'
    )


def test_a_listing_resolves_its_links_against_its_base() -> None:
    for page in (f"{SITE}/berita", f"{SITE}/berita/", f"{SITE}/berita/index/2"):
        links = extract_titled_links(_listing(f"{SITE}/"), page)
        assert list(links) == [
            f"{SITE}/berita/detail/1201/bupati-kutim-tinjau-lokasi-banjir",
            f"{SITE}/berita/detail/1200/pemkab-kutim-salurkan-bantuan-korban",
        ], page
    # a relative base resolves against the page first
    links = extract_titled_links(_listing("/"), f"{SITE}/berita/index/2")
    assert next(iter(links)) == f"{SITE}/berita/detail/1201/bupati-kutim-tinjau-lokasi-banjir"
    feeds = find_feed_links(_listing(f"{SITE}/"), f"{SITE}/berita/")
    assert [f.url for f in feeds.feeds] == [f"{SITE}/feed/rss"]


def test_a_base_on_another_site_or_not_http_is_not_followed() -> None:
    """A base on another site (a CDN, a template's left-over) would make every link another
    site's: the page's own URL stands, as it did before bases were read."""
    for base in ("https://cdn.example.net/", "javascript:void(0)", "http://[", ""):
        links = extract_titled_links(_listing(base), f"{SITE}/berita/")
        assert all(u.startswith(f"{SITE}/berita/berita/detail/") for u in links), base


ARTICLE = f"""<html><head><base href="{SITE}/"><title>Kukar Raih WTP</title>
<meta property="og:type" content="article"></head><body><article>
<h1>Banjir Sangatta Surut, Warga Kembali ke Rumah</h1>
<div class="entry-content"><p><img src="assets/foto/banjir.jpg"></p>
{"<p>Sangatta - Banjir yang merendam sejumlah kawasan di Sangatta Utara mulai surut. " * 4}</p>
<p>Warga mulai membersihkan rumah mereka. <a href="berita/detail/1190/banjir-kemarin">Baca</a>
kabar sebelumnya.</p></div></article></body></html>"""


def test_an_article_page_resolves_its_image_and_body_links_against_its_base() -> None:
    found = read_article(ARTICLE, f"{SITE}/berita/detail/1201/banjir-sangatta-surut")
    assert isinstance(found, Article), found
    entry = found.entry
    assert entry.link == f"{SITE}/berita/detail/1201/banjir-sangatta-surut"
    assert entry.image == f"{SITE}/assets/foto/banjir.jpg"
    assert entry.base_url == f"{SITE}/"


def test_a_canonical_link_urljoin_refuses_leaves_the_pages_url() -> None:
    """`<link rel=canonical href="http://[">` raised ValueError out of read_article, and the
    listing's whole poll failed with it (older than <base href>; found by a hostile read)."""
    url = f"{SITE}/berita/detail/1201/banjir-sangatta-surut"
    for head in (
        '<link rel="canonical" href="http://[">',
        '<meta property="og:url" content="http://[">',
    ):
        found = read_article(ARTICLE.replace("<title>", head + "<title>"), url)
        assert isinstance(found, Article) and found.entry.link == url
