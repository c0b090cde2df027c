"""Hostile nesting and repetition (issue 10): what was quadratic is linear, and no HTML parser
or tree walker descends deeper than nesting.MAX_DEPTH.

No test here measures time. Where a test needs the work to finish, it runs it in a fresh
interpreter with a deadline of 60 s, on an input the old code took many minutes over (the
figure is beside each test); bench/bench_hostile.py prints the times. Other tests count the
work done.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from syndication.nesting import MAX_DEPTH, bound_depth
from syndication.normalize import places, text
from syndication.normalize.places import find, gazetteer
from syndication.sources.html import NotArticle, extract_article
from tests.test_normalize_places import build_ctx

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "data" / "real"
DEADLINE = 60.0


def finishes(code: str) -> str:
    """The output of `code` run in a fresh interpreter; fails past DEADLINE seconds."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish within {DEADLINE:.0f} s")
    assert done.returncode == 0, done.stderr
    return done.stdout


def parsed_depth(html: str) -> int:
    """How deep lexbor's tree of `html` nests (walked without recursion)."""
    root = LexborHTMLParser(html).root
    assert root is not None
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter(include_text=False))
    return deepest


# --- bound_depth ----------------------------------------------------------------------------

HOSTILE = {
    "nested divs": "<div>" * 5000 + "mark" + "</div>" * 5000,
    "an end tag inside a quoted attribute": '<div title="</div>">' * 3000 + "mark",
    "an end tag inside a bogus comment": "<div><! </div>" * 3000 + "mark",
    "</body> keeps the stack": ("<div>" * 200 + "</body>") * 20 + "mark",
    "a new <li> under a section": "<ul>" + "<li><section>" * 3000 + "mark",
    "misnested formatting": "<b><div></b>" * 3000 + "mark",
    "formatting reopened in every block": "".join(
        "<p>" + "".join(f"<b class=c{i}-{j}>" for j in range(100)) + "x</p>" for i in range(30)
    )
    + "<p>mark</p>",
    "self-closing html in svg": "<svg><foreignObject>" + "<div/>" * 3000 + "mark",
    "end tags in svg CDATA": "<div><svg><![CDATA[x>x</div>]]>" * 2000 + "mark",
    "an empty comment": "<!-->" + "<div>" * 3000 + "mark",
    "nested tables": "<table><tr><td>" * 1000 + "mark",
    # "İ".lower() is two characters: positions in a lowered copy of the page run ahead
    "dotted capital I before raw text": "İ" * 20000 + "<script></script>" + "<div>" * 4000 + "mark",
}


@pytest.mark.parametrize("html", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_nesting_is_cut_to_the_limit_and_keeps_the_text(html: str) -> None:
    assert parsed_depth(html) > MAX_DEPTH  # the shape does nest too deep for the parser
    bounded, dropped = bound_depth(html)
    assert dropped > 0
    # tables gain an implied <tbody> per level that the count does not add: a third more
    assert parsed_depth(bounded) <= MAX_DEPTH * 4 // 3 + 8
    assert "mark" in LexborHTMLParser(bounded).text()


def test_real_pages_pass_unchanged() -> None:
    """Every saved real page and feed, even with a limit far below MAX_DEPTH."""
    files = [p for p in REAL.rglob("*") if p.suffix in (".html", ".htm", ".xml")]
    assert len(files) > 40
    for path in files:
        page = path.read_text(encoding="utf-8", errors="replace")
        assert bound_depth(page, 64) == (page, 0), path.name


def test_unclosed_paragraphs_and_cells_are_not_counted_as_nesting() -> None:
    page = "<div>" + "<p>satu<b>dua</b>" * 3000 + "<table>" + "<tr><td>a<td>b" * 500 + "</div>"
    assert bound_depth(page) == (page, 0)


# --- feed entries -----------------------------------------------------------------------------


def test_a_deeply_nested_entry_body_is_normalized_in_time() -> None:
    """100,000 nested <div>s in a description (1.1 MB): over 11 minutes before the fix."""
    out = finishes(
        """
        from syndication.normalize import clean_content
        body = "<div>" * 100_000 + "TENGGARONG - Warga Tenggarong rapat." + "</div>" * 100_000
        print(clean_content(body, "https://x.id/").text)
        """
    )
    assert out.strip() == "TENGGARONG - Warga Tenggarong rapat."


def test_boilerplate_removal_is_linear_in_the_nesting() -> None:
    """_remove_blocks on a tree 30,000 blocks deep (parsed as is, not bounded): its walks
    up every ancestor of every block took about 5 minutes before the fix."""
    out = finishes(
        """
        from selectolax.lexbor import LexborHTMLParser
        from syndication.normalize.text import _paragraphs, _remove_blocks
        n = 30_000
        root = LexborHTMLParser(
            "<body>" + "<div>" * n + "<p>Cerita.</p><p>Baca juga: lain</p>" + "</div>" * n
        ).body
        _remove_blocks(root)
        print(_paragraphs(root))
        """
    )
    assert out.strip() == "['Cerita.']"


def test_each_text_is_read_once_however_deep_the_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Boxes nested 200 deep around long paragraphs: the old code read every box's whole
    text (about 100 times the body); now each paragraph is read once, by its leaf block."""
    read: list[int] = []

    def counting(node: LexborNode) -> str:
        found = node_text(node)
        read.append(len(found))
        return found

    node_text = text._node_text
    monkeypatch.setattr(text, "_node_text", counting)
    paragraph = "Warga Tenggarong menanam pohon di tepi sungai pagi ini bersama bupati. " * 20
    body = "".join(f"<div><p>{paragraph}</p>" for _ in range(200)) + "</div>" * 200
    cleaned = text.clean_content(body)
    assert cleaned.text.count("Warga Tenggarong") == 200 * 20
    assert sum(read) <= 2 * len(cleaned.text)


# --- places ----------------------------------------------------------------------------------


def test_hashtags_and_prefixed_names_are_blanked_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The old matcher copied the whole text once per hashtag, host and kecamatan (40,000
    hashtags: 3.4 s, quadratic); the text is now copied once per pass."""
    copies: list[int] = []
    blank = places._blank

    def counting(*args: object) -> str:
        copies.append(1)
        return blank(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(places, "_blank", counting)
    gaz = gazetteer(build_ctx())
    sample = "Pemkab Kukar di kukarkab.go.id #pemkabkukar, Kecamatan Damai dan Tenggarong. "
    hits = find(sample * 500, gaz)
    assert len(copies) == 2  # hashtags and hosts, then prefixed names
    assert len(hits) == 500 * len(find(sample, gaz))


# --- HTML pages ------------------------------------------------------------------------------

PAGE = (
    "<html><head><title>Pemkab Kukar Rapat</title>"
    "<meta property='og:title' content='Pemkab Kukar Rapat'></head>"
    "<body><article><h1>Pemkab Kukar Rapat</h1><div class='entry-content'>{}</div>"
    "</article></body></html>"
)
STORY = "<p>TENGGARONG – Pemkab Kukar rapat di Tenggarong hari ini bersama warga desa.</p>"


def nested_page(depth: int) -> str:
    return PAGE.format("<div>" * depth + STORY + "</div>" * depth)


def test_a_deeply_nested_article_page_is_extracted_in_time() -> None:
    """64,000 nested <div>s (700 KB): 16,000 took 20 s before the fix, quadratic."""
    out = finishes(
        """
        from syndication.sources.html import extract_article
        from tests.test_hostile_nesting import nested_page
        entry = extract_article(nested_page(64_000), "https://x.id/berita/a/", source_id="s")
        print(entry.title, "|", "Pemkab Kukar rapat" in (entry.content_html or ""))
        """
    )
    assert out.strip() == "Pemkab Kukar Rapat | True"


def test_a_page_that_yields_nothing_once_flattened_says_so() -> None:
    """The only headline and story sit below the limit: the reason names the flattening."""
    page = "<html><body>" + "<div>" * (MAX_DEPTH + 50) + "<h1>Judul</h1>" + STORY + "</body>"
    result = extract_article(page, "https://x.id/berita/a/", source_id="s")
    assert isinstance(result, NotArticle)
    assert f"nested deeper than {MAX_DEPTH} levels were flattened" in result.reason


def test_chrome_is_found_as_the_descendant_selectors_found_it() -> None:
    """chrome_ids walks each chrome element's subtree once instead of asking `nav a` of every
    element (depth times size): the same ids on every saved real page."""
    from syndication.sources.html_links import CHROME, chrome_ids

    pages = [p for p in REAL.rglob("*") if p.suffix in (".html", ".htm")]
    assert len(pages) > 40
    for path in pages:
        doc = LexborHTMLParser(path.read_text(encoding="utf-8", errors="replace"))
        for tail in ("*", "a"):
            wanted = {n.mem_id for n in doc.css(", ".join(f"{c} {tail}" for c in CHROME))}
            assert chrome_ids(doc, tail) == wanted, (path.name, tail)


def test_a_tag_that_never_closes_is_read_in_linear_time() -> None:
    """Many quoted attributes and no ">" after them: each value could be read as quoted or as
    bare text, and the tag pattern tried every combination (20 attributes 0.4 s, doubling with
    each one; 40 would not end)."""
    out = finishes(
        """
        from syndication.nesting import MAX_DEPTH, bound_depth
        head = "<div>" * (MAX_DEPTH + 1)
        page = head + "<a" + ' x="y"' * 40
        kept, dropped = bound_depth(page)
        print(dropped)
        """
    )
    assert out.strip() == "1"  # the <div> past the limit; the open tag ends the scan


def test_a_line_of_staff_words_is_read_in_linear_time() -> None:
    """A line "Editor: a editor: a ..." could be split four ways per staff word by the staff
    line rule (11 of them took 11 s, 4x each more); 40 must end at once. Found by a hostile read."""
    out = finishes(
        """
        from syndication.normalize.text import clean_content
        got = clean_content("<p>Cerita.</p><p>Editor: a " + "editor: a " * 40 + ".</p>")
        pipes = clean_content("<p>Cerita.</p><p>editor: a" + "| editor: a" * 40 + "</p>")
        print(got.text.startswith("Cerita."), pipes.text)
        """
    )
    assert out.split() == ["True", "Cerita."]


def test_a_plain_text_staff_line_of_spaces_is_read_in_linear_time() -> None:
    """A feed description written as plain text keeps its runs of spaces; "Editor:" then
    thousands of spaces and a stop cost the staff-line rule quadratic time (1,000 spaces
    4 s, a 100 KB line never ended). Found by a hostile read."""
    out = finishes(
        """
        from syndication.normalize.text import clean_content
        line = "Editor:" + " " * 100_000 + "."
        got = clean_content("Warga Tenggarong menanam pohon.\\n\\n" + line)
        tabs = clean_content("Cerita.\\n" + "Penulis :" + "\\t " * 50_000 + "Anju.")
        print(got.text.startswith("Warga Tenggarong"), tabs.text.startswith("Cerita."))
        """
    )
    assert out.split() == ["True", "True"]
