"""Acceptance, black-box: portals in many feed shapes -> `run --once` -> published files, read
strictly (feedparser bozo 0, lxml, JSON Feed 1.1 fields, RFC 822 dates, self links)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from tests.acceptance_kit import (
    Story,
    atom,
    check_all_feeds,
    config_text,
    json_items,
    jsonfeed,
    kukar,
    once,
    rdf,
    rss091,
    rss2,
    source,
    status,
    titles,
    write,
)
from tests.portal import Portal

BASE = "http://127.0.0.1:8080/"


def test_five_feed_shapes_publish_valid_feeds_for_every_scope(
    portal: Portal, tmp_path: Path
) -> None:
    b = portal.url
    nowhere = Story("n1", "Lembaga Survei Rilis Hasil Jajak Pendapat", "none", ("Bisnis",))
    portal.set("/atom.xml", atom(b, [kukar("a1", "Bupati Kukar Resmikan Taman Kota"), nowhere]),
               content_type="application/atom+xml")  # fmt: skip
    portal.set("/feed.json", jsonfeed(b, [Story("j1", "Pemkab Kutim Salurkan Beasiswa", "kutim")]),
               content_type="application/feed+json")  # fmt: skip
    portal.set("/index.rdf", rdf(b, [Story("r1", "Pemkot Bontang Tanam Mangrove", "bontang")]),
               content_type="application/rdf+xml")  # fmt: skip
    portal.set("/old.xml", rss091(b, [kukar("o1", "Wabup Kukar Tinjau Pasar Tenggarong")]),
               content_type="text/xml")  # fmt: skip
    portal.set("/rel.xml", atom(b, [kukar("x1", "Sekda Kukar Buka Pelatihan")], relative=True),
               content_type="application/atom+xml")  # fmt: skip
    sources = "".join(
        source(sid, f"{b}{path}")
        for sid, path in (("atom-only", "/atom.xml"), ("jsonf", "/feed.json"),
                          ("rdf", "/index.rdf"), ("rss091", "/old.xml"), ("xmlbase", "/rel.xml"))
    )  # fmt: skip
    config = write(tmp_path, config_text(sources))
    once(config)
    out = tmp_path / "out"
    rels = check_all_feeds(out)
    required = ("all", "category/pemerintah", "category/advertorial", "category/bisnis",
              "regency/kaltim", "regency/kukar", "regency/kutim", "regency/bontang")  # fmt: skip
    for scope in required:
        for ext in ("rss", "atom", "json"):
            assert f"{scope}.{ext}" in rels
    got = set(titles(out, "all.json"))
    assert {"Bupati Kukar Resmikan Taman Kota", "Pemkab Kutim Salurkan Beasiswa",
            "Pemkot Bontang Tanam Mangrove", "Wabup Kukar Tinjau Pasar Tenggarong",
            "Sekda Kukar Buka Pelatihan"} <= got  # fmt: skip
    urls = {i["title"]: i.get("url") for i in json_items(out, "all.json")}
    assert urls["Sekda Kukar Buka Pelatihan"] == f"{b}/arsip/berita/x1.html"  # xml:base
    assert urls["Bupati Kukar Resmikan Taman Kota"] == f"{b}/berita/a1.html"
    assert "Pemkab Kutim Salurkan Beasiswa" in titles(out, "regency/kutim.json")
    assert "Pemkot Bontang Tanam Mangrove" in titles(out, "regency/bontang.json")
    assert "Sekda Kukar Buka Pelatihan" in titles(out, "regency/kukar/pemerintah.json")
    assert titles(out, "category/bisnis.json") == [nowhere.title]
    assert titles(out, "category/advertorial.json") == []  # an empty scope is still a valid feed
    for rel in rels:  # a story with no regency evidence is in no regency feed
        assert rel.startswith("regency/") is False or nowhere.title not in (out / rel).read_text()
    # the index and the OPML list every feed file
    index = (out / "index.html").read_text(encoding="utf-8")
    opml = etree.fromstring((out / "feeds.opml").read_bytes())
    assert opml.tag == "opml"
    xml_urls = {o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")}
    for rel in rels:
        assert f'href="{BASE}{rel}"' in index, f"index.html lacks {rel}"
    # one outline per scope (RSS), so a reader importing it subscribes once per feed
    scopes = {rel.rsplit(".", 1)[0] for rel in rels}
    assert {u.removeprefix(BASE).rsplit(".", 1)[0] for u in xml_urls if u} == scopes
    health = {s["id"]: s for s in status(config)["sources"]}
    assert all(s["healthy"] and s["last_error"] is None for s in health.values()), health


def test_indonesian_printed_dates_and_missing_dates(portal: Portal, tmp_path: Path) -> None:
    b = portal.url
    stories = [kukar("jumat", "Pemkab Kukar Gelar Jumat Bersih"),
               kukar("nodate", "Pemkab Kukar Tanpa Tanggal"),
               kukar("rabu", "Pemkab Kukar Rapat Rabu Pagi")]  # fmt: skip
    dates: dict[str, str | None] = {
        "jumat": "Jum'at, 22 Nopember 2024 | 08:05 WITA",
        "nodate": None,
        "rabu": "Rabu, 27 Nop 2024 08.30 WIB",
    }
    portal.set("/feed/", rss2(b, stories, dates=dates))
    config = write(tmp_path, config_text(source("dates", f"{b}/feed/")))
    once(config)
    out = tmp_path / "out"
    check_all_feeds(out)
    items = {i["title"]: i for i in json_items(out, "all.json")}
    assert set(items) == {s.title for s in stories}
    jumat = datetime.fromisoformat(items["Pemkab Kukar Gelar Jumat Bersih"]["date_published"])
    assert jumat == datetime(2024, 11, 22, 0, 5, tzinfo=UTC)
    rabu = datetime.fromisoformat(items["Pemkab Kukar Rapat Rabu Pagi"]["date_published"])
    assert rabu == datetime(2024, 11, 27, 1, 30, tzinfo=UTC)
    rss_root = etree.fromstring((out / "all.rss").read_bytes())
    dates_out = {i.findtext("title"): i.findtext("pubDate") for i in rss_root.iter("item")}
    assert dates_out["Pemkab Kukar Gelar Jumat Bersih"] == "Fri, 22 Nov 2024 00:05:00 +0000"


def test_hostile_titles_stay_valid_and_escaped(portal: Portal, tmp_path: Path) -> None:
    b = portal.url
    hostile = [
        kukar("xss", "Pemkab Kukar <script>alert(1)</script> Rapat"),
        kukar("amp", "Pemkab Kukar &amp;amp; Dinas PU"),
        kukar("emoji", "Pemkab Kukar 🎉🚀 Festival Erau"),
        kukar("rtl", "Pemkab Kukar \u202eمرحبا\u202c Tamu"),
        kukar("long", "Pemkab Kukar " + "panjang " * 375),
        kukar("ctrl", "Pemkab Kukar \x01\x08Kontrol\x1f Judul"),
    ]
    body = rss2(b, hostile).replace("\x01", "&#1;")  # the raw control chars stay in for most
    portal.set("/feed/", body.encode("utf-8"))
    config = write(tmp_path, config_text(source("hostile", f"{b}/feed/")))
    once(config)
    out = tmp_path / "out"
    check_all_feeds(out)
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "<script>alert" not in text, path
    got = titles(out, "all.json")
    assert any("🎉🚀" in t for t in got)
    assert all(not any(ord(c) < 32 for c in t) for t in got)
    assert any("&amp;amp;" not in t and "Dinas PU" in t for t in got)
    index = etree.fromstring((out / "index.html").read_bytes(), etree.HTMLParser())
    assert not index.xpath("//script[contains(., 'alert')]")


def test_200_entries_and_same_guid_in_two_feeds(portal: Portal, tmp_path: Path) -> None:
    b = portal.url
    many = [kukar(f"n{i}", f"Pemkab Kukar Agenda Nomor {i}", minutes_ago=i + 5) for i in range(200)]
    portal.set("/big/", rss2(b, many))
    one = rss2(b, [kukar("same", "Pemkab Kukar Cerita Portal Satu")]).replace(b, "http://a.test")
    two = rss2(b, [Story("same", "Pemkab Kutim Cerita Portal Dua", "kutim")]).replace(
        b, "http://b.test"
    )
    # the same guid string in two portals' feeds names two different stories
    portal.set("/one/", one.replace("http://a.test/?p=same", "123"))
    portal.set("/two/", two.replace("http://b.test/?p=same", "123"))
    sources = source("big", f"{b}/big/") + source("one", f"{b}/one/") + source("two", f"{b}/two/")
    public = "https://kabar.example.org/kaltim/feeds/"  # served under a sub-path
    config = write(tmp_path, config_text(sources, base_url=public))
    once(config)
    out = tmp_path / "out"
    assert "regency/kukar.atom" in check_all_feeds(out, public)
    assert f'href="{public}regency/kutim.json"' in (out / "index.html").read_text()
    got = titles(out, "all.json")
    assert "Pemkab Kukar Cerita Portal Satu" in got and "Pemkab Kutim Cerita Portal Dua" in got
    assert "Pemkab Kukar Agenda Nomor 0" in got
    ids = [i["id"] for i in json_items(out, "all.json")]
    assert len(ids) == len(set(ids))
    health = {s["id"]: s for s in status(config)["sources"]}
    assert health["big"]["items_count"] == 200


def test_files_rewritten_only_on_change_and_ids_stable(portal: Portal, tmp_path: Path) -> None:
    b = portal.url
    first = [kukar("k1", "Pemkab Kukar Buka Lomba"), kukar("k2", "Bupati Kukar Lantik Camat")]
    portal.set("/feed/", rss2(b, first), validators=False)
    config = write(tmp_path, config_text(source("p", f"{b}/feed/")))
    once(config)
    out = tmp_path / "out"
    files = [p for p in out.rglob("*") if p.is_file()]
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    ids_before = _ids(out)
    once(config)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    assert after == before
    # a corrected title: the files change, the ids do not
    fixed = [kukar("k1", "Pemkab Kukar Buka Lomba Perahu Naga"), first[1]]
    portal.set("/feed/", rss2(b, fixed), validators=False)
    once(config)
    assert (out / "all.rss").read_bytes() != before[out / "all.rss"][1]
    assert "Pemkab Kukar Buka Lomba Perahu Naga" in titles(out, "all.json")
    assert "Pemkab Kukar Buka Lomba" not in titles(out, "all.json")
    assert _ids(out) == ids_before
    check_all_feeds(out)


def _ids(out: Path) -> dict[str, set[str]]:
    rss = etree.fromstring((out / "all.rss").read_bytes())
    atom_root = etree.fromstring((out / "all.atom").read_bytes())
    ns = "{http://www.w3.org/2005/Atom}"
    return {
        "rss": {str(g.text) for g in rss.iter("guid")},
        "atom": {str(e.findtext(f"{ns}id")) for e in atom_root.iter(f"{ns}entry")},
        "json": {i["id"] for i in json.loads((out / "all.json").read_text())["items"]},
    }
