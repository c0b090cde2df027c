"""SIGTERM or SIGINT that reaches `run` or `serve` before its event loop listens (a supervisor
stopping what it has just started) is a clean stop, exit status 0: it killed the process
(status -15) or left a KeyboardInterrupt's traceback.

The process is held in its start-up deterministically: its database is PostgreSQL behind a
proxy in this test that accepts the connection and forwards nothing until the signal is sent."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]


class HoldingProxy:
    """A TCP proxy to `target` that holds each connection until `release()`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connected = threading.Event()
        self.released = threading.Event()
        self.closing = False
        self.sockets: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self._start(self._accept)

    def _start(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self.threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            self.connected.set()
            self._start(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        self.released.wait()
        if self.closing:
            return
        upstream = socket.create_connection(self.target)
        self.sockets.append(upstream)
        for a, b in ((client, upstream), (upstream, client)):
            self._start(self._pipe, a, b)

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.closing = True
        self.released.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes its accept()
        self.listener.close()
        for s in list(self.sockets):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        for thread in list(self.threads):
            thread.join(30)
        for s in self.sockets:
            s.close()


@pytest.mark.parametrize(
    ("command", "sig"),
    [(("run",), signal.SIGTERM), (("run",), signal.SIGINT), (("serve",), signal.SIGTERM)],
)
def test_a_stop_signal_during_start_up_is_a_clean_stop(
    tmp_path: Path, pg_url: str, command: tuple[str, ...], sig: signal.Signals
) -> None:
    parts = urlsplit(pg_url)
    proxy = HoldingProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    held = parts._replace(netloc=parts.netloc.replace(f":{parts.port}", f":{proxy.port}"))
    config = write_config(
        tmp_path / "config.toml", db_url=held.geturl(), sources="", server=True, port=0
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "syndication", "--config", str(config), *command],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # it has read its config and is opening its store: past the command line, before
        # the event loop's handlers
        assert proxy.connected.wait(60), "the process never reached its database"
        process.send_signal(sig)
        proxy.release()
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        proxy.close()
    assert process.returncode == 0, err
    assert "Traceback" not in err
