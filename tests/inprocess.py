"""`syndication ARGS` run inside the test process, answered as `subprocess.run` would.

A `syndication` process spends most of its time importing the project; the suite ran a few
hundred of them. Commands that finish on their own (check, status, explain, probe, run --once,
send-test) run here instead, through the same `main` that `python -m syndication` calls: the
arguments, the environment and the working directory are the process's, its stdout and stderr
(logs included) are captured, and its exit code is `main`'s return or `SystemExit` code, or 1
with the traceback on stderr when an exception escapes, as the interpreter would. Tests about
the process itself (signals, daemons, several processes, the `-m` entry point) start real ones.

The command runs in a thread of its own, so it has its own event loop whatever the test runs,
and a command that hangs fails the test after `timeout` instead of hanging the suite.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

_LOCK = threading.Lock()  # stdout, stderr, the environment and the cwd are the process's


def run(
    args: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m syndication *args` with exactly `env` as its environment, in `cwd`."""
    from syndication.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: list[int] = []

    def call() -> None:
        try:
            code.append(main(list(args)))
        except SystemExit as e:  # argparse, --version
            if e.code is None or isinstance(e.code, int):
                code.append(e.code or 0)
            else:
                print(e.code, file=sys.stderr)
                code.append(1)
        except BaseException:
            traceback.print_exc(file=sys.stderr)
            code.append(1)

    root = logging.getLogger()
    loggers = [root, *(logging.getLogger(n) for n in logging.root.manager.loggerDict)]
    levels = {lg: lg.level for lg in loggers if isinstance(lg, logging.Logger)}
    handlers = root.handlers[:]
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_out, saved_err = sys.stdout, sys.stderr
    with _LOCK:
        try:
            os.environ.clear()
            os.environ.update(env)
            os.chdir(cwd)
            sys.stdout, sys.stderr = out, err
            worker = threading.Thread(target=call, name="syndication-cli", daemon=True)
            worker.start()
            worker.join(timeout)
            if worker.is_alive():
                raise subprocess.TimeoutExpired(["syndication", *args], timeout, out.getvalue())
        finally:
            sys.stdout, sys.stderr = saved_out, saved_err
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
            root.handlers[:] = handlers
            for name in logging.root.manager.loggerDict:  # loggers the command made
                lg = logging.getLogger(name)
                lg.setLevel(levels.get(lg, logging.NOTSET))
            root.setLevel(levels[root])
    return subprocess.CompletedProcess(
        [sys.executable, "-m", "syndication", *args], code[0], out.getvalue(), err.getvalue()
    )
