"""Config values under which nothing could work, or that crash, are refused by `check` with the
key named (review of 2026-12-06): zero timeouts and caps passed and every source then failed;
"999999999999d" raised an OverflowError traceback, and a max_age of "1000000d" (meaning "no
limit") passed and then stopped every run; a bot token pasted into the wrong key was printed;
a UTF-8 byte order mark read as a TOML syntax error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.acceptance_kit import cli, config_text, write

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _check(tmp_path: Path, text: str) -> tuple[int, str]:
    done = cli(write(tmp_path, text), "check")
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('max_age = "24h"', 'max_age = "1000000d"', "telegram.max_age"),
        ('max_age = "24h"', 'max_age = "999999999999d"', "telegram.max_age"),
        ('max_age = "24h"', 'max_age = "0s"', "telegram.max_age"),
        (
            "[storage]",
            '[fetch]\nread_timeout = "0s"\nmax_body = 0\n[storage]',
            "fetch.read_timeout",
        ),
        ("[storage]", "[fetch]\nmax_body = 0\n[storage]", "fetch.max_body"),
        ("[storage]", '[fetch]\ntotal_timeout = "0s"\n[storage]', "fetch.total_timeout"),
    ],
)
def test_a_value_nothing_could_work_with_is_refused(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    text = config_text("")
    assert old in text
    code, err = _check(tmp_path, text.replace(old, new, 1))
    assert code == 2, err
    assert f"config.toml: {key}" in err and "Traceback" not in err, err


def test_a_token_in_the_wrong_key_is_never_printed(tmp_path: Path) -> None:
    text = config_text("").replace(
        'api_url = "http://127.0.0.1:9"', f'api_url = "htps://api.telegram.org/bot{TOKEN}"'
    )
    code, err = _check(tmp_path, text)
    assert code == 2 and "telegram.api_url" in err, err
    assert TOKEN not in err and TOKEN.split(":")[1] not in err, err


def test_a_byte_order_mark_is_no_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, config_text(""))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    done = cli(path, "check")
    assert done.returncode == 0, done.stderr


def test_a_misspelt_canonical_slug_gets_a_did_you_mean(tmp_path: Path) -> None:
    """Review of 2026-12-06: slug = "kukr" passed and lost the shipped gazetteer's names and
    kecamatan for that regency; notify_categories = ["pemerinta"] with no [[categories]]
    passed and pushed nothing. A slug of one's own, unlike the canonical ones, stays allowed."""
    text = config_text("").replace('slug = "kukar"', 'slug = "kukr"', 1)
    code, err = _check(tmp_path, text)
    assert code == 2 and "did you mean 'kukar'" in err and "regencies[" in err, err
    own = config_text("").replace('slug = "kukar"', 'slug = "kaltara"', 1)
    assert _check(tmp_path, own)[0] == 0
