"""The command's exit (`syndication.cli.entry`): the interpreter's teardown is skipped, but
never what an ordinary exit does for the user: the output, the exit handlers, the exit code,
a thread still running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def entry_with(main_body: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import atexit, sys, threading, time\n"
        "from syndication import cli\n"
        "def main():\n"
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
    script = "from syndication import cli\ncli.main = lambda: 3\ncli.entry()\n"
    done = subprocess.run(
        ["bash", "-c", 'exec "$0" -c "$1" >&-', sys.executable, script],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr == ""
