"""Bodies of real pages (tests/data/real/) that kept boilerplate or lost their lead, one case
per general rule of html_body: a teaser grid, the box around a related list, a form widget's
label, a sign-off byline with a follow handle, a share prompt, a paywall prompt, an agency mark
glued to the last sentence, and a lead printed in its own block above the body's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syndication.normalize import normalize_entry
from syndication.normalize.text import plain_text
from syndication.sources.html import NotArticle, extract_article
from syndication.sources.html_source import decode
from tests.real_pages import REAL, gazetteer_path, load_truth
from tests.test_normalize_golden import build_ctx

_NOW = datetime(2030, 1, 1, tzinfo=UTC)
_CTX = build_ctx(gazetteer_path())


def _body(name: str) -> str:
    """The page's body as the published item's plain text, with default settings."""
    truth = next(t for t in load_truth() if t.name == name)
    html = decode((REAL / "articles" / f"{name}.html").read_bytes(), "text/html")
    entry = extract_article(html, truth.url, source_id=name)
    assert not isinstance(entry, NotArticle), entry
    item = normalize_entry(entry, _CTX, _NOW, _NOW)
    return " ".join(plain_text(item.content_html).split())


@pytest.mark.parametrize(
    ("name", "gone", "kept"),
    [
        # a grid of teaser cards (kicker, linked headline, date) inside the theme's body block
        (
            "autoindustriya-lexus",
            ["MORE STORIES LIKE THIS ONE", "2017 Lexus LC500 coupe arrives in the Philippines"],
            ["Earlier this year, Lexus revealed the LC Convertible Concept"],
        ),
        # the same grid, a car finder's label over its form, previous/next cards
        (
            "autoindustriya-sentra",
            ["FIND YOUR NEXT CAR", "Elite Exaltas", "2020 Mini JCW GP is a 300HP monster hatch"],
            ["Crossovers may have become the vehicle of choice"],
        ),
        # a magazine promo box: a title, a blurb, and a list of the headlines
        (
            "heise-lithium",
            ["Dieser Beitrag stammt aus Ausgabe 7/2019", "TR 7/2019", "Highlights aus dem Heft"],
            ["Die Ökobilanz von Elektroautos", "Nur die Separatorfolie gelangt noch nicht"],
        ),
        # a sign-off byline followed by a "Follow @handle" button
        (
            "cleveland-food-searches",
            ["By Michael Russell", "@tdmrussell"],
            ["The lesson, as always: you are what you search."],
        ),
        # a paywall's prompt closing the visible part of the story
        (
            "nikkei-us-nk-hotline",
            ["この記事は会員限定です", "続きをお読み"],
            ["ばかりではなかった"],
        ),
        # the photo credit glued to the last sentence
        (
            "afpbb-nigeria-attack",
            ["(c)AFP", "ABUBAKAR"],
            ["作戦能力を維持している」と指摘している。"],
        ),
        # a share prompt as the body's last line
        ("rt-bolivia", ["Like this story? Share it with a friend!"], ["how sad to see something"]),
    ],
)
def test_real_body_boilerplate_goes_and_the_story_stays(
    name: str, gone: list[str], kept: list[str]
) -> None:
    text = _body(name)
    for junk in gone:
        assert junk not in text, junk
    for words in kept:
        assert words in text, words


@pytest.mark.parametrize(
    ("name", "lead", "then"),
    [
        # RT prints its lead in `article__summary`, the rest in `article__text`
        (
            "rt-bolivia",
            "Three people have died during protests in Bolivia against the self-declared",
            "In addition to the three fatalities at a fuel plant on Tuesday",
        ),
        # KapanLagi writes its first paragraph straight into the body's div, before any <p>
        (
            "kapanlagi-dian-sastro",
            "Kapanlagi.com - Pesona kecantikan yang dimiliki Dian Sastrowardoyo",
            "Selalu dipuja pria dan wanita",
        ),
        (
            "kapanlagi-brandon-salim",
            "Kapanlagi.com - Brandon Nicholas Salim, putra sulung aktor Fery Salim",
            "Di sini sebagai Lido",
        ),
        # LSM the same, as `article__lead` above `article__body`
        (
            "lsm-norway-landslide",
            "Norvēģijas glābšanas komanda četras dienas pēc tam",
            "Naktī uz trešdienu Jerdrumas pašvaldības",
        ),
    ],
)
def test_a_lead_printed_above_the_body_block_opens_the_body(
    name: str, lead: str, then: str
) -> None:
    text = _body(name)
    assert text.startswith(lead)
    assert text.count(lead) == 1
    assert text.find(then) > 0
