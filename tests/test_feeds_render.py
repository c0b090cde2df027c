"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 rendering: validity, the rules of each format, the
advertorial label, and every feedgen 1.0 trap (see feeds/render.py's docstring)."""

from __future__ import annotations

import html
import json
import locale
import random
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest
from lxml import etree

from feeds import (
    EPOCH,
    Entry,
    Image,
    InvalidRecordError,
    Scope,
    render_atom,
    render_json,
    render_rss,
)
from feeds.render import display_title
from tests.test_feeds_support import BASE, LONG_TEXT, all_scopes, entry, hostile_entries, make_site

A = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} \+0000$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "feeds" / "jsonfeed-1.1.schema.json").read_text()
)
Renderer = Callable[..., bytes]
SCOPE_IDS = [s.path for s in all_scopes()]


def xml(data: bytes) -> Any:
    return etree.fromstring(data)


def ids_and_dates(data: bytes) -> list[tuple[str, datetime]]:
    """(id, published) of each item in document order, for any of the three formats."""
    if data.startswith(b"{"):
        items = json.loads(data)["items"]
        return [(i["id"], datetime.fromisoformat(i["date_published"])) for i in items]
    parsed = feedparser.parse(data)
    return [(e.id, datetime(*e.published_parsed[:6]).replace(tzinfo=UTC)) for e in parsed.entries]


def rss_items(data: bytes) -> list[Any]:
    return list(xml(data).find("channel").findall("item"))


def atom_entries(data: bytes) -> list[Any]:
    return list(xml(data).findall(f"{A}entry"))


# --- records ---------------------------------------------------------------------------------


def test_naive_datetime_is_refused_with_a_clear_error() -> None:
    with pytest.raises(InvalidRecordError, match=r"published: naive datetime .*timezone-aware"):
        entry(1, published=datetime(2024, 11, 18, 9, 0))
    with pytest.raises(InvalidRecordError, match="updated: naive"):
        entry(1, updated=datetime(2024, 11, 18, 9, 0))


@pytest.mark.parametrize("bad_id", ["", "12345", "tag:with space"])
def test_entry_id_must_be_a_uri(bad_id: str) -> None:
    with pytest.raises(InvalidRecordError, match=r"entry\.id"):
        entry(1, id=bad_id)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("../etc/passwd", "category"),
        ("category/../../x", "category"),
        ("/all", "all"),
        ("category/Pemerintah", "category"),
        ("regency/kukar", "category"),
        ("regency/kukar/pemerintah/x", "regency_category"),
        ("category/.hidden", "category"),
    ],
)
def test_scope_paths_that_could_escape_are_refused(path: str, kind: Any) -> None:
    with pytest.raises(InvalidRecordError, match="scope"):
        Scope(path, "t", "d", kind)


def test_site_adds_the_trailing_slash_and_checks_its_fields() -> None:
    assert make_site("http://127.0.0.1:8080/feeds").base_url == "http://127.0.0.1:8080/feeds/"
    with pytest.raises(InvalidRecordError, match="content_mode"):
        make_site(content_mode="everything")
    with pytest.raises(InvalidRecordError, match="base_url"):
        make_site("ftp://example.org/")
    with pytest.raises(InvalidRecordError, match="timezone"):
        make_site(timezone="Asia/Atlantis")


# --- every scope, every format: valid ---------------------------------------------------------


@pytest.mark.parametrize("scope", all_scopes(), ids=SCOPE_IDS)
@pytest.mark.parametrize("render", [render_rss, render_atom], ids=["rss", "atom"])
def test_every_scope_parses_cleanly_with_hostile_entries(scope: Scope, render: Renderer) -> None:
    data = render(make_site(websub_hub="https://hub.example.org/"), scope, hostile_entries())
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(hostile_entries())
    titles = [e.title for e in parsed.entries]
    assert "Pemkab Kutai Timur salurkan bantuan sembako ke Sangatta Utara" in titles
    assert "Kontrol karakter di judul" in titles  # control characters stripped, not fatal
    assert "Festival Erau 2024 🎉🐟 meriah" in titles


@pytest.mark.parametrize("scope", all_scopes(), ids=SCOPE_IDS)
def test_every_scope_json_matches_the_json_feed_schema(scope: Scope) -> None:
    data = render_json(make_site(websub_hub="https://hub.example.org/"), scope, hostile_entries())
    document = json.loads(data)
    jsonschema.validate(document, SCHEMA)
    assert document["feed_url"] == f"http://127.0.0.1:8080/{scope.path}.json"
    assert document["hubs"] == [{"type": "WebSub", "url": "https://hub.example.org/"}]


@pytest.mark.parametrize("render", [render_rss, render_atom, render_json])
def test_empty_scope_gives_a_valid_empty_feed(render: Renderer) -> None:
    data = render(make_site(), all_scopes()[3], [])
    if render is render_json:
        document = json.loads(data)
        jsonschema.validate(document, SCHEMA)
        assert document["items"] == []
    else:
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0 and parsed.entries == []


# --- RSS 2.0 -----------------------------------------------------------------------------------


def test_rss_channel_links_language_and_dates() -> None:
    scope = all_scopes()[5]  # regency/kukar/pemerintah
    data = render_rss(make_site(websub_hub="https://hub.example.org/"), scope, hostile_entries())
    channel = xml(data).find("channel")
    # feedgen trap: the channel link becomes the last link set (the self link would win)
    assert channel.findtext("link") == "https://kabar.example.id/"
    self_links = channel.findall(f"{A}link[@rel='self']")
    assert [(x.get("href"), x.get("type")) for x in self_links] == [
        ("http://127.0.0.1:8080/regency/kukar/pemerintah.rss", "application/rss+xml")
    ]
    assert channel.find(f"{A}link[@rel='hub']").get("href") == "https://hub.example.org/"
    assert channel.findtext("language") == "id"
    dates = [channel.findtext("lastBuildDate")] + [i.findtext("pubDate") for i in rss_items(data)]
    assert all(RFC822.match(d) for d in dates), dates
    assert len(channel.findall("lastBuildDate")) == 1
    # the newest change among the items: entry 8, updated at BASE + 20 h = 05:30 WITA next day
    assert channel.findtext("lastBuildDate") == "Mon, 18 Nov 2024 21:30:00 +0000"


def test_a_story_added_with_an_older_date_moves_the_feeds_date() -> None:
    """RSS lastBuildDate and Atom updated are when the content last changed: a story added
    today with last year's date changes the feed today (it kept the newest story's date)."""
    dated = [entry(1), entry(2)]
    added = BASE + timedelta(days=400)
    late = [entry(1), entry(2), entry(0, added=added)]
    scope = all_scopes()[0]
    before = xml(render_rss(make_site(), scope, dated)).find("channel")
    after = xml(render_rss(make_site(), scope, late)).find("channel")
    assert parsedate_to_datetime(before.findtext("lastBuildDate")) == BASE + timedelta(hours=2)
    assert parsedate_to_datetime(after.findtext("lastBuildDate")) == added
    atom = xml(render_atom(make_site(), scope, late))
    assert datetime.fromisoformat(atom.findtext(f"{A}updated")) == added
    # an entry added before its last change: the change dates the feed
    again = xml(render_rss(make_site(), scope, [entry(3, added=BASE)])).find("channel")
    assert parsedate_to_datetime(again.findtext("lastBuildDate")) == BASE + timedelta(hours=3)


def test_rss_items_guid_author_enclosure_and_text_types() -> None:
    data = render_rss(make_site(), all_scopes()[0], hostile_entries())
    items = {i.findtext("guid"): i for i in rss_items(data)}
    for guid, item in items.items():
        assert len(item.findall("guid")) == 1
        permalink = item.find("guid").get("isPermaLink")
        assert permalink == ("true" if guid == item.findtext("link") else "false")
        assert item.find("author") is None  # RSS <author> must be an email; names go to dc
        assert len(item.findall("enclosure")) <= 1
    assert items["https://eksposisi.example/berita/8/permalink"].find("guid").get("isPermaLink")
    first = items["tag:kabar.example.id,2024-11-18:item/1"]
    assert first.findtext(f"{DC}creator") == "Redaksi"
    # description is HTML by convention: the plain-text summary is escaped once
    assert first.findtext("description") == html.escape("<b>bold?</b>", quote=False)
    assert first.findtext(f"{CONTENT}encoded") == "<p>Isi berita <strong>nomor 1</strong>.</p>"
    webp = items["tag:kabar.example.id,2024-11-18:item/6"].find("enclosure")
    assert dict(webp.attrib) == {
        "url": "https://eksposisi.example/wp-content/uploads/2024/11/erau.webp",
        "length": "0",
        "type": "image/webp",
    }
    png = items["tag:kabar.example.id,2024-11-18:item/7"]
    assert png.find("enclosure").get("length") == "12345"
    assert png.find(f"{DC}creator") is None


def test_a_title_and_summary_that_clean_to_nothing_leave_an_empty_rss_description() -> None:
    # feedgen writes the body into a blank <description> (and drops content:encoded); the
    # entry hook keeps the description the summary, empty, as it always wrote it
    data = render_rss(make_site(), all_scopes()[0], [entry(1, title="\x00", summary="")])
    (item,) = rss_items(data)
    assert item.findtext("description") == ""
    assert item.find(f"{CONTENT}encoded") is None


def test_rss_uses_hex_references_for_plain_text_and_keeps_the_meaning() -> None:
    data = render_rss(make_site(), all_scopes()[0], hostile_entries())
    assert b"&lt;" not in data and b"&amp;" not in data and b"&gt;" not in data
    assert b"&#x3C;script&#x3E;" in data
    titles = {i.findtext("title") for i in rss_items(data)}
    assert "<script>alert('x')</script> Rapat paripurna DPRD" in titles
    assert "Harga &amp; tarif air naik & turun" in titles


def test_summary_mode_has_no_full_content_but_always_a_summary() -> None:
    site = make_site(content_mode="summary")
    rss = render_rss(site, all_scopes()[0], hostile_entries())
    assert all(i.find(f"{CONTENT}encoded") is None for i in rss_items(rss))
    assert all(i.findtext("description") for i in rss_items(rss))
    atom = render_atom(site, all_scopes()[0], hostile_entries())
    assert all(e.find(f"{A}content") is None for e in atom_entries(atom))
    assert all(e.findtext(f"{A}summary") for e in atom_entries(atom))
    document = json.loads(render_json(site, all_scopes()[0], hostile_entries()))
    assert all("content_html" not in i and i["content_text"] for i in document["items"])


def test_summary_falls_back_to_the_title() -> None:
    data = render_atom(make_site(), all_scopes()[0], [entry(1, summary="  ")])
    assert atom_entries(data)[0].findtext(f"{A}summary") == "Bupati Kukar resmikan jembatan ke-1"


# --- Atom 1.0 ----------------------------------------------------------------------------------


def test_atom_feed_metadata() -> None:
    data = render_atom(make_site(websub_hub="https://hub.example.org/"), all_scopes()[1], [])
    root = xml(data)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "id"
    assert root.findtext(f"{A}id") == "http://127.0.0.1:8080/category/pemerintah.atom"
    links = {(x.get("rel"), x.get("href"), x.get("type")) for x in root.findall(f"{A}link")}
    assert links == {
        ("self", "http://127.0.0.1:8080/category/pemerintah.atom", "application/atom+xml"),
        ("hub", "https://hub.example.org/", None),
        ("alternate", "https://kabar.example.id/", "text/html"),
    }
    assert root.find(f"{A}author").findtext(f"{A}name") == "Kabar Kaltim"


@pytest.mark.parametrize("mode", ["full", "summary"])
def test_atom_entry_links_keep_rel_and_type_issue_135(mode: str) -> None:
    # with a body feedgen is given no Atom link at all, without one it writes one we replace
    stories = [*hostile_entries(), entry(9, content_html="")]
    site = make_site(content_mode=mode)
    data = render_atom(site, all_scopes()[0], stories)
    for node in atom_entries(data):
        links = node.findall(f"{A}link")
        assert all(x.get("rel") for x in links), "a link without rel is an implicit alternate"
        alternates = [x for x in links if x.get("rel") == "alternate"]
        assert len(alternates) == 1 and alternates[0].get("type") == "text/html"
        enclosures = [x for x in links if x.get("rel") == "enclosure"]
        assert len(enclosures) <= 1
        assert all(x.get("type", "").startswith("image/") and x.get("length") for x in enclosures)
    parsed = feedparser.parse(data)
    with_image = next(e for e in parsed.entries if e.id.endswith("item/7"))
    assert with_image.link == "https://eksposisi.example/berita/7/jembatan"
    assert [x.href for x in with_image.enclosures] == ["https://eksposisi.example/img/7.png"]
    rss = render_rss(site, all_scopes()[0], stories)
    assert sorted(i.findtext("link") for i in rss_items(rss)) == sorted(e.link for e in stories)


def test_atom_html_is_typed_html_never_cdata() -> None:
    data = render_atom(make_site(), all_scopes()[0], hostile_entries())
    assert b"CDATA" not in data
    for node in atom_entries(data):
        assert node.find(f"{A}content").get("type") == "html"
        assert node.find(f"{A}summary").get("type") in (None, "text")
        assert node.find(f"{A}title").get("type") in (None, "text")
    parsed = feedparser.parse(data)
    first = next(e for e in parsed.entries if e.id.endswith("item/1"))
    assert first.title == "<script>alert('x')</script> Rapat paripurna DPRD"
    assert first.title_detail.type == "text/plain"


def test_atom_dates_are_rfc3339_in_utc() -> None:
    data = render_atom(make_site(), all_scopes()[0], [entry(1)])
    node = atom_entries(data)[0]
    assert node.findtext(f"{A}published") == "2024-11-18T02:30:00+00:00"  # 10:30 WITA
    assert node.findtext(f"{A}updated") == "2024-11-18T02:30:00+00:00"
    assert RFC3339.match(xml(data).findtext(f"{A}updated"))


# --- shared rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("render", [render_rss, render_atom, render_json])
def test_an_advertorial_keeps_its_title_and_is_labelled_by_its_category(
    render: Renderer,
) -> None:
    """The feeds' title is the portal's (a reader, a script, finds the story under it): the
    advertorial label is the category "Advertorial", given once."""
    data = render(make_site(), all_scopes()[0], hostile_entries())
    story = next(e for e in hostile_entries() if e.id.endswith("item/6"))
    if render is render_json:
        items = json.loads(data)["items"]
        ad = next(i for i in items if i["id"].endswith("item/6"))
        title, tags = ad["title"], ad["tags"]
    else:
        parsed = feedparser.parse(data)
        ad = next(e for e in parsed.entries if e.id.endswith("item/6"))
        title, tags = ad.title, [t.label or t.term for t in ad.tags]
    assert story.advertorial and title == story.title
    assert tags.count("Advertorial") == 1  # given in the input already: not doubled
    assert display_title(story) == story.title


@pytest.mark.parametrize("render", [render_rss, render_atom, render_json])
def test_order_is_newest_first_and_independent_of_input_order(render: Renderer) -> None:
    site, scope = make_site(), all_scopes()[0]
    entries = [*hostile_entries(), entry(30, published=BASE + timedelta(hours=1))]  # tie
    shuffled = entries[:]
    random.Random(4).shuffle(shuffled)
    data = render(site, scope, entries)
    assert data == render(site, scope, shuffled) == render(site, scope, list(reversed(entries)))
    listed = ids_and_dates(data)
    stamps = [stamp for _, stamp in listed]
    assert stamps == sorted(stamps, reverse=True)
    assert [item_id for item_id, _ in listed][-2:] == [
        "tag:kabar.example.id,2024-11-18:item/1",
        "tag:kabar.example.id,2024-11-18:item/30",
    ]


@pytest.mark.parametrize("render", [render_rss, render_atom, render_json])
def test_items_per_feed_and_one_item_per_id(render: Renderer) -> None:
    site = make_site(items_per_feed=3)
    entries = [entry(n) for n in range(10)] + [entry(9, title="duplikat")]
    listed = ids_and_dates(render(site, all_scopes()[0], entries))
    assert [item_id.rsplit("/", 1)[1] for item_id, _ in listed] == ["9", "8", "7"]


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_dates_never_come_from_the_clock(render: Renderer) -> None:
    site, scope = make_site(), all_scopes()[0]
    assert render(site, scope, hostile_entries()) == render(site, scope, hostile_entries())
    empty = render(site, scope, [])
    assert b"Thu, 01 Jan 1970 00:00:00 +0000" in empty or b"1970-01-01T00:00:00+00:00" in empty
    given = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    later = render(site, scope, [], empty_date=given)
    assert b"Tue, 02 Jan 2024 03:04:05 +0000" in later or b"2024-01-02T03:04:05+00:00" in later
    assert str(datetime.now(UTC).year).encode() + b"-" not in later


def test_rendering_never_touches_the_process_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    before = locale.setlocale(locale.LC_ALL)
    calls: list[object] = []
    real = locale.setlocale

    def spy(category: int, value: str | None = None) -> str:
        calls.append((category, value))
        return real(category, value)

    monkeypatch.setattr(locale, "setlocale", spy)
    site = make_site(websub_hub="https://hub.example.org/")
    for scope in all_scopes():
        render_rss(site, scope, hostile_entries())
        render_atom(site, scope, hostile_entries())
    assert calls == []
    assert real(locale.LC_ALL) == before


def test_concurrent_rendering_gives_identical_bytes() -> None:
    site, scope = make_site(), all_scopes()[0]
    expected = render_rss(site, scope, hostile_entries())
    with ThreadPoolExecutor(max_workers=8) as pool:
        outputs = list(pool.map(lambda _: render_rss(site, scope, hostile_entries()), range(32)))
    assert all(out == expected for out in outputs)


def test_no_stylesheet_instruction_so_no_browser_depends_on_xslt() -> None:
    site = make_site()
    for scope in (all_scopes()[0], all_scopes()[5]):
        for data in (render_rss(site, scope, [entry(1)]), render_atom(site, scope, [entry(1)])):
            assert b"xml-stylesheet" not in data
            assert feedparser.parse(data).bozo == 0


def test_long_and_indonesian_text_survive_intact() -> None:
    entries = [entry(5, title=LONG_TEXT), entry(9, title="Penyaluran BLT di Kecamatan Loa Kulu")]
    for render in (render_rss, render_atom):
        titles = {
            e.title for e in feedparser.parse(render(make_site(), all_scopes()[0], entries)).entries
        }
        assert " ".join(LONG_TEXT.split()) in titles
        assert "Penyaluran BLT di Kecamatan Loa Kulu" in titles


def test_json_feed_items_follow_the_entries() -> None:
    site = make_site()
    document = json.loads(render_json(site, all_scopes()[0], hostile_entries()))
    item = next(i for i in document["items"] if i["id"].endswith("item/7"))
    assert item["url"] == "https://eksposisi.example/berita/7/jembatan"
    assert item["image"] == "https://eksposisi.example/img/7.png"
    assert item["attachments"] == [
        {
            "url": "https://eksposisi.example/img/7.png",
            "mime_type": "image/png",
            "size_in_bytes": 12345,
        }
    ]
    assert item["date_published"] == "2024-11-18T08:30:00+00:00"  # 16:30 WITA
    assert "authors" not in item
    assert document["language"] == "id" and document["home_page_url"] == site.link


def test_an_image_url_must_be_absolute() -> None:
    with pytest.raises(InvalidRecordError, match=r"image\.url"):
        Image("/relative.jpg")


def test_entry_with_every_field_blank_but_required_still_renders() -> None:
    bare = Entry(
        id="tag:x.example,2024:1",
        title="Judul",
        link="https://x.example/1",
        published=EPOCH,
        updated=EPOCH - timedelta(days=1),  # before published: clamped to published
    )
    for render in (render_rss, render_atom):
        parsed = feedparser.parse(render(make_site(), all_scopes()[0], [bare]))
        assert parsed.bozo == 0 and parsed.entries[0].title == "Judul"
    atom = render_atom(make_site(), all_scopes()[0], [bare])
    assert atom_entries(atom)[0].findtext(f"{A}updated") == "1970-01-01T00:00:00+00:00"
