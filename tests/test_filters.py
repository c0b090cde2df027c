"""Editorial filters: whole words, case-insensitive, folded text; validated by the config."""

from __future__ import annotations

import pytest

from syndication.config import loads
from syndication.errors import ConfigError
from syndication.filters import Filters, fold

BASE = """
[[categories]]
slug = "pemerintah"
name = "Pemerintah"
[[categories]]
slug = "advertorial"
name = "Advertorial"
[[regencies]]
slug = "kukar"
name = "Kutai Kartanegara"
[[regencies]]
slug = "kutim"
name = "Kutai Timur"
"""


def _filters(extra: str) -> Filters:
    return loads(BASE + extra).editorial


def test_fold_reads_punctuation_and_nbsp_as_spaces() -> None:
    assert fold("JUDI\u00a0Online!") == " judi online "
    assert fold("Judi-online, slot.") == " judi online slot "
    assert fold("ＪＵＤＩ") == " judi "  # full-width forms fold too


def test_exclude_matches_whole_words_only_in_its_regencies() -> None:
    f = _filters('[[filters]]\nregencies = ["kukar"]\nexclude = ["judi online"]\n')
    hold = f.verdict("kukar", "Polisi Razia Judi Online di Tenggarong", "")
    assert hold is not None and hold.kind == "exclude" and hold.phrase == "judi online"
    assert "filters[0]" in hold.reason() and "judi online" in hold.reason()
    assert f.verdict("kutim", "Polisi Razia Judi Online di Sangatta", "") is None
    assert f.verdict("kukar", "Situs judionline diblokir", "") is None
    assert f.verdict("kukar", "Judi sabung ayam digerebek", "") is None
    # the text counts as much as the title; a non-breaking space is a space
    assert f.verdict("kukar", "Razia", "<p>Bandar judi\u00a0online ditangkap</p>") is not None


def test_a_phrase_is_in_the_title_or_in_the_text_never_across_the_two() -> None:
    """The contract: an item whose title or text contains the phrase. The title's last word
    and the text's first made one ("... Judi" + "Online ...") when they were read as one."""
    f = _filters('[[filters]]\nexclude = ["judi online"]\nrequire = ["warga desa"]\n')
    assert f.verdict("kukar", "Polisi Gerebek Arena Judi", "Online, warga desa resah.") is None
    held = f.verdict("kukar", "Warga", "Desa menolak judi online.")
    assert held is not None and held.phrase == "judi online"
    unmet = f.verdict("kukar", "Pemkab Bantu Warga", "Desa Loa Kulu menerima bantuan.")
    assert unmet is not None and unmet.kind == "require"
    # a stored item's summary and body are two parts too
    ok = f.reason("kukar", "Razia di Tenggarong", "Polisi gerebek warga desa judi", "<p>Online</p>")
    assert ok is None
    held = f.reason("kukar", "Razia", "Warga desa resah", "<p>Arena judi online ditutup</p>")
    assert held is not None and "judi online" in held


def test_require_holds_items_without_any_listed_word() -> None:
    f = _filters('[[filters]]\nrequire = ["bupati", "dprd"]\n')
    assert f.verdict("kutim", "Rapat paripurna DPRD Kutim", "") is None
    hold = f.verdict("kutim", "Harga cabai naik", "pasar tradisional")
    assert hold is not None and hold.kind == "require" and "require" in hold.reason()
    # a filter without regencies applies to every channel
    assert f.verdict("kukar", "Harga cabai naik", "") is not None


def test_no_filters_hold_nothing() -> None:
    f = _filters("")
    assert not f
    assert f.verdict("kukar", "Judi online", "") is None


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('regencies = ["kubar"]\nexclude = ["slot"]', "filters[0].regencies[0]: unknown regency"),
        ('exclude = ["  ", "slot"]', "filters[0].exclude"),
        ('exclude = ["slot"]\nrequire = ["SLOT"]', "'slot' is both excluded and required"),
        # every phrase in conflict, not the first alone
        (
            'exclude = ["slot", "judi"]\nrequire = ["judi", "SLOT"]',
            "'judi', 'slot' are each both excluded and required",
        ),
        ('regencies = ["kukar"]', "needs `exclude` or `require`"),
        # punctuation reads as spaces: "c++" would hold every text with a lone letter c
        ('exclude = ["c++"]', "filters[0].exclude: 'c++' matches as 'c'"),
        ('exclude = ["slot"]\nexlude = ["x"]', "filters[0].exlude: unknown key"),
    ],
)
def test_check_names_the_broken_filter(table: str, expected: str) -> None:
    with pytest.raises(ConfigError) as e:
        loads(BASE + "[[filters]]\n" + table + "\n")
    assert expected in str(e.value), str(e.value)
