"""A publish with a PublishMemo skips the scopes whose inputs and files are as it left them,
and renders again whatever changed; a publish syncs each folder it wrote to once; RSS dates
are formatted as email.utils does."""

from __future__ import annotations

import importlib
import os
import random
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from feeds import Entry, Scope, publish
from feeds.publish import PublishMemo, folder_syncs, write_if_changed
from feeds.text import rfc822
from tests.test_feeds_support import all_scopes, entry, make_site

fp = importlib.import_module("feeds.publish")  # the module, not feeds' publish()
SITE = make_site()


def data() -> list[tuple[Scope, list[Entry]]]:
    stories = [entry(n) for n in range(1, 6)]
    return [(scope, stories[: 2 + i % 3]) for i, scope in enumerate(all_scopes())]


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The scopes rendered, in order."""
    rendered: list[str] = []
    real = fp._publish_scope

    def counting(site: Any, root: Any, scope: Scope, *rest: Any) -> Any:
        rendered.append(scope.path)
        return real(site, root, scope, *rest)

    monkeypatch.setattr(fp, "_publish_scope", counting)
    return rendered


def test_an_unchanged_publish_renders_nothing(tmp_path: Path, renders: list[str]) -> None:
    memo = PublishMemo()
    first = publish(SITE, tmp_path, data(), memo=memo)
    before = files(tmp_path)
    renders.clear()
    again = publish(SITE, tmp_path, data(), memo=memo)
    assert renders == [] and again.written == ()
    assert sorted(again.unchanged) == sorted(first.written)
    assert files(tmp_path) == before


def test_changed_inputs_are_rendered_again(tmp_path: Path, renders: list[str]) -> None:
    memo = PublishMemo()
    publish(SITE, tmp_path, data(), memo=memo)
    renders.clear()
    scope, stories = data()[1]
    corrected = [entry(1, title="Judul dikoreksi"), *stories[1:]]
    result = publish(SITE, tmp_path, [(scope, corrected)], memo=memo)
    assert renders == [scope.path] and f"{scope.path}.rss" in result.written
    assert b"Judul dikoreksi" in (tmp_path / f"{scope.path}.rss").read_bytes()
    # a new chat, a new site, a new empty date: each is an input too
    publish(SITE, tmp_path, [(scope, corrected)], memo=memo, chats={scope.path: "@kanal"})
    publish(make_site(title="Lain"), tmp_path, [(scope, corrected)], memo=memo)
    later = fp.EPOCH + timedelta(days=1)
    publish(SITE, tmp_path, [(scope, corrected)], memo=memo, empty_date=later)
    assert renders == [scope.path] * 4


def test_a_file_changed_on_disk_is_written_again(tmp_path: Path, renders: list[str]) -> None:
    memo = PublishMemo()
    publish(SITE, tmp_path, data(), memo=memo)
    expected = files(tmp_path)
    (tmp_path / "all.json").write_bytes(b"{}\n")  # by hand, or another process
    (tmp_path / "all.html").unlink()
    renders.clear()
    result = publish(SITE, tmp_path, data(), memo=memo)
    assert renders == ["all"] and sorted(result.written) == ["all.html", "all.json"]
    assert files(tmp_path) == expected


def test_with_and_without_a_memo_the_same_files(tmp_path: Path) -> None:
    publish(SITE, tmp_path / "a", data(), memo=PublishMemo())
    publish(SITE, tmp_path / "b", data())
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_a_failed_write_is_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renders: list[str]
) -> None:
    memo = PublishMemo()
    real = fp.write_if_changed

    def failing(path: Path, body: bytes) -> bool:
        if path.name == "all.html":
            raise OSError(28, "No space left on device")
        return bool(real(path, body))

    monkeypatch.setattr(fp, "write_if_changed", failing)
    with pytest.raises(OSError):
        publish(SITE, tmp_path, data(), memo=memo)
    monkeypatch.setattr(fp, "write_if_changed", real)
    renders.clear()
    publish(SITE, tmp_path, data(), memo=memo)
    assert renders[0] == "all" and (tmp_path / "all.html").exists()


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    folders: list[Path] = []
    real = fp._fsync_dir

    def counting(folder: Path) -> None:
        folders.append(folder)
        real(folder)

    monkeypatch.setattr(fp, "_fsync_dir", counting)
    return folders


def test_a_publish_syncs_each_folder_once(tmp_path: Path, synced: list[Path]) -> None:
    result = publish(SITE, tmp_path, data())
    folders = {(tmp_path / p).parent for p in result.written}
    assert len(folders) == 4  # ., category, regency, regency/kukar
    assert sorted(synced) == sorted(folders)


def test_a_failed_publish_syncs_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synced: list[Path]
) -> None:
    real_replace = os.replace
    count = {"n": 0}

    def replace_then_fail(source: Any, target: Any) -> None:
        if count["n"] == 6:  # all.* and two files of category/pemerintah
            raise OSError(28, "No space left on device")
        count["n"] += 1
        real_replace(source, target)

    monkeypatch.setattr(fp.os, "replace", replace_then_fail)
    with pytest.raises(OSError):
        publish(SITE, tmp_path, data())
    assert sorted(synced) == [tmp_path, tmp_path / "category"]


def test_a_lone_write_syncs_its_folder_at_once(tmp_path: Path, synced: list[Path]) -> None:
    assert write_if_changed(tmp_path / "x.rss", b"<rss/>")
    assert synced == [tmp_path]
    with folder_syncs():
        write_if_changed(tmp_path / "y.rss", b"<rss/>")
        write_if_changed(tmp_path / "z.rss", b"<rss/>")
        assert synced == [tmp_path]
    assert synced == [tmp_path, tmp_path]


def test_rss_dates_are_what_email_utils_writes() -> None:
    rng = random.Random(7)
    zones = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))]
    for _ in range(3000):
        moment = datetime(1, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(2**36))
        moment = moment.replace(microsecond=rng.randrange(10**6))
        if moment.year < 9999:
            local = moment.astimezone(rng.choice(zones))
            expected = format_datetime(local.astimezone(UTC).replace(microsecond=0))
            assert rfc822(local) == expected
