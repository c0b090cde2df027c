"""The gazetteer matcher's results, pinned: a faster matcher must find exactly the same places.

Texts: every string of the golden and held-out cases, and generated sentences that name every
alias and kecamatan of the gazetteer in the repo's config.toml (kaltim.toml's names) in many
shapes (cased, lower, upper, hyphenated, behind a kecamatan prefix, in hashtags and .go.id
hosts, glued inside longer words) plus the overlaps and traps of NOTES.md. The expected hits
live in tests/data/places/pinned.json, keyed by a hash of the text; they were written by the
matcher as it was before it was compiled into one pass:

    .venv/bin/python -m tests.test_normalize_places --write
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndication.config import load
from syndication.normalize.places import TRAPS, _at_hints, _folded, find, find_in_token, gazetteer
from syndication.types import NormalizeContext

DATA = Path(__file__).resolve().parent / "data"
CONFIG = Path(__file__).resolve().parents[1] / "config.toml"
PINNED = DATA / "places" / "pinned.json"
CASE_FILES = [*sorted((DATA / "golden").glob("cases_*.toml")), DATA / "heldout" / "cases.toml"]

TEMPLATES = (
    "Warga {n} menggelar rapat di kantor camat.",
    "warga {l} menggelar rapat bersama pemerintah",
    "{u}, portal.test – Bupati meninjau jalan.",
    "Kecamatan {n} dan Kec. {n}, juga camat {l}.",
    "Kabupaten {n} / kab. {l} bekerja sama",
    "Pemkab {n} dan DPRD {n} sepakat",
    "#{c} #pemkab{c} @{c}",
    "lihat {c}kab.go.id dan www.{c}.go.id.",
    "{h} dan {h}-{h}",
    "PT {n}indo Jaya, X{c}Y dan {c}_x",
    "({n}) [{n}] {n}. {n}, {n}!",
    "Jembatan {n} dan Kesultanan {n}",
)
OVERLAPS = (
    "Kutai dan Kutai Kartanegara, Kutai Timur, Kutai Barat",
    "Kesultanan Kutai Kartanegara ing Martadipura menggelar Erau di Tenggarong",
    "Sultan Kutai hadir; Kerajaan Kutai Martadipura; Keraton Kutai",
    "Jembatan Mahakam Ulu di Samarinda, bukan Kabupaten Mahakam Ulu atau Mahulu",
    "PT Kaltim Prima Coal, Pupuk Kaltim, Bank Kaltimtara, KaltimPost dan Kaltim",
    "Loa Janan Ilir masuk Samarinda; Loa Janan masuk Kukar; Loa Kulu",
    "Samboja Barat dan Samboja; Kota Bangun Darat dan Kota Bangun; kota bangun sekolah",
    "pasir putih di pantai; Kabupaten Pasir; Pasir Belengkong; Paser Belengkong",
    "damai sekali; Kecamatan Damai; kec damai; camat Waru; waru",
    "Sanga-Sanga, Sanga Sanga, SANGA–SANGA, sanga - sanga",
    "Tenggarong Seberang dan Tenggarong; Sangatta Utara, Sangatta Selatan, Sangata",
    "Bupati Kukar-Kutim; Pemkab Kukar dan Kutim; Kukar/Kutim/Kubar",
    "Kalimantan Timur, Kalimantan, Timur, Utara, Barat, Mahakam, Kota",
    "Otorita IKN di Sepaku, PPU; Penajam Paser Utara; Penajam",
    "diskominfokukar, #kominfokutim, kukarkab.go.id. dan diskominfo.kaltimprov.go.id.",
    "Benua Etam, benua etam, BENUA ETAM",
    "Kukar\u00a0dan\u00a0Kutim; Kuka\u0301r; Ku-kar; Teluk Bayur, kec. Teluk Bayur",
    "",
    "   ",
)


def build_ctx() -> NormalizeContext:
    """The gazetteer shipped in the repo's config.toml, so the pins hold from a fresh clone."""
    return load(CONFIG).normalize_context()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def generated(ctx: NormalizeContext) -> list[str]:
    names = sorted(
        {n for r in ctx.regencies for n in (r.name, *r.aliases, *r.kecamatan)}, key=str.lower
    )
    texts = [
        t.format(n=n, l=n.lower(), u=n.upper(), c=n.replace(" ", "").lower(), h=n.replace(" ", "-"))
        for n in names
        for t in TEMPLATES
    ]
    pairs = [f"{a} dan {b}, {b}-{a}" for a, b in itertools.pairwise(names)]
    return [*texts, *pairs, *OVERLAPS]


def case_texts() -> list[str]:
    out: list[str] = []
    for path in CASE_FILES:
        out.extend(_strings(tomllib.loads(path.read_text(encoding="utf-8"))))
    return out


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def results(text: str, ctx: NormalizeContext) -> dict[str, Any]:
    gaz = gazetteer(ctx)
    hits = [
        [h.place.slug, h.place.kind, h.place.province, h.text, h.start, h.end]
        for h in find(text, gaz)
    ]
    tokens = {w: [p.slug for p in find_in_token(w, gaz)] for w in text.split()[:40]}
    return {"find": hits, "tokens": {w: s for w, s in tokens.items() if s}}


def _pinned() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PINNED.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def ctx() -> NormalizeContext:
    return build_ctx()


def test_every_generated_text_keeps_its_pinned_places(ctx: NormalizeContext) -> None:
    pinned = _pinned()
    texts = generated(ctx)
    assert len(texts) > 1000
    wrong = [t for t in texts if results(t, ctx) != pinned[digest(t)]]
    assert wrong == [], f"{len(wrong)} texts changed, first: {wrong[0]!r}"


def test_every_case_text_keeps_its_pinned_places(ctx: NormalizeContext) -> None:
    pinned = _pinned()
    texts = [t for t in case_texts() if digest(t) in pinned]
    assert len(texts) > 300, "the case files changed: rewrite the pins with --write"
    wrong = [t for t in texts if results(t, ctx) != pinned[digest(t)]]
    assert wrong == [], f"{len(wrong)} texts changed, first: {wrong[0]!r}"


def test_the_pins_are_not_empty(ctx: NormalizeContext) -> None:
    """The pins would pass vacuously if the matcher of the day found nothing."""
    pinned = _pinned()
    with_hits = sum(1 for v in pinned.values() if v["find"])
    slugs = {h[0] for v in pinned.values() for h in v["find"]}
    assert with_hits > 1000
    assert slugs == {r.slug for r in ctx.regencies}


def test_overlaps_resolve_longest_first(ctx: NormalizeContext) -> None:
    gaz = gazetteer(ctx)
    hits = find("Kutai dan Kutai Kartanegara, Loa Janan Ilir", gaz)
    assert [(h.text, h.place.slug) for h in hits] == [
        ("Kutai Kartanegara", "kukar"),
        ("Loa Janan Ilir", "samarinda"),
    ]
    assert [h.text for h in find("PT Kaltim Prima Coal dan KaltimPost", gaz)] == ["Kaltim"]


def _write() -> None:
    ctx = build_ctx()
    texts = [*generated(ctx), *case_texts()]
    PINNED.parent.mkdir(parents=True, exist_ok=True)
    data = {digest(t): results(t, ctx) for t in texts}
    lines = [
        f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(data.items())
    ]
    PINNED.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    print(f"wrote {len(data)} pinned texts to {PINNED}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python -m tests.test_normalize_places --write")
    _write()


@pytest.mark.parametrize(
    "text",
    [
        # each with "Kartanegara", which names Kukar were the trap not blanked
        "kesultanan kutai kartanegara",
        "sultan kutai kartanegara",
        "kerajaan kutai kartanegara",
        "keraton kutai kartanegara",
        "kedaton kutai kartanegara",
        "kutai kartanegara ing martadipura",
        "jembatan mahakam ulu",
        "jembatan mahulu",
    ],
)
def test_each_trap_is_still_blanked_behind_its_cheap_hint(ctx: NormalizeContext, text: str) -> None:
    # the hint only skips the trap pass where no trap can be: each of these is blanked, so
    # the regency it names is not found (the sultanate is not the regency, the bridge not Mahulu)
    assert TRAPS.fullmatch(text)
    found = {h.place.slug for h in find(f"Acara di {text.title()} meriah.", gazetteer(ctx))}
    assert found == set(), found


@pytest.mark.parametrize("prefix", ["Kecamatan", "Kec.", "Kec", "Camat", "kecamatan"])
def test_a_common_word_kecamatan_is_found_behind_every_prefix_spelling(
    ctx: NormalizeContext, prefix: str
) -> None:
    gaz = gazetteer(ctx)
    assert gaz.prefixed_hints  # the shipped gazetteer has common-word kecamatan
    found = {h.place.slug for h in find(f"Warga {prefix} Sandaran menanam bakau.", gaz)}
    assert found == {"kutim"}, found
    assert find("Warga menanam bakau di sandaran perahu.", gaz) == []


_PREFIX_PIECES = [
    "kecamatan",
    "kec.",
    "kec",
    "camat",
    "kabupaten",
    "kab.",
    "kab",
    "KEC.",
    "Kab",
    "sandaran",
    "damai",
    "waru",
    "batu putih",
    "pasir",
    "teluk  bayur",
    "kecamatankec",
    "camatsandaran",
    "kab.pasir",
    "-",
    ",",
    "(",
    "x",
    "é",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_PREFIX_PIECES), st.sampled_from(["", " ", "  ", "-", ".", "\n"]))
    )
)
def test_the_prefixed_pass_tried_at_its_hints_finds_what_a_full_scan_finds(
    pieces: list[tuple[str, str]],
) -> None:
    # every prefix spelling opens with one of PREFIX_HINTS; a hint dropped or a prefix added
    # without its hint loses matches here
    gaz = gazetteer(build_ctx())
    assert gaz.prefixed_folded is not None
    low = _folded("".join(a + b for a, b in pieces))
    assert low is not None
    text = f" {low}"
    full = [(m.span(), m.groups()) for m in gaz.prefixed_folded.finditer(text)]
    tried = [
        (m.span(), m.groups()) for m in _at_hints(gaz.prefixed_folded, text, gaz.prefixed_hints)
    ]
    assert tried == full
