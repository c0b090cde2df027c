"""Keep bot tokens out of log lines and error messages.

The token is part of every request URL ({api_url}/bot{token}/{method}), so any library that
logs or reports a URL leaks it. Tokens are registered here when a sender is built; `redact`
removes them (and anything shaped like a token) from text, and a logging filter on the
loggers that print URLs rewrites their records before any handler sees them.
"""

from __future__ import annotations

import logging
import re
import threading

# Telegram tokens look like "123456789:AA..." (bot id, colon, 35 url-safe characters).
# not from within a run of digits: a long run would be tried from each of its digits
_TOKEN_SHAPE = re.compile(r"(?<!\d)\d{3,}(?::|%3[Aa])[A-Za-z0-9_-]{20,}")
_MASK = "<token>"
_tokens: set[str] = set()
_lock = threading.Lock()

# The loggers whose records can carry a request URL or the token itself.
_URL_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "telegram",
    "telegram.Bot",
    "telegram.request.BaseRequest",
    "telegram.request.HTTPXRequest",
)


def register(token: str) -> None:
    """Remember a token so that `redact` and the log filter remove it."""
    if token:
        with _lock:
            _tokens.add(token)


def redact(text: str) -> str:
    """Return `text` without any registered token or token-shaped string, in any case: an
    error may come back re-cased (python-telegram-bot capitalizes the description of an
    API error, lower-casing a request path it echoes)."""
    with _lock:
        tokens = sorted(_tokens, key=len, reverse=True)
    if tokens:
        # each as written, and with its colon percent-encoded (a URL echoed escaped)
        forms = [f for token in tokens for f in (token, token.replace(":", "%3A"))]
        folded = text.casefold()
        if any(form.casefold() in folded for form in forms):
            pattern = "|".join(re.escape(form) for form in forms)
            text = re.sub(pattern, _MASK, text, flags=re.IGNORECASE)
    return _TOKEN_SHAPE.sub(_MASK, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's final message without tokens (it never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_filter = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the filter to the URL-logging loggers and quiet httpx (idempotent).

    A logger's filters see only records created on that very logger, so each name is listed.
    httpx logs every request URL at INFO; it is raised to WARNING so the token is not even
    formatted in normal operation.
    """
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
    logging.getLogger("httpx").setLevel(logging.WARNING)
