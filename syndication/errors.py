"""The exception tree of the service.

    SyndicationError
    ├── ConfigError          the config file cannot be used (carries every problem)
    ├── StorageError         the database cannot be opened, migrated or written
    └── SourceError          one source failed; recorded against it, never stops the others
        ├── FetchError       network, HTTP status, size cap, timeout
        └── ParseError       the body is not a feed or page we can read

Messages say the stage, the source and what to do.
"""

from __future__ import annotations

import re


class SyndicationError(Exception):
    """Root of every error the service raises on purpose."""


class ConfigError(SyndicationError):
    """The config is invalid; `problems` lists each as `<key path>: <what is wrong>`."""

    def __init__(self, path: str, problems: list[str]) -> None:
        from bots._secrets import redact  # a token pasted into the wrong key is never shown

        self.path = path
        self.problems = [redact(p) for p in problems]
        super().__init__("\n".join(f"{path}: {p}" for p in self.problems))


class StorageError(SyndicationError):
    """The store failed: the database is unreachable, locked or inconsistent."""


class SourceError(SyndicationError):
    """One source failed. `kind` is a short machine word kept in the store and in status."""

    kind = "error"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FetchError(SourceError):
    kind = "fetch"


class HTTPStatusError(FetchError):
    kind = "http"

    def __init__(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status = status


class TooLargeError(FetchError):
    kind = "too-large"


class ParseError(SourceError):
    kind = "parse"


def masked_url(text: str) -> str:
    """`text` with the password of every URL in it hidden ("//user:***@host"): a database
    URL fit for an error, a log line or /status."""
    return re.sub(r"(//[^/@\s:]*:)\S*@", r"\1***@", text)
