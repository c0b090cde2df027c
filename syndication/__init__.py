"""syndication: RSS/Atom/JSON feeds and Telegram headlines for regional Indonesian news."""

import sys

__version__ = "0.1.0"

# httpx imports its own command-line client (click, rich, pygments: some 60 ms of a start)
# whenever those happen to be installed, and falls back to a stub when that import fails.
# No process of this package runs that client: its import is refused here, before any module
# of the package imports httpx, whatever the entry point (the command, `python -m`, a script).
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
