"""Status for humans in a terminal: a rich table (the web page is status_page.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _ago(value: str | None) -> str:
    if not value:
        return "never"
    seconds = (datetime.now(UTC) - datetime.fromisoformat(value)).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:.0f}{unit} ago"
    return f"{seconds:.0f}s ago"


def _text(value: object) -> str:
    """Any text from the store (ids, error texts a remote server wrote, chat names) as literal
    text for rich: a reason phrase such as `[/red]` is shown, not read as markup."""
    return escape(str(value))


def _count(value: object) -> str:
    """A count, or "unknown" when there is no store to ask (JSON null)."""
    return "unknown" if value is None else str(value)


def print_status(data: dict[str, Any]) -> None:
    # emoji=False: a text a portal wrote (":fire:") is shown as written, as escape() keeps
    # its "[...]" literal
    console = Console(emoji=False)
    if not console.is_terminal:  # a pipe or a file: whole lines, not an 80-column guess
        console = Console(width=200, emoji=False)
    src = Table(title="Sources", title_justify="left")
    ids = [len(str(s["id"])) for s in data["sources"]]
    src.add_column("source", no_wrap=True, min_width=max(ids, default=6))  # ids stay whole
    for col in ("health", "last success", "failures", "items", "withdrawn", "last error"):
        src.add_column(col)
    for s in data["sources"]:
        health = (
            "unknown"
            if data.get("storage_error")
            else "not in config"  # removed from config.toml: never polled again
            if s.get("configured") is False
            else "[green]ok[/]"
            if s["healthy"]
            else (
                "[yellow]new[/]"
                if s["last_success"] is None and not s["last_error"]
                else "[red]failing[/]"
            )
        )
        src.add_row(
            _text(s["id"]),
            health,
            _ago(s["last_success"]),
            _count(s["consecutive_failures"]),
            _count(s["items_count"]),
            _count(s.get("withdrawn", 0)),
            _text((s["last_error"] or "")[:80]),
        )
    console.print(src)
    ch = Table(
        title="Telegram channels" + (" (dry run: no token)" if data["dry_run"] else ""),
        title_justify="left",
    )
    chats = [len(str(c["chat"])) for c in data["channels"]]
    ch.add_column("chat", no_wrap=True, min_width=max(chats, default=4))
    cols = ("regency", "state", "pending", "sent", "failed", "filtered", "capped", "failures")
    for col in (*cols, "last sent", "last error"):
        ch.add_column(col)
    for c in data["channels"]:
        state = "[green]ok[/]" if c["state"] == "ok" else f"[red]{_text(c['state'])}[/]"
        ch.add_row(
            _text(c["chat"]),
            _text(c["regency"] or ""),
            state,
            _count(c["pending"]),
            _count(c["sent"]),
            _count(c["failed"]),
            _count(c.get("filtered", 0)),
            _count(c.get("capped", 0)),
            _count(c.get("consecutive_failures", 0)),
            _ago(c["last_sent"]),
            _text((c.get("reason") or c.get("last_error") or "")[:80]),
        )
    console.print(ch)
    for s in data["sources"]:
        if s.get("last_burst"):
            console.print(f"[yellow]burst capped:[/] {_text(s['last_burst'])}")
    totals = data["totals"]
    console.print(
        f"items: {_count(totals['items'])}   "
        f"pending deliveries: {_count(totals['pending_deliveries'])}"
    )
    if data.get("config_error"):
        # a daemon may still run on the file's last good version; with no database named at
        # all (dry_run unknown), there is none to speak of
        head = (
            "config rejected"
            if data.get("dry_run") is None
            else ("config rejected, running on the previous one")
        )
        console.print(f"[red]{head}:[/]\n{_text(data['config_error'])}")
    if data.get("telegram_error"):
        console.print(f"[red]nothing is sent:[/] {_text(data['telegram_error'])}")
    if data.get("storage_error"):
        head = "no database" if data.get("dry_run") is None else "database unreachable"
        console.print(f"[red]{head}, no health known:[/] {_text(data['storage_error'])}")
