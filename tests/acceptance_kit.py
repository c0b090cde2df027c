"""Black-box acceptance helpers: hand-written configs, the CLI (commands that end on their own
run in-process through `syndication.cli.main`, see tests/inprocess.py; the daemon and the server
as subprocesses), and strict readers of the published files. Only the outside contract
(CONTRACT.md) is used here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
from lxml import etree

from tests import inprocess

ROOT = Path(__file__).resolve().parents[1]
TOKEN_ENV = "ACCEPT_BOT_TOKEN"
ATOM = "{http://www.w3.org/2005/Atom}"
COMMANDS = ("check", "run", "serve", "status", "explain", "probe", "send-test")

CATEGORIES = """
[[categories]]
slug = "pemerintah"
name = "Pemerintah"
[[categories]]
slug = "advertorial"
name = "Advertorial"
[[categories]]
slug = "bisnis"
name = "Bisnis"
aliases = ["ekonomi"]
"""


def regencies(chats: dict[str, str | int] | None = None) -> str:
    """kaltim, kukar, kutim, bontang; a chat only where `chats` gives one."""
    chats = chats or {}
    out = []
    for slug, name, aliases in (
        ("kaltim", "Provinsi Kalimantan Timur", ["Kaltim", "Gubernur Kaltim", "Pemprov Kaltim"]),
        ("kukar", "Kutai Kartanegara", ["Kukar", "Kutai Kartanegara", "Tenggarong"]),
        ("kutim", "Kutai Timur", ["Kutim", "Kutai Timur", "Sangatta"]),
        ("bontang", "Kota Bontang", ["Bontang"]),
    ):
        block = (
            f'[[regencies]]\nslug = "{slug}"\nname = "{name}"\naliases = {json.dumps(aliases)}\n'
        )
        if slug == "kaltim":
            block += "province = true\n"
        if slug in chats:
            chat = chats[slug]
            block += f"telegram_chat = {json.dumps(chat)}\n"
        out.append(block)
    return "\n".join(out)


def source(sid: str, url: str, kind: str = "feed", interval: str = "5m") -> str:
    return f'[[sources]]\nid = "{sid}"\nurl = "{url}"\nkind = "{kind}"\ninterval = "{interval}"\n'


def config_text(
    sources: str,
    *,
    chats: dict[str, str | int] | None = None,
    api_url: str = "http://127.0.0.1:9",
    notify: str = '["pemerintah", "advertorial"]',
    max_age: str = "24h",
    server: str = 'enabled = false\nhost = "127.0.0.1"\nport = 8080',
    base_url: str = "http://127.0.0.1:8080/",
) -> str:
    head = textwrap.dedent(f"""\
        [storage]
        url = "sqlite:///state.sqlite3"

        [feeds]
        output_dir = "out"
        base_url = "{base_url}"
        language = "id"

        [server]
        """)
    return (
        head
        + server
        + textwrap.dedent(f"""

        [telegram]
        token_env = "{TOKEN_ENV}"
        api_url = "{api_url}"
        notify_categories = {notify}
        max_age = "{max_age}"
        """)
        + CATEGORIES
        + regencies(chats)
        + "\n"
        + sources
    )


def write(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cli(
    config: Path | None,
    *args: str,
    token: str | None = None,
    cwd: Path = ROOT,
    env_extra: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, "SYNDICATION_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    if token:
        env[TOKEN_ENV] = token
    env.update(env_extra or {})
    head = ["--config", str(config)] if config is not None else []
    if finishes(args):
        return inprocess.run([*head, *args], env=env, cwd=cwd, timeout=timeout)
    return subprocess.run(
        [sys.executable, "-m", "syndication", *head, *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def finishes(args: tuple[str, ...] | list[str]) -> bool:
    """A command that ends on its own (not the daemon, not the server): run in-process."""
    command = next((a for a in args if a in COMMANDS), None)
    return command not in ("run", "serve") or "--once" in args


def once(config: Path, token: str | None = None) -> subprocess.CompletedProcess[str]:
    done = cli(config, "run", "--once", token=token)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def status(config: Path) -> dict[str, Any]:
    done = cli(config, "status", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    data: dict[str, Any] = json.loads(done.stdout)
    return data


# --- articles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    key: str
    title: str
    regency: str = "kukar"  # kukar | kutim | bontang | kaltim | none
    labels: tuple[str, ...] = ("Pemerintah",)
    minutes_ago: int = 20
    image: str | None = None
    # the story's own clock: a module-level "now" goes stale over a long test session
    made: datetime = field(default_factory=lambda: datetime.now(UTC), compare=False)

    @property
    def published(self) -> datetime:
        return self.made - timedelta(minutes=self.minutes_ago)

    def body(self) -> str:
        lead = {
            "kukar": "TENGGARONG – Pemerintah Kabupaten Kutai Kartanegara (Pemkab Kukar) ",
            "kutim": "SANGATTA – Pemerintah Kabupaten Kutai Timur (Pemkab Kutim) ",
            "bontang": "BONTANG – Pemerintah Kota Bontang (Pemkot Bontang) ",
            "kaltim": "SAMARINDA – Pemerintah Provinsi Kalimantan Timur (Pemprov Kaltim) ",
            "none": "Sebuah lembaga ",
        }[self.regency]
        if not {"Advertorial", "Pemerintah"} & set(self.labels):
            town = {"kukar": "TENGGARONG", "kutim": "SANGATTA", "bontang": "BONTANG"}
            place = town.get(self.regency, "SAMARINDA")
            return f"<p>{place} – Harga kebutuhan pokok di pasar naik pekan ini.</p><p>(red)</p>"
        adv = "adv/" if "Advertorial" in self.labels else ""
        credit = {"none": "(red)"}.get(self.regency, f"({adv}diskominfo/{self.regency})")
        text = f"<p>{lead}menggelar rapat koordinasi tahunan.</p>"
        return f"{text}<p>Rapat berjalan lancar. {credit}</p>"


def kukar(key: str, title: str, **kw: Any) -> Story:
    return Story(key, title, "kukar", **kw)


# --- strict readers of published files -------------------------------------------------------


def parse_strict(path: Path) -> Any:
    raw = path.read_bytes()
    etree.fromstring(raw)  # well-formed XML or raise
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')!r}"
    return parsed


def check_rss(path: Path, base_url: str, rel: str) -> Any:
    parsed = parse_strict(path)
    assert parsed.version == "rss20", (path, parsed.version)
    root = etree.fromstring(path.read_bytes())
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for tag in ("title", "link", "description"):
        assert channel.find(tag) is not None, (path, tag)
    selfs = [e.get("href") for e in channel.findall(f"{ATOM}link") if e.get("rel") == "self"]
    assert selfs == [base_url + rel], (path, selfs)
    for item in channel.findall("item"):
        date = item.findtext("pubDate")
        if date is not None:
            assert parsedate_to_datetime(date).tzinfo is not None, date
            # RFC 822: reformatting round-trips (weekday, month names in English)
            assert date[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), date
        assert item.findtext("guid"), (path, "guid")
        assert item.findtext("title") or item.findtext("description")
    return parsed


def check_atom(path: Path, base_url: str, rel: str) -> Any:
    parsed = parse_strict(path)
    assert parsed.version == "atom10", (path, parsed.version)
    root = etree.fromstring(path.read_bytes())
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None, (path, tag)
    selfs = [e.get("href") for e in root.findall(f"{ATOM}link") if e.get("rel") == "self"]
    assert selfs == [base_url + rel], (path, selfs)
    for entry in root.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{tag}") is not None, (path, tag)
    return parsed


def check_json(path: Path, base_url: str, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(data["title"], str) and data["title"]
    assert data.get("feed_url") == base_url + rel
    assert isinstance(data["items"], list)
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert "content_html" in item or "content_text" in item, item
        if "date_published" in item:
            datetime.fromisoformat(item["date_published"])
    return data


def check_all_feeds(out: Path, base_url: str = "http://127.0.0.1:8080/") -> list[str]:
    """Every .rss/.atom/.json under out is strictly valid; returns their relative paths."""
    rels = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.suffix == ".rss":
            check_rss(path, base_url, rel)
        elif path.suffix == ".atom":
            check_atom(path, base_url, rel)
        elif path.suffix == ".json":
            check_json(path, base_url, rel)
        else:
            continue
        rels.append(rel)
    return rels


def json_items(out: Path, rel: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads((out / rel).read_text(encoding="utf-8"))["items"]
    return items


def titles(out: Path, rel: str) -> list[str]:
    return [str(i.get("title", "")) for i in json_items(out, rel)]


def rfc822(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC))


# --- feed documents in several shapes --------------------------------------------------------


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rss2(base: str, stories: list[Story], *, dates: dict[str, str | None] | None = None) -> str:
    """RSS 2.0; `dates` overrides a story's pubDate text (None: no pubDate at all)."""
    dates = dates or {}
    items = []
    for s in stories:
        date = dates.get(s.key, rfc822(s.published))
        cats = "".join(f"<category>{c}</category>" for c in s.labels)
        enc = f'<enclosure url="{s.image}" type="image/jpeg" length="1000"/>' if s.image else ""
        items.append(
            f"<item><title>{_esc(s.title)}</title><link>{base}/berita/{s.key}/</link>"
            f'<guid isPermaLink="false">{base}/?p={s.key}</guid>'
            + (f"<pubDate>{date}</pubDate>" if date is not None else "")
            + f"{cats}{enc}<description>{_esc(s.body())}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Portal Acc</title><link>{base}/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def atom(base: str, stories: list[Story], *, relative: bool = False) -> str:
    entries = []
    for s in stories:
        href = f"berita/{s.key}.html" if relative else f"{base}/berita/{s.key}.html"
        cats = "".join(f'<category term="{c}"/>' for c in s.labels)
        when = s.published.isoformat()
        entries.append(
            f'<entry><title type="html">{_esc(_esc(s.title))}</title>'
            f'<link rel="alternate" href="{href}"/><id>tag:acc.example,2024:{s.key}</id>'
            f"<published>{when}</published><updated>{when}</updated>{cats}"
            f'<content type="html">{_esc(s.body())}</content></entry>'
        )
    xml_base = f' xml:base="{base}/arsip/"' if relative else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<feed xmlns="http://www.w3.org/2005/Atom"{xml_base}>'
        f"<title>Atom Acc</title><id>tag:acc.example,2024:feed</id>"
        f"<updated>{datetime.now(UTC).isoformat()}</updated><author><name>r</name></author>"
        f'<link rel="alternate" href="{base}/"/>' + "".join(entries) + "</feed>"
    )


def jsonfeed(base: str, stories: list[Story]) -> str:
    items = [
        {
            "id": f"{base}/?p={s.key}",
            "url": f"{base}/berita/{s.key}/",
            "title": s.title,
            "content_html": s.body(),
            "date_published": s.published.isoformat(),
            "tags": list(s.labels),
            **({"image": s.image} if s.image else {}),
        }
        for s in stories
    ]
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "JSON Acc",
         "home_page_url": f"{base}/", "items": items}
    )  # fmt: skip


def rdf(base: str, stories: list[Story]) -> str:
    items = "".join(
        f'<item rdf:about="{base}/berita/{s.key}/"><title>{_esc(s.title)}</title>'
        f"<link>{base}/berita/{s.key}/</link><description>{_esc(s.body())}</description>"
        f"<dc:date>{s.published.isoformat()}</dc:date>"
        + "".join(f"<dc:subject>{c}</dc:subject>" for c in s.labels)
        + "</item>"
        for s in stories
    )
    seq = "".join(f'<rdf:li rdf:resource="{base}/berita/{s.key}/"/>' for s in stories)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="{base}/"><title>RDF Acc</title><link>{base}/</link>'
        f"<description>d</description><items><rdf:Seq>{seq}</rdf:Seq></items></channel>"
        + items
        + "</rdf:RDF>"
    )


def rss091(base: str, stories: list[Story]) -> str:
    items = "".join(
        f"<item><title>{_esc(s.title)}</title><link>{base}/berita/{s.key}/</link>"
        f"<description>{_esc(s.body())}</description></item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="0.91"><channel>'
        f"<title>Old Acc</title><link>{base}/</link><description>d</description>"
        f"<language>id</language>{items}</channel></rss>"
    )
