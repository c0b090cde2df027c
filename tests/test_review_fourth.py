"""Hostile fourth review (f7b0126..7e3b5a7): each test fails on a defect found."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from syndication.sources.html import Article, Selectors, read_article
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]

# --- 1. stopping.interrupt_noted: Ctrl-C of `run --once` no longer cancels, it interrupts -----

# run_once replaced by the shape of Deliverer._dispatch: a chat's worker has a Telegram request
# in flight; on a stop the main task's `finally` lets it finish and record its outcome.
ONCE = """
import asyncio
from syndication import cli, service

async def run_once(config):
    async def worker():
        try:
            await asyncio.sleep(0.6)  # sendMessage in flight
        except asyncio.CancelledError:
            print("worker cancelled mid-request", flush=True)
            raise
        print("outcome recorded", flush=True)

    task = asyncio.create_task(worker())
    try:
        print("ready", flush=True)
        await asyncio.sleep(30)
    finally:
        await asyncio.gather(task, return_exceptions=True)
    return 0

service.run_once = run_once
cli.entry()
"""


def test_ctrl_c_of_run_once_lets_the_request_in_flight_finish(tmp_path: Path) -> None:
    """asyncio.run (3.11+) installs its own SIGINT handler only when SIGINT's handler is
    signal.default_int_handler: its first Ctrl-C cancels the main task, whose `finally`
    (Deliverer._dispatch: "each worker finishes the request it has in flight") lets the
    workers record what they sent. interrupt_noted() replaces that handler for `run --once`,
    so asyncio.run leaves SIGINT alone: the KeyboardInterrupt is raised in the loop's select,
    escapes run_until_complete, and the runner's shutdown cancels *every* task at once,
    workers included. A message sent but not recorded is sent again by the next run."""
    path = write_config(tmp_path / "config.toml", db_url="sqlite://", sources="")
    child = subprocess.Popen(
        [sys.executable, "-c", ONCE, "--config", str(path), "run", "--once"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.1)
        child.send_signal(subprocess.signal.SIGINT)  # type: ignore[attr-defined]
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err[-2000:]
    assert "outcome recorded" in out, out + err[-2000:]


# --- 2. html_fields._person: every author field now needs capitals ----------------------------

POST = "https://x.test/berita/2026/12/07/2006/pemkab-kukar-luncurkan-program-idaman"
_BODY = " ".join(
    ["Pemkab Kutai Kartanegara meluncurkan program desa di Tenggarong bersama para camat."] * 12
)


def _wordpress(head: str = "", byline: str = "", title: str = "Pemkab Kukar Luncurkan Program Desa",
               before: str = "") -> str:  # fmt: skip
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{title} | Kabar Samarinda</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="Kabar Samarinda">
{head}</head><body class="post-template-default single single-post">{before}
<h1 class="entry-title">{title}</h1>{byline}
<div class="entry-content"><p>{_BODY}</p><p>{_BODY}</p></div></body></html>"""


def _author(text: str, url: str = POST) -> str | None:
    read = read_article(text, url, Selectors())
    assert isinstance(read, Article), read
    return read.entry.author


_LD = (
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
    '"headline":"Pemkab Kukar Luncurkan Program Desa","author":%s}</script>'
)


@pytest.mark.parametrize(
    ("head", "byline"),
    [
        ("", '<span class="author-name">rini astuti</span>'),
        ("", '<a rel="author" href="/author/rini-astuti/">rini astuti</a>'),
        (_LD % '{"@type":"Person","name":"rini astuti"}', ""),
        (_LD % '[{"@type":"Person","name":"rini astuti"}]', ""),
        ('<meta name="author" content="rini astuti">', ""),
    ],
    ids=["theme-author-name", "rel-author", "jsonld", "jsonld-list", "meta-author"],
)
def test_a_lower_case_display_name_in_an_author_field_is_still_the_author(
    head: str, byline: str
) -> None:
    """f5638cc holds a theme's author element and the author fields to the printed byline's
    capital-letter rule, to refuse a WordPress login ("kbrsmd"). A display name typed in
    lower case ("rini astuti": two words, a space, no login has one) is refused with it: the
    author, found before f7b0126..7e3b5a7, is now None on every such story."""
    assert _author(_wordpress(head=head, byline=byline)) == "rini astuti"


# --- 3. html_fields._printed_bylines: no colon wanted, any plain-text headline is a byline -----


@pytest.mark.parametrize(
    "title",
    ["Wartawan Senior Kaltim Tutup Usia", "Reporter Kaltim Raih Penghargaan Adinegoro"],
)
def test_a_headline_in_the_breadcrumb_trail_is_no_byline(title: str) -> None:
    """A breadcrumb trail's last item is the story's headline as plain text (`<div
    id="crumbs">... <span class="current">Title</span>`, no link, no heading). A headline
    starting with a byline word ("Wartawan ...", "Reporter ...") was refused by _AFTER_LABEL
    (the label then a colon); now a label without a colon is read, and the page's author
    becomes "Senior Kaltim Tutup Usia", ahead of <meta name=author>."""
    crumbs = (
        '<div id="crumbs"><a href="/">Beranda</a> &raquo; <a href="/daerah">Daerah</a> &raquo; '
        f'<span class="current">{title}</span></div>'
    )
    head = '<meta name="author" content="Rini Astuti">'
    assert _author(_wordpress(head=head, title=title, before=crumbs)) == "Rini Astuti"


# --- 4. html_generic._without_ad_slots: any element named *komentar*/*disqus* without an h1 ----

_STORY = [
    "Warga Kecamatan Loa Kulu di Kutai Kartanegara ramai menanggapi kerusakan jalan poros desa"
    " yang tak kunjung diperbaiki sejak awal tahun ini.",
    "Kepala Dinas Pekerjaan Umum Kukar menyatakan perbaikan dijadwalkan bulan depan setelah"
    " anggaran perubahan disahkan oleh DPRD setempat.",
    "Sejumlah warga mengaku harus memutar sejauh sepuluh kilometer setiap hari untuk mengantar"
    " anak ke sekolah di pusat kecamatan.",
    "Camat Loa Kulu meminta warga bersabar dan melaporkan titik kerusakan baru melalui aplikasi"
    " pengaduan milik pemerintah kabupaten.",
]


@pytest.mark.parametrize(
    "post_class",
    [
        "post-2006 post type-post hentry category-daerah tag-komentar-netizen",
        "post-2006 post type-post hentry category-teknologi tag-disqus",
    ],
    ids=["tag-komentar", "tag-disqus"],
)
def test_a_story_whose_tag_says_komentar_keeps_its_body(post_class: str) -> None:
    """WordPress's post_class() names the post's wrapper after its categories and tags
    (`tag-komentar-netizen` on a story about netizens' comments). A theme that prints the
    headline in a banner above that wrapper (no h1 inside it) now loses the whole story
    before trafilatura reads the page: "no article body (no theme rule, generic extractor
    found none)", where f7b0126 read all four paragraphs."""
    title = "Komentar Netizen Soal Jalan Rusak di Kukar"
    body = "".join(f"<p>{p}</p>" for p in _STORY)
    text = f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{title} | Warta Loa</title><meta property="og:type" content="article">
<meta property="article:published_time" content="2026-12-07T08:00:00+08:00"></head>
<body class="single"><div class="banner-judul"><h1 class="judul">{title}</h1>
<div class="info">Penulis: Rini Astuti | 7 Desember 2026</div></div>
<div class="{post_class}"><div class="isi">{body}</div></div>
<div id="disqus_thread"></div><footer>&copy; 2026 Warta Loa</footer></body></html>"""
    url = "https://x.test/berita/2026/12/07/2006/komentar-netizen-soal-jalan-rusak-di-kukar"
    read = read_article(text, url, Selectors())
    assert isinstance(read, Article), read
    assert "Camat Loa Kulu" in (read.entry.content_html or "")
