"""Golden cases from real Kaltim pages (issue 11): a company name is no province, a credit
after a word and a dateline ending in a full stop are read, a DPRD credit is government."""

from __future__ import annotations

import pytest

from syndication.normalize.classify import classify
from syndication.normalize.text import clean_content
from syndication.types import NormalizeContext
from tests.test_normalize_golden import build_ctx


@pytest.fixture(scope="module")
def ctx() -> NormalizeContext:
    return build_ctx()


def test_a_company_named_after_the_province_is_no_province(ctx: NormalizeContext) -> None:
    body = (
        "Pengadilan Negeri Jakarta Pusat menyidangkan perkara PT Kaltim Elektrik Power. "
        "Sidang dilanjutkan pekan depan."
    )
    got = classify("Sidang Perkara Listrik di Jakarta", body, None, None, (), (), None, ctx)
    assert got.regencies == ()


@pytest.mark.parametrize(
    ("closing", "credit"),
    [
        ("Kegiatan ini akan rutin digelar, pungkasnya (adv/hms7).", "adv/hms7"),
        ("Kegiatan ini akan rutin digelar, katanya (adv/diskominfo kukar)", "adv/diskominfo kukar"),
        ("Acara berlangsung meriah. (adv)", "adv"),
    ],
)
def test_a_closing_credit_after_a_word(closing: str, credit: str) -> None:
    got = clean_content(f"<p>SAMARINDA – Rapat digelar di kantor gubernur.</p><p>{closing}</p>")
    assert got.credit == credit


def test_a_bracketed_place_after_a_word_is_no_credit() -> None:
    got = clean_content(
        "<p>Rapat digelar di Sangatta (Kutim).</p><p>Warga hadir di sana (Kaltim).</p>"
    )
    assert got.credit is None


def test_a_dprd_credit_is_government(ctx: NormalizeContext) -> None:
    got = classify("Rapat Paripurna", "Rapat digelar.", "adv/DprdKaltim", None, (), (), None, ctx)
    assert "pemerintah" in got.categories and got.advertorial
    assert got.regencies == ("kaltim",)


def test_a_dateline_ending_in_a_full_stop(ctx: NormalizeContext) -> None:
    got = clean_content("<p>SAMARINDA. Pemkot menggelar rapat koordinasi pada Senin.</p>")
    assert got.dateline == "SAMARINDA."
    assert "SAMARINDA" not in got.summary
