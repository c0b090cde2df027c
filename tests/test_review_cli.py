"""A review of what an admin meets at the command line: `check` on configs written wrong,
`run`'s start-up lines, each as the admin sees it (the command's own output)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests import inprocess
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]
SECRET = "Rahasia42"
PRIVATE = f"https://pembaca:{SECRET}@portal.test/feed/"


def _cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SYNDICATION_TEST_TOKEN"}
    return inprocess.run(["--config", str(path), *args], env=env, cwd=path.parent, timeout=120)


def test_run_names_a_private_source_without_its_password(tmp_path: Path) -> None:
    """`run` logs at start which sources it polls: the URL there, as everywhere else, without
    the password of a private feed (logs are shipped and shared)."""
    source = (
        f'[[sources]]\nid = "privat"\nurl = "{PRIVATE.replace("portal.test", "127.0.0.1:9")}"\n'
    )
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite3", sources=source
    )
    res = _cli(path, "run", "--once")
    assert res.returncode == 0, res.stderr
    assert "event=startup sources: 1 enabled of 1: privat (feed)" in res.stderr, res.stderr
    assert SECRET not in res.stderr + res.stdout


def test_a_source_written_as_a_table_is_quoted_without_its_password(tmp_path: Path) -> None:
    """`[sources]` for `[[sources]]` (or a URL in a list) is a type error that quotes the
    value: the password of a URL in it stays out, as in every config error (they also go
    to the log, /status and the admin's chat)."""
    cases = {
        "table.toml": f'[sources]\nid = "privat"\nurl = "{PRIVATE}"\n',
        "list.toml": f'[[sources]]\nid = "privat"\nurl = ["{PRIVATE}"]\n',
        "storage.toml": '[storage]\nurl = ["postgresql://syn:Rahasia42@db.test/syn"]\n',
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        res = _cli(path, "check")
        assert res.returncode == 2, (name, res.stderr)
        assert f"{name}: s" in res.stderr, res.stderr  # its problem is named
        assert SECRET not in res.stderr + res.stdout, res.stderr


def test_a_problem_under_sources_selectors_names_its_own_line(tmp_path: Path) -> None:
    """`[sources.selectors]` (the README's form) under a `[[sources]]`: a bad selector or a
    misspelt key there is reported at its own line, not at the `[[sources]]` header."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[[sources]]\nid = "a"\nurl = "https://a.test/"\nkind = "html"\n'  # lines 1-4
        '[sources.selectors]\ntitle = "h1["\ntitel = "h1"\n'  # lines 5-7
        '[[sources]]\nid = "b"\nurl = "https://b.test/"\nkind = "html"\n'  # lines 8-11
        '[sources.selectors]\nlink = "a"\ndate = "time["\n'  # lines 12-14
        '[[sources]]\nid = "c"\nurl = "https://c.test/"\ninterval = "5 min"\n'  # lines 15-18
    )
    res = _cli(path, "check")
    assert res.returncode == 2, res.stderr
    for line in (
        "sources[0].selectors.title: 'h1[' is not a valid CSS selector",
        "sources[0].selectors.titel: unknown key (did you mean 'title'?) (line 7)",
        "sources[2].interval: '5 min' is not a duration",
    ):
        assert line in res.stderr, res.stderr
    lines = {p.split(": ")[1]: p for p in res.stderr.splitlines()}
    assert lines["sources[0].selectors.title"].endswith("(line 6)"), res.stderr
    assert lines["sources[1].selectors.date"].endswith("(line 14)"), res.stderr
    assert lines["sources[2].interval"].endswith("(line 18)"), res.stderr


def test_a_list_written_inline_names_its_line(tmp_path: Path) -> None:
    """A problem in an inline list (`notify_categories = [...]`, `regencies = [...]`) is at
    the line of its key."""
    path = tmp_path / "config.toml"
    path.write_text(
        'regencies = [{slug = "kukar", name = 5}]\n'
        '[telegram]\nmax_age = "24h"\nnotify_categories = ["pemerintah", "Bisnis"]\n'
    )
    res = _cli(path, "check")
    assert res.returncode == 2, res.stderr
    assert "telegram.notify_categories[1]: 'Bisnis' must be lower case" in res.stderr
    lines = {p.split(": ")[1]: p for p in res.stderr.splitlines()}
    assert lines["telegram.notify_categories[1]"].endswith("(line 4)"), res.stderr
    assert lines["regencies[0].name"].endswith("(line 1)"), res.stderr


def test_a_table_declared_twice_names_its_key_path(tmp_path: Path) -> None:
    """A block pasted twice (`[storage]` again, `[sources]` after `[[sources]]`) is a TOML
    syntax error whose line is a header: the contract's `<key path>: <what is wrong>` with
    the table's path and its line, as for a duplicate key."""
    cases = {
        "twice.toml": ('[storage]\nurl = "sqlite:///a.db"\n\n[storage]\n', "storage", 4),
        "mixed.toml": ('[[sources]]\nid = "a"\nurl = "https://a.test/"\n[sources]\n', "sources", 4),
        "sub.toml": (
            '[[sources]]\nid = "a"\n[[sources]]\nid = "b"\n[sources.selectors]\ntitle = "h1"\n'
            "[sources.selectors]\n",
            "sources[1].selectors",
            7,
        ),
    }
    for name, (text, key, line) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        res = _cli(path, "check")
        assert res.returncode == 2, res.stderr
        assert res.stderr.startswith(f"{name}: {key}: TOML syntax: Cannot declare "), res.stderr
        assert res.stderr.rstrip().endswith(f"(line {line})"), res.stderr


def test_a_misspelt_built_in_category_is_suggested_when_others_are_declared(
    tmp_path: Path,
) -> None:
    """Declared categories get `pemerintah` and `advertorial` too (README): a notify list's
    typo of `advertorial` is a near miss of it, not of the declared ones only."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[telegram]\nnotify_categories = ["pemerintah", "advertorail", "olahraga"]\n'
        '[[categories]]\nslug = "pemerintah"\nname = "Pemerintah"\n'
        '[[categories]]\nslug = "bisnis"\nname = "Bisnis"\n'
    )
    res = _cli(path, "check")
    assert res.returncode == 2, res.stderr
    assert "[1]: unknown category 'advertorail' (did you mean 'advertorial'?)" in res.stderr
    assert "[2]: unknown category 'olahraga' (known: pemerintah, bisnis, advertorial)" in (
        res.stderr
    )
