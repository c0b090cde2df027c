"""The command's exit (`syndication.cli.entry`): the interpreter's teardown is skipped, but
never what an ordinary exit does for the user: the output, the exit handlers, the exit code,
a thread still running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]


def entry_with(main_body: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import atexit, sys, threading, time\n"
        "from syndication import cli\n"
        "def main(loaded):\n"
        + "".join(f"    {line}\n" for line in main_body.splitlines())
        + "cli.main = main\n"
        "cli.entry()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_buffered_output_exit_handlers_and_the_code_survive_the_quick_exit() -> None:
    done = entry_with(
        "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
        "for i in range(20000):\n"
        "    print(f'line {i}')\n"  # a pipe: fully buffered, far past one buffer
        "return 4"
    )
    assert done.returncode == 4
    lines = done.stdout.splitlines()
    assert len(lines) == 20000 and lines[-1] == "line 19999"
    assert done.stderr == "handler ran\n"


def test_a_thread_still_running_gets_the_ordinary_exit() -> None:
    done = entry_with(
        "def late():\n"
        "    time.sleep(0.5)\n"
        "    print('thread finished', flush=True)\n"
        "threading.Thread(target=late).start()\n"
        "return 5"
    )
    assert done.returncode == 5
    assert done.stdout == "thread finished\n"


def test_the_installed_command_and_python_m_use_it() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["syndication"] == "syndication.cli:entry"
    assert "entry()" in (ROOT / "syndication" / "__main__.py").read_text(encoding="utf-8")


def test_a_closed_stdout_keeps_the_exit_code() -> None:
    """Started with descriptor 1 closed, sys.stdout is None: flushing it raised and the
    command exited 1 whatever main returned."""
    script = "from syndication import cli\ncli.main = lambda loaded: 3\ncli.entry()\n"
    done = subprocess.run(
        ["bash", "-c", 'exec "$0" -c "$1" >&-', sys.executable, script],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr == ""


# each command's own function, replaced by one that says how the collector stands
COLLECTOR = """
import gc
from syndication import cli, commands, scheduler, service

def said(*args, **kwargs):
    print(f"enabled={gc.isenabled()} frozen={gc.get_freeze_count() > 0}", flush=True)
    return ""

async def said_async(*args, **kwargs):
    said()
    return 0

commands.summary = said
service.run_once = service.serve_only = scheduler.run_daemon = said_async
cli.entry()
"""


@pytest.mark.parametrize("command", [["check"], ["run", "--once"], ["run"], ["serve"]])
def test_every_command_runs_with_the_collector_on(tmp_path: Path, command: list[str]) -> None:
    """entry() pauses the garbage collector while the modules load: the command itself runs
    with it on again (a cold cycle or the daemon makes garbage in cycles), the objects of the
    start frozen out of its collections."""
    path = write_config(tmp_path / "config.toml", db_url="sqlite://", sources="")
    done = subprocess.run(
        [sys.executable, "-c", COLLECTOR, "--config", str(path), *command],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[0] == "enabled=True frozen=True"
