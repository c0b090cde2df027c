"""The held-out table: stories written blind, before the normalizer was read (issue 3 review).

The golden table was written with the code in view; this one was not, so its figures are the
honest ones. It asserts floors for micro precision/recall, exact answers for the clear-cut
traps (cases marked `trap`), exact dates and robustness over arbitrary entries (speed is
measured in bench/, never asserted here). bench/heldout_report.py prints the per-label table
and the misses.

The gazetteer comes from the shipped syndication/data/kaltim.toml (build_ctx); the categories
from the shipped config.toml, whose slugs are the contract's eleven (the golden
categories.toml lacks lingkungan and sosial-budaya, so it cannot score this table).
"""

from __future__ import annotations

import html
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndication.config import load as load_config
from syndication.normalize import EntryUnusableError, classify, clean_content, normalize_entry
from syndication.types import Item, NormalizeContext, RawEntry
from tests.test_normalize_golden import CASES as GOLDEN_CASES
from tests.test_normalize_golden import ROOT, build_ctx
from tests.test_normalize_text import TAG

HELDOUT = Path(__file__).resolve().parent / "data" / "heldout" / "cases.toml"
# Floors: the figures reached after the review's fixes, rounded down (see the report).
MICRO_PRECISION_FLOOR = 0.99  # reached 0.994 (1 false positive in 178)
MICRO_RECALL_FLOOR = 0.98  # reached 0.983 (3 of 180 missed: category config, see the report)


@dataclass(frozen=True)
class HeldoutCase:
    id: str
    raw: RawEntry
    now: datetime
    categories: frozenset[str]
    regencies: frozenset[str]
    advertorial: bool
    published: datetime
    trap: bool
    debatable: bool
    note: str


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def micro(self) -> tuple[float, float]:
        tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        return _ratio(tp, tp + fp), _ratio(tp, tp + fn)

    def per_label(self, label: str) -> tuple[int, float, float]:
        tp, fp, fn = self.tp[label], self.fp[label], self.fn[label]
        return tp + fn, _ratio(tp, tp + fp), _ratio(tp, tp + fn)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def body_html(paragraphs: list[str]) -> str:
    """Raw HTML paragraphs pass as they are; text ones are escaped into <p>."""
    return "\n".join(p if p.startswith("<") else f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _case(row: dict[str, Any], now: datetime) -> HeldoutCase:
    raw = RawEntry(
        source_id="heldout",
        link=f"https://berita.example.id/{row['id']}/",
        title=row["title"],
        content_html=body_html(row["paragraphs"]),
        published_raw=row["published_raw"],
        labels=tuple(row["labels"]),
        base_url="https://berita.example.id/",
    )
    return HeldoutCase(
        id=row["id"],
        raw=raw,
        now=now,
        categories=frozenset(row["categories"]),
        regencies=frozenset(row["regencies"]),
        advertorial=row["advertorial"],
        published=_when(row["published"]),
        trap=row.get("trap", False),
        debatable=row.get("debatable", False),
        note=row.get("note", ""),
    )


def load_heldout() -> list[HeldoutCase]:
    data = tomllib.loads(HELDOUT.read_text(encoding="utf-8"))
    now = _when(data["now"])
    return [_case(row, now) for row in data["cases"]]


def heldout_ctx(categories: str = "config") -> NormalizeContext:
    """Gazetteer from kaltim.toml; categories from config.toml, or "golden" for the golden set."""
    ctx = build_ctx()
    if categories == "golden":
        return ctx
    config = load_config(ROOT / "config.toml")
    return replace(ctx, categories=config.normalize_context().categories)


def run(case: HeldoutCase, ctx: NormalizeContext) -> Item:
    return normalize_entry(case.raw, ctx, case.now, case.now)


def labels_of(categories: frozenset[str], regencies: frozenset[str], adv: bool) -> set[str]:
    found = {f"category:{c}" for c in categories} | {f"regency:{r}" for r in regencies}
    return found | ({"flag:advertorial"} if adv else set())


def score(cases: list[HeldoutCase], ctx: NormalizeContext) -> Score:
    result = Score()
    for case in cases:
        item = run(case, ctx)
        got = labels_of(frozenset(item.categories), frozenset(item.regencies), item.advertorial)
        want = labels_of(case.categories, case.regencies, case.advertorial)
        result.tp.update(got & want)
        result.fp.update(got - want)
        result.fn.update(want - got)
        mark = " (debatable)" if case.debatable else ""
        result.misses += [f"false positive {x:<24} {case.id}{mark}" for x in sorted(got - want)]
        result.misses += [f"missed         {x:<24} {case.id}{mark}" for x in sorted(want - got)]
        if item.published != case.published:
            result.misses.append(f"date {item.published.isoformat()} != {case.published} {case.id}")
    return result


CASES = load_heldout()
TRAPS = [c for c in CASES if c.trap]


@pytest.fixture(scope="module")
def ctx() -> NormalizeContext:
    return heldout_ctx()


def test_table_is_big_and_blind_ids_unique() -> None:
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)
    assert len(TRAPS) >= 20
    golden_titles = {c.raw.title for c in GOLDEN_CASES}
    assert not golden_titles & {c.raw.title for c in CASES}  # a new table, not a copy
    assert not any(c.trap and c.debatable for c in CASES)


def test_micro_precision_and_recall_floor(ctx: NormalizeContext) -> None:
    result = score(CASES, ctx)
    precision, recall = result.micro()
    misses = "\n".join(result.misses)
    assert precision >= MICRO_PRECISION_FLOOR, misses
    assert recall >= MICRO_RECALL_FLOOR, misses


@pytest.mark.parametrize("case", TRAPS, ids=[c.id for c in TRAPS])
def test_clear_cut_trap(case: HeldoutCase, ctx: NormalizeContext) -> None:
    item = run(case, ctx)
    why = f"{case.note}\n{item.evidence}"
    assert set(item.regencies) == case.regencies, why
    assert item.advertorial is case.advertorial, why


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_printed_date(case: HeldoutCase, ctx: NormalizeContext) -> None:
    assert run(case, ctx).published == case.published


def test_boilerplate_never_reaches_the_item(ctx: NormalizeContext) -> None:
    for case in CASES:
        item = run(case, ctx)
        for marker in ("baca juga", "share :", "berita terkait"):
            assert marker not in item.content_html.lower(), case.id
            assert marker not in item.summary.lower(), case.id


def test_only_web_links_reach_the_item(ctx: NormalizeContext) -> None:
    now = CASES[0].now
    for link in ("javascript:alert(1)", "data:text/html,x", "/tanpa/basis"):
        raw = RawEntry(source_id="x", link=link, title="Judul", image=link)
        item = normalize_entry(raw, ctx, now, now)
        assert item.url == "" and item.image is None and item.url_key.startswith("entry:")
    with pytest.raises(EntryUnusableError):
        normalize_entry(RawEntry(source_id="x", link="javascript:void(0)"), ctx, now, now)


def _by_id(case_id: str) -> HeldoutCase:
    return next(c for c in CASES if c.id == case_id)


def test_bare_title_case_dateline(ctx: NormalizeContext) -> None:
    item = run(_by_id("h28-typo-title-dateline"), ctx)
    assert item.dateline == "Tenggarong –"
    assert item.summary.startswith("Sebanyak 200 pelaku")
    deeper = clean_content("<p>Paragraf pertama yang biasa.</p><p>Andi – warga – senang.</p>")
    assert deeper.dateline is None  # only the first paragraph may open with "Name –"


@pytest.mark.parametrize("case_id", ["h17-hashtag-kukar", "h50-hashtag-kutim"])
def test_credit_after_hashtags(case_id: str, ctx: NormalizeContext) -> None:
    assert run(_by_id(case_id), ctx).credit == "adv"
    unlabelled = replace(_by_id(case_id).raw, labels=())
    assert normalize_entry(unlabelled, ctx, CASES[0].now, CASES[0].now).advertorial


def test_go_id_host_ending_a_sentence(ctx: NormalizeContext) -> None:
    for text in ("Lihat bkpsdm.bontangkota.go.id.", "Lihat bontangkota.go.id, lalu daftar"):
        assert classify("Judul", text, None, None, (), (), None, ctx).regencies == ("bontang",)


def test_lowercase_kecamatan_is_a_phrase(ctx: NormalizeContext) -> None:
    body = "Pemerintah kota bangun tiga sekolah baru di Balikpapan tahun ini."
    got = classify("Sekolah Baru", body, None, None, (), (), None, ctx)
    assert got.regencies == ("balikpapan",)
    proper = classify("Banjir", "Warga Kota Bangun mengungsi.", None, None, (), (), None, ctx)
    assert proper.regencies == ("kukar",)


def test_mid_story_related_box_keeps_the_rest() -> None:
    box = '<h4>Baca Juga</h4><ul><li><a href="/x">Bupati Kutim Resmikan Pasar</a></li></ul>'
    got = clean_content(
        "<p>SENDAWAR – Pemkab Kubar menyalurkan beasiswa.</p>"
        f"{box}<p>Dana ditransfer langsung ke rekening penerima. (adv/prokopim kubar)</p>"
    )
    assert "Kutim" not in got.text and "rekening penerima" in got.text
    assert got.credit == "adv/prokopim kubar"


def test_share_line_with_button_names_starts_the_tail() -> None:
    got = clean_content(
        "<p>Isi berita selesai di sini. (adv)</p>"
        '<div>Share : <a href="/f">Facebook</a> <a href="/t">Twitter</a> WhatsApp</div>'
        "<p>Baca Juga</p><p>Pemkab Kutim Bangun BTS di Busang</p>"
    )
    assert "Share" not in got.text and "Kutim" not in got.text and got.credit == "adv"


_TEXT = st.one_of(st.none(), st.text(max_size=300))
_HTMLISH = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.lists(
        st.sampled_from(["<p>", "</p>", "Baca Juga : Kukar", "(adv)", "Share :", "&amp;"])
    ).map("".join),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_TEXT,
    link=_TEXT,
    guid=_TEXT,
    content=_HTMLISH,
    summary=_HTMLISH,
    published_raw=_TEXT,
    author=_TEXT,
    labels=st.lists(st.text(max_size=40), max_size=4),
)
def test_normalize_entry_total(
    title: str | None,
    link: str | None,
    guid: str | None,
    content: str | None,
    summary: str | None,
    published_raw: str | None,
    author: str | None,
    labels: list[str],
) -> None:
    now = datetime(2025, 3, 1, tzinfo=CASES[0].now.tzinfo)
    raw = RawEntry(
        source_id="fuzz",
        guid=guid,
        link=link,
        title=title,
        summary_html=summary,
        content_html=content,
        published_raw=published_raw,
        author=author,
        labels=tuple(labels),
        tags=tuple(labels),
    )
    try:
        item = normalize_entry(raw, _FUZZ_CTX, now, now)
    except EntryUnusableError:
        return
    assert item.published <= now + timedelta(seconds=_FUZZ_CTX.future_skew_seconds)
    assert TAG.search(item.title) is None and "\n" not in item.title
    assert item.url == "" or item.url.startswith(("http://", "https://"))


_FUZZ_CTX = heldout_ctx()
