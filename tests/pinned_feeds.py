"""WordPress-like RSS feeds of East Kalimantan news, generated deterministically from a seed.

    .venv/bin/python -m tests.pinned_feeds tests/data/pinned   # rewrite the committed feeds

The pinning test (tests/test_pinned_results.py) serves the committed files, never freshly
generated ones, so a change here changes nothing until the files are rewritten on purpose.
bench/profile_cold.py uses the same generator for N feeds.

What a portal's feed carries: datelines, "Baca Juga" inserts (own block and one <br> line),
share tails, "(adv/diskominfo/kukar)" credits, figures with relative and absolute images,
entities, WITA printed dates, dc:creator, the WordPress "The post ... appeared first" footer,
and some hostile markup (script, onclick, javascript: links, iframes) a sanitizer must drop.
"""

from __future__ import annotations

import html
import random
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

PORTALS = [
    ("kukar", "Kabar Tenggarong", "kabartenggarong.test"),
    ("kutim", "Sangatta Pos", "sangattapos.test"),
    ("samarinda", "Suara Samarinda", "suarasamarinda.test"),
    ("balikpapan", "Balikpapan Terkini", "bpnterkini.test"),
    ("berau", "Berau Hari Ini", "berauhariini.test"),
    ("kaltim", "Warta Kaltim", "wartakaltim.test"),
]
PLACES = {
    "kukar": ("TENGGARONG", "Kutai Kartanegara", ["Loa Kulu", "Tenggarong Seberang", "Sebulu"]),
    "kutim": ("SANGATTA", "Kutai Timur", ["Sangatta Utara", "Bengalon", "Muara Wahau"]),
    "samarinda": ("SAMARINDA", "Samarinda", ["Sungai Kunjang", "Palaran", "Samarinda Ulu"]),
    "balikpapan": ("BALIKPAPAN", "Balikpapan", ["Balikpapan Selatan", "Balikpapan Utara"]),
    "berau": ("TANJUNG REDEB", "Berau", ["Gunung Tabur", "Sambaliung", "Pulau Derawan"]),
    "kaltim": ("SAMARINDA", "Kalimantan Timur", ["Bontang Utara", "Penajam", "Melak"]),
}
AGENCIES = ["Dinas Pekerjaan Umum", "Dinas Kesehatan", "Dinas Pendidikan", "Bappeda", "DPRD"]
TOPICS = [
    ("Rapat Koordinasi Pembangunan Jalan", ["Pemerintahan", "Infrastruktur"]),
    ("Penyaluran Bantuan Sosial", ["Pemerintah"]),
    ("Harga Cabai di Pasar Naik", ["Ekonomi"]),
    ("Vaksinasi Anak Sekolah", ["Kesehatan"]),
    ("Festival Budaya Erau", ["Budaya", "Advertorial"]),
    ("Perbaikan Jembatan Desa", ["Infrastruktur", "Pemkab"]),
    ("Sidang Paripurna APBD", ["Pemerintahan", "Parlementaria"]),
    ("Pelatihan UMKM & Koperasi", ["Bisnis", "Adv"]),
]
START = datetime(2024, 5, 20, 8, 0, tzinfo=UTC)


def feed(index: int, items: int = 20, base: str | None = None) -> bytes:
    """The index-th portal's feed (cycling through PORTALS), `items` posts, newest first."""
    slug, name, host = PORTALS[index % len(PORTALS)]
    rng = random.Random(f"pinned-{index}")
    site = base or f"https://{host}"
    posts = "".join(_item(rng, slug, site, host, index, n) for n in range(items, 0, -1))
    return (
        '\n<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/">\n<channel>\n'
        f"<title>{html.escape(name)}</title><link>{site}/</link>"
        f"<description>Berita {html.escape(name)}</description><language>id</language>"
        "<generator>https://wordpress.org/?v=6.5.3</generator>\n"
        f"{posts}</channel></rss>\n"
    ).encode()


def _item(rng: random.Random, slug: str, site: str, host: str, index: int, n: int) -> str:
    city, regency, kecamatan = PLACES[slug]
    topic, cats = TOPICS[rng.randrange(len(TOPICS))]
    agency = rng.choice(AGENCIES)
    place = rng.choice(kecamatan)
    title = f"{topic} di {place}, {agency} Turun Tangan #{n}"
    if n % 7 == 0:
        title = f"&#8220;{topic}&#8221; &#8211; Warga {place} Puas"
    when = START + timedelta(hours=index, minutes=37 * n)
    date = format_datetime(when)
    if n % 5 == 0:  # a printed date in WITA: feedparser reads it as UTC, we must not
        date = (when + timedelta(hours=8)).strftime("%a, %d %b %Y %H:%M:%S WITA")
    post = f"{site}/{when:%Y/%m/%d}/berita-{index}-{n}/"
    cats_xml = "".join(f"<category><![CDATA[{c}]]></category>" for c in cats)
    body = _body(rng, slug, host, city, regency, place, agency, n)
    media = f'<media:content url="{site}/wp-content/uploads/foto-{n}.jpg" medium="image"/>'
    excerpt = html.escape(f"{city} – {agency} {regency} menggelar {topic.lower()} di {place}.")
    footer = f"<p>The post <a href='{post}'>{title}</a> appeared first on {host}.</p>"
    return (
        f"<item><title>{title}</title><link>{post}</link>"
        f"<comments>{post}#respond</comments><dc:creator><![CDATA[Redaksi {n % 3}]]>"
        f"</dc:creator><pubDate>{date}</pubDate>{cats_xml}"
        f'<guid isPermaLink="false">{site}/?p={1000 * index + n}</guid>'
        f"{media if n % 4 == 0 else ''}"
        f"<description><![CDATA[<p>{excerpt} [&#8230;]</p>\n{footer}]]></description>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item>\n"
    )


def _body(
    rng: random.Random,
    slug: str,
    host: str,
    city: str,
    regency: str,
    place: str,
    agency: str,
    n: int,
) -> str:
    paras = [
        f"<p><strong>{city}, {host} &#8211;</strong> Pemerintah Kabupaten {regency} melalui "
        f"{agency} menggelar kegiatan di Kecamatan {place} bersama warga, Senin (20/5/2024).</p>",
        f"<p>Kepala {agency}, Drs. H. Ahmad Yani, M.Si, mengatakan program ini menyasar "
        f"{rng.randrange(100, 900)} kepala keluarga &amp; {rng.randrange(5, 40)} desa.</p>",
    ]
    if n % 3 == 0:
        paras.append(
            f"<p><strong>Baca Juga:</strong> <a href='/berita-{n + 1}/'>Bupati "
            f"Resmikan Pasar Baru di {place}</a></p>"
        )
    if n % 4 == 1:
        paras.append(
            f"<p>Warga menyambut baik kegiatan itu.<br>Baca Juga: Jalan {place} Diperbaiki"
            f"<br>Anggaran berasal dari APBD {rng.choice([2023, 2024])}.</p>"
        )
    if n % 2 == 0:
        src = f"/wp-content/uploads/2024/05/img-{n}.jpg" if n % 4 else f"https://{host}/i/{n}.png"
        paras.append(
            f'<figure class="wp-block-image"><img src="{src}" alt="Kegiatan di {place}" '
            f'width="800" height="450" loading="lazy" class="wp-image-{n}"/>'
            f"<figcaption>Suasana kegiatan di {place}.</figcaption></figure>"
        )
    if n % 6 == 5:  # hostile markup a sanitizer must drop
        paras.append(
            f'<p onclick="alert(\'x\')">Klik <a href="javascript:alert(1)">di sini</a>.'
            f"</p><script>document.write('iklan')</script>"
            f'<iframe src="https://www.youtube.com/embed/{n}"></iframe>'
            f"<style>.x{{color:red}}</style>"
        )
    paras.append(
        f"<p>Kegiatan ini diharapkan berlanjut tahun depan di seluruh kecamatan "
        f"{regency}.{' (adv/diskominfo/' + slug + ')' if n % 2 else ''}</p>"
    )
    if n % 5 == 2:
        paras.append(
            "<p>Bagikan:</p><p><a href='https://facebook.com/share'>Facebook</a></p>"
            f"<p><a href='/tag/{slug}/'>{regency}</a></p>"
        )
    return "\n".join(paras)


def write_all(target: Path, count: int = 6, items: int = 20) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = target / f"feed-{i}.xml"
        path.write_bytes(feed(i, items))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/pinned")):
        print(p)
