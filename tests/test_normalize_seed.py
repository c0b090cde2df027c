"""The seed page (tests/data/seed/000_...txt), a real Kukar advertorial, end to end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syndication.normalize import explain, normalize_entry
from syndication.types import RawEntry
from tests.test_normalize_golden import ROOT, build_ctx

SEED = ROOT / "tests" / "data" / "seed" / "000_dc520509730166cf.txt"
TITLE = "Pjs Bupati Kukar Menghadiri Rakor Kelancaran Penyelenggaraan Pilkada Serentak 2024"
NOW = datetime(2024, 11, 19, 3, 0, tzinfo=UTC)


def _page() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize("whole_page", [False, True], ids=["entry-content", "whole-page"])
def test_seed_article(whole_page: bool) -> None:
    page = _page()
    body = page if whole_page else page[page.index("KUTAI KARTANEGARA, eksposisi.com") :]
    raw = RawEntry(
        source_id="eksposisi",
        link="https://eksposisi.com/pjs-bupati-kukar-menghadiri-rakor/",
        title=TITLE,
        content_html=body,
        published_raw="Senin, 18 November 2024 - 19:15 WIB",
        labels=("Advertorial", "Pemerintah"),
    )
    item = normalize_entry(raw, build_ctx(), NOW, NOW)
    assert set(item.categories) == {"advertorial", "pemerintah"}
    assert item.advertorial is True
    assert item.regencies == ("kukar",)
    assert item.published == datetime(2024, 11, 18, 12, 15, tzinfo=UTC)
    assert item.credit == "adv/diskominfo/kukar"
    assert item.dateline == "KUTAI KARTANEGARA, eksposisi.com –"
    for text in (item.content_html, item.summary):
        assert "Baca Juga" not in text
        assert "Kutim" not in text  # the insert and the related list were about Kutim
        assert "Share :" not in text
    # the paragraphs around the inserts survive (a greedy regex would have eaten them)
    assert "ujarnya" in item.content_html and "pungkasnya" in item.content_html
    assert item.summary.startswith("Pejabat Sementara (Pjs) Bupati")
    assert "<" not in item.summary
    report = explain(item)
    assert "credit" in report and "title-institution" in report and "kukar" in report


def test_seed_without_cleaning_would_be_wrong() -> None:
    """The trap is real: the raw page names Kutim and the province in its inserts and list."""
    page = _page()
    assert "Bupati Kutim" in page and "Sekretariat DPRD Kaltim" in page
