"""Last hostile read of the newest extraction code (each test failing before a fix).

The two regex cases cannot be shown by a result alone: the input is sized so that the code
as it is runs for hours (exponential / quadratic backtracking) while a linear pattern answers
in microseconds. They run in a child process whose CPU (not wall clock) is capped at
_CPU_CAP seconds, a margin of thousands over the fixed code, so that the suite never hangs.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from selectolax.lexbor import LexborHTMLParser

from syndication.sources import html_fields as fld
from syndication.sources import html_links

_CPU_CAP = 30


def _finishes(code: str) -> subprocess.CompletedProcess[str]:
    prelude = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_CPU, ({_CPU_CAP}, {_CPU_CAP}))
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]),
        check=False,
    )


def test_a_comment_class_of_underscored_words_does_not_hang_the_generic_extractor() -> None:
    # html_generic._COMMENT_NAME: (?:[-_]\w+)* where \w matches "_" as well: a class word
    # "komentar_a_a_..._a!" (88 characters) has 2**40 ways to split, each tried before the
    # fullmatch fails (n=24: 0.7 s, doubling with each "_a"). One such class on any page
    # read by the generic extractor holds a CPU worker (or, in thread mode, the GIL) forever.
    done = _finishes(
        """
        from syndication.sources.html_generic import _comments_box
        assert _comments_box("box-komentar") and _comments_box("disqus_thread")
        print(_comments_box("komentar" + "_a" * 40 + "!"))
        """
    )
    assert done.returncode == 0, f"killed past {_CPU_CAP} s of CPU: {done.stderr[-300:]}"
    assert done.stdout.strip() == "False"


def test_a_long_class_word_above_a_listing_link_does_not_hang_the_link_order() -> None:
    # html_links._NUMBERED = \S*\d\S*: on a class word with no digit every start position
    # scans to the word's end and back, quadratic in its length (20,000 characters: 2.2 s,
    # a 17 KB listing page: 9 s; 300,000: about 500 s per anchor under that ancestor)
    done = _finishes(
        """
        from syndication.sources.html import extract_titled_links
        items = "".join(
            f'<li><a href="/berita/2024/05/0{i}/pemkab-kukar-resmikan-jembatan-baru-{i}">'
            f"Pemkab Kukar Resmikan Jembatan Baru di Tenggarong Nomor {i}</a></li>"
            for i in range(1, 4)
        )
        html = f'<html><body><div class="{"a" * 300_000}"><ul>{items}</ul></div></body></html>'
        print(len(extract_titled_links(html, "https://ex.id/")))
        """
    )
    assert done.returncode == 0, f"killed past {_CPU_CAP} s of CPU: {done.stderr[-300:]}"
    assert done.stdout.strip() == "3"


def test_the_link_order_reads_a_shared_ancestors_classes_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # _main_list_first read the classes of each anchor's three nearest ancestors anew for
    # every anchor: one ancestor's class text (bounded only by the 8 MiB page) was scanned
    # once per anchor under it, anchors x class length
    read = {"chars": 0}
    kind = html_links._card_kind

    def counted(node):  # type: ignore[no-untyped-def]
        read["chars"] += len(node.attributes.get("class") or "")
        return kind(node)

    monkeypatch.setattr(html_links, "_card_kind", counted)
    classes = " ".join(f"kartu-jenis-{c}" for c in "abcdefghijklmnopqrstuvwxyz" * 40)
    items = "".join(
        f'<li><a href="/berita/2024/05/01/pemkab-kukar-resmikan-jembatan-baru-{i}">'
        f"Pemkab Kukar Resmikan Jembatan Baru di Tenggarong Nomor {i}</a></li>"
        for i in range(1, 201)
    )
    html = f'<html><body><div class="{classes}"><ul>{items}</ul></div></body></html>'
    links = html_links.default_titled_links(LexborHTMLParser(html), "https://ex.id/")
    assert len(links) == 200
    # each ancestor's classes once (or twice) is linear; 200 anchors each re-reading the
    # div's 14 KB of classes is 2.9 MB
    assert read["chars"] <= 3 * len(html), read["chars"]


class _CountedCrumbs(frozenset):  # type: ignore[type-arg]
    """Stands in for html_fields._CRUMBS: counts the ancestors _in_heading_or_link looks at."""

    steps = 0

    def intersection(self, *others):  # type: ignore[no-untyped-def,override]
        type(self).steps += 1
        return super().intersection(*others)


def test_skipped_byline_labels_do_not_each_walk_to_the_body(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # _printed_bylines caps the labels it reads at _BYLINES_READ, but a label skipped (in a
    # link, a heading, a breadcrumb, or reading the page's headline) is not counted, and each
    # walks all its ancestors: nodes x depth (bound_depth keeps 256 levels). An 8 MiB page of
    # nested "<span>Oleh ..." chains inside links: read_article 15.5 s of CPU against 3.2 s
    # for the same page with "Olah".
    monkeypatch.setattr(fld, "_CRUMBS", _CountedCrumbs(fld._CRUMBS))
    _CountedCrumbs.steps = 0
    depth, chains = 240, 40
    title = "Oleh Rini Astuti Wartawan Senior Kaltim"
    chain = "<div>" + f"<span>{title}" * depth + "</span>" * depth + "</div>"
    html = (
        f'<html><head><meta property="og:title" content="{title}"></head><body>'
        f"<h1>{title}</h1><p>Isi berita.</p>{chain * chains}"
        '<p class="byline">Pewarta: Budi Santoso</p></body></html>'
    )
    doc = LexborHTMLParser(html)
    assert fld.author(doc, None, [], None) == "Budi Santoso"
    labels = depth * chains
    # each label reading its ancestors up to <body>: 240 * 241 / 2 steps a chain, 1.16 M
    assert _CountedCrumbs.steps <= 20 * labels, _CountedCrumbs.steps
