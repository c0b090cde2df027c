"""The shortcuts of issue 12 give what the plain forms they replace give, on random texts.

places.find reads a lower-cased copy with case-sensitive patterns (_find_case_blind is the
matcher it replaced); text._one_line skips the control-character pass on printable text;
text._without_credit finds the closing credit by rfind instead of a regex.
"""

from __future__ import annotations

import importlib
import random
import re
from dataclasses import replace

import pytest

from syndication.normalize import places, text
from syndication.normalize.places import _find_case_blind, find, gazetteer
from tests.test_normalize_places import build_ctx

# pieces that reach every pass: traps, prefixes, hashtags, hosts, and the characters whose
# case folding differs between str.lower() and re.IGNORECASE (İ ı ſ, the Kelvin sign)
_PIECES = [
    "Kecamatan ",
    "KEC. ",
    "camat ",
    "Kabupaten ",
    "kab ",
    "Sultan Kutai ",
    "Kesultanan Kutai Kartanegara ing Martadipura ",
    "Jembatan Mahakam Ulu ",
    "#",
    "@",
    "kukarkab.go.id ",
    "KUTAI ",
    "Loa-Janan ",
    "PT ",
    "\u212a",
    "\u0130",
    "\u0131",
    "\u017f",
    "\u1e9e",
    "\u201c",
    "\u2014",
    "é",
    "-",
    "  ",
    "\n",
    "warga ",
    "di ",
    ".",
    ",",
]


def _random_texts(names: list[str], count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rnd.randint(1, 12)):
            if rnd.random() < 0.4:
                name = rnd.choice(names)
                forms = [name, name.upper(), name.title(), name.replace(" ", "-")]
                forms += [name.replace("i", "\u0131"), name.replace("s", "\u017f")]
                parts.append(rnd.choice(forms))
            else:
                parts.append(rnd.choice(_PIECES))
        out.append("".join(parts))
    return out


def test_find_on_the_folded_copy_matches_the_case_blind_matcher() -> None:
    gaz = gazetteer(build_ctx())
    assert gaz.foldable
    found = 0
    for sample in _random_texts(list(gaz.names), 3000, seed=12):
        hits = find(sample, gaz)
        assert hits == _find_case_blind(sample, gaz), sample
        found += len(hits)
    assert found > 1000  # the texts do name places


def test_texts_the_copy_cannot_stand_for_are_read_case_blind() -> None:
    assert places._folded("Kukar") == "kukar"
    assert places._folded("\u212aUKAR \u201cx\u201d") == "kukar \u201cx\u201d"
    for odd in ("\u0130", "\u0131", "\u017f"):  # İ lowers to two characters; ı, ſ fold apart
        assert places._folded(f"Kukar {odd}") is None
    gaz = gazetteer(build_ctx())
    assert [h.text for h in find("Warga KUKAR di Tenggarong \u0131", gaz)] == [
        "KUKAR",
        "Tenggarong",
    ]


def test_a_non_ascii_name_keeps_the_case_blind_matcher() -> None:
    ctx = build_ctx()
    first = ctx.regencies[0]
    odd = replace(first, aliases=(*first.aliases, "Tanah Grog\u00f8t"))  # ø has no ASCII form
    gaz = places._compiled(replace(ctx, regencies=(odd, *ctx.regencies[1:])))
    assert not gaz.foldable
    assert [h.place.slug for h in find("Warga TANAH GROG\u00d8T", gaz)] == [first.slug]


def _one_line_before(value: str) -> str:
    return " ".join(text._CONTROL.sub("", value.translate(text._SPACING_CONTROLS)).split())


def test_one_line_reads_every_control_as_the_translation_then_the_control_pass() -> None:
    """_one_line's single pass (_DROPPED_CONTROL, then str.split) against what it stands for:
    separating controls to spaces, the other controls deleted, then the split; every code
    point of the ranges the patterns name, between two letters."""
    points = [*range(0x3000), *range(0xFDC0, 0x10000), 0x10FFFF]
    for point in points:
        value = f"a{chr(point)}b"
        assert text._one_line(value) == _one_line_before(value), hex(point)


def test_one_line_matches_the_control_pass_then_split() -> None:
    rnd = random.Random(7)
    alphabet = "ab \t\n\x00\x0b\x1c\x85\xa0\u200b\u2028\u202f\ufeff\u3000é"
    for _ in range(5000):
        value = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        assert text._one_line(value) == _one_line_before(value), repr(value)


def test_credit_removal_matches_the_anchored_substitution() -> None:
    """Where the credit ends the text. (A credit followed by what _credit reads past, an
    editor's tag, hashtags, "ADVERTORIAL", goes too, which the substitution does not do:
    tests/test_credit_stacked.py. These pieces, with this seed, never make such a tail.)"""
    rnd = random.Random(3)
    pieces = ["(adv)", "(adv/kukar)", "[adv]", "[adv | kukar]", " ", ".", "\n", "x", "(", ")"]
    pieces += ["[", "]", "adv", "\u3000"]
    for _ in range(5000):
        value = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 10)))
        for credit in ("adv", "adv/kukar", "adv | kukar", "a(d", "a]d", "x"):
            name = re.escape(credit)
            expected = re.sub(rf"\s*(?:\({name}\)|\[{name}\])\s*\.?$", "", value)
            assert text._without_credit(value, credit) == expected, (value, credit)


def test_line_junk_without_its_caption_branch_gives_the_same_answer() -> None:
    rnd = random.Random(11)
    pieces = [
        "Warga menanam pohon ",
        "(Foto: Humas) ",
        "(FOTO/antara) ",
        "(dok: kukar)",
        "(Dok/adv)",
        "(\u0130lustrasi: x)",
        "(ilu\u017ftrasi: x)",
        "ANTARA FOTO/Andi ",
        "\u212a",
        "12 Juni 2024 ",
        "Foto: Humas.",
        "3 komentar",
        ")",
        "(",
        ".",
        " ",
    ]
    seen = 0
    for _ in range(4000):
        value = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8))).strip()
        expected = text._LINE_JUNK.match(value) is not None
        assert text._line_junk(value) == expected, value
        seen += expected
    assert seen > 100  # the texts do reach the junk branches


# places.TRAPS as it was written before its branches were made to open on a letter
_TRAPS_BEFORE = re.compile(
    r"(?:ke)?sultan(?:an)?\s+kutai(?:\s+kartanegara)?(?:\s+ing\s+martadipura)?"
    r"|(?:kerajaan|keraton|kedaton)\s+kutai(?:\s+kartanegara)?(?:\s+ing\s+martadipura)?"
    r"|kutai\s+kartanegara\s+ing\s+martadipura|kutai\s+martadipura"
    r"|jembatan\s+(?:mahakam\s+[hu]?ulu|mahulu)",
    re.IGNORECASE,
)


def test_traps_find_what_they_found_before() -> None:
    rnd = random.Random(4)
    pieces = ["ke", "Ke", "sultan", "SULTAN", "an", " ", "\n", "kutai", "KUTAI", "kartanegara"]
    pieces += ["ing", "martadipura", "kerajaan", "keraton", "kedaton", "jembatan", "mahakam"]
    pieces += ["hulu", "ulu", "uulu", "mahulu", "x", "-"]
    matched = 0
    for _ in range(5000):
        value = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 10)))
        before = [m.span() for m in _TRAPS_BEFORE.finditer(value)]
        assert [m.span() for m in places.TRAPS.finditer(value)] == before, value
        assert [m.span() for m in places._TRAPS_FOLDED.finditer(value.lower())] == before, value
        matched += bool(before)
    assert matched > 20  # about 40 of the 5,000 hold a trap


def test_skipping_the_body_never_changes_the_regencies(monkeypatch: pytest.MonkeyPatch) -> None:
    """classify leaves the body unread once stronger evidence decides (`_settled`): over
    random stories built of the gazetteer's words, offices, company names and province
    words, its regencies equal those of the same classify reading every body."""
    c = importlib.import_module("syndication.normalize.classify")  # the module, not the function

    ctx = build_ctx()
    words = [
        "Bupati", "Pemkab", "DPRD", "Gubernur", "Wali Kota", "PT", "CV.", "di", "dan", "warga",
        "Kukar", "Kutim", "Kutai Timur", "Samarinda", "Balikpapan", "Bontang", "Berau", "Paser",
        "Tenggarong", "Sangatta", "Loa Kulu", "Sepaku", "Kaltim", "Kalimantan Timur", "Penajam",
        "Muara Wahau", "rapat", "Mahulu", "Kubar", "PPU", "#pemkabkukar", "kukarkab.go.id", ",",
    ]  # fmt: skip
    credits = [None, "adv/diskominfo/kukar", "ant/hms", "adv", "RWT | ADV DISKOMINFO BONTANG"]
    datelines = [None, "TENGGARONG –", "SAMARINDA, kaltimkita.id –", "Jakarta –"]
    rnd = random.Random(5)

    def story() -> tuple[str, str, str | None, str | None, tuple[str, ...]]:
        title = " ".join(rnd.choice(words) for _ in range(rnd.randint(0, 6)))
        body = " ".join(rnd.choice(words) for _ in range(rnd.randint(0, 40)))
        labels = tuple(
            rnd.sample(["Kukar", "Berita", "Samarinda", "Advertorial"], rnd.randint(0, 2))
        )
        return title, body, rnd.choice(credits), rnd.choice(datelines), labels

    stories = [story() for _ in range(3000)]
    fast = [c.classify(t, b, cr, d, lab, (), None, ctx).regencies for t, b, cr, d, lab in stories]
    monkeypatch.setattr(c, "_settled", lambda found: False)
    full = [c.classify(t, b, cr, d, lab, (), None, ctx).regencies for t, b, cr, d, lab in stories]
    assert fast == full
    assert sum(1 for r in full if r) > 1000  # the stories name places


def test_url_key_skips_only_what_canonical_url_leaves_as_it_is() -> None:
    """url_key takes a plain URL (`_PLAIN_CANONICAL`, nothing AMP-like) as already canonical;
    canonical_url must give every such URL back unchanged, or the keys would differ."""
    from syndication.urls import _PLAIN_CANONICAL, canonical_url

    rnd = random.Random(3)
    host, path = "abcdefghijklmnopqrstuvwxyz0123456789-.", "ABCXYZabcxyz0189/._~-"
    taken = 0
    for _ in range(20000):
        url = rnd.choice(["http://", "https://"])
        url += "".join(rnd.choice(host) for _ in range(rnd.randint(1, 12))) + "/"
        url += "".join(rnd.choice(path) for _ in range(rnd.randint(0, 20)))
        if _PLAIN_CANONICAL.fullmatch(url) and "amp" not in url.lower():
            taken += 1
            assert canonical_url(url) == url, url
    assert taken > 10000
    for changed in ("http://a.id:80/x", "https://a.id./x", "https://a.id/x?utm_source=y"):
        assert not _PLAIN_CANONICAL.fullmatch(changed)


def test_the_control_check_answers_as_the_pattern_does() -> None:
    """_has_control (on UTF-8 bytes) against _CONTROL.search: every code point alone, and
    random texts of the characters at the edges of its ranges."""
    singles = [c for c in range(0x110000) if c < 0xD800 or c > 0xDFFF or c % 97 == 0]
    differ = [c for c in singles if text._has_control(chr(c)) != bool(text._CONTROL.search(chr(c)))]
    assert differ == []
    edges = "a é – “ \t \n \r \x00 \x08 \x0b \x1f \x7e \x7f \x80 \x9f \xa0 \u200a \u200b \u200f"
    edges += " \u2010 \u2027 \u2028 \u202e \u202f \ufdcf \ufdd0 \ufdef \ufdf0 \ufefe \ufeff"
    pool = [*edges.split(" "), " ", "\ufffd", "\ufffe", "\uffff", "\ud800", "\U0001f600"]
    rnd = random.Random(5)
    for _ in range(50_000):
        value = "".join(rnd.choices(pool, k=rnd.randint(0, 8)))
        assert text._has_control(value) == bool(text._CONTROL.search(value)), repr(value)
