"""`syndication check` names every problem at once: a bad field (an interval) does not hide
the cross-checks (a filter's unknown regency, an unknown time zone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syndication.config import RAW_LINES, load, loads
from syndication.errors import ConfigError
from tests.conftest import write_config
from tests.test_cli import cli

SOURCES = '[[sources]]\nid = "p"\nurl = "https://portal.test/feed/"\ninterval = "soon"\n'
FILTERS = """
[[filters]]
regencies = ["kukar"]
exclude = ["lowongan"]
[[filters]]
regencies = ["kukar", "nowhere"]
exclude = ["judi"]
"""


def _config(tmp_path: Path, extra: str = FILTERS) -> Path:
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite", sources=SOURCES
    )
    text = path.read_text(encoding="utf-8")
    text = text.replace("[telegram]\n", '[telegram]\ntimezone = "Mars/Olympus"\n', 1)
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_field_errors_and_cross_checks_come_together(tmp_path: Path) -> None:
    path = _config(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load(path)
    problems = caught.value.problems
    assert any(p.startswith("sources[0].interval: ") for p in problems), problems
    assert any(
        p.startswith("filters[1].regencies[1]: unknown regency 'nowhere'") for p in problems
    ), problems
    assert any(p.startswith("telegram.timezone: unknown time zone") for p in problems), problems
    assert not any("filters[0]" in p or "regencies[0]" in p for p in problems), problems
    res = cli("--config", str(path), "check")
    assert res.returncode == 2
    for key in ("sources[0].interval", "filters[1].regencies[1]", "telegram.timezone"):
        assert key in res.stderr, (key, res.stderr)


def test_a_bad_slug_is_named_once(tmp_path: Path) -> None:
    path = _config(tmp_path, '[[filters]]\nregencies = ["Kukar"]\nexclude = ["judi"]\n')
    with pytest.raises(ConfigError) as caught:
        load(path)
    lines = [p for p in caught.value.problems if p.startswith("filters[0].regencies[0]")]
    assert len(lines) == 1, caught.value.problems


def test_a_cross_check_alone_is_named_once(tmp_path: Path) -> None:
    path = _config(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace('interval = "soon"', 'interval = "5m"')
        .replace('timezone = "Mars/Olympus"\n', ""),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.problems == [
        p for p in caught.value.problems if p.startswith("filters[1].regencies[1]: ")
    ]
    assert len(caught.value.problems) == 1, caught.value.problems


def test_built_in_categories_stay_known_beside_a_field_error() -> None:
    text = """
[telegram]
notify_categories = ["advertorial"]
[[categories]]
slug = "bisnis"
name = "Bisnis"
[[sources]]
id = "p"
url = "https://portal.test/feed/"
interval = "soon"
"""
    with pytest.raises(ConfigError) as caught:
        loads(text)
    assert [p.split(":")[0] for p in caught.value.problems] == ["sources[0].interval"]
    loads(text.replace('"soon"', '"5m"'))  # accepted: advertorial is built in


BARE = """
[storage]
url = "sqlite:///db.sqlite3"
[server]
port = "x"
[telegram]
notify_categories = ["pemerintahh"]
[[regencies]]
slug = "kukr"
name = "Kutai Kartanegara"
"""


def test_the_near_misses_come_with_a_bad_field() -> None:
    """A regency slug a letter off the gazetteer's and a pushed category a letter off a
    built-in one (no [[categories]]) were named only once every other key was valid."""
    with pytest.raises(ConfigError) as caught:
        loads(BARE)
    problems = caught.value.problems
    assert any(p.startswith("server.port: ") for p in problems), problems
    assert any("regencies[0].slug: 'kukr'" in p and "'kukar'" in p for p in problems), problems
    assert any(
        "telegram.notify_categories[0]: unknown category 'pemerintahh'" in p and "'pemerintah'" in p
        for p in problems
    ), problems
    # each once: the model's own pass gives the same lines when the rest is valid
    valid = BARE.replace('port = "x"', "port = 8080")
    with pytest.raises(ConfigError) as again:
        loads(valid)
    assert len(again.value.problems) == 2, again.value.problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[sources]]\nid = "x"\n[[sources]]\nid = "a"\nid = "b"\n', "sources[1].id: (5)"),
        ("[server]\nport = 1\nport = 2\n", "server.port: (3)"),
        (
            '[[sources]]\nid = "x"\n[[sources]]\nid = "a"\n[sources.selectors]\n'
            'title = "h1"\ntitle = "h2"\n',
            "sources[1].selectors.title: (7)",
        ),
        ('[feeds]\nbase_url = "http://x\n', "feeds.base_url: (2)"),
        ("[feeds\nbase_url = 1\n", ""),  # a broken header names no key
    ],
)
def test_a_syntax_error_names_its_key_where_the_line_has_one(text: str, expected: str) -> None:
    """The contract's shape, `config.toml: <key path>: <what is wrong>`, for a syntax error
    too when its line is a `key = ...` (a duplicate key, an open quote), with its line."""
    with pytest.raises(ConfigError) as caught:
        loads(text)
    [problem] = caught.value.problems
    if not expected:
        assert problem.startswith("(TOML syntax) ") and "(at line 1" in problem, problem
        return
    key, line = expected.split(" ")
    assert problem.startswith(f"{key} TOML syntax: "), problem
    assert problem.endswith(f"(line {line.strip('()')})"), problem


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        # a [[categories]] row without its slug declares categories all the same: a pushed
        # category is then unknown, not a near miss of a built-in one (never both lines)
        (
            "[[regencies]]",
            '[[categories]]\nname = "Tanpa Slug"\n[[regencies]]',
            "telegram.notify_categories[0]",
        ),
        # a slug the pattern refuses has its line already: no gazetteer hint beside it
        ('slug = "kukr"', 'slug = "Kukar"', "regencies[0].slug"),
    ],
)
def test_one_line_and_no_near_miss_hint_where_another_rule_speaks(
    old: str, new: str, key: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        loads(BARE.replace(old, new))
    lines = [p for p in caught.value.problems if p.startswith(key)]
    assert len(lines) == 1 and "did you mean" not in lines[0], lines


def test_a_hostile_list_in_a_file_invalid_elsewhere_gives_a_bounded_answer() -> None:
    """Twenty thousand mistyped categories and one bad key: every cross-check line was looked
    up in the text, a quadratic answer of twenty thousand lines; now the first RAW_LINES and a
    count of the rest."""
    slugs = ", ".join(['"pemerintahh"'] * 20_000)
    text = BARE.replace('notify_categories = ["pemerintahh"]', f"notify_categories = [{slugs}]")
    text = text.replace('slug = "kukr"', 'slug = "kukar"')
    with pytest.raises(ConfigError) as caught:
        loads(text)
    problems = caught.value.problems
    assert len(problems) <= RAW_LINES + 3, len(problems)
    assert problems[-1].startswith(f"telegram.notify_categories[{RAW_LINES}]: and ")
    assert f"and {20_000 - RAW_LINES} more problems" in problems[-1], problems[-1]
    assert any(p.startswith("server.port: ") for p in problems)


def test_many_failing_cross_checks_in_an_otherwise_valid_file_are_bounded_and_counted() -> None:
    """The model's own cross-checks, every other key valid: the first RAW_LINES and the
    count of the rest (not of lines already shown)."""
    slugs = ", ".join(['"pemerintahh"'] * (RAW_LINES + 50))
    text = BARE.replace('port = "x"', "port = 8080").replace('slug = "kukr"', 'slug = "kukar"')
    text = text.replace('notify_categories = ["pemerintahh"]', f"notify_categories = [{slugs}]")
    with pytest.raises(ConfigError) as caught:
        loads(text)
    problems = caught.value.problems
    pushed = [p for p in problems if p.startswith("telegram.notify_categories[")]
    assert len(pushed) == RAW_LINES + 1, len(pushed)
    assert "and 50 more problems like those above" in pushed[-1], pushed[-1]


def test_a_category_slug_that_is_no_string_is_a_problem_not_a_crash() -> None:
    """`slug = ["x"]` under [[categories]]: the raw cross-checks put it in a set (TypeError:
    unhashable list, a traceback and exit 1 where `check` owes exit 2 and the problem)."""
    with pytest.raises(ConfigError) as caught:
        loads(BARE + '[[categories]]\nslug = ["x"]\nname = "X"\n')
    assert any(p.startswith("categories[0].slug: ") for p in caught.value.problems)


def test_many_bad_fields_are_bounded_and_counted() -> None:
    """Each field's line is looked up in the text: thousands of bad fields made `check`
    quadratic; the first RAW_LINES are named, then a count of the rest."""
    sources = "".join(
        f'[[sources]]\nid = "s{i}"\nurl = "https://p{i}.test/feed/"\ninterval = 5\n'
        for i in range(RAW_LINES + 40)
    )
    with pytest.raises(ConfigError) as caught:
        loads(BARE.replace('port = "x"', "port = 8080") + sources)
    problems = caught.value.problems
    assert len(problems) <= RAW_LINES + 3, len(problems)
    assert any("more problems like those above" in p for p in problems), problems[-3:]


def test_a_header_like_line_full_of_spaces_names_the_key_after_it() -> None:
    """A line that starts like a table header and runs on in spaces (inside a multi-line
    string here) is no header, and the error after it is still named by its key."""
    text = 'x = """\n[a' + " " * 20_000 + '\n"""\ny = = 1\n'
    with pytest.raises(ConfigError) as caught:
        loads(text)
    assert caught.value.problems[0].startswith("y: TOML syntax: "), caught.value.problems
