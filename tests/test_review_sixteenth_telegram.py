"""Sixteenth review, hostile Bot API, black-box: config.toml + `syndication run --once` against
the fake Telegram server. Each test here fails because of a bug in the current code."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance_kit import Story, cli, config_text, kukar, once, rss2, source, write
from tests.fakes.telegram_api import FakeTelegram, _handler_for, read_params
from tests.portal import LoopbackServer, Portal

OLD_GROUP = -4012345678  # a basic group: Telegram upgrades it to a supergroup
NEW_GROUP = -1009876543210


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def _config(tmp_path: Path, fake: FakeTelegram, sources: str, chat: str | int) -> Path:
    return write(tmp_path, config_text(sources, chats={"kukar": chat}, api_url=fake.url))


def _message_of(fake: FakeTelegram, title: str) -> tuple[int, int]:
    [m] = [m for m in fake.messages if title in m.text]
    return m.chat_id, m.message_id


def test_a_correction_after_a_group_upgrade_never_edits_another_items_message(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Contract: a title correction edits THAT item's message; each item has exactly one
    message. After the group was upgraded (400 with migrate_to_chat_id), the rows already
    sent in the old group were moved to the new id with their old message ids; the new
    supergroup numbers its messages afresh, so the old item's correction lands on another
    item's message there."""
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    config = _config(tmp_path, fake, source("grp", f"{b}/feed/"), OLD_GROUP)
    once(config, fake.token)  # backlog
    first = kukar("satu", "Pemkab Kukar Salurkan Bantun Banjir")
    portal.set("/feed/", rss2(b, [first]))
    once(config, fake.token)
    assert _message_of(fake, first.title)[0] == OLD_GROUP
    # the group is upgraded: the next request to it answers migrate_to_chat_id
    fake.fail_next(OLD_GROUP, "migrate", new_chat_id=NEW_GROUP)
    second = kukar("dua", "Bupati Kukar Resmikan Jembatan Desa Loa Kulu")
    portal.set("/feed/", rss2(b, [second, first]))
    once(config, fake.token)
    assert _message_of(fake, second.title)[0] == NEW_GROUP
    second_msg = _message_of(fake, second.title)
    # the first item's title is corrected
    fixed = kukar("satu", "Pemkab Kukar Salurkan Bantuan Banjir")
    portal.set("/feed/", rss2(b, [second, fixed]))
    once(config, fake.token)
    wrong = [e for e in fake.edits if (e.chat_id, e.message_id) == second_msg]
    assert wrong == [], (
        f"the message announcing {second.title!r} was edited to read {wrong[0].text!r}"
    )


def test_a_withdrawal_after_a_group_upgrade_never_deletes_another_items_message(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Contract: a withdrawn article's messages are deleted, and no other; every other item
    keeps its one message. After the upgrade the old group's message ids were carried over
    to the new chat id, where they name other messages."""
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    config = _config(tmp_path, fake, source("grp", f"{b}/feed/"), OLD_GROUP)
    once(config, fake.token)  # backlog
    first = kukar("satu", "Pemkab Kukar Gelar Rapat Koordinasi Banjir")
    portal.set("/feed/", rss2(b, [first]))
    portal.set("/berita/satu/", "<html><body><h1>ok</h1></body></html>", content_type="text/html")
    once(config, fake.token)
    fake.fail_next(OLD_GROUP, "migrate", new_chat_id=NEW_GROUP)
    second = kukar("dua", "Bupati Kukar Resmikan Jembatan Desa Loa Kulu")
    portal.set("/berita/dua/", "<html><body><h1>ok</h1></body></html>", content_type="text/html")
    portal.set("/feed/", rss2(b, [second, first]))
    once(config, fake.token)
    second_msg = _message_of(fake, second.title)
    assert second_msg[0] == NEW_GROUP
    # the portal takes the first article down: no longer listed, its URL answers 404
    del portal.pages["/berita/satu/"]
    portal.set("/feed/", rss2(b, [second]))
    once(config, fake.token)
    assert second_msg not in fake.deleted, (
        f"the message announcing {second.title!r} (still published) was deleted; "
        f"deleted={fake.deleted}"
    )


class GatewayFake(FakeTelegram):
    """A fake behind a proxy: while `pages` > 0, a sendMessage (to `chat`, or to any chat when
    it is None) gets the proxy's own answer (`status`, `page`: not the Bot API's JSON) and
    never reaches Telegram."""

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.pages = 0
        self.status = 502
        self.page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        self.chat: str | None = None

    def start(self) -> GatewayFake:
        fake = self
        base = _handler_for(self)

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params = read_params(self.headers.get("Content-Type", ""), body, "")
                hit = fake.chat is None or str(params.get("chat_id")) == fake.chat
                if fake.pages > 0 and self.path.endswith("/sendMessage") and hit:
                    fake.pages -= 1
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(fake.page)))
                    self.end_headers()
                    self.wfile.write(fake.page)
                    return
                self._answer(body)

        self._server = LoopbackServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self


@pytest.mark.parametrize("page", [b"<html><body>502 Bad Gateway</body></html>", b""])
def test_a_proxys_502_page_is_retried_not_assumed_posted(
    portal: Portal, tmp_path: Path, page: bytes
) -> None:
    """README: with on_timeout = "assume-sent" only a send that TIMED OUT after the request
    went out is counted as sent; "network errors and 5xx retry with backoff". A 502 whose body
    is a proxy's HTML page (or empty) is a 5xx: Telegram never saw the request. It was taken
    for an unknowable outcome (PTB chains the JSON parse error as the NetworkError's cause)
    and, under assume-sent, recorded as sent: the headline is never delivered."""
    fake = GatewayFake(per_minute=None, min_interval=None)
    with fake:
        fake.page = page
        b = portal.url
        portal.set("/feed/", rss2(b, []))
        text = config_text(source("gw", f"{b}/feed/"), chats={"kukar": "@kabar_kukar"},
                           api_url=fake.url)  # fmt: skip
        text = text.replace("[telegram]\n", '[telegram]\non_timeout = "assume-sent"\n', 1)
        config = write(tmp_path, text)
        once(config, fake.token)  # backlog
        story = kukar("gw1", "Pemkab Kukar Buka Pendaftaran Beasiswa Kuliah")
        portal.set("/feed/", rss2(b, [story]))
        fake.pages = 1  # the proxy fails the first attempt only
        once(config, fake.token)
        once(config, fake.token)
        sent = [m.text for m in fake.messages_to("@kabar_kukar")]
        assert sum(story.title in t for t in sent) == 1, (
            f"a headline whose only send got a 502 proxy page was never delivered: {sent}"
        )


def _fail_an_edit(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> tuple[Path, tuple[int, int]]:
    """A message sent, then a title correction whose edit meets 502 twice (max_attempts = 2):
    the edit is given up on, the message is still in the channel."""
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    text = config_text(source("ed", f"{b}/feed/"), chats={"kukar": "@kabar_kukar"},
                       api_url=fake.url)  # fmt: skip
    config = write(tmp_path, text.replace("[telegram]\n", "[telegram]\nmax_attempts = 2\n", 1))
    once(config, fake.token)  # backlog
    portal.set("/berita/ed1/", "<html><body><h1>ok</h1></body></html>", content_type="text/html")
    portal.set("/feed/", rss2(b, [kukar("ed1", "Pemkab Kukar Salurkan Bantun Banjir")]))
    once(config, fake.token)
    [sent] = fake.messages_to("@kabar_kukar")
    fake.fail_next("@kabar_kukar", "5xx", n=2)
    portal.set("/feed/", rss2(b, [kukar("ed1", "Pemkab Kukar Salurkan Bantuan Banjir")]))
    once(config, fake.token)
    assert fake.edits == [] and len(fake.messages) == 1  # the edit was given up on
    return config, (sent.chat_id, sent.message_id)


def test_a_message_whose_correction_failed_is_still_deleted_on_withdrawal(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Contract (Withdrawn articles): EACH Telegram message about a withdrawn item is deleted
    (or edited to say so). A sent message whose title-correction edit was given up on is
    marked "failed", and the withdrawal only takes down rows in "sent"/"edit": the message
    about the withdrawn article stays in the channel, untouched."""
    config, message = _fail_an_edit(portal, fake, tmp_path)
    # the portal takes the article down: no longer listed, its URL answers 404
    del portal.pages["/berita/ed1/"]
    portal.set("/feed/", rss2(portal.url, []))
    once(config, fake.token)
    once(config, fake.token)
    edited = [e for e in fake.edits if (e.chat_id, e.message_id) == message]
    assert message in fake.deleted or any("ditarik" in e.text for e in edited), (
        f"the withdrawn article's message {message} is still up: deleted={fake.deleted} "
        f"edits={[e.text for e in fake.edits]}"
    )


def test_a_second_correction_edits_a_message_whose_first_edit_failed(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Contract: a correction to a delivered item's title edits that message. Once one edit
    was given up on (a passing 502), the row is "failed" and no later correction is ever
    applied: the channel keeps the misspelt title for good."""
    config, message = _fail_an_edit(portal, fake, tmp_path)
    final = kukar("ed1", "Pemkab Kukar Salurkan Bantuan Banjir Bandang")
    portal.set("/feed/", rss2(portal.url, [final]))
    once(config, fake.token)
    edited = [e.text for e in fake.edits if (e.chat_id, e.message_id) == message]
    assert any(final.title in t for t in edited), f"never corrected: edits={edited}"


@pytest.mark.parametrize("page", [b'{"ok": true}', b'{"ok": true, "result": true}', b"[]"])
def test_a_malformed_ok_answer_neither_crashes_the_run_nor_stops_other_chats(
    portal: Portal, tmp_path: Path, page: bytes
) -> None:
    """Contract: `run --once` exits 0 even when some things fail (non-zero only for config or
    storage failure); one chat's trouble never stops another's messages. A Bot API (or a proxy
    in front of it) that answers a send with a 200 whose JSON is not a Message makes PTB raise
    a KeyError/AttributeError/TypeError, which bots.telegram._call does not classify (it
    catches only TelegramError): it escapes the chat's worker and ends the whole run."""
    fake = GatewayFake(per_minute=None, min_interval=None)
    with fake:
        fake.status, fake.page, fake.chat = 200, page, "@kabar_kukar"
        b = portal.url
        portal.set("/feed/", rss2(b, []))
        config = write(tmp_path, config_text(
            source("mal", f"{b}/feed/"), chats={"kukar": "@kabar_kukar", "kutim": "@kabar_kutim"},
            api_url=fake.url,
        ))  # fmt: skip
        once(config, fake.token)  # backlog
        there = Story("kt1", "Pemkab Kutim Bagikan Bibit Sawit Gratis", "kutim")
        here = kukar("kk1", "Pemkab Kukar Gelar Festival Erau Adat")
        portal.set("/feed/", rss2(b, [here, there]))
        fake.pages = 1
        done = cli(config, "run", "--once", token=fake.token)
        assert done.returncode == 0, done.stderr[-1500:]
        assert "Traceback" not in done.stderr, done.stderr[-1500:]
        assert len(fake.messages_to("@kabar_kutim")) == 1
