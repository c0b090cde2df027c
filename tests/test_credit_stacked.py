"""The closing credit when more than one thing closes the story.

A bare mark that names no one (an advertorial's "[Advertorial]", "(adv)", the newsroom's
"(red)") after a fuller credit used to win over it: the story lost the regency and office the
fuller credit named. Both are read now, joined by " + " in reading order. And a credit followed
by an editor's tag ("[Red]", "[video]"), by hashtags or by an "ADVERTORIAL" line stayed in the
summary: only the credit leaves it now, the rest of the story stays.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

import pytest

from syndication.normalize import classify, explain, normalize_entry
from syndication.normalize.text import _without_credit, clean_content
from syndication.types import NormalizeContext, RawEntry
from tests.test_normalize_golden import build_ctx

NOW = datetime(2024, 11, 28, 3, 0, tzinfo=UTC)
# no place and no office in the story itself: the regency can come from the credit only
FIRST = "Rapat koordinasi digelar di aula kantor pada Senin pagi bersama para kepala dinas."
LAST = "Kegiatan itu berjalan lancar dan tertib."
STORY = f"<p>{FIRST}</p>"
SUMMARY = f"{FIRST} {LAST}"


@pytest.fixture(scope="module")
def ctx() -> NormalizeContext:
    return build_ctx()


def _labels(ctx: NormalizeContext, credit: str | None) -> tuple[bool, tuple[str, ...], set[str]]:
    got = classify("Rapat Koordinasi Digelar", SUMMARY, credit, None, (), (), None, ctx)
    return got.advertorial, got.regencies, set(got.categories)


# --- 1. a bare advertorial mark after a fuller credit -----------------------------------------


@pytest.mark.parametrize(
    ("mark", "word"),
    [
        ("[Advertorial]", "Advertorial"),
        ("(Advertorial)", "Advertorial"),
        ("[ADV]", "ADV"),
        ("(adv)", "adv"),
        ("[Pariwara]", "Pariwara"),
        ("(Advertorial).", "Advertorial"),
    ],
)
def test_a_bare_mark_in_the_last_paragraph_keeps_the_credit_before_it(
    ctx: NormalizeContext, mark: str, word: str
) -> None:
    got = clean_content(f"{STORY}<p>{LAST} (adv/diskominfo kukar)</p><p>{mark}</p>")
    assert got.credit == f"adv/diskominfo kukar + {word}"
    assert got.summary == SUMMARY
    assert _labels(ctx, got.credit) == (True, ("kukar",), {"advertorial", "pemerintah"})


@pytest.mark.parametrize(
    "closing",
    [
        "(Diskominfo Kukar)</p><p>[Advertorial]",  # the mark in a paragraph of its own
        "(Diskominfo Kukar)</p><p>(Advertorial)",
        "(Diskominfo Kukar) [Advertorial]",  # ... or in the credit's paragraph
        "(Diskominfo Kukar) (Advertorial)",
        "(Diskominfo Kukar). [Advertorial]",
        "[Diskominfo Kukar] [ADV]",
    ],
)
def test_the_mark_gives_the_advertorial_and_the_credit_the_regency(
    ctx: NormalizeContext, closing: str
) -> None:
    """A fuller credit without "adv" of its own: before, the mark alone was read (the regency
    lost), or, in one paragraph, the credit alone (the advertorial lost) or nothing at all."""
    got = clean_content(f"{STORY}<p>{LAST} {closing}</p>")
    assert got.credit is not None and got.credit.startswith("Diskominfo Kukar + ")
    assert got.summary == SUMMARY
    assert _labels(ctx, got.credit) == (True, ("kukar",), {"advertorial", "pemerintah"})


def test_a_mark_after_a_line_of_the_story_reaches_no_higher() -> None:
    """Above a line of the story, a bracket is the story's (a hostile review: "(Humas
    Kutim)" two paragraphs up turned a Kukar story into Kutim's)."""
    got = clean_content(f"{STORY}<p>{LAST} (adv/diskominfo kukar)</p><p>Salam.</p><p>[ADV]</p>")
    assert got.credit == "ADV"
    assert got.summary == f"{SUMMARY} (adv/diskominfo kukar) Salam."


def test_the_newsrooms_sign_off_after_the_credit_does_not_hide_it(ctx: NormalizeContext) -> None:
    """A "(red)" alone is a credit (it names no one); after a fuller one it replaced it."""
    got = clean_content(f"{STORY}<p>{LAST} (adv/diskominfo kukar)</p><p>(red)</p>")
    assert got.credit == "adv/diskominfo kukar + red"
    assert got.summary == SUMMARY
    assert _labels(ctx, got.credit) == (True, ("kukar",), {"advertorial", "pemerintah"})
    assert clean_content(f"{STORY}<p>{LAST}</p><p>(red)</p>").credit == "red"


def test_the_stacked_credit_reads_in_explain(ctx: NormalizeContext) -> None:
    raw = RawEntry(
        source_id="s",
        link="https://e.id/a/",
        title="Rapat Koordinasi Digelar",
        content_html=f"{STORY}<p>{LAST} (adv/diskominfo kukar)</p><p>[Advertorial]</p>",
    )
    item = normalize_entry(raw, ctx, NOW, NOW)
    assert item.credit == "adv/diskominfo kukar + Advertorial" and item.summary == SUMMARY
    assert item.advertorial and item.regencies == ("kukar",)
    report = explain(item)
    assert "credit: adv/diskominfo kukar + Advertorial" in report
    assert "regencies: kukar" in report


@pytest.mark.parametrize(
    ("body", "credit"),
    [
        # nothing before the mark: the mark alone, as before
        (f"<p>{LAST} [Advertorial]</p>", "Advertorial"),
        (f"<p>{LAST}</p><p>(adv)</p>", "adv"),
        # the closest credit names someone: it alone, as before
        (f"<p>{LAST} (adv/kutim)</p><p>(adv/diskominfo kukar)</p>", "adv/diskominfo kukar"),
        (f"<p>{LAST}</p><p>[Advertorial]</p><p>(adv/diskominfo kukar)</p>", "adv/diskominfo kukar"),
        # "[Red]" is no credit: it neither stacks nor hides
        (f"<p>{LAST} (adv/diskominfo kukar) [Red]</p>", "adv/diskominfo kukar"),
        (f"<p>{LAST} (adv/diskominfo kukar)</p><p>[Red]</p>", "adv/diskominfo kukar"),
        # a bracketed word after a word is an aside, not a credit to stack on
        ("<p>Rapat di Sangatta (Kutim) (adv)</p>", None),
        ("<p>Warga hadir di sana (Kaltim).</p><p>(adv)</p>", "adv"),
        ("<p>Warga hadir (Kaltim) [Advertorial]</p>", None),
        # a fuller credit four paragraphs up is out of reach
        (f"<p>{LAST} (adv/kukar)</p><p>Satu.</p><p>Dua.</p><p>[ADV]</p>", "ADV"),
    ],
)
def test_what_does_not_stack(body: str, credit: str | None) -> None:
    assert clean_content(body).credit == credit


# --- 2. the credit leaves the summary wherever _credit read it --------------------------------


@pytest.mark.parametrize(
    "after",
    [
        " [Red]",  # an editor's tag in the credit's paragraph
        "</p><p>[Red]",  # ... or in one of its own
        "</p><p>[video]",
        " [Update 12.30 WITA]",
        "</p><p>[Red]</p><p>[foto]",
        " #kukaridaman #pemkabkukar",  # hashtags, which _credit reads past
        "</p><p>ADVERTORIAL",  # the label without brackets, no credit of its own
    ],
)
def test_only_the_credit_leaves_the_summary(ctx: NormalizeContext, after: str) -> None:
    got = clean_content(f"{STORY}<p>{LAST} (adv/diskominfo kukar){after}</p>")
    assert got.credit == "adv/diskominfo kukar"
    rest = " ".join(clean_content(f"<p>{after}</p>").text.split())
    assert got.summary == f"{SUMMARY} {rest}"
    assert _labels(ctx, got.credit) == (True, ("kukar",), {"advertorial", "pemerintah"})


@pytest.mark.parametrize("line", ["Editor: Jalu W", "Penulis: Anju", "Pewarta : A | Editor : B"])
def test_a_staff_line_after_the_credit_goes_with_the_boilerplate(line: str) -> None:
    got = clean_content(f"{STORY}<p>{LAST} (adv/diskominfo kukar)</p><p>{line}</p>")
    assert got.credit == "adv/diskominfo kukar"
    assert got.summary == SUMMARY


def test_a_stack_before_an_editors_tag() -> None:
    got = clean_content(f"{STORY}<p>{LAST} (Diskominfo Kukar)</p><p>[Advertorial]</p><p>[Red]</p>")
    assert got.credit == "Diskominfo Kukar + Advertorial"
    assert got.summary == f"{SUMMARY} [Red]"


_CLOSERS = [
    "(adv/diskominfo kukar)",
    "[ADV DISKOMINFO KUTIM]",
    "(adv)",
    "[Advertorial]",
    "(red)",
    "(Diskominfo Kukar)",
    "pungkasnya (adv/hms7).",
]
_TAILS = ["", " [Red]", "</p><p>[video]", " #kukar", "</p><p>ADVERTORIAL"]
_SEPARATORS = [" ", "</p><p>"]


@pytest.mark.parametrize(
    ("first", "second", "tail"), list(product(["", *_CLOSERS], _CLOSERS, _TAILS))
)
def test_whatever_closes_the_story_the_credit_read_leaves_the_summary(
    first: str, second: str, tail: str
) -> None:
    """Each part of the credit read leaves the summary; the story and the tags stay."""
    for one, two in product(_SEPARATORS, _SEPARATORS):
        closing = f"{one}{first}{two}{second}" if first else f"{one}{second}"
        got = clean_content(f"{STORY}<p>{LAST}{closing}{tail}</p>")
        assert got.credit is not None, closing
        assert got.summary.startswith(SUMMARY.removesuffix(".")), (closing, got.summary)
        parts = got.credit.split(" + ")
        for part in parts:  # a credit printed twice: the one read goes
            printed = got.text.count(f"({part})") + got.text.count(f"[{part}]")
            left = got.summary.count(f"({part})") + got.summary.count(f"[{part}]")
            assert left == printed - parts.count(part), (closing, got.summary)
        for kept in ("[Red]", "[video]", "#kukar", "ADVERTORIAL"):
            assert (kept in tail) == (kept in got.summary), (closing, tail, got.summary)


def test_a_full_stop_after_the_credit_goes_with_it_before_a_tag() -> None:
    got = clean_content(f"{STORY}<p>Acara ditutup, pungkasnya (adv/hms7). [Red]</p>")
    assert got.credit == "adv/hms7"
    assert got.summary == f"{FIRST} Acara ditutup, pungkasnya [Red]"


@pytest.mark.parametrize(
    ("text", "credit", "want"),
    [
        # what _without_credit always did: the credit closing the text, and nothing else
        ("Isi. (adv/kukar)", "adv/kukar", "Isi."),
        ("Isi, katanya (adv/kukar).", "adv/kukar", "Isi, katanya"),
        ("Isi (adv/kukar) lalu cerita.", "adv/kukar", "Isi (adv/kukar) lalu cerita."),
        # a credit in square brackets after it is no editor's tag: it is the credit _credit
        # read, and this one stays
        ("Isi. (adv/kukar) [adv]", "adv/kukar", "Isi. (adv/kukar) [adv]"),
        ("Isi. (adv/kukar) [adv | kukar]", "adv/kukar", "Isi. (adv/kukar) [adv | kukar]"),
        ("Isi. (adv/kukar) [1]", "adv/kukar", "Isi. (adv/kukar) [1]"),  # no words: no tag
        ("Isi. (adv/kukar) [Red]", "adv/kukar", "Isi. [Red]"),
        ("(adv/kukar) [Red]", "adv/kukar", "[Red]"),
        # a stacked credit, part by part; a " + " inside one credit is read whole first
        ("Isi. (adv/kukar) Salam. [ADV]", "adv/kukar + ADV", "Isi. Salam."),
        ("Isi. (Humas + Kukar)", "Humas + Kukar", "Isi."),
        ("Isi. (Humas + Kukar) [ADV]", "Humas + Kukar + ADV", "Isi."),
        ("Isi. (adv) (red) [Advertorial]", "adv + red + Advertorial", "Isi."),
        ("Isi. [ADV]", "adv/kukar + ADV", "Isi."),  # a part missing: the others go
    ],
)
def test_without_credit(text: str, credit: str, want: str) -> None:
    assert _without_credit(text, credit) == want


# a hostile review's cases: a bare mark must not pull the story's own brackets into the credit
_UP = "Tim dikirim ke Sangatta untuk belajar penanganan serupa. (Humas Kutim)"


@pytest.mark.parametrize(
    ("body", "credit", "kept"),
    [
        # a mark closing a line of the story: the bracket above is the story's
        (f"<p>{_UP}</p><p>{LAST} (adv)</p>", "adv", "(Humas Kutim)"),
        # a mark alone, a line of the story between: the same
        (
            f"<p>Dana bagi hasil (DBH Kukar/Kutim).</p><p>{LAST}</p><p>(adv)</p>",
            "adv",
            "(DBH Kukar/Kutim)",
        ),
        # two marks after the paragraph's own credit: read with it, nothing from above
        (
            f"<p>{_UP}</p><p>Kegiatan lancar. (Diskominfo Kukar). (adv). (red)</p>",
            "Diskominfo Kukar + adv + red",
            "(Humas Kutim)",
        ),
    ],
)
def test_a_mark_never_takes_a_bracket_of_the_story(
    ctx: NormalizeContext, body: str, credit: str, kept: str
) -> None:
    got = clean_content(body)
    assert got.credit == credit
    assert kept in got.summary
    assert "kutim" not in _labels(ctx, got.credit)[1]


@pytest.mark.parametrize(
    ("closing", "credit", "summary_end"),
    [
        ("(adv/kukar) [Red] [foto]", "adv/kukar", "[Red] [foto]"),
        ("(Diskominfo Kukar) [Advertorial] [Red]", "Diskominfo Kukar + Advertorial", "[Red]"),
        ("(adv/kukar) [Red] [foto] [video]", "adv/kukar", "[Red] [foto] [video]"),
        # four tags: too far behind them to be the story's credit
        ("(adv/kukar) [a1] [b2] [c3] [d4]", None, "(adv/kukar) [a1] [b2] [c3] [d4]"),
    ],
)
def test_a_credit_is_read_behind_up_to_three_editors_tags(
    closing: str, credit: str | None, summary_end: str
) -> None:
    got = clean_content(f"{STORY}<p>{LAST} {closing}</p>")
    assert got.credit == credit
    assert got.summary == f"{SUMMARY} {summary_end}"


@pytest.mark.parametrize("mark", [" (adv).", " [Advertorial]"])
def test_a_run_of_marks_stacks_three_at_most(mark: str) -> None:
    """A hostile review: a thousand marks in a row overflowed the stack cutting them from the
    summary (the entry lost, every poll), and each one more read the paragraph again."""
    got = clean_content(f"<p>{LAST} (Diskominfo Kukar){mark * 3000}</p>")
    assert got.credit is not None and len(got.credit.split(" + ")) == 3
    assert got.summary.startswith(LAST.removesuffix("."))
