"""The demo's dry-run messages as a reader of the channel sees them: plain text, the link's
words without its markup, and the article's address once."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from typing import Any

_LINK = re.compile(r'<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
DRY_RUN = "event=telegram_dry_run"


def preview(message_html: str) -> str:
    links: list[str] = []

    def words(m: re.Match[str]) -> str:
        links.append(html.unescape(m.group(1)))
        return m.group(2)

    text = _LINK.sub(words, message_html)
    text = html.unescape(_TAG.sub("", re.sub(r"<br\s*/?>", "\n", text, flags=re.I)))
    lines = [line.rstrip() for line in text.strip().splitlines()]
    for url in dict.fromkeys(links):
        if url not in text:
            lines.append(f"↳ {url}")
    return "\n".join("    │ " + line for line in lines)


def install() -> None:
    """Every dry-run log record of this process shows the preview instead of the HTML."""
    make: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        msg, params = record.msg, record.args
        last = params[-1] if isinstance(params, tuple) and params else None
        if isinstance(msg, str) and msg.startswith(DRY_RUN) and isinstance(last, str):
            assert isinstance(params, tuple)
            record.args = (*params[:-1], preview(last))
        return record

    logging.setLogRecordFactory(factory)
