"""Review of 976065f (the thirteenth review's fixes): failing tests for the bugs found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.normalize.dedup import lead_key
from tests.acceptance_kit import once
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_lead_duplicates import RELEASE, _portals, story
from tests.test_reclassified import feed


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def test_a_release_one_portal_closes_with_its_editor_line_keeps_its_lead_key() -> None:
    """A press release of 30 to 120 words (RELEASE: about 55) is keyed on ALL its words now,
    so one portal's closing line ('Editor: Rudi', a 'Baca juga' link text) at its end changes
    the key, although the first 55 words are the same word for word."""
    one = lead_key(f"LOA KULU – {RELEASE}", "LOA KULU –")
    other = lead_key(f"TENGGARONG – {RELEASE} Editor: Rudi Hartono", "TENGGARONG –")
    assert one and one == other


def test_a_release_and_its_wordpress_excerpt_keep_one_lead_key() -> None:
    """WordPress feeds' <description> is the first 55 words and ' [&#8230;]': one portal's feed
    gives the excerpt, the other's the whole release (longer than 120 words). The first 55
    words are the same; the old 30-word key matched, the new key compares 55 against 120."""
    long_release = " ".join([RELEASE] * 3)  # a release over 120 words
    excerpt = " ".join(long_release.split()[:55]) + " [\u2026]"
    assert lead_key(excerpt, None) == lead_key(long_release, None)


def test_one_release_a_portal_closes_with_an_editor_line_is_announced_once(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """The acceptance shape of the first test: two portals print one release under their own
    headlines and datelines, one adds its editor's name at the end; two messages go out."""
    config = _portals(tmp_path, portal, fake)
    b = portal.url
    portal.set(
        "/a/feed/",
        feed(story(f"{b}/a", "d1", "Sekda Kukar Serahkan 500 Paket Sembako", "LOA KULU")),
    )
    portal.set(
        "/b/feed/",
        feed(
            story(
                f"{b}/b",
                "berita-1-kukar",
                "Sekda Kukar Serahkan 500 Paket Sembako untuk Warga Loa Kulu",
                "Kukar, kabarbenua.test",
                text=f"{RELEASE} Editor: Rudi Hartono",
            )
        ),
    )
    once(config, fake.token)
    once(config, fake.token)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]


def test_a_label_added_that_only_the_second_feed_still_lists_reclassifies_the_story(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Two feeds of one portal list one article, both labelled 'Olahraga'; the front-page
    feed (the item's source_id: it was read first) pushes it off with newer stories, the
    'pemda' feed keeps it, and the editor then adds 'Pemerintah'. Only pemda can tell, and the
    new early return in _update_item (text the same, another source_id) drops the correction
    for good: the story never enters the Pemerintah feed (before this commit it did)."""
    from tests.acceptance_kit import config_text, source, write
    from tests.test_reclassified import CHATS, SPORT, item

    b = portal.url
    title = "Turnamen Sepak Bola Antardesa Kukar Dibuka"
    portal.set("/feed/", feed())
    portal.set("/pemda/feed/", feed())
    sources = source("utama", f"{b}/feed/") + source("pemda", f"{b}/pemda/feed/")
    config = write(tmp_path, config_text(sources, chats=CHATS, api_url=fake.url))
    once(config, fake.token)  # both first polls: nothing listed
    story_ = item(b, "bola", title, SPORT, ("Olahraga",))
    portal.set("/feed/", feed(story_))
    once(config, fake.token)  # utama stores it first
    portal.set("/pemda/feed/", feed(story_))
    once(config, fake.token)
    newer = item(
        b,
        "pasar",
        "Pasar Rakyat Loa Kulu Diresmikan",
        SPORT.replace("sepak bola", "voli"),
        ("Olahraga",),
    )
    # the article's page still answers (the front page only moved on: no withdrawal)
    portal.set(
        "/berita/bola/", f"<html><head><title>{title}</title></head><body>{SPORT}</body></html>"
    )
    portal.set("/feed/", feed(newer))  # the front page moved on
    relabelled = item(b, "bola", title, SPORT, ("Olahraga", "Pemerintah"))
    portal.set("/pemda/feed/", feed(relabelled))
    once(config, fake.token)
    once(config, fake.token)
    shown = tmp_path / "out" / "category" / "pemerintah.json"
    assert shown.exists() and title in shown.read_text(encoding="utf-8")


def test_a_key_echoed_in_a_login_redirects_return_address_is_masked() -> None:
    """A private feed whose key expired redirects to its login page, carrying the feed's
    address back percent-encoded ('?next=%2Ffeed%3Ftoken%3D...'); fetch's error names the
    redirect target. The old without_secrets replaced the key's value wherever the message
    held it; the new one masks only a value right after a literal '?token=' / '&token=', so
    the key (long, no chance of masking a number) is logged, alerted and stored whole."""
    from syndication.urls import without_secrets

    key = "c2VrcmV0LXBvcnRhbC1rdWthcg"
    url = f"https://portal.test/feed/?token={key}"
    said = (
        f"fetch: https://portal.test/feed/?token={key}: redirect to "
        f"https://portal.test/masuk?next=%2Ffeed%2F%3Ftoken%3D{key}: cannot resolve (x)"
    )
    assert key not in without_secrets(said, url)


@pytest.mark.xfail(
    strict=False,
    reason="mostly holds since store._opening_of; in one order of the two polls the story "
    "settles one poll later (version 3, not 2: seen once in a CI run), not yet explained",
)
def test_two_feeds_labelling_and_wording_one_story_apart_do_not_rewrite_it_every_poll(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """The thirteenth review's churn, with one difference: the 'pemda' feed carries the
    excerpt (its first paragraph) where the front-page feed carries the whole text, as a
    category feed set to 'summary' does. The new early return needs the same content_hash, so
    the story was still rewritten (version, 'updated', the scopes' marks) at every poll, back and
    forth between the two feeds' texts and labels. Fixed: another feed's excerpt of the text
    the story holds whole leaves the text, and only adds its labels (store._opening_of)."""
    import sqlite3

    from tests.acceptance_kit import config_text, source, write
    from tests.test_reclassified import CHATS, SPORT, item

    b = portal.url
    title = "Turnamen Sepak Bola Antardesa Kukar Dibuka"
    excerpt = SPORT.split("</p>")[0] + "</p>"

    def serve(run: int) -> None:
        tag = f"Pekan {run}"
        portal.set("/feed/", feed(item(b, "bola", title, SPORT, ("Olahraga", tag))))
        pemda = feed(item(b, "bola", title, excerpt, ("Olahraga", "Pemerintah", tag)))
        portal.set("/pemda/feed/", pemda)

    sources = source("utama", f"{b}/feed/") + source("pemda", f"{b}/pemda/feed/")
    config = write(tmp_path, config_text(sources, chats=CHATS, api_url=fake.url))

    def versions() -> list[tuple[str, int]]:
        with sqlite3.connect(tmp_path / "state.sqlite3") as db:
            return db.execute("select title, version from items order by id").fetchall()

    serve(0)
    once(config, fake.token)
    serve(1)
    once(config, fake.token)
    settled = versions()
    for run in (2, 3):
        serve(run)
        once(config, fake.token)
    assert versions() == settled


def test_a_password_httpx_reads_as_a_port_is_not_shown() -> None:
    """A password holding an unencoded '#' ('https://kukar:rahasia#2024@portal.test/feed/'):
    httpx parses 'rahasia' as the port and its error says "Invalid port: 'rahasia'". The
    masking replaces only 'kukar:rahasia#2024@' now (only what the old code replaced, too:
    pre-existing), so the password's first part is logged, alerted and stored."""
    import httpx

    from syndication.urls import without_secrets

    url = "https://kukar:rahasia#2024@portal.test/feed/"
    with pytest.raises(httpx.InvalidURL) as caught:
        httpx.URL(url).port  # noqa: B018
        httpx.Request("GET", url)
    said = f"fetch: {url}: {caught.value}"
    assert "rahasia" not in without_secrets(said, url)
