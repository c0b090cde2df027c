"""The exception tree of `feeds/`.

FeedsError                 root: catch this at the boundary of the package
├── InvalidRecordError     an Entry, Scope or Site breaks a rule (naive date, bad path, ...)
├── UnsafePathError        a scope path or file name would land outside output_dir
└── HubPingError           a WebSub hub refused or did not answer a publish ping
"""

from __future__ import annotations


class FeedsError(Exception):
    """Root of every error raised by `feeds/`."""


class InvalidRecordError(FeedsError, ValueError):
    """A record handed to `feeds/` breaks one of its rules; the message names the field."""


class UnsafePathError(FeedsError):
    """A path would escape the output folder; nothing was written."""


class HubPingError(FeedsError):
    """A WebSub hub answered a publish ping with an error (or not at all)."""

    def __init__(self, message: str, failed: tuple[str, ...]) -> None:
        super().__init__(message)
        self.failed = failed
