"""The shipped config.toml's regencies are the shipped gazetteer's (syndication/data/kaltim.toml):
same slugs in the same order, same names, aliases and kecamatan, the province first."""

from __future__ import annotations

import tomllib
from typing import Any

from syndication.config import load
from tests.conftest import GAZETTEER, ROOT


def gazetteer_rows() -> list[dict[str, Any]]:
    data = tomllib.loads(GAZETTEER.read_text(encoding="utf-8"))
    province = {**data["province"], "kecamatan": [], "province": True}
    return [province, *({**r, "province": False} for r in data["regencies"])]


def test_the_gazetteer_ships_inside_the_package() -> None:
    assert GAZETTEER.is_file()
    assert GAZETTEER.is_relative_to(ROOT / "syndication")
    rows = gazetteer_rows()
    assert [r["slug"] for r in rows][:1] == ["kaltim"] and len(rows) == 11


def test_default_config_regencies_agree_with_the_gazetteer() -> None:
    config = load(ROOT / "config.toml")
    got = [
        (r.slug, r.name, list(r.aliases), list(r.kecamatan), r.is_province)
        for r in config.regencies
    ]
    want = [
        (r["slug"], r["name"], r["aliases"], r["kecamatan"], r["province"])
        for r in gazetteer_rows()
    ]
    assert [g[0] for g in got] == [w[0] for w in want]  # slugs, in order
    for g, w in zip(got, want, strict=True):
        assert g == w, f"config.toml's [[regencies]] {g[0]!r} differs from kaltim.toml"


def test_default_config_categories_agree_with_the_shipped_words() -> None:
    shipped = tomllib.loads((ROOT / "syndication/data/categories.toml").read_text("utf-8"))
    words = {c["slug"]: c["aliases"] for c in shipped["categories"]}
    config = tomllib.loads((ROOT / "config.toml").read_text("utf-8"))
    assert {c["slug"]: c.get("aliases", []) for c in config["categories"]} == words
