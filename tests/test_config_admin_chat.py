"""[telegram] admin_chat is checked as a regency's telegram_chat is: one rule for both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syndication.config import load, loads
from syndication.errors import ConfigError

ADVICE = "use a @channel_username or a numeric chat id"


def _telegram(admin_chat: str) -> str:
    return f'[telegram]\nmax_age = "24h"\nadmin_chat = {admin_chat}\n'


def _regency(chat: str) -> str:
    return f'[[regencies]]\nslug = "kukar"\nname = "Kutai Kartanegara"\ntelegram_chat = {chat}\n'


@pytest.mark.parametrize(
    ("toml_value", "shown"),
    [
        ('"foo bar"', "'foo bar'"),
        ('"@ab"', "'@ab'"),
        ('"-abc"', "'-abc'"),
        ('"kabar_kaltim"', "'kabar_kaltim'"),  # the @ forgotten
        ('"@1abc"', "'@1abc'"),
        ('""', "''"),
    ],
)
def test_a_malformed_admin_chat_is_refused_at_load(toml_value: str, shown: str) -> None:
    with pytest.raises(ConfigError) as err:
        loads(_telegram(toml_value))
    assert err.value.problems == [f"telegram.admin_chat: {shown}: {ADVICE} (line 3)"]


@pytest.mark.parametrize("toml_value", ['"foo bar"', '"@ab"', '"-abc"', '""'])
def test_the_admin_chat_is_told_off_in_the_words_a_regency_chat_is(toml_value: str) -> None:
    with pytest.raises(ConfigError) as admin:
        loads(_telegram(toml_value))
    with pytest.raises(ConfigError) as regency:
        loads(_regency(toml_value))
    [admin_problem] = admin.value.problems
    [regency_problem] = regency.value.problems
    assert admin_problem.removeprefix("telegram.admin_chat: ").removesuffix(" (line 3)") == (
        regency_problem.removeprefix("regencies[0].telegram_chat: ").removesuffix(" (line 4)")
    )


@pytest.mark.parametrize(
    ("toml_value", "expected"),
    [
        ('"@admin_synd"', "@admin_synd"),
        ('"@Kabar_Kaltim"', "@Kabar_Kaltim"),
        ('"123456789"', "123456789"),
        ('"-1001234567890"', "-1001234567890"),
        ("-1001234567890", -1001234567890),
        ("123456789", 123456789),
    ],
)
def test_a_good_admin_chat_loads(toml_value: str, expected: str | int) -> None:
    assert loads(_telegram(toml_value)).telegram.admin_chat == expected


def test_no_admin_chat_is_allowed() -> None:
    assert loads('[telegram]\nmax_age = "24h"\n').telegram.admin_chat is None


def test_a_bad_admin_chat_in_a_file_fails_check(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(_telegram('"@ab"') + _regency('"@kabar_kukar"'), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load(path)
    assert str(err.value) == f"config.toml: telegram.admin_chat: '@ab': {ADVICE} (line 3)"


def test_every_bad_chat_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as err:
        loads(_telegram('"foo bar"') + _regency('"-abc"'))
    assert err.value.problems == [
        f"telegram.admin_chat: 'foo bar': {ADVICE} (line 3)",
        f"regencies[0].telegram_chat: '-abc': {ADVICE} (line 7)",
    ]


@pytest.mark.parametrize("chat", ["0", 0, "-0"])
def test_a_chat_numbered_zero_is_refused(tmp_path: Path, chat: str | int) -> None:
    """No Telegram chat has the id 0: a placeholder left in config.toml (helper 169)."""
    text = (
        '[storage]\nurl = "sqlite:///x.db"\n[[regencies]]\nslug = "kukar"\nname = "Kukar"\n'
        f"telegram_chat = {json.dumps(chat)}\n"
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert any(
        "regencies[0].telegram_chat" in p and "0 is no chat id" in p for p in raised.value.problems
    )
