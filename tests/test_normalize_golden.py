"""The golden table: realistic Kaltim stories through normalize_entry, every trap of NOTES.md.

Also home of the helpers other normalize tests and bench/classify_report.py use: the context
built from the shipped syndication/data/kaltim.toml (the gazetteer is config, never code) and
the case loader.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from syndication.normalize import normalize_entry
from syndication.types import CategoryInfo, Item, NormalizeContext, RawEntry, RegencyInfo

ROOT = Path(__file__).resolve().parents[1]
GAZETTEER = ROOT / "syndication" / "data" / "kaltim.toml"
GOLDEN = Path(__file__).resolve().parent / "data" / "golden"


@dataclass(frozen=True)
class Case:
    id: str
    trap: str
    raw: RawEntry
    now: datetime
    first_seen: datetime
    published_utc: datetime
    credit: str
    dateline: str | None
    categories: frozenset[str]
    regencies: frozenset[str]
    advertorial: bool
    title_clean: str | None


def build_ctx(gazetteer: Path = GAZETTEER) -> NormalizeContext:
    """The NormalizeContext a config built from kaltim.toml plus the golden categories gives."""
    data = tomllib.loads(gazetteer.read_text(encoding="utf-8"))
    province = data["province"]
    regencies = [
        RegencyInfo(
            province["slug"], province["name"], tuple(province["aliases"]), is_province=True
        )
    ]
    regencies += [
        RegencyInfo(r["slug"], r["name"], tuple(r["aliases"]), tuple(r["kecamatan"]))
        for r in data["regencies"]
    ]
    cats = tomllib.loads((GOLDEN / "categories.toml").read_text(encoding="utf-8"))["categories"]
    categories = tuple(
        CategoryInfo(c["slug"], c["name"], tuple(c.get("aliases", ()))) for c in cats
    )
    return NormalizeContext(regencies=tuple(regencies), categories=categories)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _case(row: dict[str, Any], now: datetime, first_seen: datetime) -> Case:
    machine = row.get("published_machine")
    raw = RawEntry(
        source_id="golden",
        link=f"https://portal.example.id/{row['id']}/",
        title=row["title"],
        content_html=row["body"],
        published_raw=row["published_raw"] or None,
        published=_when(machine) if machine else None,
        labels=tuple(row["labels"]),
        tags=tuple(row.get("tags", ())),
        base_url="https://portal.example.id/",
    )
    return Case(
        id=row["id"],
        trap=row["trap"],
        raw=raw,
        now=now,
        first_seen=first_seen,
        published_utc=_when(row["published_utc"]),
        credit=row["credit"],
        dateline=row.get("dateline"),
        categories=frozenset(row["categories"]),
        regencies=frozenset(row["regencies"]),
        advertorial=row["advertorial"],
        title_clean=row.get("title_clean"),
    )


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(GOLDEN.glob("cases_*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        now, first_seen = _when(data["now"]), _when(data["first_seen"])
        cases += [_case(row, now, first_seen) for row in data["case"]]
    return cases


def run(case: Case, ctx: NormalizeContext) -> Item:
    return normalize_entry(case.raw, ctx, case.now, case.first_seen)


CASES = load_cases()


@pytest.fixture(scope="module")
def ctx() -> NormalizeContext:
    return build_ctx()


def test_the_table_is_big_enough_and_ids_are_unique() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_case(case: Case, ctx: NormalizeContext) -> None:
    item = run(case, ctx)
    why = f"{case.trap}\n{item.evidence}"
    assert set(item.regencies) == case.regencies, why
    assert set(item.categories) == case.categories, why
    assert item.advertorial is case.advertorial, why
    assert item.published == case.published_utc
    assert item.published.utcoffset() is not None
    assert (item.credit or "") == case.credit
    if case.dateline is not None:
        assert item.dateline == case.dateline
    if case.title_clean is not None:
        assert item.title == case.title_clean
    for boilerplate in ("baca juga", "berita terkait", "appeared first on", "share :"):
        assert boilerplate not in item.content_html.lower()
        assert boilerplate not in item.summary.lower()
    assert "<" not in item.summary and "<" not in item.title
