"""A hostile review of config.toml as an admin edits it: mistakes that `check` passed and
that broke `run` later (or quietly did harm), each run as the admin would, `syndication
check` on a written file, which must exit 2 naming the key path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests import inprocess

ROOT = Path(__file__).resolve().parents[1]
SOURCE = '[[sources]]\nid = "a"\nurl = "https://a.test/feed/"\n'


def _check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SYNDICATION_CONFIG"}
    return inprocess.run(["--config", str(path), "check"], env=env, cwd=tmp_path, timeout=120)


def _refused(res: subprocess.CompletedProcess[str], key: str, *words: str) -> None:
    assert res.returncode == 2, res.stdout + res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith(f"config.toml: {key}: ")]
    assert lines, res.stderr
    for word in words:
        assert any(word in ln for ln in lines), (word, res.stderr)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[feeds]\nbase_url = ""\n', "feeds.base_url"),
        ('[telegram]\napi_url = ""\n', "telegram.api_url"),
        ('[[sources]]\nid = "a"\nurl = ""\n', "sources[0].url"),
    ],
)
def test_a_required_url_left_empty_is_refused(tmp_path: Path, text: str, key: str) -> None:
    """`url = ""` passed check: the source then failed every poll ("fetch: : no host"), an
    empty api_url failed every send, an empty base_url made every feed link relative ("/")."""
    _refused(_check(tmp_path, text), key)


def test_optional_urls_may_stay_empty(tmp_path: Path) -> None:
    res = _check(tmp_path, '[feeds]\nsite_url = ""\nwebsub_hub = ""\n' + SOURCE)
    assert res.returncode == 0, res.stderr


def test_the_disks_root_as_output_dir_is_refused(tmp_path: Path) -> None:
    """Every file under output_dir is served (a web server serving base_url serves any file
    there): "/" would serve the whole disk."""
    _refused(_check(tmp_path, '[feeds]\noutput_dir = "/"\n' + SOURCE), "feeds.output_dir")


@pytest.mark.parametrize("output_dir", [".", "", "var"])
def test_one_folder_for_config_feeds_and_database_passes(tmp_path: Path, output_dir: str) -> None:
    """The config's own folder, or the default database's ("var"), as output_dir: a common
    scratch layout; the built-in server never serves config.toml or a database file
    (feeds.server)."""
    res = _check(tmp_path, f'[feeds]\noutput_dir = "{output_dir}"\n' + SOURCE)
    assert res.returncode == 0, res.stderr


def test_an_output_dir_elsewhere_is_fine(tmp_path: Path) -> None:
    text = f'[feeds]\noutput_dir = "{tmp_path / "www" / "feeds"}"\n' + SOURCE
    assert _check(tmp_path, text).returncode == 0


@pytest.mark.parametrize("host", ["http://127.0.0.1", "127.0.0.1:8080", "", "local host", "[::1]"])
def test_a_server_host_that_cannot_be_bound_is_refused(tmp_path: Path, host: str) -> None:
    """`host = "http://127.0.0.1"` passed check; `serve` then exited 2 with "cannot listen
    ... change [server] port", and `run` with it."""
    _refused(_check(tmp_path, f'[server]\nhost = "{host}"\n' + SOURCE), "server.host")


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost", "feeds.kab"])
def test_a_server_host_as_admins_write_it_passes(tmp_path: Path, host: str) -> None:
    assert _check(tmp_path, f'[server]\nhost = "{host}"\n' + SOURCE).returncode == 0


def test_a_user_agent_that_http_cannot_send_is_refused(tmp_path: Path) -> None:
    """An en dash in the user agent passed check, then every request of every source failed:
    "a header cannot be sent ('ascii' codec can't encode character '\\u2013' ...)"."""
    text = '[fetch]\nuser_agent = "Kabar Kaltim – agregator berita"\n' + SOURCE
    _refused(_check(tmp_path, text), "fetch.user_agent", "U+2013")


def test_a_retention_shorter_than_max_age_is_refused(tmp_path: Path) -> None:
    """retention prunes an item's identity with it: an item pruned while its source still
    lists it, younger than max_age, is new again, and announced a second time."""
    text = '[feeds]\nretention = "12h"\n[telegram]\nmax_age = "24h"\n' + SOURCE
    _refused(_check(tmp_path, text), "feeds.retention", "max_age")


@pytest.mark.parametrize("key", ["feeds.retention", "telegram.max_age", "sources[0].interval"])
def test_a_capital_m_duration_is_refused_not_read_as_minutes(tmp_path: Path, key: str) -> None:
    """ "6M" (six months, as systemd and others read it) was six minutes: a retention that
    pruned nearly everything, a max_age that pushed nothing."""
    table, _, name = key.rpartition(".")
    if table.startswith("sources"):
        text = SOURCE + f'{name} = "5M"\n'
    else:
        text = f'[{table}]\n{name} = "6M"\n' + SOURCE
    _refused(_check(tmp_path, text), key, "minutes")


def test_durations_as_the_readme_writes_them_pass(tmp_path: Path) -> None:
    text = (
        '[feeds]\nretention = "90d"\n[telegram]\nmax_age = "24h"\n'
        + SOURCE
        + 'interval = "1h30m"\nmax_interval = "90m"\n'
    )
    assert _check(tmp_path, text).returncode == 0


def test_a_regency_notify_category_typo_is_refused_without_categories(tmp_path: Path) -> None:
    """With no [[categories]], `telegram.notify_categories = ["pemerintahh"]` was refused
    with a hint, but the same typo in a regency's own list pushed nothing, silently."""
    text = '[[regencies]]\nslug = "kukar"\nname = "K"\nnotify_categories = ["pemerintahh"]\n'
    _refused(_check(tmp_path, text + SOURCE), "regencies[0].notify_categories[0]", "pemerintah")


def test_the_new_checks_are_reported_with_every_other_problem(tmp_path: Path) -> None:
    """Every problem at once: the cross-checks also run when another key is invalid."""
    text = (
        '[feeds]\noutput_dir = "/"\nretention = "1h"\nitems_per_feed = 0\n'
        '[[regencies]]\nslug = "kukar"\nname = "K"\nnotify_categories = ["pemerintahh"]\n' + SOURCE
    )
    res = _check(tmp_path, text)
    for key in (
        "feeds.items_per_feed",
        "feeds.output_dir",
        "feeds.retention",
        "regencies[0].notify_categories[0]",
    ):
        _refused(res, key)


def test_the_shipped_config_passes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SYNDICATION_CONFIG"}
    res = inprocess.run(["--config", str(ROOT / "config.toml"), "check"], env=env, cwd=ROOT)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[feeds]\noutput_dir = "a\\u0000b"\n', "feeds.output_dir"),
        ('[feeds]\noutput_dir = "a\\u0000b"\nitems_per_feed = 0\n', "feeds.output_dir"),
        ('[storage]\nurl = "sqlite:///a\\u0000b"\n', "storage.url"),
        ('[storage]\nurl = "sqlite:///a\\u0000b"\n[feeds]\nitems_per_feed = 0\n', "storage.url"),
    ],
)
def test_a_nul_in_a_path_is_a_problem_line_not_a_traceback(
    tmp_path: Path, text: str, key: str
) -> None:
    """A NUL in storage.url passed check and `run` died with "ValueError: embedded null
    byte"; the output_dir and database checks read both paths and must not trip on it."""
    res = _check(tmp_path, text + SOURCE)
    assert "Traceback" not in res.stderr, res.stderr
    _refused(res, key, "NUL")


def test_a_pysqlite_url_is_relative_to_the_config_folder_too(tmp_path: Path) -> None:
    """README: a relative SQLite path is relative to the config's folder. `sqlite+pysqlite`
    (an accepted scheme, the same driver) was opened relative to the working directory: from
    elsewhere `run --once` failed ("unable to open database file"), or made a second
    database wherever it was started."""
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    path = home / "config.toml"
    path.write_text(
        '[storage]\nurl = "sqlite+pysqlite:///var/db.sqlite3"\n[server]\nenabled = false\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "SYNDICATION_CONFIG"}
    res = inprocess.run(["--config", str(path), "run", "--once"], env=env, cwd=elsewhere)
    assert res.returncode == 0, res.stderr
    assert (home / "var" / "db.sqlite3").is_file()
    assert not (elsewhere / "var").exists()


def test_a_blank_token_runs_dry_as_no_token_does(tmp_path: Path) -> None:
    """A variable set to blanks (an empty line in an env file) was taken for a token: the
    service went live and failed every send instead of running dry as the contract says."""
    path = tmp_path / "config.toml"
    path.write_text(SOURCE)
    env = {k: v for k, v in os.environ.items() if k != "SYNDICATION_CONFIG"}
    env["TELEGRAM_BOT_TOKEN"] = " \r\n"
    res = inprocess.run(["--config", str(path), "check"], env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "no token in $TELEGRAM_BOT_TOKEN: dry run" in res.stdout, res.stdout


def test_a_token_read_from_a_crlf_env_file_loses_its_line_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docker --env-file keeps the CR of a file saved with CRLF: sent as part of the URL
    (/bot123:abc%0D/sendMessage), Telegram answered 404 to every request."""
    from syndication.config import load

    path = tmp_path / "config.toml"
    path.write_text(SOURCE)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABC-def_ghi\r")
    assert load(path).token() == "123456:ABC-def_ghi"
