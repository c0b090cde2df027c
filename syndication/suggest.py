""" "Did you mean ...?" for `check`: unknown keys, category and regency slugs (aliases too).

`annotate` reads the problem lines the config loader made and adds a hint where one helps."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

_UNKNOWN_SLUG = re.compile(r"unknown (category|regency) '([^']*)'")
_LINE = re.compile(r" \(line \d+\)$")


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest choice to a misspelt `word`, if any is close."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def slug_hint(word: str, slugs: Mapping[str, Iterable[str]]) -> str:
    """A hint for an unknown slug, given each known slug's aliases: '' when none helps."""
    folded = word.strip().lower()
    for slug, aliases in slugs.items():
        if folded == slug:
            return f"write it as {slug!r}"
        if folded in {a.strip().lower() for a in aliases}:
            return f"{word!r} is an alias of {slug!r}: write {slug!r}"
    close = did_you_mean(folded, slugs)
    if close is not None:
        return f"did you mean {close!r}?"
    if slugs and len(slugs) <= 12:
        return "known: " + ", ".join(slugs)
    return ""


def key_hint(key_path: str, model: type[BaseModel]) -> str:
    """A hint for an unknown key such as `feeds.item_per_feed`: '' when none helps."""
    parts = [p for p in re.split(r"[.\[\]]+", key_path) if p and not p.isdigit()]
    owner: Any = model
    for part in parts[:-1]:
        field = owner.model_fields.get(part) if _is_model(owner) else None
        if field is None:
            return ""
        owner = _model_in(field.annotation)
    if not _is_model(owner) or not parts:
        return ""
    close = did_you_mean(parts[-1], owner.model_fields)
    return f"did you mean {close!r}?" if close else ""


def annotate(
    problems: list[str],
    data: Mapping[str, Any],
    model: type[BaseModel],
    built_in: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """The loader's problem lines, with a hint added (before any "(line N)") where one helps.
    `built_in`: the categories a config that declares some has too (their slug, their names)."""
    categories = _slugs(data.get("categories"))
    if categories:  # none declared: a near miss of a built-in one has its hint already
        categories |= {k: list(v) for k, v in (built_in or {}).items() if k not in categories}
    tables = {"category": categories, "regency": _slugs(data.get("regencies"))}
    out = []
    for line in problems:
        hint = ""
        slug = _UNKNOWN_SLUG.search(line)
        if slug:
            hint = slug_hint(slug.group(2), tables[slug.group(1)])
        elif "unknown key" in line:
            hint = key_hint(line.partition(": ")[0], model)
        out.append(_with_hint(line, hint) if hint else line)
    return out


def _with_hint(line: str, hint: str) -> str:
    suffix = _LINE.search(line)
    head = line[: suffix.start()] if suffix else line
    head = head.replace("unknown key (a typo?)", "unknown key")
    return f"{head} ({hint}){suffix.group(0) if suffix else ''}"


def _slugs(rows: object) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and isinstance(row.get("slug"), str):
            aliases = row.get("aliases")
            names = [a for a in aliases if isinstance(a, str)] if isinstance(aliases, list) else []
            if isinstance(row.get("name"), str):
                names.append(row["name"])
            out[row["slug"]] = names
    return out


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _model_in(annotation: Any) -> Any:
    """The model inside `Model`, `tuple[Model, ...]` or `Model | None`."""
    if _is_model(annotation):
        return annotation
    if get_origin(annotation) in (tuple, list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
