"""The contract's own example config works as written: a regency named by its canonical slug
is found by the shipped gazetteer's names, and the built-in categories can be notified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syndication.cli import main
from syndication.config import loads
from syndication.normalize.classify import classify

# CONTRACT.md's config block, as an admin would copy it (paths made local)
CONTRACT_EXAMPLE = """
[storage]
url = "sqlite:///var/syndication.sqlite3"

[feeds]
output_dir = "public"
base_url = "http://127.0.0.1:8080/"
language = "id"

[server]
enabled = true
host = "127.0.0.1"
port = 8080

[telegram]
token_env = "TELEGRAM_BOT_TOKEN"
api_url = "https://api.telegram.org"
notify_categories = ["pemerintah", "advertorial"]
max_age = "24h"

[[categories]]
slug = "pemerintah"
name = "Pemerintah"

[[regencies]]
slug = "kukar"
name = "Kutai Kartanegara"
telegram_chat = "@kabar_kukar"

[[sources]]
id = "eksposisi"
url = "https://eksposisi.com/feed/"
kind = "feed"
interval = "5m"
"""


def test_the_contracts_example_config_is_valid_and_knows_advertorial() -> None:
    config = loads(CONTRACT_EXAMPLE)
    assert [c.slug for c in config.categories] == ["pemerintah", "advertorial"]
    assert config.telegram.notify_categories == ("pemerintah", "advertorial")


def test_declared_categories_keep_their_order_and_names() -> None:
    config = loads(
        '[[categories]]\nslug = "advertorial"\nname = "Iklan"\n'
        '[[categories]]\nslug = "bisnis"\nname = "Bisnis"\n'
    )
    assert [(c.slug, c.name) for c in config.categories] == [
        ("advertorial", "Iklan"),
        ("bisnis", "Bisnis"),
        ("pemerintah", "Pemerintah"),
    ]


def test_an_unknown_notify_category_is_still_refused() -> None:
    from syndication.errors import ConfigError

    with pytest.raises(ConfigError, match=r"notify_categories\[0\]: unknown category"):
        loads(CONTRACT_EXAMPLE.replace('["pemerintah", "advertorial"]', '["olahraga"]'))


def test_a_regency_given_by_slug_and_name_is_found_by_the_gazetteers_names() -> None:
    ctx = loads(CONTRACT_EXAMPLE).normalize_context()
    result = classify(
        "Bupati Resmikan Jembatan Baru",
        "Jembatan di Tenggarong Seberang diresmikan pada Senin pagi. (adv/diskominfo/kukar)",
        "(adv/diskominfo/kukar)",
        "TENGGARONG",
        [],
        [],
        "https://eksposisi.com/2024/11/18/bupati-resmikan-jembatan-baru/",
        ctx,
    )
    assert result.regencies == ("kukar",)
    assert result.advertorial
    assert set(result.categories) == {"pemerintah", "advertorial"}


def test_the_admins_own_aliases_still_count() -> None:
    text = CONTRACT_EXAMPLE.replace(
        'telegram_chat = "@kabar_kukar"', 'telegram_chat = "@kabar_kukar"\naliases = ["Odah Etam"]'
    )
    ctx = loads(text).normalize_context()
    result = classify("Warga Odah Etam Gotong Royong", "", None, None, [], [], None, ctx)
    assert result.regencies == ("kukar",)


def test_status_reports_on_a_config_that_is_not_valid_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`status` exits 0 (the contract) while an admin's half-edited file has a TOML syntax
    error: the [storage] table is read on its own, the problem goes to stderr."""
    config = tmp_path / "config.toml"
    db = tmp_path / "db.sqlite3"
    good = CONTRACT_EXAMPLE.replace("sqlite:///var/syndication.sqlite3", f"sqlite:///{db}")
    config.write_text(good, encoding="utf-8")
    assert main(["--config", str(config), "status", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    config.write_text(good + 'interval = "banana"\n', encoding="utf-8")  # a duplicate key
    assert main(["--config", str(config), "status", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "Cannot overwrite a value" in err or "overwrite" in err.lower()
    assert json.loads(out).keys() == before.keys()
    # a broken [storage] table itself names no database: still one answer (exit 0), with the
    # file's problem and no health rather than a guessed database's
    config.write_text(good.replace('url = "sqlite', "url = sqlite"), encoding="utf-8")
    assert main(["--config", str(config), "status", "--json"]) == 0
    unknown = json.loads(capsys.readouterr().out)
    assert unknown.keys() == before.keys()
    assert "TOML syntax" in unknown["config_error"] and unknown["storage_error"]
    assert unknown["sources"] == [] and unknown["totals"]["items"] is None
