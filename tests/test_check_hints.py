"""`check`: a line number on every problem, "did you mean" for keys and slugs (aliases too),
`--config` after the subcommand, and a description in every subcommand's --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syndication.cli import build_parser
from syndication.config import Config, load
from syndication.errors import ConfigError
from syndication.suggest import annotate
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]
SOURCE = '[[sources]]\nid = "uji"\nurl = "http://127.0.0.1:1/feed/"\n'


def _config(tmp_path: Path, old: str, new: str) -> Path:
    path = write_config(tmp_path / "config.toml", db_url="sqlite:///db.sqlite3", sources=SOURCE)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(path)
    return info.value.problems


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_category_alias_gets_its_slug_and_a_line_number(tmp_path: Path) -> None:
    # the only problem in an otherwise valid config: the model's own cross-check reports it
    path = _config(tmp_path, '"pemerintah", "advertorial"]', '"pemerintahan", "infrastuktur"]')
    line = _line_of(path, "pemerintahan")
    assert _problems(path) == [
        "telegram.notify_categories[0]: unknown category 'pemerintahan' "
        f"('pemerintahan' is an alias of 'pemerintah': write 'pemerintah') (line {line})",
        "telegram.notify_categories[1]: unknown category 'infrastuktur' "
        f"(did you mean 'infrastruktur'?) (line {line})",
    ]


def test_regency_notify_list_and_unknown_key_together(tmp_path: Path) -> None:
    path = _config(tmp_path, "#chat:kukar\n", 'notify_categories = ["bisnes"]\n#chat:kukar\n')
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'publish_delay = "0s"', 'publish_delay = "0s"\nitem_per_feed = 20'
        ),
        encoding="utf-8",
    )
    problems = _problems(path)
    key_line, cat_line = _line_of(path, "item_per_feed"), _line_of(path, '["bisnes"]')
    assert (
        f"feeds.item_per_feed: unknown key (did you mean 'items_per_feed'?) (line {key_line})"
        in problems
    )
    [cat] = [p for p in problems if "bisnes" in p]
    assert cat.endswith(f"unknown category 'bisnes' (did you mean 'bisnis'?) (line {cat_line})")


def test_unknown_key_without_a_close_name_keeps_the_plain_message(tmp_path: Path) -> None:
    path = _config(tmp_path, 'publish_delay = "0s"', 'publish_delay = "0s"\nzzz = 1')
    [problem] = _problems(path)
    assert problem.startswith("feeds.zzz: unknown key (a typo?) (line ")


def test_unknown_regency_names_the_slug_of_an_alias() -> None:
    data = {"regencies": [{"slug": "kukar", "name": "Kutai Kartanegara", "aliases": ["Kukar"]}]}
    lines = [
        "filters[0].regencies[0]: unknown regency 'Kutai Kartanegara' (line 40)",
        "filters[0].regencies[1]: unknown regency 'kukr'",
    ]
    assert annotate(lines, data, Config) == [
        "filters[0].regencies[0]: unknown regency 'Kutai Kartanegara' "
        "('Kutai Kartanegara' is an alias of 'kukar': write 'kukar') (line 40)",
        "filters[0].regencies[1]: unknown regency 'kukr' (did you mean 'kukar'?)",
    ]


def test_config_option_after_the_subcommand(tmp_path: Path) -> None:
    path = write_config(tmp_path / "x.toml", db_url="sqlite:///db.sqlite3", sources=SOURCE)
    res = subprocess.run(
        [sys.executable, "-m", "syndication", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"{path}: valid")
    before = build_parser().parse_args(["--config", "a.toml", "check"])
    after = build_parser().parse_args(["check", "--config", "b.toml"])
    assert (before.config, after.config) == ("a.toml", "b.toml")


def test_every_subcommand_help_has_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    names = ["check", "run", "serve", "status", "explain", "probe", "send-test"]
    for name in names:
        with pytest.raises(SystemExit):
            build_parser().parse_args([name, "--help"])
        usage, _, rest = capsys.readouterr().out.partition("\n\n")
        assert usage.startswith(f"usage: syndication {name}")
        description = rest.split("\n\n")[0]
        assert description[0].isupper() and description.endswith("."), (name, description)
        assert not description.startswith(("positional", "options")), name
