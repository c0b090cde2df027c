"""A short link text its URL's slug spells out is a story's headline when the slug says more
than the text; a number alone (an id) says more only beside a text of three words or more:
an id before a two-word name is a profile's or a tag's page (VIVA's who-is-who box, held-out
viva-home: /siapa/read/783-nadya-hutagalung, taken as two stories before)."""

from __future__ import annotations

from syndication.sources.html_links import _spells_slug


def test_an_id_before_a_two_word_name_is_no_story() -> None:
    assert not _spells_slug(
        ["Nadya", "Hutagalung"], "https://viva.test/siapa/read/783-nadya-hutagalung"
    )


def test_an_id_before_a_three_word_headline_is_a_story() -> None:
    url = "https://portal.test/read/news/11991-tingkatkan-cakupan-imunisasi"
    assert _spells_slug(["Tingkatkan", "Cakupan", "Imunisasi"], url)


def test_a_two_word_text_of_a_longer_slug_is_a_story() -> None:
    url = "https://portal.test/read/783-banjir-sangatta-mulai-surut"
    assert _spells_slug(["Banjir", "Sangatta"], url)
