"""Normalization, from a hostile review against the domain notes (each test failed before
its fix): what a newsroom or a reader would see in a feed or a channel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syndication.normalize import canonical_url, clean_content, normalize_entry, title_key, url_key
from syndication.types import Item, NormalizeContext, RawEntry
from tests.test_normalize_golden import build_ctx

NOW = datetime(2024, 11, 20, 6, 0, tzinfo=UTC)
LEAD = (
    "TENGGARONG, eksposisi.com – Panitia menggelar Rapat Koordinasi Kelancaran Pilkada "
    "Serentak 2024 di Pendopo Wakil Bupati Kukar pada Senin pagi."
)
MORE = (
    "Menurutnya, rapat ini menjadi bentuk dukungan pemerintah daerah bersama KPU, Bawaslu, "
    "TNI dan Polri agar pilkada berjalan lancar dan kondusif."
)
OTHER = "Pekan Wisata Ramaikan HUT Desa Selangkau, Bupati Kutim Sebut Potensi Wisata di Sangatta"


@pytest.fixture(scope="module")
def ctx() -> NormalizeContext:
    return build_ctx()


def _item(ctx: NormalizeContext, title: str, body: str, labels: tuple[str, ...] = ()) -> Item:
    raw = RawEntry(
        "review", link="https://eksposisi.com/rakor/", title=title, content_html=body, labels=labels
    )
    return normalize_entry(raw, ctx, NOW, NOW)


# --- advertorial labels --------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Pemkab Kutim Gelar Expo UMKM Secara Berkala | ADV",
        "Pemkab Kutim Gelar Expo UMKM Secara Berkala - Advertorial",
        "Pemkab Kutim Gelar Expo UMKM Secara Berkala – ADVERTORIAL",
        "Pemkab Kutim Gelar Expo UMKM Secara Berkala | Pariwara",
    ],
)
def test_an_advertorial_label_closing_the_title_marks_the_story(
    ctx: NormalizeContext, title: str
) -> None:
    # the dedup key already read it as the portal's label; the classifier did not, and a
    # paid story without a credit went out unlabelled
    item = _item(ctx, title, f"<p>{LEAD}</p><p>{MORE}</p>")
    assert item.advertorial and "advertorial" in item.categories
    assert title_key(title) == title_key("Pemkab Kutim Gelar Expo UMKM Secara Berkala")


def test_a_title_about_advertising_is_no_advertorial(ctx: NormalizeContext) -> None:
    for title in ("Pemkot Samarinda Tertibkan Iklan Rokok", "Dewan Pers Bahas Etika Advertorial"):
        assert not _item(ctx, title, f"<p>{LEAD}</p><p>{MORE}</p>").advertorial


# --- "Baca Juga" inserts -------------------------------------------------------------------


def test_a_baca_juga_label_over_a_linked_headline_paragraph_goes_with_it(
    ctx: NormalizeContext,
) -> None:
    # the editor typed "Baca juga:", pressed Enter and pasted the link: two paragraphs
    body = (
        f"<p>{LEAD}</p><p><strong>Baca juga:</strong></p>"
        f'<p><a href="https://eksposisi.com/pekan-wisata-selangkau/">{OTHER}</a></p>'
        f"<p>{MORE}</p>"
    )
    clean = clean_content(body, "https://eksposisi.com/rakor/")
    assert "Selangkau" not in clean.text and "Baca" not in clean.text
    assert MORE in clean.text
    # the other post's headline named Kutim twice (Kutim, Sangatta) against one Kukar
    assert _item(ctx, "Rakor Kelancaran Pilkada Digelar", body).regencies == ("kukar",)


@pytest.mark.parametrize("label", ["Simak juga:", "Lihat Juga", "SIMAK JUGA :"])
def test_a_simak_or_lihat_juga_label_alone_goes_as_baca_juga_does(label: str) -> None:
    body = (
        f"<p>{LEAD}</p><p><strong>{label}</strong></p>"
        f'<p><a href="https://eksposisi.com/pekan-wisata-selangkau/">{OTHER}</a></p>'
        f"<p>{MORE}</p>"
    )
    clean = clean_content(body, "https://eksposisi.com/rakor/")
    assert "Selangkau" not in clean.text and label.split()[0].lower() not in clean.text.lower()
    assert LEAD in clean.text and MORE in clean.text


def test_a_linked_paragraph_of_the_story_stays_after_a_baca_juga_label() -> None:
    # a sentence of the story that is a whole link is prose, not a headline
    sentence = "Informasi lengkap tersedia di laman resmi Pemkab Kukar yang bisa diakses warga."
    body = (
        f"<p>{LEAD}</p><p>Baca juga:</p><p><a href='https://kukarkab.go.id/'>{sentence}</a></p>"
        f"<p>{MORE}</p>"
    )
    assert sentence in clean_content(body).text


@pytest.mark.parametrize(
    "line",
    [
        f"Baca Juga >> {OTHER}",
        f"BACA JUGA >>> {OTHER}",
        f"Baca juga: “{OTHER}”",
        f'Baca Juga : "{OTHER}"',
    ],
)
def test_baca_juga_with_chevrons_or_a_quoted_headline_is_an_insert(line: str) -> None:
    clean = clean_content(f"<p>{LEAD}</p><p>{line}</p><p>{MORE}</p>")
    assert "Selangkau" not in clean.text and MORE in clean.text


# --- canonical URLs ------------------------------------------------------------------------


def test_tracking_after_a_twice_escaped_ampersand_is_dropped() -> None:
    # a feed that escaped the link twice: "&amp;" reaches us for "&"
    url = "https://eksposisi.com/rakor/?utm_source=feed&amp;utm_medium=rss&amp;utm_campaign=x"
    assert canonical_url(url) == "https://eksposisi.com/rakor/"
    assert canonical_url("https://eksposisi.com/?p=123&amp;utm_source=rss") == (
        "https://eksposisi.com/?p=123"
    )
    assert url_key(canonical_url(url)) == url_key("https://eksposisi.com/rakor/")


# --- source labels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "regency"),
    [
        ("Adv DPRD Kaltim", "kaltim"),
        ("Advertorial Pemkab Kutim", "kutim"),
        ("ADV Kukar", "kukar"),
    ],
)
def test_an_advertorial_category_naming_its_office_marks_both(
    ctx: NormalizeContext, label: str, regency: str
) -> None:
    # Kaltim portals file paid stories under "Adv DPRD Kaltim", "Advertorial Pemkab Kutim"
    item = _item(ctx, "Rapat Paripurna Digelar", f"<p>{MORE}</p>", (label,))
    assert item.advertorial and "advertorial" in item.categories
    assert item.regencies == (regency,)


def test_a_category_only_starting_like_adv_is_no_advertorial(ctx: NormalizeContext) -> None:
    item = _item(ctx, "Rapat Paripurna Digelar", f"<p>{MORE}</p>", ("Advokasi Hukum",))
    assert not item.advertorial


# --- closing credits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "closing",
    [
        "(adv/diskominfo kukar)<br>Editor: Jalu W",
        "pungkasnya. (adv/diskominfo kukar)<br>Pewarta: Anju Cahya<br>Editor: Jalu W",
        "(adv/diskominfo kukar)<br>Pewarta : Anju | Editor : Jalu",
    ],
)
def test_a_credit_followed_by_staff_lines_in_its_paragraph_is_read(
    ctx: NormalizeContext, closing: str
) -> None:
    # Shift+Enter after the credit: the staff lines share its block, and hid it
    item = _item(ctx, "Rakor Kelancaran Pilkada Digelar", f"<p>{MORE}</p><p>{closing}</p>")
    assert item.credit == "adv/diskominfo kukar"
    assert item.advertorial and set(item.categories) >= {"advertorial", "pemerintah"}
    assert item.regencies == ("kukar",)


def test_a_staff_name_in_brackets_after_a_sentence_is_no_credit() -> None:
    clean = clean_content(f"<p>{MORE} Kata Ketua Panitia (Jalu)<br>Editor: Jalu W</p>")
    assert clean.credit is None
