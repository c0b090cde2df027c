"""Acceptance, black-box: `kind = "html"` sources in WordPress shapes other than the fixtures
(a block theme, a classic `<article class="post">` loop with `?p=` permalinks and pagination)
-> `run --once` -> feeds, and a later new article -> one Telegram message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.acceptance_kit import check_all_feeds, config_text, json_items, once, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal

BODY = (
    "<p>TENGGARONG – Pemerintah Kabupaten Kutai Kartanegara (Pemkab Kukar) {what}.</p>"
    "<p><strong>Baca Juga :</strong> <a href='/x/'>Bupati Kutim Tinjau Sangatta</a></p>"
    "<p>Kegiatan dihadiri para camat se-Kukar. (adv/diskominfo/kukar)</p>"
)


def block_theme_listing(posts: list[tuple[str, str]]) -> str:
    """Twenty Twenty-Four: a query loop of li.wp-block-post with h2.wp-block-post-title a."""
    lis = "".join(
        f'<li class="wp-block-post post-{i} post type-post status-publish">'
        f'<h2 class="wp-block-post-title"><a href="{href}" target="_self">{title}</a></h2>'
        f'<div class="wp-block-post-date"><time datetime="2024-11-22T08:05:00+08:00">'
        f"22 November 2024</time></div></li>"
        for i, (href, title) in enumerate(posts)
    )
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Kabar Etam</title>'
        '<link rel="https://api.w.org/" href="/wp-json/"></head><body class="home blog">'
        '<div class="wp-site-blocks"><header class="wp-block-template-part">'
        '<nav><a href="/">Beranda</a><a href="/category/pemerintah/">Pemerintah</a></nav>'
        '</header><main class="wp-block-group"><ul class="wp-block-post-template">'
        f"{lis}</ul>"
        '<nav class="wp-block-query-pagination"><a class="wp-block-query-pagination-next" '
        'href="/page/2/">Berikutnya</a></nav></main></div></body></html>'
    )


def classic_listing(posts: list[tuple[str, str]]) -> str:
    """Astra / Kadence-like: article.post with h2.entry-title a, ?p= permalinks, page links."""
    arts = "".join(
        f'<article id="post-{i}" class="post-{i} post type-post ast-article-post">'
        f'<div class="post-thumb"><a href="{href}"><img src="/wp-content/uploads/{i}.jpg" '
        f'alt=""></a></div><header class="entry-header"><h2 class="entry-title">'
        f'<a href="{href}" rel="bookmark">{title}</a></h2></header>'
        f'<div class="entry-meta"><span class="posted-on">Jum\'at, 22 Nopember 2024 | 08:05 '
        f'WITA</span></div><div class="entry-summary"><p>Ringkasan.</p></div></article>'
        for i, (href, title) in enumerate(posts)
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Warta Kukar</title></head>'
        '<body class="blog ast-separate-container"><div id="page" class="site">'
        '<aside class="widget"><h2 class="widget-title">Populer</h2><ul><li>'
        '<a href="/?p=9">Berita Lama Populer</a></li></ul></aside>'
        f'<main id="main" class="site-main">{arts}'
        '<nav class="navigation pagination"><div class="nav-links">'
        '<span class="page-numbers current">1</span><a class="page-numbers" href="/page/2/">2'
        '</a><a class="next page-numbers" href="/page/2/">Next</a></div></nav></main>'
        "</div></body></html>"
    )


def article(title: str, what: str, image: str) -> str:
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f'<meta property="og:title" content="{title}"><meta property="og:image" content="{image}">'
        '<meta property="article:published_time" content="2024-11-22T00:05:00+00:00">'
        f"<title>{title} – Portal</title></head><body class='single single-post'>"
        '<nav class="breadcrumb"><a href="/">Home</a> / <a href="/category/advertorial/">'
        'Advertorial</a> / <a href="/category/pemerintah/">Pemerintah</a></nav>'
        f'<article class="post type-post"><h1 class="entry-title">{title}</h1>'
        '<div class="entry-meta"><time class="entry-date published" '
        'datetime="2024-11-22T08:05:00+08:00">22 Nopember 2024</time></div>'
        f'<div class="entry-content">{BODY.format(what=what)}</div></article>'
        '<section class="related"><h3>Berita Terkait</h3><ul><li><a href="/?p=1">'
        "Pemkot Samarinda Gelar Festival</a></li></ul></section></body></html>"
    )


def test_html_sources_in_two_wordpress_shapes(portal: Portal, tmp_path: Path) -> None:
    b = portal.url
    block = [
        (f"{b}/2024/11/22/pemkab-kukar-gelar-pasar-murah/", "Pemkab Kukar Gelar Pasar Murah"),
        (f"{b}/2024/11/21/bupati-kukar-lantik-pejabat/", "Bupati Kukar Lantik Pejabat"),
    ]
    classic = [(f"{b}/?p=123", "Pemkab Kukar Bagikan Bibit Padi"),
               (f"{b}/?p=124", "Wabup Kukar Buka Turnamen Voli")]  # fmt: skip
    portal.set("/", block_theme_listing(block), content_type="text/html; charset=utf-8")
    portal.set("/warta/", classic_listing(classic), content_type="text/html; charset=utf-8")
    for href, title in block + classic:
        portal.set(href.removeprefix(b), article(title, "menggelar kegiatan", f"{b}/i.jpg"),
                   content_type="text/html; charset=utf-8")  # fmt: skip
    sources = source("blok", f"{b}/", kind="html") + source("klasik", f"{b}/warta/", kind="html")
    config = write(tmp_path, config_text(sources))
    once(config)
    out = tmp_path / "out"
    check_all_feeds(out)
    items = {str(i["title"]): i for i in json_items(out, "all.json")}
    assert set(items) == {t for _, t in block + classic}, list(items)
    assert items["Pemkab Kukar Bagikan Bibit Padi"]["url"] == f"{b}/?p=123"
    kukar = {str(i["title"]) for i in
             json_items(out, "regency/kukar/advertorial.json")}  # fmt: skip
    assert kukar == set(items)
    assert not json_items(out, "regency/kutim.json")  # the Baca Juga insert is not evidence
    assert not any("Populer" in t or "Festival" in t for t in items)
    assert not [h for h in portal.hits if h.path in ("/page/2/", "/?p=9", "/?p=1")]
    # the machine date wins over the printed one: 2024-11-22T00:05Z
    assert items["Bupati Kukar Lantik Pejabat"]["date_published"].startswith("2024-11-22T00:05")


def test_html_article_with_only_a_printed_wita_date(portal: Portal, tmp_path: Path) -> None:
    b = portal.url
    page = article("Pemkab Kukar Buka Bazar Ramadan", "membuka bazar", f"{b}/z.jpg")
    page = page.replace(
        '<meta property="article:published_time" content="2024-11-22T00:05:00+00:00">', ""
    ).replace(
        '<time class="entry-date published" datetime="2024-11-22T08:05:00+08:00">'
        "22 Nopember 2024</time>",
        '<span class="posted-on">Jum\'at, 22 Nopember 2024 | 08:05 WITA</span>',
    )
    assert "published_time" not in page and "Nopember 2024 | 08:05" in page
    portal.set("/?p=300", page, content_type="text/html")
    listing = classic_listing([(f"{b}/?p=300", "Pemkab Kukar Buka Bazar Ramadan")])
    portal.set("/warta/", listing, content_type="text/html")
    config = write(tmp_path, config_text(source("klasik", f"{b}/warta/", kind="html")))
    once(config)
    (item,) = json_items(tmp_path / "out", "all.json")
    assert item["date_published"].startswith("2024-11-22T00:05")


def test_html_source_new_article_is_announced_once(portal: Portal, tmp_path: Path) -> None:
    b = portal.url
    first = [(f"{b}/?p=200", "Pemkab Kukar Rapat Persiapan Erau")]
    portal.set("/warta/", classic_listing(first), content_type="text/html")
    portal.set("/?p=200", article(first[0][1], "rapat", f"{b}/a.jpg"), content_type="text/html")
    with FakeTelegram(per_minute=None, min_interval=None) as fake:
        config = write(tmp_path, config_text(source("klasik", f"{b}/warta/", kind="html"),
                                             chats={"kukar": "@warta_kukar"}, api_url=fake.url,
                                             max_age="1h"))  # fmt: skip
        once(config, fake.token)
        assert fake.messages == []
        new = (f"{b}/?p=201", "Pemkab Kukar Umumkan Jadwal Erau")
        portal.set("/warta/", classic_listing([new, *first]), content_type="text/html")
        # the page prints an old date: novelty is by identity, so only max_age could stop it,
        # and its machine date is two years old: not pushed
        portal.set("/?p=201", article(new[1], "mengumumkan", f"{b}/b.jpg"),
                   content_type="text/html")  # fmt: skip
        once(config, fake.token)
        assert fake.messages == []
        fresh = (f"{b}/?p=202", "Pemkab Kukar Buka Lomba Perahu")
        recent = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        page = (
            article(fresh[1], "membuka lomba", f"{b}/c.jpg")
            .replace("2024-11-22T00:05:00+00:00", recent.isoformat())
            .replace("2024-11-22T08:05:00+08:00", recent.isoformat())
        )
        portal.set("/?p=202", page, content_type="text/html")
        portal.set("/warta/", classic_listing([fresh, new, *first]), content_type="text/html")
        once(config, fake.token)
        once(config, fake.token)
        sent = fake.messages
        assert len(sent) == 1 and fresh[1] in sent[0].text, [m.text for m in sent]
        assert f'href="{b}/?p=202"' in sent[0].html.replace("&amp;", "&")
