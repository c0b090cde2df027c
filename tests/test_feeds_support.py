"""Fixture records shared by the tests of `feeds/` (no tests in here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from feeds import (
    Entry,
    Image,
    Scope,
    Site,
    all_scope,
    category_scope,
    regency_category_scope,
    regency_scope,
)

WITA = timezone(timedelta(hours=8))
BASE = datetime(2024, 11, 18, 9, 30, tzinfo=WITA)
LONG_TEXT = "Pembangunan jalan poros Samarinda–Bontang " * 150  # ~6,000 characters


def make_site(base_url: str = "http://127.0.0.1:8080/", **overrides: object) -> Site:
    values: dict[str, object] = {
        "base_url": base_url,
        "title": "Kabar Kaltim",
        "link": "https://kabar.example.id/",
        "language": "id",
        "content_mode": "full",
        "items_per_feed": 50,
        "generator": "syndication 0.1",
    }
    values.update(overrides)
    return Site(**values)  # type: ignore[arg-type]


def entry(n: int, **overrides: object) -> Entry:
    values: dict[str, object] = {
        "id": f"tag:kabar.example.id,2024-11-18:item/{n}",
        "title": f"Bupati Kukar resmikan jembatan ke-{n}",
        "link": f"https://eksposisi.example/berita/{n}/jembatan",
        "published": BASE + timedelta(hours=n),
        "updated": BASE + timedelta(hours=n),
        "summary": f"Ringkasan berita nomor {n}.",
        "content_html": f"<p>Isi berita <strong>nomor {n}</strong>.</p>",
        "author": "Redaksi",
        "categories": (("pemerintah", "Pemerintah"),),
        "image": None,
        "advertorial": False,
        "source_name": "Eksposisi",
    }
    values.update(overrides)
    return Entry(**values)  # type: ignore[arg-type]


def hostile_entries() -> list[Entry]:
    """Titles and bodies that break naive feed writers."""
    return [
        entry(1, title="<script>alert('x')</script> Rapat paripurna DPRD", summary="<b>bold?</b>"),
        entry(2, title="Harga &amp; tarif air naik & turun", summary="A & B < C > D"),
        entry(3, title="Kontrol\x00\x07\x1b\x7f\x85 karakter\ufffe di judul", summary="x\x0bz\x0c"),
        entry(4, title="Festival Erau 2024 🎉🐟 meriah", summary="Emoji 😀 dan teks"),
        entry(5, title=LONG_TEXT, summary=LONG_TEXT, content_html=f"<p>{LONG_TEXT}</p>"),
        entry(
            6,
            title="Pemkab Kutai Timur salurkan bantuan sembako ke Sangatta Utara",
            advertorial=True,
            categories=(("pemerintah", "Pemerintah"), ("advertorial", "Advertorial")),
            image=Image("https://eksposisi.example/wp-content/uploads/2024/11/erau.webp"),
        ),
        entry(
            7,
            title="Diskominfo Berau gelar pelatihan",
            advertorial=True,
            image=Image("https://eksposisi.example/img/7.png", "image/png", 12345),
            author=None,
        ),
        entry(
            8,
            id="https://eksposisi.example/berita/8/permalink",
            link="https://eksposisi.example/berita/8/permalink",
            title="Berita dengan guid = tautan",
            updated=BASE + timedelta(hours=20),
        ),
    ]


def all_scopes() -> list[Scope]:
    return [
        all_scope("Kabar Kaltim: semua berita", "Semua berita dari portal Kalimantan Timur"),
        category_scope("pemerintah", "Pemerintah"),
        category_scope("advertorial", "Advertorial"),
        regency_scope("kukar", "Kutai Kartanegara"),
        regency_scope("kaltim", "Provinsi Kalimantan Timur"),
        regency_category_scope("kukar", "Kutai Kartanegara", "pemerintah", "Pemerintah"),
        regency_category_scope("kukar", "Kutai Kartanegara", "advertorial", "Advertorial"),
    ]


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
