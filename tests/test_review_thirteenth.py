"""Review of 1400f52..HEAD: failing tests for the bugs found."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance_kit import config_text, once, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_reclassified import CHATS, SPORT, feed, item


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def _versions(folder: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(folder / "state.sqlite3") as db:
        return db.execute("select title, version, updated from items order by id").fetchall()


def test_two_feeds_labelling_one_story_differently_do_not_rewrite_it_every_poll(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Two feeds of one portal list one article (one link, one text); one labels it
    'Pemerintah', the other 'Olahraga' only (a category feed naming its own category). Before
    this change the second copy, its text the same, changed nothing; now each poll rewrites
    the item with the classification of whichever feed was read last: its version, its
    'updated' and the scopes' dirty marks churn on every run with nothing changed."""
    b = portal.url
    title = "Turnamen Sepak Bola Antardesa Kukar Dibuka"

    def serve(spaces: int) -> None:
        # each run the entries differ in a tag no category is configured for (a CMS's
        # "trending" tag): they are read again, their text and their routing what they were
        tag = f"Pekan {spaces}"
        portal.set("/feed/", feed(item(b, "bola", title, SPORT, ("Olahraga", tag))))
        pemda = feed(item(b, "bola", title, SPORT, ("Olahraga", "Pemerintah", tag)))
        portal.set("/pemda/feed/", pemda)

    sources = source("utama", f"{b}/feed/") + source("pemda", f"{b}/pemda/feed/")
    config = write(tmp_path, config_text(sources, chats=CHATS, api_url=fake.url))
    serve(0)
    once(config, fake.token)
    serve(1)
    once(config, fake.token)
    settled = _versions(tmp_path)
    shown = (tmp_path / "out" / "category" / "pemerintah.json").read_text()
    for run in (2, 3):
        serve(run)
        once(config, fake.token)
    assert _versions(tmp_path) == settled  # nothing the story says changed at the portal
    assert (tmp_path / "out" / "category" / "pemerintah.json").read_text() == shown


# Two different stories one press office opens with the same standing paragraph (its
# "about the flood" lead, longer than the lead key's 30 words), told apart by what follows
FLOOD_LEAD = (
    "Badan Penanggulangan Bencana Daerah Kabupaten Kutai Kartanegara terus memantau kondisi "
    "banjir yang melanda sejumlah wilayah sejak pekan lalu, berkoordinasi dengan camat, lurah "
    "dan relawan untuk memastikan bantuan logistik sampai kepada warga terdampak di setiap "
    "posko pengungsian."
)


def flood(town: str, rest: str) -> str:
    return f"<p>{town} – {FLOOD_LEAD}</p><p>{rest} (diskominfo/kukar)</p>"


def test_one_sources_two_stories_opening_alike_are_not_merged(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """'Banjir Rendam Tenggarong' and, twenty minutes later, 'Banjir Rendam Tenggarong
    Seberang' (another kecamatan, across the river), one source's two stories opening with
    its standing paragraph: the lead key merges the second into the first (one headline holds
    every word of the other, and the source has only one other story opening so in the
    hour), and its message is never sent. The change promised 'never ... one source's
    stories opening alike'; the guard counts only stories already stored, two or more."""
    b = portal.url
    backlog = item(b, "lama", "Lomba Perahu Naga di Sungai Mahakam", SPORT, ("Olahraga",))
    portal.set("/feed/", feed(backlog))
    config = write(
        tmp_path, config_text(source("utama", f"{b}/feed/"), chats=CHATS, api_url=fake.url)
    )
    once(config, fake.token)  # the first poll: backlog
    first = item(
        b,
        "banjir-tenggarong",
        "Banjir Rendam Tenggarong",
        flood("TENGGARONG", "Air setinggi 80 cm merendam 300 rumah di Kelurahan Melayu."),
        ("Pemerintah",),
    )
    portal.set("/feed/", feed(first, backlog))
    once(config, fake.token)
    second = item(
        b,
        "banjir-seberang",
        "Banjir Rendam Tenggarong Seberang",
        flood("TENGGARONG SEBERANG", "Di Desa Bukit Raya, 120 keluarga mengungsi ke masjid."),
        ("Pemerintah",),
    )
    portal.set("/feed/", feed(second, first, backlog))
    once(config, fake.token)
    once(config, fake.token)
    texts = [m.text for m in fake.messages]
    assert len(texts) == 2, texts
    assert any("Tenggarong Seberang" in t for t in texts), texts


def test_a_token_pasted_as_its_api_address_is_not_echoed(tmp_path: Path) -> None:
    """A token is often pasted as the Bot API address it was tried with in a browser
    ('https://api.telegram.org/bot<token>/getMe'): _TOKEN_LIKE's lookbehind (no word character
    before the digits) skips it after 'bot', and check prints the token whole."""
    from tests.acceptance_kit import cli

    pasted = "https://api.telegram.org/bot777000:SeCrEtT0kenXYZabc/getMe"
    text = config_text(source("p1", "http://127.0.0.1:9/feed/"), chats={"kukar": pasted})
    config = write(tmp_path, text)
    done = cli(config, "check")
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert "regencies[1].telegram_chat" in said, said
    assert "SeCrEtT0ken" not in said, said


def _dated(base: str, key: str, title: str, body: str, hours_ago: float) -> str:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime
    from html import escape

    when = format_datetime(datetime.now(UTC) - timedelta(hours=hours_ago))
    return (
        f"<item><title>{escape(title)}</title><link>{base}/berita/{key}/</link>"
        f"<guid>{base}/berita/{key}/</guid><pubDate>{when}</pubDate>"
        f"<category>Pemerintah</category><description>{escape(body)}</description></item>"
    )


def test_two_portals_stories_days_apart_opening_alike_are_not_merged(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Two portals print the press office's flood bulletins, each opening with its standing
    paragraph: 'Banjir Rendam Tenggarong' on one portal, then, two days later on another,
    'Banjir Rendam Tenggarong Seberang' (another place, another day). The second is merged
    into the first (lead key equal, one headline's words a subset of the other's, within the
    three days of DUPLICATE_TITLE_WINDOW) and the Kukar chat never hears of it."""
    b = portal.url
    backlog = item(b, "lama", "Lomba Perahu Naga di Sungai Mahakam", SPORT, ("Olahraga",))
    portal.set("/a/feed/", feed(backlog))
    portal.set("/b/feed/", feed(backlog.replace("/lama/", "/lama-b/")))
    sources = source("a", f"{b}/a/feed/") + source("b", f"{b}/b/feed/")
    config = write(tmp_path, config_text(sources, chats=CHATS, api_url=fake.url, max_age="72h"))
    once(config, fake.token)  # the first polls: backlog
    monday = _dated(
        b + "/a",
        "banjir-tenggarong",
        "Banjir Rendam Tenggarong",
        flood("TENGGARONG", "Air setinggi 80 cm merendam 300 rumah di Kelurahan Melayu."),
        50,
    )
    portal.set("/a/feed/", feed(monday, backlog))
    once(config, fake.token)
    wednesday = _dated(
        b + "/b",
        "banjir-seberang",
        "Banjir Rendam Tenggarong Seberang",
        flood("TENGGARONG SEBERANG", "Di Desa Bukit Raya, 120 keluarga mengungsi ke masjid."),
        1,
    )
    portal.set("/b/feed/", feed(wednesday, backlog.replace("/lama/", "/lama-b/")))
    once(config, fake.token)
    once(config, fake.token)
    texts = [m.text for m in fake.messages]
    assert len(texts) == 2, texts
    assert any("Tenggarong Seberang" in t for t in texts), texts


def test_a_corrected_regency_tells_its_new_chat_when_the_first_poll_listed_nothing(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """A source whose first poll found its feed empty has no backlog: the first story it
    lists later is news (CONTRACT: 'Only what a source lists on its very first poll counts as
    its backlog'), and it is announced. Its regency corrected, the new chat is told only when
    _novel finds the entry first seen after the source's earliest entry; this entry IS the
    earliest, so it is taken for backlog and the Bontang chat is never told."""
    from tests.test_reclassified import market

    b = portal.url
    portal.set("/feed/", feed())
    config = write(
        tmp_path, config_text(source("utama", f"{b}/feed/"), chats=CHATS, api_url=fake.url)
    )
    once(config, fake.token)  # the first poll: nothing listed
    body = market("TENGGARONG", "Bupati Kutai Kartanegara", "adv/diskominfo/kukar")
    portal.set("/feed/", feed(item(b, "pasar", "Pemkab Kukar Resmikan Pasar", body, ())))
    once(config, fake.token)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]
    fixed = market("BONTANG", "Wali Kota Bontang", "adv/diskominfo/bontang")
    portal.set("/feed/", feed(item(b, "pasar", "Pemkot Bontang Resmikan Pasar", fixed, ())))
    once(config, fake.token)
    once(config, fake.token)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar", "@kabar_bontang"]


ARTICLE = """<html><head><title>{title}</title>
<link rel="canonical" href="{canonical}"><meta property="og:url" content="{og}">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2026-12-07T08:00:00+08:00"></head>
<body><article><h1>{title}</h1>
<p>TENGGARONG – Bupati Kutai Kartanegara meresmikan jembatan baru yang menghubungkan dua desa
di Kecamatan Tenggarong, disaksikan ratusan warga yang sejak pagi memadati lokasi acara.</p>
<p>Jembatan sepanjang 120 meter itu dibangun dengan anggaran daerah selama delapan bulan dan
diharapkan memperlancar arus barang.</p></article></body></html>"""


def test_an_og_url_echoing_the_request_does_not_overrule_a_good_canonical() -> None:
    """Many templates print og:url as the address requested. A section listing links its
    story under the section's path ('/kukar/123-...'), the page answers there, its canonical
    names the story's one address ('/berita/123-...'): the new rule (two links disagree, the
    og:url names the page, the canonical is of the same site) throws the canonical away, and
    the story takes the section's path, a second address for each section listing it."""
    from syndication.sources.html import extract_article

    title = "Bupati Kukar Resmikan Jembatan Baru di Tenggarong"
    canonical = "https://portal.test/berita/123-bupati-resmikan-jembatan"
    page = "https://portal.test/kukar/123-bupati-resmikan-jembatan"
    html = ARTICLE.format(title=title, canonical=canonical, og=page)
    entry = extract_article(html, page)
    assert getattr(entry, "link", entry) == canonical


JA_PARAGRAPH = (
    "<p>台風10号は7日夜、非常に強い勢力を保ったまま九州南部に接近し、気象庁は暴風や高潮、"
    "土砂災害に厳重な警戒を呼びかけている。各地で交通機関の運休が相次ぎ、空の便も欠航した。"
    "政府は関係閣僚会議を開き、自治体と連携して早めの避難を促すよう指示した。</p>"
)


def test_a_one_word_cjk_headline_shown_in_its_h1_loses_the_sites_name() -> None:
    """A Japanese or Chinese headline has no spaces: one 'word' to str.split(). The new
    `lesser` guard (a one-word element less than half the title) refuses the page's own h1
    '台風10号接近' for '台風10号接近 | 読売新聞オンライン', and the story keeps the site's name in
    its title; before, the h1 settled it (as it still does for a headline with spaces)."""
    from syndication.sources.html import extract_article

    title = "台風10号接近 | 読売新聞オンライン"
    html = (
        f'<html lang="ja"><head><title>{title}</title><meta property="og:title" '
        f'content="{title}"><meta property="og:site_name" content="読売新聞オンライン">'
        '<meta property="article:published_time" content="2026-12-07T21:00:00+09:00">'
        f"</head><body><article><h1>台風10号接近</h1>{JA_PARAGRAPH * 4}</article></body></html>"
    )
    entry = extract_article(html, "https://www.yomiuri.co.jp/national/20261207-OYT1T50123/")
    assert getattr(entry, "title", entry) == "台風10号接近"


@pytest.mark.parametrize("name", ["bot-token.txt", "syndication-log.txt", "backup.xml"])
async def test_a_file_of_a_kind_the_publisher_never_writes_is_not_served(
    tmp_path: Path, name: str
) -> None:
    """The server now serves 'only the kinds of file the publisher writes' (feeds/server.py);
    its list (CONTENT_TYPES) still holds .txt, .xml and .xsl, which the publisher never
    writes. With output_dir = '.' beside the admin's 'bot-token.txt' (or a log saved as
    .txt, a config export as .xml) the file is served whole."""
    import httpx

    from feeds import create_app, publish
    from tests.test_feeds_support import all_scopes, hostile_entries, make_site

    root = tmp_path / "public"
    publish(make_site(), root, [(s, hostile_entries()) for s in all_scopes()])
    written = {p.suffix for p in root.rglob("*") if p.is_file()}
    assert Path(name).suffix not in written  # no published file is of this kind
    (root / name).write_text("777000:SeCrEtT0kenXYZabc\n")
    transport = httpx.ASGITransport(app=create_app(root))
    async with httpx.AsyncClient(transport=transport, base_url="http://feeds.test") as client:
        response = await client.get(f"/{name}")
    assert response.status_code == 404
    assert b"SeCrEtT0ken" not in response.content


def test_a_short_key_value_masks_only_itself(tmp_path: Path, portal: Portal) -> None:
    """without_secrets replaces the key's value wherever it occurs in the error text: a
    source whose URL carries '?key=5' has every '5' of its error masked, its status code
    and its port among them ('HTTP ***00'), in the log line, the alert and last_error."""
    portal.set("/feed/?key=5", "down for maintenance", status=500)
    url = f"{portal.url}/feed/?key=5"
    config = write(tmp_path, config_text(source("p1", url)))
    once(config)
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        stored = " ".join(str(r[0]) for r in db.execute("select last_error from sources"))
    assert "key=***" in stored, stored  # the key is masked
    assert "500" in stored and portal.url.rsplit(":", 1)[1] in stored, stored
