"""A second hostile review of the CPU pool's stop, the credit words and config validation:
each case a test that failed on the code as it was committed."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import subprocess
import time
from pathlib import Path

import pytest

from syndication.normalize import classify
from syndication.types import NormalizeContext
from syndication.workers import AdaptivePool
from tests import inprocess
from tests.test_normalize_golden import build_ctx


def sleep_marked(path: str, seconds: float) -> float:
    """A long job in a worker process: notes each start and each end in `path`."""
    with open(path, "a", encoding="utf-8") as f:
        f.write("start;")
    time.sleep(seconds)
    with open(path, "a", encoding="utf-8") as f:
        f.write("end;")
    return seconds


def test_a_stop_never_runs_a_killed_job_again_in_new_processes(tmp_path: Path) -> None:
    """The stop kills a worker still on a job after its grace (2649b63). A job whose caller
    still waits on it (a publish's render, handed over by sync_runner, which the daemon does
    not cancel) then got BrokenProcessPool, and AdaptivePool took that for a worker's crash:
    it made a new process pool, after the stop, and ran the job there a second time (the
    stop's caller waited for it, and new worker processes lived on past the stop)."""
    marker = tmp_path / "job"
    pool = AdaptivePool(2)

    async def scenario() -> tuple[object, list[multiprocessing.Process]]:
        pool.expect_backlog()  # the worker processes start now
        deadline = time.monotonic() + 60
        while pool.kind != "thread+process" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert pool.kind == "thread+process"
        job = asyncio.ensure_future(pool.run(sleep_marked, str(marker), 6.0, away=True))
        while not marker.exists():
            await asyncio.sleep(0.02)
        await asyncio.to_thread(pool.shutdown, 0.5)  # App.aclose, the job still awaited
        (outcome,) = await asyncio.gather(job, return_exceptions=True)
        await asyncio.sleep(0.2)
        return outcome, multiprocessing.active_children()

    try:
        outcome, children = asyncio.run(scenario())
    finally:
        pool.procs.shutdown(0.0)  # what the fault left running
    assert isinstance(outcome, Exception), outcome  # cut short by the stop, not run again
    assert marker.read_text() == "start;"
    assert children == []


@pytest.fixture(scope="module")
def ctx() -> NormalizeContext:
    return build_ctx()


@pytest.mark.parametrize(
    "credit",
    [
        "(advdinkes)",
        "(advbpbd)",
        "(advdishub)",
        "(advprokompim)",
        "(advdpmd)",
        "(advbappeda)",
        "(advs)",
        "(advtorial)",
    ],
)
def test_adv_joined_to_an_agency_still_marks_an_advertorial(
    ctx: NormalizeContext, credit: str
) -> None:
    """b7238f0 kept 'adv' joined to a word only when the word is one of twelve government
    tokens or a place: an agency's joined credit ("advdinkes", "advbpbd", "Prokompim" as
    Kaltim's protocol offices spell it) was an advertorial before, and was none after (nor
    pemerintah: no government token in it), so the story was pushed to no channel."""
    got = classify("Rapat kerja", "Isi berita.", credit, None, (), (), None, ctx)
    assert got.advertorial is True


@pytest.mark.parametrize(
    "credit", ["(advokasi/red)", "(adventure/ed)", "(Advokat/Rdk)", "(advisor/ksm)", "(advis)"]
)
def test_words_merely_starting_like_adv_stay_no_advertorial(
    ctx: NormalizeContext, credit: str
) -> None:
    got = classify("Rapat kerja", "Isi berita.", credit, None, (), (), None, ctx)
    assert got.advertorial is False


SOURCE = '[[sources]]\nid = "a"\nurl = "https://a.test/feed/"\n'


def _check(folder: Path, text: str) -> subprocess.CompletedProcess[str]:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SYNDICATION_CONFIG"}
    return inprocess.run(["--config", str(path), "check"], env=env, cwd=folder, timeout=120)


def test_one_folder_for_the_feeds_and_the_database_is_accepted(tmp_path: Path) -> None:
    """1726229 refuses an output_dir that holds the SQLite database, for `check` and for
    `run` alike (exit 2): a layout a test or a small deployment writes (one scratch folder for
    everything), which ran before. The built-in server never serves a database file since the
    same commit; what is left is the risk of another web server serving the folder, which a
    refusal of the whole config weighs against every run."""
    db = tmp_path / "state.sqlite3"
    res = _check(
        tmp_path,
        f'[storage]\nurl = "sqlite:///{db}"\n[feeds]\noutput_dir = "{tmp_path}"\n' + SOURCE,
    )
    assert res.returncode == 0, res.stderr
