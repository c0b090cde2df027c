"""A page's headline without the site's name around it.

`<title>` and og:title carry a site affix: "Judul - Kompas.com Bola", "Judul | merdeka.com",
"Situs.com: Judul". An affix is cut when it names the site (og:site_name or the host's own
name), when a headline element on the page shows the title without it, or when the same
affix recurs on the source's pages (remembered per source, so every page of a source loses
the same affix, not only those that print a clean headline element).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from urllib.parse import urlsplit

# " - X", " | X", " :: X" ...: the separators sites put between headline and name
_SPLIT = re.compile(r"\s+(?:-|–|—|\||»|::|·)\s+")
_LEAD = re.compile(r"^(?P<affix>[^:|]{2,40}?)\s*(?::|\|)\s+(?=\S)")
# host labels that are no site name: suffixes and common sub-domains
_HOST_NOISE = frozenset(
    {"www", "m", "amp", "com", "co", "id", "go", "net", "org", "or", "ac", "sch", "web",
     "my", "info", "biz", "news", "berita"}
)  # fmt: skip
_MIN_KEY = 4
_MAX_AFFIX = 60
_TRAIL = re.compile(r"\s+(?:»|›|\|)\s+")
_AFFIX_MARKS = "-–—|»:·"  # what joins a site's name or a crumb to the headline
_CRUMB_WORDS = 2  # a section crumb in a title's trail: "Local", "Berita Daerah"
_SOURCES = 512  # sources remembered
_AFFIXES = 32  # affixes remembered per source


class AffixMemory:
    """Affixes seen per source: confirmed ones (named the site, or framed a headline
    element) and candidates with the titles they were seen on."""

    def __init__(self) -> None:
        self._by_source: OrderedDict[str, dict[str, set[str]]] = OrderedDict()

    def _table(self, source_id: str) -> dict[str, set[str]]:
        table = self._by_source.pop(source_id, None) or {}
        self._by_source[source_id] = table
        while len(self._by_source) > _SOURCES:
            self._by_source.popitem(last=False)
        return table

    def confirm(self, source_id: str, affix: str) -> None:
        if source_id:
            self._add(source_id, _key(affix), "*")

    def see(self, source_id: str, affix: str, rest: str) -> None:
        if source_id:
            self._add(source_id, _key(affix), rest.casefold())

    def _add(self, source_id: str, key: str, mark: str) -> None:
        table = self._table(source_id)
        if key not in table and len(table) >= _AFFIXES:
            table.pop(next(iter(table)))
        table.setdefault(key, set()).add(mark)

    def known(self, source_id: str, affix: str) -> bool:
        """Confirmed, or seen around two different titles of this source."""
        marks = self._by_source.get(source_id, {}).get(_key(affix), set())
        return "*" in marks or len(marks) >= 2

    def clear(self) -> None:
        self._by_source.clear()


MEMORY = AffixMemory()


def site_keys(page_url: str, site_name: str | None) -> tuple[str, ...]:
    """What names the site: og:site_name and the host's own label (`bola.kompas.com` ->
    `kompas`), squeezed to lower-case letters and digits."""
    keys = [_key(site_name or "")]
    labels = [x for x in (urlsplit(page_url).hostname or "").lower().split(".") if x]
    named = [x for x in labels[:-1] if x not in _HOST_NOISE]  # the last label is the TLD
    if named:
        keys.append(_key(named[-1]))
    return tuple(k for k in keys if len(k) >= _MIN_KEY)


def clean_headline(
    title: str,
    page_url: str,
    site_name: str | None,
    headlines: list[str] = [],  # noqa: B006 - read only
    source_id: str = "",
    memory: AffixMemory = MEMORY,
) -> str:
    """`title` (og:title or <title>) without the site affix, consistently per source."""
    title = " ".join(title.split())
    keys = site_keys(page_url, site_name)
    shown = {" ".join(h.split()).casefold(): " ".join(h.split()) for h in headlines if h}
    rest, affixes = _split(title)
    # a headline element showing the title without its affixes settles it
    for cut in _cuts(title, affixes):
        if cut.casefold() in shown and cut != title:
            for affix in _affixes_around(title, cut):
                memory.confirm(source_id, affix)
            return shown[cut.casefold()]
    # (not when the page shows the title whole: a related story's h2 that reads as its start
    # is another story's headline, "Banjir di Samarinda" beside "Banjir di Samarinda-Bontang")
    glued = (
        None if title.casefold() in shown else _glued_affix(title, shown.values(), keys, site_name)
    )
    if glued:
        return glued
    for affix, kept in affixes:
        named = _names_site(affix, keys)
        if named:
            memory.confirm(source_id, affix)
        elif kept:
            memory.see(source_id, affix, rest)
    out = title
    for affix, kept in affixes:
        if _names_site(affix, keys) or memory.known(source_id, affix):
            out = _remove(out, affix)
            if kept:
                out = _drop_trail(out)
    return out or title


def _drop_trail(title: str) -> str:
    """The section crumbs left before a site's name: `Judul » Local » Noticias`.

    The separators are found once and the title cut from its end: splitting the whole title
    again for each crumb dropped took 28 s on a title of 20,000 crumbs (quadratic). Each
    cut is `_remove`'s: the crumb, then the separator and spaces before it."""
    # crumbs are split by » or |, never by a headline's dash
    separators = [m.end() for m in _TRAIL.finditer(title)]
    end = len(title)
    while True:
        while separators and separators[-1] > end:
            separators.pop()  # cut off with the crumbs after it
        if not separators:
            return title[:end]
        crumb = separators[-1]
        if len(title[crumb:end].split()) > _CRUMB_WORDS:
            return title[:end]
        if crumb == end:  # an empty crumb: _remove cuts the whole title
            return ""
        end = _trimmed(title, crumb)


def _trimmed(title: str, end: int) -> int:
    """Where `title[:end]` ends once `_remove` has stripped it, without copying it."""
    while end and title[end - 1].isspace():
        end -= 1
    while end and title[end - 1] in _AFFIX_MARKS:
        end -= 1
    while end and title[end - 1].isspace():
        end -= 1
    return end


def _split(title: str) -> tuple[str, list[tuple[str, bool]]]:
    """The title's core and its candidate affixes (affix, is a trailing one)."""
    affixes: list[tuple[str, bool]] = []
    rest = title
    parts = _SPLIT.split(rest)
    if len(parts) > 1 and len(parts[-1]) <= _MAX_AFFIX:
        affixes.append((parts[-1], True))
        rest = _remove(rest, parts[-1])
    lead = _LEAD.match(rest)
    if lead is not None:
        affixes.append((lead.group("affix").strip(), False))
        rest = rest[lead.end() :]
    return rest.strip(), affixes


def _glued_affix(
    title: str, shown: Iterable[str], keys: tuple[str, ...], site_name: str | None
) -> str | None:
    """A headline shown on the page that `title` reads with the site's name glued on, no
    space before its mark (Hankook Ilbo's `Judul-정치ㅣ한국일보`): that headline. Never a
    place joined to another ("Samarinda-Bontang"): the affix must name the site."""
    site = " ".join((site_name or "").split()).casefold()
    for line in shown:
        if len(line) >= len(title) or title[: len(line)].casefold() != line.casefold():
            continue
        tail = title[len(line) :].lstrip()
        if tail[:1] not in _AFFIX_MARKS or len(tail.split()) != 1 or len(tail) >= len(line):
            continue
        if _names_site(tail, keys) or (len(site) >= 2 and site in tail.casefold()):
            return line
    return None


def _cuts(title: str, affixes: list[tuple[str, bool]]) -> list[str]:
    out = []
    current = title
    for affix, _kept in affixes:
        current = _remove(current, affix)
        out.append(current)
    return out


def _affixes_around(title: str, core: str) -> list[str]:
    at = title.find(core)
    if at < 0:
        return []
    head = title[:at].strip(" :|-–—»·")
    tail = title[at + len(core) :].strip(" :|-–—»·")
    return [a for a in (head, tail) if a]


def _remove(title: str, affix: str) -> str:
    if title.endswith(affix):
        return title[: -len(affix)].rstrip().rstrip(_AFFIX_MARKS).rstrip()
    if title.startswith(affix):
        return title[len(affix) :].lstrip().lstrip(":|").lstrip()
    return title


def _names_site(affix: str, keys: tuple[str, ...]) -> bool:
    squeezed = _key(affix)
    return bool(squeezed) and any(k in squeezed or squeezed == k for k in keys)


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())
