"""Hostile fifth review (7e3b5a7..58f9b4f): each test fails on a defect found."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from syndication import service, stopping
from syndication.sources.html import Article, Selectors, read_article

POST = "https://x.test/berita/2026/12/07/2006/pemkab-kukar-luncurkan-program-idaman"
_BODY = " ".join(
    ["Pemkab Kutai Kartanegara meluncurkan program desa di Tenggarong bersama para camat."] * 12
)


def _page(head: str = "", byline: str = "", before: str = "", after: str = "",
          body_class: str = "single single-post") -> str:  # fmt: skip
    title = "Pemkab Kukar Luncurkan Program Desa"
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{title} | Kabar Samarinda</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="Kabar Samarinda">
{head}</head><body class="{body_class}">{before}
<h1 class="entry-title">{title}</h1>{byline}
<div class="entry-content"><p>{_BODY}</p><p>{_BODY}</p></div>{after}</body></html>"""


def _author(text: str) -> str | None:
    read = read_article(text, POST, Selectors())
    assert isinstance(read, Article), read
    return read.entry.author


# --- 1. _in_heading_or_link: "crumb" anywhere up to <body> refuses every printed byline -------


@pytest.mark.parametrize(
    ("body_class", "before", "byline"),
    [
        ("single single-post has-breadcrumbs", "", '<div class="meta">Penulis: Rini Astuti</div>'),
        (
            "single single-post",
            '<div class="breadcrumb-bar"><div class="crumbs"><a href="/">Beranda</a></div>'
            '<div class="post-meta">Penulis: Rini Astuti</div></div>',
            "",
        ),
    ],
    ids=["body-class", "meta-beside-the-trail"],
)
def test_a_byline_outside_the_trail_is_read_where_a_class_says_crumb(
    body_class: str, before: str, byline: str
) -> None:
    """58f9b4f refuses a byline when *any* ancestor's id/class contains "crumb", walking up
    to <body> and <html>: a body class such as "has-breadcrumbs" (or a header bar holding the
    trail and the post meta side by side) now drops every printed byline of the site. Both
    f7b0126 and 7e3b5a7 read "Rini Astuti" here."""
    assert _author(_page(byline=byline, before=before, body_class=body_class)) == "Rini Astuti"


# --- 2. _person(printed=False): any mixed-case sentence of a theme element is a name -----------


def test_an_author_box_link_sentence_is_no_author() -> None:
    """A theme's author box links to the author's archive with rel=author and a sentence
    ("View all posts by Rini Astuti", Twenty Eleven/Twelve's author-info). 7e3b5a7 refused it
    (not capitalised); 58f9b4f lets any theme text of two or more words with a lower-case word
    through, so the sentence becomes the author ahead of <meta name=author>. A name typed in
    lower case is lower case throughout; a mixture is a sentence."""
    head = '<meta name="author" content="Rini Astuti">'
    after = (
        '<div class="author-info"><a rel="author" href="/author/rini/">'
        "View all posts by Rini Astuti</a></div>"
    )
    assert _author(_page(head=head, after=after)) == "Rini Astuti"


# --- 3. _comments_box: only tag-/category-/kategori- post classes are excused -----------------

_STORY = [
    "Warga Kecamatan Loa Kulu di Kutai Kartanegara ramai menanggapi kerusakan jalan poros desa"
    " yang tak kunjung diperbaiki sejak awal tahun ini.",
    "Kepala Dinas Pekerjaan Umum Kukar menyatakan perbaikan dijadwalkan bulan depan setelah"
    " anggaran perubahan disahkan oleh DPRD setempat.",
    "Camat Loa Kulu meminta warga bersabar dan melaporkan titik kerusakan baru melalui aplikasi"
    " pengaduan milik pemerintah kabupaten.",
]


def test_a_custom_taxonomy_class_naming_komentar_keeps_the_body() -> None:
    """WordPress's post_class() adds `{taxonomy}-{term}` for every custom taxonomy too
    (get_post_class), not only tag-/category-: a story filed under a `topik` term
    "komentar-publik" has `topik-komentar-publik` on its wrapper, which _comments_box still
    reads as a box of comments and removes with the story."""
    title = "Komentar Netizen Soal Jalan Rusak di Kukar"
    body = "".join(f"<p>{p}</p>" for p in _STORY)
    cls = "post-2006 post type-post hentry category-daerah topik-komentar-publik"
    text = f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{title} | Warta Loa</title><meta property="og:type" content="article">
<meta property="article:published_time" content="2026-12-07T08:00:00+08:00"></head>
<body class="single"><div class="banner-judul"><h1 class="judul">{title}</h1>
<div class="info">Penulis: Rini Astuti | 7 Desember 2026</div></div>
<div class="{cls}"><div class="isi">{body}</div></div>
<div id="disqus_thread"></div><footer>&copy; 2026 Warta Loa</footer></body></html>"""
    url = "https://x.test/berita/2026/12/07/2006/komentar-netizen-soal-jalan-rusak-di-kukar"
    read = read_article(text, url, Selectors())
    assert isinstance(read, Article), read
    assert "Camat Loa Kulu" in (read.entry.content_html or "")


# --- 4. opened_store: the note outlives the opening it was meant for ------------------------


def test_a_cancelled_store_opening_leaves_no_stop_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cancelled store opening noted a process-wide stop (stopping.note()) that nothing took
    back once the opening's thread was over (only cli.main's next clear()): anything in the
    process run after it without cli.main (run_daemon, serve_only, web.run_server, a command
    in another thread) stopped at once or gave up its migration wait. A cancellation that is
    no Ctrl-C (asyncio.wait_for's timeout) noted a stop as well."""
    started = threading.Event()

    def slow_open(url: str) -> object:
        started.set()
        time.sleep(0.3)
        return object()

    monkeypatch.setattr(service, "open_store", slow_open)
    stopping.clear()

    async def scenario() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(service.opened_store("sqlite://"), 0.1)

    try:
        asyncio.run(scenario())  # returns once the default executor's thread is done
        assert started.is_set()
        assert not stopping.given_up(), "a stop noted for an opening long over"
    finally:
        stopping.clear()
