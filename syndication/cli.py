"""The `syndication` command: check, run, serve, status, explain, probe, send-test."""

from __future__ import annotations

import argparse
import atexit
import gc
import logging
import os
import select
import stat
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__, stopping
from .errors import ConfigError, StorageError
from .logs import setup_logging
from .stopping import StopAsked

if TYPE_CHECKING:  # loaded by main(), under entry()'s pause of the collector
    from .config import Config

EXIT_OK, EXIT_FAIL, EXIT_CONFIG, EXIT_STORAGE = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="syndication",
        description="RSS/Atom/JSON feeds and Telegram headlines for Kaltim regional news.",
    )
    config_help = "config file (default: $SYNDICATION_CONFIG, else ./config.toml)"
    p.add_argument("--config", metavar="PATH", help=config_help)
    p.add_argument("--log-format", choices=("text", "json"), default="text")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.add_argument("--version", action="version", version=f"syndication {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        # also after the subcommand (`syndication check --config x.toml`); absent = keep the
        # one given before it
        cmd.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=config_help)
        return cmd

    command("check", "validate the config and print a summary")
    run = command("run", "the daemon: poll, publish, deliver, serve")
    run.add_argument(
        "--once",
        action="store_true",
        help="one full cycle (poll every source, publish, deliver), then exit",
    )
    command("serve", "only the HTTP server for the published feeds")
    status = command("status", "health per source and per channel")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    explain = command(
        "explain",
        "why an item got its categories and regencies, and what became of it per channel",
    )
    explain.add_argument("target", help="an item id, or an article URL")
    probe = command("probe", "look at a site and suggest a [[sources]] block")
    probe.add_argument("url")
    test = command("send-test", "check the bot and a channel with a test message")
    test.add_argument("--chat", required=True, help="@channel or numeric id")
    return p


def _nothing() -> None:
    pass


def main(argv: Sequence[str] | None = None, loaded: Callable[[], None] = _nothing) -> int:
    """The command of `argv`; `loaded` is called once the modules it needs are imported,
    before it runs (see entry)."""
    args = build_parser().parse_args(argv)
    stopping.clear()
    if args.command == "serve" or (args.command == "run" and not args.once):
        # the daemon's loop listens later: a stop meanwhile is noted, not fatal (`run
        # --once` keeps Ctrl-C as asyncio.run handles it: service.opened_store notes it)
        stopping.listen_early()
        try:
            return _main(args, loaded)
        finally:
            stopping.restore()
    return _main(args, loaded)


def _main(args: argparse.Namespace, loaded: Callable[[], None]) -> int:
    from .config import load, resolve_path

    setup_logging(args.log_format, logging.DEBUG if args.verbose else logging.INFO)
    path = resolve_path(args.config)
    if args.command == "probe":
        return _probe(args.url, Path(args.config) if args.config else None, loaded)
    try:
        config = load(path)
    except ConfigError as e:
        for problem in e.problems:
            print(f"{e.path}: {problem}", file=sys.stderr)
        if args.command != "status":
            return EXIT_CONFIG
        # a daemon may still run on the previous config: show its state all the same, and
        # the problems of the file in `config_error` where the daemon has recorded none
        problems = [f"{e.path}: {problem}" for problem in e.problems]
        fallback = _storage_only(path)
        if fallback is None:  # no database named that could be read: still one answer
            from .commands import status_without_config

            loaded()
            return status_without_config(problems, as_json=args.json)
        config = fallback
        args.config_problems = problems
    try:
        return _dispatch(args, config, path, loaded)
    except ConfigError as e:  # found at start, e.g. [server] port taken
        for problem in e.problems:
            print(f"{e.path}: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except StorageError as e:
        print(f"syndication: {e}", file=sys.stderr)
        return EXIT_STORAGE
    except (KeyboardInterrupt, StopAsked):
        return EXIT_OK


def _dispatch(
    args: argparse.Namespace, config: Config, path: Path, loaded: Callable[[], None]
) -> int:
    if args.command in ("check", "status", "explain", "send-test"):
        return _command(args, config, path, loaded)
    import asyncio

    from . import service  # the commands module is not needed to run or serve

    if args.command == "run" and not args.once:
        from .scheduler import run_daemon

        loaded()
        return asyncio.run(run_daemon(path, config))
    loaded()
    if args.command == "run":
        return asyncio.run(service.run_once(config))
    return asyncio.run(service.serve_only(config, path))


def _command(
    args: argparse.Namespace, config: Config, path: Path, loaded: Callable[[], None]
) -> int:
    from . import commands

    loaded()
    if args.command == "check":
        print(commands.summary(config, path))
        return EXIT_OK
    if args.command == "status":
        problems = getattr(args, "config_problems", None)
        return commands.status(config, as_json=args.json, problems=problems)
    if args.command == "explain":
        return commands.explain(config, args.target)
    import asyncio  # not for the commands above

    return asyncio.run(commands.send_test(config, args.chat))


def _storage_only(path: Path) -> Config | None:
    """The [storage] (and [telegram]) tables of a config that fails validation elsewhere."""
    import tomllib

    from pydantic import ValidationError

    from .config import Config

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        raw = tomllib.loads(text)
    except RecursionError:
        return None  # nested deeper than the parser goes: no table to read
    except tomllib.TOMLDecodeError:
        raw = _tables_despite_errors(text, ("storage", "telegram"))
        if "storage" not in raw:
            return None  # no [storage] table could be read: which database is unknown
    for keys in (("storage", "telegram"), ("storage",)):
        tables = {k: raw[k] for k in keys if isinstance(raw.get(k), dict)}
        try:
            config = Config.model_validate({**tables, "base_dir": path.resolve().parent})
        except ValidationError:
            continue
        if "storage" not in tables and not _default_database_exists(config):
            return None  # no [storage]: the default database, but only one already there
        return config
    return None


def _default_database_exists(config: Config) -> bool:
    """Whether the database a config without [storage] names is there already: `status` on
    a broken file reads it, but never creates one (opening an SQLite file creates it)."""
    url = config.database_url
    if not url.startswith("sqlite:///"):
        return True
    return Path(url.removeprefix("sqlite:///")).exists()


def _tables_despite_errors(text: str, names: tuple[str, ...]) -> dict[str, object]:
    """The tables `names` of a file that is not valid TOML as a whole (a duplicate key in a
    source, a quote left open): each table's own lines are read on their own."""
    import re
    import tomllib

    found: dict[str, object] = {}
    for chunk in re.split(r"(?m)^(?=[ \t]*\[)", text):
        head = re.match(r"[ \t]*\[[ \t]*([A-Za-z_]+)[ \t]*\]", chunk)
        if head is None or head.group(1) not in names:
            continue
        try:
            found.update(tomllib.loads(chunk))
        except (tomllib.TOMLDecodeError, RecursionError):
            continue
    return found


def _probe(url: str, config_path: Path | None, loaded: Callable[[], None]) -> int:
    import asyncio

    from . import commands

    loaded()
    return asyncio.run(commands.probe(url, config_path))


def entry() -> NoReturn:
    """The `syndication` command and `python -m syndication`: main(), then the exit.

    Whatever main opened is closed when it returns, so the interpreter's own teardown
    (every module and object freed one by one: 0.1 s of a 0.9 s `run --once` over 200
    unchanged feeds, see README "Benchmarks") is skipped once the exit handlers have run and
    the output is flushed. A thread still running, or output that cannot be flushed, gets the
    ordinary exit, which waits for the one and reports the other.

    The garbage collector is off while the command's modules load: they make some 300,000
    objects and next to no garbage, and a full collection over them in the middle of the
    imports cost 15-20 ms of a 0.7 s warm `run --once`. Once they are in, they are frozen out
    of every later collection and the collector runs again (_loaded), before the command."""
    gc.disable()
    try:
        code = main(loaded=_loaded)
    except BrokenPipeError:
        _quit_if_reader_gone()
        raise
    if threading.active_count() == 1:
        atexit._run_exitfuncs()  # logging.shutdown among them
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # None: started with that descriptor closed
                    stream.flush()
        except Exception:
            _quit_if_reader_gone()  # what print() left in the buffer, its reader gone
            sys.exit(code)
        os._exit(code)
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _quit_if_reader_gone()
    sys.exit(code)


def _reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has closed it (`syndication check |
    head -1`): its write end then polls as an error. Not so for any other broken pipe (a
    socket, stderr), which is reported as it is."""
    try:
        if sys.stdout is None:
            return False
        fd = sys.stdout.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        # Linux says POLLERR of a pipe without a reader, the BSDs and macOS POLLHUP
        gone = select.POLLERR | select.POLLHUP
        return any(events & gone for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), no descriptor
        return False


def _quit_if_reader_gone() -> None:
    """When the output's reader left (_reader_gone), the command's output was cut short:
    status 1 and no traceback. What is still buffered goes nowhere: the interpreter's last
    flush would fail the same way. Otherwise nothing: the caller goes on."""
    if not _reader_gone():
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    if sys.stdout is not None:
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_FAIL)


def _loaded() -> None:
    gc.freeze()
    gc.enable()


if __name__ == "__main__":
    entry()
