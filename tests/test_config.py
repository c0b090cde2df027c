"""Config loading and validation: the shipped config is valid; broken ones name every key."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from syndication.config import ConfigError, load, loads, parse_duration, parse_size

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_is_valid() -> None:
    config = load(ROOT / "config.toml")
    slugs = [r.slug for r in config.regencies]
    assert slugs[0] == "kaltim" and config.regencies[0].is_province
    assert set(slugs) == {
        "kaltim",
        "kukar",
        "kutim",
        "kubar",
        "mahulu",
        "paser",
        "ppu",
        "berau",
        "balikpapan",
        "samarinda",
        "bontang",
    }
    assert config.sources[0].id == "eksposisi"
    assert config.sources[0].url == "https://eksposisi.com/feed/"
    assert {"pemerintah", "advertorial", "infrastruktur", "bisnis"} <= {
        c.slug for c in config.categories
    }
    assert config.telegram.max_age == timedelta(hours=24)


def test_every_problem_named_with_key_path_and_line() -> None:
    text = "\n".join(
        [
            "[feeds]",
            'base_url = "ftp://x"',
            "itmes_per_feed = 3",
            "[telegram]",
            'max_age = "24x"',
            "[[categories]]",
            'slug = "Pemerintah"',
            'name = "P"',
            "[[sources]]",
            'id = "a"',
            'url = "https://a.example/feed"',
            "interval = 5",
            "[[sources]]",
            'id = "b"',
            'url = "https://b.example/feed"',
            'kind = "rss"',
        ]
    )
    with pytest.raises(ConfigError) as err:
        loads(text)
    problems = err.value.problems
    assert any(p.startswith("feeds.base_url: ") and "(line 2)" in p for p in problems)
    assert any(
        p.startswith("feeds.itmes_per_feed: unknown key") and "(line 3)" in p for p in problems
    )
    assert any(p.startswith("telegram.max_age: ") and "(line 5)" in p for p in problems)
    assert any(p.startswith("categories[0].slug: ") for p in problems)
    assert any(p.startswith("sources[0].interval: ") and "(line 12)" in p for p in problems)
    assert any(p.startswith("sources[1].kind: ") and "(line 16)" in p for p in problems)
    assert len(problems) == 6


def test_cross_checks_duplicates_and_unknown_categories() -> None:
    text = """
[telegram]
notify_categories = ["pemerintah", "nope"]
[[categories]]
slug = "pemerintah"
name = "Pemerintah"
[[sources]]
id = "a"
url = "https://a.example/feed"
[[sources]]
id = "a"
url = "https://b.example/feed"
"""
    with pytest.raises(ConfigError) as err:
        loads(text)
    text_all = "\n".join(err.value.problems)
    assert "sources[1].id: 'a' is already used by sources[0]" in text_all
    assert "telegram.notify_categories[1]: unknown category 'nope'" in text_all


def test_toml_syntax_error_is_reported() -> None:
    with pytest.raises(ConfigError) as err:
        loads("[feeds\nx=1")
    assert "TOML syntax" in err.value.problems[0]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("24h", 86400), ("1h30m", 5400), ("7d", 604800), ("500ms", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("bad", ["", "5", "5 minutes", "m5", 5, "-5m"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_sizes() -> None:
    assert parse_size("8MiB") == 8 * 2**20
    assert parse_size("5MB") == 5_000_000
    assert parse_size(1024) == 1024


def test_relative_sqlite_path_is_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[storage]\nurl = "sqlite:///var/x.sqlite3"\n')
    config = load(tmp_path / "c.toml")
    assert config.database_url == f"sqlite:///{tmp_path.resolve()}/var/x.sqlite3"
    assert load(tmp_path / "c.toml").output_dir == (tmp_path / "public").resolve()


def test_postgres_url_uses_psycopg() -> None:
    config = loads('[storage]\nurl = "postgresql://u@h:5432/db"\n')
    assert config.database_url == "postgresql+psycopg://u@h:5432/db"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syndication", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_check_command_exit_codes(tmp_path: Path) -> None:
    ok = _cli("--config", str(ROOT / "config.toml"), "check")
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout and "eksposisi" in ok.stdout
    bad = tmp_path / "config.toml"
    bad.write_text('[server]\nport = "eighty"\nhots = "x"\n')
    res = _cli("--config", str(bad), "check")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert "config.toml: server.port: " in lines[0] and "(line 2)" in lines[0]
    assert lines[1].startswith("config.toml: server.hots: unknown key")


def test_config_path_from_environment(tmp_path: Path) -> None:
    import os

    bad = tmp_path / "other.toml"
    bad.write_text("[nope]\n")
    res = _cli("check", env={**os.environ, "SYNDICATION_CONFIG": str(bad)})
    assert res.returncode == 2 and "other.toml: nope: unknown key" in res.stderr


def test_duplicates_reported_alongside_field_errors() -> None:
    text = """
[[sources]]
id = "a"
url = "https://a.example/feed"
interval = "soon"
[[sources]]
id = "a"
url = "https://b.example/feed"
"""
    with pytest.raises(ConfigError) as err:
        loads(text)
    problems = err.value.problems
    assert any(p.startswith("sources[0].interval: ") for p in problems)
    assert any(
        p.startswith("sources[1].id: 'a' is already used by sources[0]") and "(line 7)" in p
        for p in problems
    )
