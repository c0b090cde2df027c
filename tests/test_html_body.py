"""What the body loses beyond theme widgets: lists of headline links with their heading, a
label left alone, captions, ad labels, source lines, a reporter's e-mail, a sign-off byline;
and what it keeps: a story a theme wrapped in links, a line introducing a quote. The real
cases are in tests/data/real/ (TIME, BBC, Al Jazeera, Yonhap, autoindustriya, Jakarta Post)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from syndication.sources.html_body import clean_body

STORY = (
    "<p>SAMARINDA - Pemkot Samarinda menata ulang drainase di Sempaja agar banjir tidak lagi"
    " merendam permukiman.</p><p>Kata Wali Kota:</p><p>“Kami kerjakan tahun ini juga.”</p>"
)


def _clean(inner: str) -> str:
    body = LexborHTMLParser(f"<html><body><div id='isi'>{inner}</div></body></html>")
    node = body.css_first("#isi")
    assert node is not None
    return clean_body(node)


def test_a_list_of_headline_links_goes_with_its_heading() -> None:
    related = (
        "<h2>More Must-Reads From Kabar</h2><ul>"
        "<li>The Struggle <a href='/a'>Inside Gaza’s Hospitals</a></li>"
        "<li><a href='/b'>Banjir Rendam Sempaja Lagi</a></li></ul>"
    )
    out = _clean(STORY + related)
    assert "Must-Reads" not in out and "Gaza" not in out and "Banjir Rendam" not in out
    assert "menata ulang drainase" in out and "Kata Wali Kota:" in out


def test_read_more_lines_labels_and_trailers_go() -> None:
    junk = (
        "<p>Read more: <a href='/c'>A Controversial Technology Splits Scientists</a></p>"
        "<h4>More:</h4><figure><img src='/x.jpg'><figcaption>Warga di Sempaja (Foto: Antara)"
        "</figcaption></figure><div class='ad'>Advertisement</div><p>Advertisement</p>"
        "<p>SOURCE: News agencies</p><p>kokobj@yna.co.kr<br>(END)</p>"
        "<p>-- By Michael Russell</p>"
    )
    out = _clean(STORY + junk)
    for gone in (
        "Read more",
        "More:",
        "Foto: Antara",
        "Advertisement",
        "SOURCE",
        "kokobj",
        "Russell",
    ):
        assert gone not in out, gone
    assert "Kami kerjakan tahun ini juga" in out


def test_a_story_a_theme_wrapped_in_links_stays() -> None:
    wrapped = (
        "<p><a href='/node/1'>Police captured the suspect on Thursday in the old church.</a></p>"
        "<p><a href='/node/1'>It was the deadliest attack since 2012, officials said.</a></p>"
    )
    out = _clean(wrapped)
    assert "Police captured the suspect" in out and "deadliest attack" in out
