"""Status for humans: a terminal table (rich) and the admin page of the web server."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
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


def print_status(data: dict[str, Any]) -> None:
    console = Console()
    if not console.is_terminal:  # a pipe or a file: whole lines, not an 80-column guess
        console = Console(width=200)
    src = Table(title="Sources", title_justify="left")
    ids = [len(str(s["id"])) for s in data["sources"]]
    src.add_column("source", no_wrap=True, min_width=max(ids, default=6))  # ids stay whole
    for col in ("health", "last success", "failures", "items", "withdrawn", "last error"):
        src.add_column(col)
    for s in data["sources"]:
        health = (
            "[green]ok[/]"
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
            str(s["consecutive_failures"]),
            str(s["items_count"]),
            str(s.get("withdrawn", 0)),
            _text((s["last_error"] or "")[:80]),
        )
    console.print(src)
    ch = Table(
        title="Telegram channels" + (" (dry run: no token)" if data["dry_run"] else ""),
        title_justify="left",
    )
    chats = [len(str(c["chat"])) for c in data["channels"]]
    ch.add_column("chat", no_wrap=True, min_width=max(chats, default=4))
    cols = ("regency", "state", "pending", "sent", "failed", "filtered", "capped")
    for col in (*cols, "last sent"):
        ch.add_column(col)
    for c in data["channels"]:
        state = "[green]ok[/]" if c["state"] == "ok" else f"[red]{_text(c['state'])}[/]"
        ch.add_row(
            _text(c["chat"]),
            _text(c["regency"] or ""),
            state,
            str(c["pending"]),
            str(c["sent"]),
            str(c["failed"]),
            str(c.get("filtered", 0)),
            str(c.get("capped", 0)),
            _ago(c["last_sent"]),
        )
    console.print(ch)
    for s in data["sources"]:
        if s.get("last_burst"):
            console.print(f"[yellow]burst capped:[/] {_text(s['last_burst'])}")
    totals = data["totals"]
    console.print(f"items: {totals['items']}   pending deliveries: {totals['pending_deliveries']}")
    if data.get("config_error"):
        console.print(
            f"[red]config rejected, running on the previous one:[/]\n{_text(data['config_error'])}"
        )
    if data.get("storage_error"):
        console.print(
            f"[red]database unreachable, no health known:[/] {_text(data['storage_error'])}"
        )


_STYLE = """body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:70rem;padding:0 1rem}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}td,th{padding:.3rem .5rem;
border-bottom:1px solid #ddd;text-align:left;font-size:.9rem}.ok{color:#070}.bad{color:#b00}
.bar{fill:#3a7bd5}.chart{display:inline-block;margin:0 1rem 1rem 0}small{color:#666}"""


def status_html(data: dict[str, Any], per_day: dict[tuple[str, str], int]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(s['id'])}</td><td class={'ok' if s['healthy'] else 'bad'}>"
        f"{'ok' if s['healthy'] else 'failing' if s['last_error'] else 'new'}</td>"
        f"<td>{e(_ago(s['last_success']))}</td><td>{s['consecutive_failures']}</td>"
        f"<td>{s['items_count']}</td><td>{e((s['last_error'] or '')[:200])}</td></tr>"
        for s in data["sources"]
    )
    chans = "".join(
        f"<tr><td>{e(str(c['chat']))}</td><td>{e(c['regency'] or '')}</td>"
        f"<td class={'ok' if c['state'] == 'ok' else 'bad'}>{e(c['state'])}</td>"
        f"<td>{c['pending']}</td><td>{c['sent']}</td><td>{c['failed']}</td>"
        f"<td>{c.get('filtered', 0)}</td><td>{c.get('capped', 0)}</td>"
        f"<td>{e(_ago(c['last_sent']))}</td><td>{e(c['reason'] or '')}</td></tr>"
        for c in data["channels"]
    )
    alert = (
        f"<p class=bad>Config rejected (running on the previous one):<br>"
        f"<pre>{e(data['config_error'])}</pre></p>"
        if data.get("config_error")
        else ""
    )
    dry = " · dry run (no token)" if data["dry_run"] else ""
    return (
        "<!doctype html><html lang=id><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>Status syndication</title><style>{_STYLE}</style><h1>Status</h1>{alert}"
        f"<p>Items: {data['totals']['items']} · pending deliveries: "
        f"{data['totals']['pending_deliveries']}{dry}"
        "</p><h2>Sources</h2><table><tr><th>source<th>health<th>last success<th>failures"
        f"<th>items<th>last error</tr>{rows}</table><h2>Telegram channels</h2><table><tr>"
        "<th>chat<th>regency<th>state<th>pending<th>sent<th>failed<th>filtered<th>capped"
        "<th>last sent<th>reason</tr>"
        f"{chans}</table><h2>Items per day per regency (14 days)</h2>{_charts(per_day)}"
        "</html>"
    )


def _charts(per_day: dict[tuple[str, str], int]) -> str:
    today = datetime.now(UTC).date()
    days = [(today - timedelta(days=i)).isoformat() for i in range(13, -1, -1)]
    out = []
    for regency in sorted({r for r, _ in per_day}):
        counts = [per_day.get((regency, d), 0) for d in days]
        top = max(counts) or 1
        bars = "".join(
            f"<rect class=bar x={i * 10} y={40 - 40 * c / top:.1f} width=8 "
            f"height={40 * c / top:.1f}><title>{d}: {c}</title></rect>"
            for i, (d, c) in enumerate(zip(days, counts, strict=True))
        )
        out.append(
            f"<div class=chart><svg width=140 height=40 role=img>{bars}</svg><br>"
            f"<small>{html.escape(regency)} · {sum(counts)}</small></div>"
        )
    return "".join(out) or "<p><small>no items yet</small></p>"
