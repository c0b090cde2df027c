"""Titles lose the site's affix consistently: og:site_name, the host, a headline element, or an
affix that recurs on the source's pages (tests/data/real/kompas.html is the real case)."""

from __future__ import annotations

from syndication.sources.html import extract_article
from syndication.sources.html_titles import AffixMemory, clean_headline
from syndication.types import RawEntry


def _page(title: str, *, og: str | None = None, site: str | None = None, h: str = "") -> str:
    metas = f'<meta property="og:title" content="{og}">' if og else ""
    metas += f'<meta property="og:site_name" content="{site}">' if site else ""
    body = "".join(
        f"<p>Warga RT {n} Samarinda menggelar kerja bakti di parit {n}.</p>" for n in range(12)
    )
    return (
        f"<html><head><title>{title}</title>{metas}"
        '<meta property="og:type" content="article"></head>'
        f"<body><div class='top'><h1>Regional</h1></div>{h}<div class='entry-content'>{body}</div>"
        "</body></html>"
    )


def _title(html: str, url: str, source_id: str = "s") -> str:
    entry = extract_article(html, url, source_id=source_id)
    assert isinstance(entry, RawEntry), entry
    return entry.title


def test_host_name_in_a_trailing_affix_is_cut() -> None:
    html = _page("x", og="Banjir Rendam Sempaja - Kompas.com Regional")
    assert _title(html, "https://regional.kompas.com/read/1") == "Banjir Rendam Sempaja"


def test_site_name_as_a_leading_affix_is_cut() -> None:
    html = _page("x", og="Situs.com: Banjir Rendam Sempaja", site="Situs.com")
    assert _title(html, "https://berita.example.id/a/1") == "Banjir Rendam Sempaja"


def test_a_colon_inside_the_headline_stays() -> None:
    html = _page("x", og="Kadishub DKI: Taksi Uber Tak Punya Izin", site="Tribunnews.com")
    url = "https://www.tribunnews.com/metropolitan/1"
    assert _title(html, url) == "Kadishub DKI: Taksi Uber Tak Punya Izin"


def test_a_headline_element_shows_the_title_without_its_affix() -> None:
    html = _page("x", og="Banjir Rendam Sempaja - Portal Benua", h="<h2>Banjir Rendam Sempaja</h2>")
    assert _title(html, "https://benuaetam.example/a/1") == "Banjir Rendam Sempaja"


def test_an_affix_confirmed_on_one_page_is_cut_on_the_next() -> None:
    memory = AffixMemory()
    url = "https://benuaetam.example/a/"
    first = clean_headline(
        "Banjir Rendam Sempaja - Portal Benua",
        url + "1",
        None,
        ["Banjir Rendam Sempaja"],
        "b",
        memory,
    )
    second = clean_headline("Jalan Poros Longsor - Portal Benua", url + "2", None, [], "b", memory)
    other = clean_headline("Jalan Poros Longsor - Portal Benua", url + "2", None, [], "c", memory)
    assert (first, second) == ("Banjir Rendam Sempaja", "Jalan Poros Longsor")
    assert other == "Jalan Poros Longsor - Portal Benua"  # another source learnt nothing


def test_an_affix_recurring_on_a_sources_pages_is_cut() -> None:
    memory = AffixMemory()
    url = "https://benuaetam.example/a/1"
    one = clean_headline("Banjir Rendam Sempaja - Portal Benua", url, None, [], "b", memory)
    two = clean_headline("Jalan Poros Longsor - Portal Benua", url, None, [], "b", memory)
    again = clean_headline("Banjir Rendam Sempaja - Portal Benua", url, None, [], "b", memory)
    assert one == "Banjir Rendam Sempaja - Portal Benua"  # once is no pattern yet
    assert (two, again) == ("Jalan Poros Longsor", "Banjir Rendam Sempaja")


def test_a_dash_inside_a_headline_is_kept_when_it_recurs_nowhere() -> None:
    memory = AffixMemory()
    url = "https://benuaetam.example/a/1"
    one = clean_headline("Persiba Menang 2-1 - Suporter Berpesta", url, None, [], "b", memory)
    two = clean_headline("Harga Cabai Naik - Pedagang Mengeluh", url, None, [], "b", memory)
    assert one == "Persiba Menang 2-1 - Suporter Berpesta"
    assert two == "Harga Cabai Naik - Pedagang Mengeluh"


def test_without_og_title_the_h1_beats_a_title_naming_only_the_site() -> None:
    html = _page("Portal Benua", h="").replace("<h1>Regional</h1>", "<h1>Jalan Poros Longsor</h1>")
    assert _title(html, "https://benuaetam.example/a/1") == "Jalan Poros Longsor"


def test_a_crumb_trail_before_the_site_name_is_cut_and_the_tld_names_nothing() -> None:
    url = "http://ultimahora.es/mallorca/noticia/1"
    title = "Banjir Rendam Sempaja » Local » Noticias » Ultima Hora Mallorca"
    assert clean_headline(title, url, None, [], "u", AffixMemory()) == "Banjir Rendam Sempaja"
    # a dash inside a headline is no crumb: only the site's name goes
    dashed = "Harga Cabai Naik - Pedagang Mengeluh - Kaltim Post"
    assert clean_headline(dashed, "https://kaltimpost.id/a/1", None, [], "k", AffixMemory()) == (
        "Harga Cabai Naik - Pedagang Mengeluh"
    )


def test_an_h1_that_adds_the_site_name_to_the_title_loses_it() -> None:
    html = _page("Jalan Poros Longsor » Daerah » Kabar Kota", h="").replace(
        "<h1>Regional</h1>", "<h1>Jalan Poros Longsor<span>Kabar Kota</span></h1>"
    )
    assert _title(html, "https://kabarkota.example/a/1") == "Jalan Poros Longsor"


def test_a_logo_h1_reading_the_sites_name_is_not_the_headline() -> None:
    """Review of 2026-12-06: the logo's <h1>Kaltim Kece</h1> "agreed" with the title
    "<story> | Kaltim Kece" through the site's name, and every story was titled Kaltim Kece."""
    html = (
        _page("DPRD Kaltim Gelar Rapat Paripurna APBD Perubahan | Kaltim Kece")
        .replace("<h1>Regional</h1>", "<h1><a href='/'>Kaltim Kece</a></h1>")
        .replace(
            "<div class='entry-content'>",
            "<h2 class='judul'>DPRD Kaltim Gelar Rapat Paripurna APBD Perubahan</h2>"
            "<div class='entry-content'>",
        )
    )
    title = _title(html, "https://kaltimkece.example/berita/1")
    assert title == "DPRD Kaltim Gelar Rapat Paripurna APBD Perubahan"
