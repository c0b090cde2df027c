"""An html source on a portal of its own CMS (no WordPress markup, no og:type, no JSON-LD), end
to end through `run_once`: what a hostile review of real non-WordPress portals found lost."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syndication.normalize import clean_content
from syndication.sources.html import Article, Selectors, extract_titled_links
from syndication.sources.html_source import page_entry
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_e2e_html import once, stored

HTML = "text/html; charset=UTF-8"
_SEL = Selectors()
WITA = 8  # hours ahead of UTC

# the template's own columns: a ticker, "Berita Terkait" and "Terpopuler", each a story's
# headline link (four of them with the story's "Baca Juga" line)
RELATED = [
    ("/berita/2026/11/30/1101/bupati-kutim-resmikan-galeri-umkm", "Bupati Kutim Resmikan Galeri"
     " UMKM di Kecamatan Kaliorang"),
    ("/berita/2026/11/29/1102/pemkab-paser-gelar-pameran", "Pemkab Paser Gelar Pameran Produk"
     " Desa di Tanah Grogot"),
    ("/berita/2026/11/28/1103/harga-beras-di-samarinda", "Harga Beras di Pasar Segiri Samarinda"
     " Mulai Turun"),
    ("/berita/2026/11/27/1104/festival-erau-dibuka", "Festival Erau Adat Kutai Dibuka di"
     " Tenggarong"),
]  # fmt: skip


def page(title: str, when: datetime, paragraphs: list[str]) -> str:
    local = when + timedelta(hours=WITA)
    printed = f"{local.day} {_MONTHS[local.month - 1]} {local.year} | {local:%H:%M} WITA"
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    related = "".join(
        f'<div class="item"><a href="{p}">{html.escape(t)}</a></div>' for p, t in RELATED[:2]
    )
    popular = "".join(f'<li><a href="{p}">{html.escape(t)}</a></li>' for p, t in RELATED)
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{html.escape(title)} | Kabar Benua</title>
</head><body class="page-detail">
<header class="hdr"><a href="/" class="logo">Kabar Benua</a><nav class="menu">
<a href="/kanal/pemerintahan">Pemerintahan</a> <a href="/kanal/advertorial">Advertorial</a></nav>
</header>
<div class="ticker"><b>Terkini:</b> <a href="{RELATED[2][0]}">{html.escape(RELATED[2][1])}</a></div>
<div class="wrap"><div class="main"><div class="detail">
<h1 class="detail-title">{html.escape(title)}</h1>
<div class="detail-info"><span class="reporter">Penulis: Rini Astuti</span>
<span class="tgl">Selasa, {printed}</span></div>
<div class="detail-text">
{body}
</div>
<div class="box-terkait"><h3>Berita Terkait</h3>{related}</div>
</div></div>
<aside class="side"><h3>Terpopuler</h3><ol>{popular}</ol></aside></div>
<footer><a href="/redaksi">Redaksi</a> &copy; 2026 Kabar Benua</footer>
</body></html>"""


_MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
_MONTHS = _MONTHS.split()  # type: ignore[assignment]


def listing(items: list[tuple[str, str]]) -> str:
    rows = "".join(
        f'<div class="list-item"><a class="kanal" href="/kanal/pemerintahan">Pemerintahan</a>'
        f'<h2><a href="{p}">{html.escape(t)}</a></h2><span class="waktu">1 jam lalu</span></div>'
        for p, t in items
    )
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>Berita Terkini | Kabar Benua</title></head>
<body class="page-index"><header><a href="/">Kabar Benua</a></header>
<div class="main"><h1>Berita Terkini</h1>{rows}</div>
<footer><a href="/redaksi">Redaksi</a></footer></body></html>"""


def story(n: int) -> list[str]:
    return [
        f"TENGGARONG – Pemkab Kutai Kartanegara menggelar rapat koordinasi program desa nomor {n}"
        " di Pendopo Bupati bersama camat dan kepala desa se-Kukar.",
        "Dalam rapat itu dibahas penyaluran bantuan keuangan desa, pembangunan jalan usaha tani,"
        " dan penanganan stunting di kecamatan yang angkanya masih tinggi tahun ini.",
        "Sekretaris Daerah Kukar meminta setiap desa menyerahkan laporan pertanggungjawaban tepat"
        " waktu agar pencairan tahap berikutnya tidak terlambat dan program berjalan lancar.",
    ]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=60, min_interval=0.0) as f:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", f.token)
        yield f


def config(tmp_path: Path, portal: Portal, fake: FakeTelegram | None, extra: str = "") -> Path:
    source = f"""
        [[sources]]
        id = "benua"
        url = "{portal.url}/"
        kind = "html"
        {extra}
        """
    kwargs: dict[str, object] = {}
    if fake is not None:
        kwargs = {"api_url": fake.url, "chats": {"kukar": "@kabar_kukar"}}
    return write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        sources=source,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_short_advertorial_beside_the_templates_headline_columns_is_published(
    tmp_path: Path, portal: Portal, fake: FakeTelegram
) -> None:
    """Two short paragraphs (under 400 characters) on a page whose template carries four
    other stories' headline links, no og:type, no JSON-LD: it is the story the listing showed
    under that very headline, not a listing. It was skipped as "listing page (4 headline
    links, no article markup)", remembered for a day, and never announced."""
    for p, t in RELATED:
        portal.set(p, page(t, datetime(2026, 11, 28, tzinfo=UTC), story(0)), content_type=HTML)
    old = (
        "/berita/2026/12/01/2001/rapat-koordinasi-desa-di-kukar",
        "Pemkab Kukar Gelar Rapat Koordinasi Program Desa",
    )
    portal.set(old[0], page(old[1], datetime(2026, 12, 1, tzinfo=UTC), story(1)), content_type=HTML)
    portal.set("/", listing([old]), content_type=HTML)
    path = config(tmp_path, portal, fake)
    once(path)  # the backlog
    assert set(stored(path)) == {portal.url + old[0]}
    short = (
        "/berita/2026/12/07/2006/pemkab-kukar-luncurkan-program-idaman",
        "Pemkab Kukar Luncurkan Program Kukar Idaman Terbaik",
    )
    when = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    paragraphs = [
        "TENGGARONG – Pemkab Kutai Kartanegara meluncurkan program Kukar Idaman Terbaik di"
        " Pendopo Bupati, Senin pagi.",
        f'<strong>Baca Juga:</strong> <a href="{RELATED[3][0]}">{RELATED[3][1]}</a>',
        "Bupati Kukar mengatakan program ini menyasar 18.000 keluarga di 20 kecamatan."
        " (adv/diskominfo/kukar)",
    ]
    portal.set(short[0], page(short[1], when, paragraphs), content_type=HTML)
    portal.set("/", listing([short, old]), content_type=HTML)
    once(path)
    items = stored(path)
    assert portal.url + short[0] in items, "the short advertorial was lost"
    item = items[portal.url + short[0]]
    assert item.title == short[1]
    assert item.author == "Rini Astuti"  # "Penulis: Rini Astuti"
    assert item.published == when
    assert "kukar" in item.regencies and "advertorial" in item.categories
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]
    assert short[1] in fake.messages[0].text


def test_a_listing_page_stays_a_listing_under_its_own_headline(
    tmp_path: Path, portal: Portal
) -> None:
    """A listing's link to a section's page under the section's name (its h1 reads the same)
    does not make the section's page an article: it holds no story's paragraphs."""
    section = ("/kanal/berita-kutai-kartanegara-hari-ini", "Berita Kutai Kartanegara Hari Ini")
    teasers = "".join(
        f'<div class="list-item"><h2><a href="{p}">{html.escape(t)}</a></h2>'
        f"<p>{html.escape(t)} menurut keterangan pemerintah setempat.</p></div>"
        for p, t in RELATED
    )
    portal.set(
        section[0],
        f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
        <title>{section[1]} | Kabar Benua</title></head><body>
        <h1>{section[1]}</h1><div class="main">{teasers}
        <a href="/kanal/x?page=2">Berikutnya</a></div></body></html>""",
        content_type=HTML,
    )
    article = (
        "/berita/2026/12/01/2001/rapat-koordinasi-desa-di-kukar",
        "Pemkab Kukar Gelar Rapat Koordinasi Program Desa",
    )
    portal.set(
        article[0],
        page(article[1], datetime(2026, 12, 1, tzinfo=UTC), story(1)),
        content_type=HTML,
    )
    portal.set("/", listing([section, article]), content_type=HTML)
    path = config(tmp_path, portal, None)
    once(path)
    assert set(stored(path)) == {portal.url + article[0]}


def test_a_first_poll_whose_capped_links_are_all_skipped_moves_on(
    tmp_path: Path, portal: Portal
) -> None:
    """The first max_articles links of a listing (a home page's opinion column, videos, pages
    gone) all skipped: the poll took the skips for a wrong link rule and remembered none of
    them, so every later poll fetched the same links again and never reached the stories
    listed below them. Now the skips are kept and the poll goes on to the next links."""
    gone = [
        (f"/berita/2026/12/0{n}/30{n}/kolom-opini-tamu-nomor-{n}", f"Kolom Opini Tamu Nomor {n}")
        for n in range(1, 4)
    ]
    stories = [
        (f"/berita/2026/12/05/40{n}/rapat-desa-nomor-{n}", f"Pemkab Kukar Gelar Rapat Desa {n}")
        for n in range(3)
    ]
    for p, _ in gone:
        portal.set(p, b"not here", status=404, content_type=HTML)
    for n, (p, t) in enumerate(stories):
        portal.set(p, page(t, datetime(2026, 12, 5, n, tzinfo=UTC), story(n)), content_type=HTML)
    portal.set("/", listing(gone + stories), content_type=HTML)
    path = config(tmp_path, portal, None, extra="max_articles = 2")
    for _ in range(4):
        once(path)
    assert set(stored(path)) == {portal.url + p for p, _ in stories}
    fetched = [h.path for h in portal.hits if h.path in dict(gone)]
    assert sorted(fetched) == sorted(p for p, _ in gone), "a page gone was fetched again"


REAL = Path(__file__).parent / "data" / "real" / "articles"


@pytest.mark.parametrize(
    ("name", "author"),
    [
        # "Pewarta: <span itemprop=author>"; no author <meta>
        ("antara-lampung-prostitusi.html", "Budisantoso Budiman dan Agus S"),
        # "Oleh <span itemprop=author>"; article:author is the site's Facebook page
        ("antara-brotoseno-angie.html", "Desca Lidya Natalia"),
        # <td>Penulis</td><td>: name</td>; the author <meta> names the company
        ("kompas-yuddy-pns.html", "Nabilla Tashandra"),
        # "Oleh : <b>name</b>"; the author <meta> "PT. VIVA MEDIA BARU - VIVA.co.id"
        ("viva.html", "Adrianus Mandey"),
        # "Penulis: name" in one element
        ("tribunnews.html", "Glery Lazuardi"),
        # JSON-LD's Person; the author <meta> "mediaindonesia.com developer"
        ("mediaindonesia-ihsg-9000.html", "Indriyani Astuti"),
        # only article:author, the site's Facebook page: no author rather than a link
        ("detik-inet-galaxy.html", None),
    ],
)
def test_the_author_is_the_writer_the_page_names(name: str, author: str | None) -> None:
    """The author of real non-WordPress pages (truth read from each page's source): it was
    the site's Facebook page, the publishing company, or nothing where a byline is printed."""
    read = page_entry(
        (REAL / name).read_bytes(), "text/html", "https://x.test/berita/2015/01/01/123/a", _SEL, "s"
    )
    assert isinstance(read, Article), read
    assert read.entry.author == author


def test_a_sentence_starting_with_oleh_is_no_byline() -> None:
    paragraphs = [
        "TENGGARONG – Pemkab Kutai Kartanegara menggelar rapat koordinasi program desa.",
        "Oleh karena itu, camat diminta hadir.",
        "Rapat dipimpin Sekda Kukar dan diikuti seluruh kepala desa se-Kutai Kartanegara, yang"
        " membahas penyaluran bantuan keuangan desa serta pembangunan jalan usaha tani.",
    ]
    text = page("Pemkab Kukar Gelar Rapat Koordinasi Program Desa", datetime.now(UTC), paragraphs)
    text = text.replace("Penulis: Rini Astuti", "")
    url = "https://x.test/berita/2026/12/01/2001/rapat-koordinasi-desa-di-kukar"
    read = page_entry(text.encode(), HTML, url, _SEL, "s")
    assert isinstance(read, Article), read
    assert read.entry.author is None


@pytest.mark.parametrize("printed", ["kemarin 19:15", "Kemarin, 19.15 WITA", "hari ini 08:00"])
def test_a_date_line_of_yesterday_or_today_is_read(printed: str) -> None:
    """The normalizer reads "kemarin 19:15", but the page's date line was never found (the
    story was dated when first seen, hours late)."""
    text = page("Pemkab Kukar Gelar Rapat Koordinasi Program Desa", datetime.now(UTC), story(1))
    text = re.sub(r'<span class="tgl">.*?</span>', f'<span class="tgl">{printed}</span>', text)
    url = "https://x.test/berita/2026/12/01/2001/rapat-koordinasi-desa-di-kukar"
    read = page_entry(text.encode(), HTML, url, _SEL, "s")
    assert isinstance(read, Article), read
    assert read.entry.published_raw is not None and printed in read.entry.published_raw


def test_a_capped_first_poll_takes_the_main_list_before_the_columns_above_it() -> None:
    """A home page's ticker and opinion column come before its news in the markup: a first
    poll capped at max_articles (20) took only them (real pages: tempo.co 0 of its 21 news
    stories among the first 20 links, sindonews 0 of 23, viva 4 of 10). The largest run of
    alike cards, the main list, goes first; each run in page order."""
    opinion = "".join(
        f'<li class="opini-item"><a href="/opini/2026/12/0{n}/30{n}/opini-tamu-soal-desa-{n}">'
        f"Opini Tamu Soal Desa dan Dana Nomor {n}</a></li>"
        for n in range(1, 5)
    )
    news = [
        (f"/berita/2026/12/05/40{n}/rapat-desa-nomor-{n}", f"Pemkab Kukar Gelar Rapat Desa {n}")
        for n in range(6)
    ]
    text = listing(news).replace(
        '<div class="main">', f'<div class="opini"><ul>{opinion}</ul></div><div class="main">'
    )
    links = list(extract_titled_links(text, "https://x.test/"))
    assert links[:6] == ["https://x.test" + p for p, _ in news]
    assert len(links) == 10  # the column's links are still there, after


@pytest.mark.parametrize(
    ("name", "gone"),
    [
        # the related list's dates ("Kamis, 05/11/2015 09:25 WIB") and its pager ("01" .. "10")
        ("detik-inet-galaxy.html", ("05/11/2015 09:25 WIB", "20/10/2015 13:51 WIB", "\n\n01\n\n")),
        # the comment box's notice under the story
        ("tempo-malas-bergerak.html", ("Disclaimer", "tanggapan pribadi")),
    ],
)
def test_a_related_lists_dates_pager_and_comment_notice_leave_the_body(
    name: str, gone: tuple[str, ...]
) -> None:
    read = page_entry(
        (REAL / name).read_bytes(), "text/html", "https://x.test/berita/2015/01/01/123/a", _SEL, "s"
    )
    assert isinstance(read, Article), read
    text = clean_content(read.entry.content_html or "", read.entry.link).text
    assert "Samsung" in text or "aktivitas fisik" in text  # the story stays
    for piece in gone:
        assert piece not in "\n\n" + text + "\n\n", piece


def test_readers_comments_named_in_indonesian_leave_the_body() -> None:
    """Comments after the story in <div class="komentar"> blocks (no English "comment" in
    their names, which the generic extractor knows): they were the body's larger part, and
    the story's closing credit, no longer at the end, was lost with its advertorial label."""
    paragraphs = [*story(2), "Rapat ditutup dengan doa bersama. (adv/diskominfo/kukar)"]
    text = page("Pemkab Kukar Gelar Rapat Koordinasi Program Desa", datetime.now(UTC), paragraphs)
    comments = "".join(
        f'<div class="komentar"><b>Pembaca {n}</b><p>Komentar nomor {n}: semoga jalan desa'
        f" kami segera diperbaiki, terima kasih Pemkab Kukar.</p></div>"
        for n in range(300)
    )
    text = text.replace('<div class="box-terkait">', comments + '<div class="box-terkait">')
    url = "https://x.test/berita/2026/12/01/2001/rapat-koordinasi-desa-di-kukar"
    read = page_entry(text.encode(), HTML, url, _SEL, "s")
    assert isinstance(read, Article), read
    cleaned = clean_content(read.entry.content_html or "", read.entry.link)
    assert "Komentar nomor" not in cleaned.text
    assert cleaned.credit == "adv/diskominfo/kukar"
