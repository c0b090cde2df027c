"""A private feed's password, or the database's, never shows in a config error.

Config errors are not only printed by `check` on the admin's terminal: a reload that fails
logs them, records them for /status and sends them to the admin's chat. A URL that is wrong
in some other way (a space, a bad port, a duplicate) is quoted in its error, its user
information masked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from syndication.config import load
from syndication.errors import ConfigError
from tests.conftest import write_config

SECRET = "Rahasia42"


def _problems(tmp_path: Path, *, db_url: str = "sqlite:///db.sqlite3", sources: str = "") -> str:
    path = write_config(tmp_path / "config.toml", db_url=db_url, sources=sources)
    with pytest.raises(ConfigError) as e:
        load(path)
    return "\n".join(e.value.problems)


def _source(url: str, source_id: str = "privat") -> str:
    return f'[[sources]]\nid = "{source_id}"\nurl = "{url}"\nkind = "feed"\n'


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        # a space: not an http(s) URL
        (f"https://pembaca:{SECRET} x@portal.test/feed/", "is not an http(s) URL"),
        # a '/' in the password: urlsplit reads "pembaca:Rahasia" as host and port
        (f"https://pembaca:{SECRET[:4]}/{SECRET[4:]}@portal.test/feed/", "no valid port"),
        # a control character
        (f"https://pembaca:{SECRET}@portal.test/feed/\\u0007", "control character"),
        # a token as the user name alone, in a URL with a bad port
        (f"https://{SECRET}@portal.test:99999/feed/", "no valid port"),
    ],
)
def test_a_bad_source_url_is_quoted_without_its_password(
    tmp_path: Path, url: str, complaint: str
) -> None:
    problems = _problems(tmp_path, sources=_source(url))
    assert complaint in problems, problems
    assert "sources[0].url" in problems, problems
    for piece in (SECRET, SECRET[:4], SECRET[4:]):
        assert piece not in problems, problems
    assert "***@portal.test" in problems, problems


def test_a_duplicate_source_url_is_quoted_without_its_password(tmp_path: Path) -> None:
    url = f"https://pembaca:{SECRET}@portal.test/feed/"
    problems = _problems(tmp_path, sources=_source(url, "satu") + _source(url, "dua"))
    assert "sources[1].url" in problems and "is already used by sources[0]" in problems, problems
    assert SECRET not in problems and "pembaca:***@portal.test" in problems, problems


@pytest.mark.parametrize(
    "db_url",
    [
        f"postgresql://app:{SECRET} x@127.0.0.1:99999/news",  # a space, then a bad port
        f"postgresql://app:{SECRET[:4]}/{SECRET[4:]}@127.0.0.1:99999/news",
        f"mysql://app:{SECRET}@127.0.0.1/news",  # an unknown scheme
    ],
)
def test_a_bad_storage_url_is_quoted_without_its_password(tmp_path: Path, db_url: str) -> None:
    problems = _problems(tmp_path, db_url=db_url)
    assert "storage.url" in problems, problems
    for piece in (SECRET, SECRET[:4], SECRET[4:]):
        assert piece not in problems, problems
    assert "app:***@127.0.0.1" in problems, problems
