"""Find regency, city and province names in text, with the gazetteer's traps handled.

The names come only from the NormalizeContext (config); this module holds what is true of the
language rather than of one config: words that are also place names, phrases that look like a
place but are not (the sultanate, a bridge), and the words that make a name an institution.

    mask traps -> hashtags and .go.id hosts (joined abbreviations) -> prefixed common words
        -> every other name, longest first, as whole words

Each pass is one compiled regex per gazetteer: the names are a trie (one branch per character,
not one alternative per name), and a pass whose telltale words are absent is skipped.

The passes read a lower-cased copy of the text with case-sensitive patterns that open on the
non-word character before a name (the text gets a leading space): the engine then skips to
the next non-word character in C instead of entering the pattern at every position, and a
case-blind pattern has no such shortcut (issue 12). The copy matches exactly where the
case-blind pattern matches the text, see _folded; a text it cannot stand for is read as before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..types import NormalizeContext

# Kecamatan that are also ordinary words count only after these (NOTES.md traps).
KECAMATAN_PREFIX = r"(?:kecamatan|kec\.?|camat)\s+"
COMMON_WORD_NAMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "damai",
            "karangan",
            "sandaran",
            "sambutan",
            "waru",
            "batu ampar",
            "batu putih",
            "teluk bayur",
            "teluk pandan",
            "tanjung harapan",
            "sungai pinang",
        ),
        KECAMATAN_PREFIX,
    ),
    "pasir": r"(?:kabupaten|kab\.?)\s+",  # "pasir" is sand; only "Kabupaten Pasir" is Paser
}
# What every match of a prefix opens with, in lower case: the prefixed pass tries its pattern
# only where one of them stands (found by substring search, in C), not at every character.
PREFIX_HINTS: dict[str, tuple[str, ...]] = {
    KECAMATAN_PREFIX: ("kec", "camat"),
    r"(?:kabupaten|kab\.?)\s+": ("kab",),
}
# Words that never name a regency on their own, even if a config lists them.
NEVER_ALONE = frozenset({"kutai", "mahakam", "kalimantan", "timur", "utara", "barat", "kota"})
# Phrases that contain a regency name but are something else: blanked before matching.
# Every branch opens on a letter ("kesultan|sultan" for "(?:ke)?sultan", tried in that order
# as the optional group was), so on the folded copy the engine skips in C to a k, s or j.
_KUTAI_TAIL = r"\s+kutai(?:\s+kartanegara)?(?:\s+ing\s+martadipura)?"
TRAPS = re.compile(
    rf"kesultan(?:an)?{_KUTAI_TAIL}|sultan(?:an)?{_KUTAI_TAIL}"
    rf"|kerajaan{_KUTAI_TAIL}|keraton{_KUTAI_TAIL}|kedaton{_KUTAI_TAIL}"
    r"|kutai\s+kartanegara\s+ing\s+martadipura|kutai\s+martadipura"
    r"|jembatan\s+(?:mahakam\s+[hu]?ulu|mahulu)",  # a bridge in Samarinda, not the regency
    re.IGNORECASE,
)
# a host may end a sentence ("... di kukarkab.go.id."): only a dot followed by more name
# continues it. A host's labels are 1 to 63 characters (DNS), and a handful of them: bounded,
# a try costs the same wherever it starts ("a-" 25,000 times unbounded: 18 s a text).
_JOINED = re.compile(r"[#@][\w]+|(?:[\w-]{1,63}\.){1,8}go\.id(?![\w-]|\.\w)", re.IGNORECASE)
_MIN_COMPACT = 3
# Cheap searches that every match of TRAPS / _JOINED contains (with the same flags,
# so no text the full pattern would match is skipped): most texts then skip that pass.
_TRAPS_HINT = re.compile(r"kutai|jembatan", re.IGNORECASE)
_JOINED_HINT = re.compile(r"[#@]|\.go\.id", re.IGNORECASE)
_TRAPS_FOLDED = re.compile(TRAPS.pattern)  # for _folded text: its literals are lower case
# On the folded copy, sharper than _TRAPS_HINT: "kutai" is in most Kaltim stories, a trap
# needs one of these beside it (or is the bridge)
_TRAP_WORDS = ("sultan", "kerajaan", "keraton", "kedaton", "martadipura")
# str.lower() keeps İ's dot as a second character, and re.IGNORECASE matches ı to "i" and
# ſ to "s" where lower() keeps them: a text with any of these is read case-blind as before
_UNFOLDABLE = ("\u0130", "\u0131", "\u017f")


@dataclass(frozen=True)
class Place:
    slug: str
    kind: str  # "alias" or "kecamatan"
    province: bool


@dataclass(frozen=True)
class Hit:
    place: Place
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, tuple[Place, ...]]  # key(name) -> places it may mean
    plain: re.Pattern[str] | None  # every name that needs no prefix, longest first
    prefixed: re.Pattern[str] | None  # common-word names behind their required prefix
    compact: tuple[tuple[str, Place], ...]  # joined forms for hashtags, hosts, credit tokens
    order: dict[str, int]  # slug -> position in the config
    # every name is ASCII (_folded's equivalence holds for those only): find reads the copy
    foldable: bool = False
    # plain and prefixed for " " + _folded(text): case-sensitive, opening on the character
    # before the name
    plain_folded: re.Pattern[str] | None = None
    prefixed_folded: re.Pattern[str] | None = None
    prefixed_hints: tuple[str, ...] = ()  # PREFIX_HINTS of the prefixes in use


_NON_WORD = re.compile(r"[^\w]+")


def key(text: str) -> str:
    """Case-, accent-, hyphen- and space-insensitive form of a name or label."""
    if text.isascii():  # NFKD changes no ASCII character and leaves no combining mark
        return _NON_WORD.sub(" ", text.lower()).strip()
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return _NON_WORD.sub(" ", folded).strip()


_last: tuple[NormalizeContext, Gazetteer] | None = None


def gazetteer(ctx: NormalizeContext) -> Gazetteer:
    """Compile the config's names once per context (a context is immutable). The context
    of the previous call is recognised by identity first: hashing a whole context (every
    regency's names) on each entry costs more than the rest of a cache lookup."""
    global _last
    last = _last  # one read: another thread may replace it meanwhile
    if last is None or last[0] is not ctx:
        last = _last = (ctx, _compiled(ctx))
    return last[1]


@lru_cache(maxsize=16)
def _compiled(ctx: NormalizeContext) -> Gazetteer:
    names: dict[str, list[Place]] = {}
    for regency in ctx.regencies:
        entries = [(regency.name, "alias"), *((a, "alias") for a in regency.aliases)]
        entries += [(k, "kecamatan") for k in regency.kecamatan]
        for name, kind in entries:
            name_key = key(name)
            if not name_key or name_key in NEVER_ALONE:
                continue
            place = Place(regency.slug, kind, regency.is_province)
            bucket = names.setdefault(name_key, [])
            if all(p.slug != place.slug for p in bucket):
                bucket.append(place)
    frozen = {k: tuple(v) for k, v in names.items()}
    plain = [k for k in frozen if k not in COMMON_WORD_NAMES]
    prefixed = [k for k in frozen if k in COMMON_WORD_NAMES]
    foldable = all(k.isascii() for k in frozen)
    return Gazetteer(
        names=frozen,
        plain=_alternation(plain),
        prefixed=_prefixed(prefixed),
        compact=_compact(frozen),
        order={r.slug: i for i, r in enumerate(ctx.regencies)},
        foldable=foldable,
        plain_folded=_alternation(plain, folded=True) if foldable else None,
        prefixed_folded=_prefixed(prefixed, folded=True) if foldable else None,
        prefixed_hints=tuple(
            sorted({h for k in prefixed for h in PREFIX_HINTS[COMMON_WORD_NAMES[k]]})
        ),
    )


def _alternation(keys: list[str], *, folded: bool = False) -> re.Pattern[str] | None:
    """The names as whole words; `folded`: for " " + _folded(text), group `n` the name."""
    if not keys:
        return None
    if folded:
        return re.compile(rf"\W(?P<n>{_trie(keys)})(?!\w)")
    return re.compile(rf"(?<!\w){_trie(keys)}(?!\w)", re.IGNORECASE)


def _prefixed(keys: list[str], *, folded: bool = False) -> re.Pattern[str] | None:
    """One branch per required prefix, its names in a trie; group `p<i>` holds the name.
    `folded`: for " " + _folded(text), the match opening on the character before."""
    if not keys:
        return None
    by_prefix: dict[str, list[str]] = {}
    for k in keys:
        by_prefix.setdefault(COMMON_WORD_NAMES[k], []).append(k)
    alternatives = "|".join(
        f"{prefix}(?P<p{i}>{_trie(names)})" for i, (prefix, names) in enumerate(by_prefix.items())
    )
    if folded:
        return re.compile(rf"\W(?:{alternatives})(?!\w)")
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


_Node = dict[str, "_Node"]
_END = ""  # marks a node where a whole name ends


def _trie(keys: list[str]) -> str:
    """All names as one regex factored by common prefix, so the engine follows one branch per
    character instead of trying every name at every position. Spaces match any run of spaces
    and hyphens. Where a name goes on into a longer one, the rest is a greedy optional tried
    first, so the longest name that ends on a word boundary wins (Loa Janan Ilir over Loa
    Janan), as in a longest-first alternation."""
    root: _Node = {}
    for name_key in keys:
        node = root
        for ch in name_key:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _render(root)


def _render(node: _Node) -> str:
    branches = [
        (r"[\s\-]+" if ch == " " else re.escape(ch)) + _render(child)
        for ch, child in sorted(node.items())
        if ch != _END
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if _END in node else body


def _compact(names: dict[str, tuple[Place, ...]]) -> tuple[tuple[str, Place], ...]:
    """Aliases without spaces, longest first, for `#pemkabkukar` and `kukarkab.go.id`."""
    found = [
        (k.replace(" ", ""), p)
        for k, places in names.items()
        for p in places
        if p.kind == "alias"
        and k not in COMMON_WORD_NAMES
        and len(k.replace(" ", "")) >= _MIN_COMPACT
    ]
    return tuple(sorted(found, key=lambda item: (-len(item[0]), item[0])))


def _folded(text: str) -> str | None:
    """`text` lower-cased, character for character, or None. A case-sensitive pattern of lower
    case ASCII literals and word and space classes matches the copy exactly where its
    re.IGNORECASE form matches `text`, so spans found in the copy hold in `text`: checked
    over every code point on Python 3.11, lower() keeps each character's word and space
    class, and only İ, ı and ſ match an ASCII letter otherwise than their lower() (the
    Kelvin sign lowers to "k", as re.IGNORECASE matches it)."""
    if text.isascii():
        return text.lower()
    if any(ch in text for ch in _UNFOLDABLE):
        return None
    low = text.lower()
    return low if len(low) == len(text) else None


def find(text: str, gaz: Gazetteer) -> list[Hit]:
    """Every place named in `text`, in order; overlapping names resolved longest first."""
    low = _folded(text) if gaz.foldable else None
    if low is None:
        return _find_case_blind(text, gaz)
    work = text
    hits: list[Hit] = []
    if "jembatan" in low or ("kutai" in low and any(w in low for w in _TRAP_WORDS)):
        spans = [m.span() for m in _TRAPS_FOLDED.finditer(low)]
        work, low = _blank(spans, work, low)
    if "#" in low or "@" in low or ".go.id" in low:  # _JOINED_HINT
        spans = []
        for match in _JOINED.finditer(work):
            hits.extend(_joined_hits(match, gaz))
            spans.append(match.span())
        work, low = _blank(spans, work, low)
    if gaz.prefixed_folded is not None:
        spans = []
        for match in _at_hints(gaz.prefixed_folded, f" {low}", gaz.prefixed_hints):
            name = next(g for g in match.groups() if g is not None)
            start, end = match.end() - 1 - len(name), match.end() - 1
            hits.extend(_hits(gaz, work[start:end], start, end))
            spans.append((match.start(), end))  # from the prefix: the copy's index less one
        work, low = _blank(spans, work, low)
    if gaz.plain_folded is not None:
        for match in gaz.plain_folded.finditer(f" {low}"):
            start, end = match.start("n") - 1, match.end("n") - 1
            found = _hits(gaz, work[start:end], start, end)
            hits.extend(h for h in found if _proper(h))
    return sorted(hits, key=lambda h: h.start)


def _at_hints(
    pattern: re.Pattern[str], text: str, hints: tuple[str, ...]
) -> Iterator[re.Match[str]]:
    """pattern.finditer(text), for a pattern each match of which opens one character before
    one of `hints`: the pattern is tried at those places only, in order, each after the end
    of the match before, as finditer would find them."""
    starts: set[int] = set()
    for hint in hints:
        at = text.find(hint, 1)
        while at != -1:
            starts.add(at - 1)
            at = text.find(hint, at + 1)
    done = 0
    for start in sorted(starts):
        if start >= done and (match := pattern.match(text, start)) is not None:
            done = match.end()
            yield match


def _find_case_blind(text: str, gaz: Gazetteer) -> list[Hit]:
    """find() on the text itself, for a text _folded cannot stand for."""
    work = text
    if _TRAPS_HINT.search(work):
        work = TRAPS.sub(lambda m: " " * len(m.group()), work)
    hits: list[Hit] = []
    if _JOINED_HINT.search(work):
        spans = []
        for match in _JOINED.finditer(work):
            hits.extend(_joined_hits(match, gaz))
            spans.append(match.span())
        (work,) = _blank(spans, work)
    if gaz.prefixed is not None:
        spans = []
        for match in gaz.prefixed.finditer(work):
            name = next(g for g in match.groups() if g is not None)
            start = match.end() - len(name)
            hits.extend(_hits(gaz, name, start, match.end()))
            spans.append(match.span())
        (work,) = _blank(spans, work)
    if gaz.plain is not None:
        for match in gaz.plain.finditer(work):
            found = _hits(gaz, match.group(), match.start(), match.end())
            hits.extend(h for h in found if _proper(h))
    return sorted(hits, key=lambda h: h.start)


def _proper(hit: Hit) -> bool:
    """A kecamatan written all in lower case is a phrase ("pemerintah kota bangun sekolah"),
    not the place; aliases stay case-blind (hashtags, "warga kukar" in comments)."""
    return hit.place.kind != "kecamatan" or not hit.text.islower()


def find_in_token(token: str, gaz: Gazetteer) -> list[Place]:
    """Places inside one joined token (`kominfokukar`, `pemkabkukar`), longest first."""
    rest = key(token).replace(" ", "")
    found: list[Place] = []
    for compact, place in gaz.compact:
        if compact in rest:
            found.append(place)
            rest = rest.replace(compact, " ")
    return found


def _joined_hits(match: re.Match[str], gaz: Gazetteer) -> list[Hit]:
    token = match.group().lstrip("#@")
    if token.lower().endswith(".go.id"):
        token = token[: -len(".go.id")]
    places = find_in_token(token, gaz)
    return [Hit(p, match.group(), match.start(), match.end()) for p in places]


def _hits(gaz: Gazetteer, text: str, start: int, end: int) -> list[Hit]:
    return [Hit(p, text, start, end) for p in gaz.names.get(key(text), ())]


def _blank(spans: list[tuple[int, int]], *texts: str) -> tuple[str, ...]:
    """Each of `texts` (of one length) with each (start, end) span, in order and apart, turned
    into as many spaces: one pass, however many spans (issue 10: a copy per span was
    quadratic); the text and its lower-cased copy in one call."""
    if not spans:
        return texts
    return tuple(_blanked(text, spans) for text in texts)


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    parts, done = [], 0
    for start, end in spans:
        parts += [text[done:start], " " * (end - start)]
        done = end
    parts.append(text[done:])
    return "".join(parts)
