"""Headless Chromium driven over the DevTools protocol on a pipe (no tests in here).

    Chromium(binary, folder)  one browser process, --remote-debugging-pipe (fd 3 in, fd 4 out,
                              JSON messages separated by NUL bytes)
    .visit(url, width)        a fresh tab at that width: loads the page, measures overflow,
                              collects failed requests and console errors, takes a screenshot

Chromium never leaves loopback: every host name but 127.0.0.1 resolves to nothing.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEADLINE = 60.0  # seconds for any one answer or event; generous, a slow CI machine is fine

BINARY = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless=new",
    "--remote-debugging-pipe",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--hide-scrollbars",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)

# What the page looks like to a reader: the viewport, the document's width, and every visible
# element whose right edge passes the viewport (tag, class, start of its text, right edge).
MEASURE = """(() => {
  const width = window.innerWidth, over = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && box.right > width + 0.5) {
      const text = (el.innerText || el.textContent || '').trim().slice(0, 60);
      over.push(`${el.tagName.toLowerCase()}.${el.className} "${text}" right=${box.right}`);
    }
  }
  return {innerWidth: width, scrollWidth: document.documentElement.scrollWidth,
          overflowing: over.slice(0, 20), text: document.body.innerText,
          scripts: document.scripts.length};
})()"""


@dataclass
class Visit:
    """What one page showed at one width."""

    url: str
    width: int
    inner_width: int = 0
    scroll_width: int = 0
    overflowing: list[str] = field(default_factory=list)
    text: str = field(default="", repr=False)
    scripts: int = 0
    problems: list[str] = field(default_factory=list)  # failed requests, console errors
    screenshot: bytes = field(default=b"", repr=False)


class DevToolsError(RuntimeError):
    pass


class Chromium:
    """One headless browser; `close()` ends it (a context manager does too)."""

    def __init__(self, binary: str, folder: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # above fd 4, so that putting one on fd 3 cannot clobber the other
        to_browser_r, from_browser_w = (_high(fd) for fd in (to_browser_r, from_browser_w))
        self._log = (folder / "chromium.log").open("wb")
        command = [binary, *FLAGS, f"--user-data-dir={folder}", "about:blank"]
        # bash puts our two pipe ends on fds 3 and 4, then becomes Chromium
        redirect = f'exec "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
        self.proc = subprocess.Popen(
            ["bash", "-c", redirect, "bash", *command],
            pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._answers: dict[int, dict[str, Any]] = {}
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(DevToolsError, OSError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        self._reader.join(timeout=DEADLINE)
        self._log.close()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._from_browser, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        with self._cond:
                            self._answers[message["id"]] = message
                            self._cond.notify_all()
                    else:
                        self._events.put(message)
        with self._cond:
            self._answers[-1] = {}  # the browser is gone: wake every waiter
            self._cond.notify_all()
        self._events.put(None)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer; DevToolsError when it failed."""
        with self._cond:
            self._next_id += 1
            ident = self._next_id
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        with self._cond:
            if not self._cond.wait_for(
                lambda: ident in self._answers or -1 in self._answers, DEADLINE
            ):
                raise DevToolsError(f"devtools: no answer to {method} in {DEADLINE:.0f}s")
            answer = self._answers.pop(ident, None)
        if answer is None:
            raise DevToolsError(f"devtools: the browser exited during {method}")
        if "error" in answer:
            raise DevToolsError(f"devtools: {method}: {answer['error'].get('message')}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    def visit(self, url: str, width: int, height: int = 900, whole: bool = True) -> Visit:
        """Open `url` in a fresh tab `width` CSS pixels wide (a phone below 600: the page's
        viewport meta applies), wait for its load event, then measure and take a screenshot (of
        the whole page, or of the first `height` pixels)."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable", session)
            self.call(
                "Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                deviceScaleFactor=1, mobile=width < 600,
            )  # fmt: skip
            visit = Visit(url, width)
            self._drain(session, visit, until=None)
            self.call("Page.navigate", session, url=url)
            self._drain(session, visit, until="Page.loadEventFired")
            measured = self.call(
                "Runtime.evaluate", session, expression=MEASURE, returnByValue=True
            )["result"]["value"]
            visit.inner_width = measured["innerWidth"]
            visit.scroll_width = measured["scrollWidth"]
            visit.overflowing = measured["overflowing"]
            visit.text = measured["text"]
            visit.scripts = measured["scripts"]
            shot = self.call(
                "Page.captureScreenshot", session, format="png", captureBeyondViewport=whole
            )
            visit.screenshot = base64.b64decode(shot["data"])
            self._drain(session, visit, until=None)  # errors reported after the load event
            return visit
        finally:
            self.call("Target.closeTarget", targetId=target)

    def _drain(self, session: str, visit: Visit, until: str | None) -> None:
        """Note every problem event of `session`; wait for the event `until` (None: take only
        what already arrived)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                timeout = max(0.0, deadline - time.monotonic()) if until else 0.2
                event = self._events.get(timeout=timeout)
            except queue.Empty:
                if until:
                    raise DevToolsError(f"devtools: no {until} for {visit.url}") from None
                return
            if event is None:
                raise DevToolsError("devtools: the browser exited")
            if event.get("sessionId") != session:
                continue
            problem = _problem(event)
            if problem:
                visit.problems.append(problem)
            if event["method"] == until:
                return


def _high(fd: int) -> int:
    """The same file on a descriptor above 9 (the old one closed)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


def _problem(event: dict[str, Any]) -> str | None:
    """A failed request, an error response or an error on the console, in one line."""
    method, params = event["method"], event.get("params", {})
    if method == "Network.loadingFailed":
        reason = params.get("blockedReason") or params.get("errorText")
        return f"request failed ({params.get('type')}): {reason}"
    if method == "Network.responseReceived" and params["response"]["status"] >= 400:
        response = params["response"]
        return f"HTTP {response['status']}: {response['url']}"
    if method == "Log.entryAdded" and params["entry"]["level"] == "error":
        entry = params["entry"]
        return f"console ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}"
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        return f"console: {params.get('args')}"
    if method == "Runtime.exceptionThrown":
        return f"exception: {params['exceptionDetails'].get('text')}"
    return None


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.chromium OUT.png URL [WIDTH]`: one screenshot (the README's come from
    `make demo` this way); exit 1 with the problems when the page overflows or fails to load."""
    import argparse
    import sys
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m tests.chromium")
    parser.add_argument("out", type=Path)
    parser.add_argument("url")
    parser.add_argument("width", type=int, nargs="?", default=412)
    parser.add_argument("--height", type=int, default=900, help="of the screenshot")
    args = parser.parse_args(argv)
    if BINARY is None:
        print("no chromium installed (apt: chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder, Chromium(BINARY, Path(folder)) as browser:
        visit = browser.visit(args.url, args.width, args.height, whole=False)
    args.out.write_bytes(visit.screenshot)
    problems = visit.problems + visit.overflowing
    if visit.scroll_width > args.width:
        problems.append(f"the page is {visit.scroll_width}px wide")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
