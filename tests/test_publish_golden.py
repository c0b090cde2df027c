"""Published bytes stay the bytes they were: a fixed set of scopes published into a folder,
each file's SHA-256 compared with the digests stored in tests/data/publish/golden.json
(written with the code of main at e1e1a91, before any speed work on publishing).

A change that is meant to alter the published files regenerates the digests with
`python -m tests.test_publish_golden` and says why in its commit.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from feeds import (
    Entry,
    Image,
    Scope,
    Site,
    all_scope,
    category_scope,
    publish,
    regency_category_scope,
    regency_scope,
)
from feeds.publish import PublishMemo, Runner

GOLDEN = Path(__file__).parent / "data" / "publish" / "golden.json"
WITA = timezone(timedelta(hours=8))
BASE = datetime(2024, 11, 18, 9, 30, 15, 123456, tzinfo=WITA)
EMPTY_DATE = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def _entry(n: int, **overrides: object) -> Entry:
    values: dict[str, object] = {
        "id": f"tag:kabar.example.id,2024-11-18:item/{n}",
        "title": f"Bupati Kukar resmikan jembatan ke-{n}",
        "link": f"https://eksposisi.example/berita/{n}/jembatan?a=1&b=2",
        "published": BASE + timedelta(hours=n),
        "updated": BASE + timedelta(hours=n),
        "summary": f"Ringkasan berita nomor {n}.",
        "content_html": f"<p>Isi berita <strong>nomor {n}</strong> &amp; lainnya.</p>",
        "author": "Redaksi",
        "categories": (("pemerintah", "Pemerintah"), ("kutai-kartanegara", "Kukar")),
        "source_name": "Eksposisi",
    }
    values.update(overrides)
    return Entry(**values)  # type: ignore[arg-type]


def entries() -> list[Entry]:
    """Every shape the renderers treat differently, some sharing an id."""
    long_text = "Pembangunan jalan poros Samarinda–Bontang " * 20
    return [
        _entry(1, title="<script>alert('x')</script> Rapat DPRD", summary="<b>bold?</b>"),
        _entry(2, title="Harga &amp; tarif  air\nnaik & turun", summary="A & B < C > D"),
        _entry(3, title="Kontrol\x00\x07\x1b\x7f\x85 karakter\ufffe", summary="x\x0bz\x0c"),
        _entry(4, title="Festival Erau 🎉 meriah", summary="", content_html="", author=None),
        _entry(5, title=long_text, summary=long_text, content_html=f"<p>{long_text}</p>"),
        _entry(
            6,
            advertorial=True,
            categories=(("pemerintah", "Pemerintah"), ("advertorial", "Advertorial")),
            image=Image("https://eksposisi.example/wp-content/uploads/2024/11/erau.webp"),
        ),
        _entry(
            7,
            title="[Advertorial] Diskominfo Berau gelar pelatihan",
            advertorial=True,
            image=Image("https://eksposisi.example/img/7.png", "image/png", 12345),
            author="  ",
            categories=(("", "Kosong"), ("ekonomi", ""), ("ekonomi", "Ekonomi")),
        ),
        _entry(
            8,
            id="https://eksposisi.example/berita/8/permalink",
            link="https://eksposisi.example/berita/8/permalink",
            updated=BASE + timedelta(hours=20),
            image=Image("https://eksposisi.example/gambar"),
        ),
        # the same id twice: a correction, and an older copy that must lose
        _entry(9, title="Judul dikoreksi", updated=BASE + timedelta(hours=30)),
        _entry(9, title="Judul lama", updated=BASE + timedelta(hours=9)),
        # a tie on the publication date, told apart by id
        _entry(10, published=BASE + timedelta(hours=1), updated=BASE - timedelta(days=1)),
        _entry(11, published=(BASE + timedelta(hours=2)).astimezone(UTC), categories=()),
    ]


def scopes() -> list[Scope]:
    return [
        all_scope("Kabar Kaltim: semua berita", "Semua berita dari portal Kalimantan Timur"),
        category_scope("pemerintah", "Pemerintah"),
        regency_scope("kukar", "Kutai Kartanegara"),
        regency_category_scope("kukar", "Kutai Kartanegara", "pemerintah", "Pemerintah"),
        category_scope("kosong", "Kosong"),  # published empty
    ]


def sites() -> dict[str, Site]:
    full = Site(
        base_url="https://feeds.example.org/kaltim",
        title="Kabar <Kaltim> & Co",
        link="https://kabar.example.id/",
        websub_hub="https://hub.example.org/",
        generator="syndication 0.1",
    )
    summary = Site(
        base_url="http://127.0.0.1:8080/",
        title="Kabar Kaltim",
        link="https://kabar.example.id/?x=1&y=2",
        content_mode="summary",
        items_per_feed=4,
        timezone="Asia/Jakarta",
        language="id-ID",
    )
    return {"full": full, "summary": summary}


def published_digests(
    folder: Path, runner: Runner | None = None, memo: PublishMemo | None = None
) -> dict[str, dict[str, str]]:
    """Publish every scope for each site (twice: the second must change nothing) and return
    {site: {relative path: sha256}}; with a `runner`, in parts of two scopes."""
    chats = {"regency/kukar": "@kabarkukar", "regency/kukar/pemerintah": "-1001234"}
    result: dict[str, dict[str, str]] = {}
    for name, site in sites().items():
        out = folder / name
        shared = entries()  # the same Entry objects in every scope
        per_scope = [
            (scope, [e for e in shared if index == 0 or e.categories[:1] != ()][: 11 - index])
            for index, scope in enumerate(scopes())
        ]
        per_scope[-1] = (per_scope[-1][0], [])
        how = {"runner": runner, "per_part": 2, "memo": memo}
        first = publish(site, out, per_scope, empty_date=EMPTY_DATE, chats=chats, **how)
        again = publish(site, out, per_scope, empty_date=EMPTY_DATE, chats=chats, **how)
        assert again.written == () and sorted(again.unchanged) == sorted(first.written)
        files = sorted(p for p in out.rglob("*") if p.is_file())
        result[name] = {
            p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
        }
    return result


def test_published_bytes_are_the_stored_ones(tmp_path: Path) -> None:
    expected = json.loads(GOLDEN.read_text())
    assert published_digests(tmp_path) == expected


@pytest.mark.parametrize("memo", [False, True], ids=["no-memo", "memo"])
def test_published_in_parts_by_worker_processes_the_bytes_are_the_same(
    tmp_path: Path, memo: bool
) -> None:
    # what a first run's publish does: its scopes in parts, rendered and written by worker
    # processes (the records and the published files crossing to them and back)
    context = multiprocessing.get_context("spawn")
    jobs_run: list[int] = []
    with ProcessPoolExecutor(2, mp_context=context) as pool:

        def runner(fn: Any, jobs: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
            futures = [pool.submit(fn, *job) for job in jobs]
            jobs_run.append(len(futures))
            for future in futures:
                yield future.result()

        digests = published_digests(tmp_path, runner, PublishMemo() if memo else None)
    assert digests == json.loads(GOLDEN.read_text())
    # five scopes in parts of two, twice for each site; with the memo the second publish
    # finds every scope as it left it and hands the runner nothing
    assert jobs_run == ([3, 0, 3, 0] if memo else [3, 3, 3, 3])


if __name__ == "__main__":  # regenerate: python -m tests.test_publish_golden
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        digests = published_digests(Path(folder))
    GOLDEN.write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}", file=sys.stderr)
