"""Hostile config files: `syndication check` exits 2 with one clear line naming the key, never
a traceback, and never echoes a huge value whole."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from syndication.config import ConfigError, excerpt, loads
from tests import inprocess

ROOT = Path(__file__).resolve().parents[1]
CATEGORY = '[[categories]]\nslug = "pemerintah"\n'
SOURCE = '[[sources]]\nid = "a"\nurl = "https://a.example/feed"\n'


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return inprocess.run(["--config", str(path), "check"], env=env, cwd=ROOT, timeout=120)


def _bad(res: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert res.returncode == 2, (res.returncode, res.stderr[-2000:])
    assert "Traceback" not in res.stderr, res.stderr[-2000:]
    for needle in needles:
        assert needle in res.stderr, res.stderr[-2000:]
    return res.stderr


def test_deeply_nested_array_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(SOURCE + "aliases = " + "[" * 4000 + "]" * 4000 + "\n", encoding="utf-8")
    err = _bad(_check(path), "config.toml: aliases: nesting too deep", "(line 4)")
    assert "RecursionError" not in err


def test_a_huge_invalid_value_is_quoted_in_short(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    # 4 MiB each: far past any excerpt (tomllib reads a string a character at a time, so 20 MiB
    # cost the suite 5 s of CPU for the same finding)
    huge = "x" * (4 * 2**20)
    path.write_text(SOURCE + f'interval = "{huge}"\n[feeds]\nbase_url = "{huge}"\n', "utf-8")
    err = _bad(_check(path), "sources[0].interval: ", "feeds.base_url: ", "4194304 characters")
    assert len(err) < 2000, len(err)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(SOURCE.encode() + b'name = "Kabar \xe9\xe9"\n')
    _bad(_check(path), "not UTF-8", "0xe9", "line 4")


def test_a_directory_instead_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.mkdir()
    _bad(_check(path), "config.toml: is a directory")


def test_a_missing_file(tmp_path: Path) -> None:
    _bad(_check(tmp_path / "config.toml"), "config.toml: no such file")


def test_an_invalid_css_selector_is_named_at_load(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = (
        SOURCE
        + 'kind = "html"\n[sources.selectors]\ntitle = "h1..judul"\nlink = "div:nth-child("\n'
    )
    path.write_text(text, encoding="utf-8")
    _bad(
        _check(path),
        "sources[0].selectors.title: 'h1..judul' is not a valid CSS selector",
        "sources[0].selectors.link: 'div:nth-child(' is not a valid CSS selector",
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (SOURCE + f'name = "{"Nama " * 100}"\n', "sources[0].name"),
        (f'[[categories]]\nslug = "a"\nname = "{"k" * 500}"\n', "categories[0].name"),
        (f'[[regencies]]\nslug = "a"\nname = "{"k" * 500}"\n', "regencies[0].name"),
    ],
)
def test_one_line_names_are_capped(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        loads(text)
    assert any(p.startswith(f"{key}: ") and "at most" in p for p in err.value.problems)
    assert all(len(p) < 400 for p in err.value.problems)


def test_excerpt() -> None:
    assert excerpt("kukar") == "'kukar'"
    long = excerpt("y" * 1000)
    assert long.startswith("'yyy") and long.endswith("… (1000 characters)") and len(long) < 110


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ('[feeds]\ntitle = "\\u0001\\u0002"\n', "feeds.title", "U+0001"),
        ('[feeds]\ntitle = "Kabar\\u0085Kaltim"\n', "feeds.title", "U+0085"),
        ('[feeds]\ntitle = "   "\n', "feeds.title", "is blank"),
        ('[feeds]\ndescription = ""\n', "feeds.description", "is blank"),
        (CATEGORY + 'name = "\\u001b[31m"\n', "categories[0].name", "U+001B"),
        ('[[regencies]]\nslug = "kukar"\nname = "\\t"\n', "regencies[0].name", "is blank"),
        (SOURCE + 'name = "A\\uffff"\n', "sources[0].name", "the character U+FFFF"),
        ('[feeds]\ntitle = "\\u00ad\\ufeff\\u200e"\n', "feeds.title", "is blank"),
        ('[feeds]\ntitle = "\\u3164\\u2800"\n', "feeds.title", "is blank"),
        ('[feeds]\nsite_url = "https://a.test/\\u0001x"\n', "feeds.site_url", "U+0001"),
        ('[feeds]\nbase_url = "https://a.test/\\u0085/"\n', "feeds.base_url", "U+0085"),
        ('[feeds]\nwebsub_hub = "https://hub.test/\\uffff"\n', "feeds.websub_hub", "U+FFFF"),
        (SOURCE.replace("/feed", "/\\u0001feed"), "sources[0].url", "U+0001"),
        ('[feeds]\nwebsub_hub = "https://hub.test:abc/"\n', "feeds.websub_hub", "no valid port"),
        (SOURCE.replace("a.example/", "a.example:99999/"), "sources[0].url", "no valid port"),
        ('[feeds]\nbase_url = "https://a.test/#f"\n', "feeds.base_url", "#fragment"),
        ('[feeds]\nbase_url = "https://a.test/?q=1"\n', "feeds.base_url", "?query"),
        ('[feeds]\nbase_url = "https://u:p@a.test/"\n', "feeds.base_url", "user@"),
    ],
)  # fmt: skip
def test_a_shown_text_feeds_cannot_carry_is_refused(toml: str, key: str, problem: str) -> None:
    """Titles and names go into every feed, page and message: one a feed cannot carry (or a
    blank one, which feed readers refuse) used to pass `check` and then stop every publish
    with a traceback."""
    with pytest.raises(ConfigError) as caught:
        loads(toml)
    assert any(p.startswith(f"{key}: ") and problem in p for p in caught.value.problems), (
        caught.value.problems
    )


def test_shown_text_in_any_script_is_kept() -> None:
    config = loads(
        '[feeds]\ntitle = "Kabar Kaltim — ꦧꦼꦫꦶꦠ 📰"\n'
        '[[categories]]\nslug = "pemerintah"\nname = "Pemerintah\\tDaerah"\n'
    )
    assert config.feeds.title == "Kabar Kaltim — ꦧꦼꦫꦶꦠ 📰"
    assert config.categories[0].name == "Pemerintah\tDaerah"


def test_a_title_only_of_controls_is_refused_by_check_not_by_a_crashed_run(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[feeds]\ntitle = "\\u0001"\n', encoding="utf-8")
    _bad(_check(path), "config.toml: feeds.title: contains the control character U+0001")
