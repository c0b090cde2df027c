"""The admin page /status: what an admin needs to act, in Indonesian, readable on a phone.

    status_data (the /status.json object) + items per day + config | cards + one chart | HTML

It refreshes itself (meta refresh, no script), escapes everything the sources and the store
wrote, and draws every regency's bars on one shared scale with dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

from feeds.layout import ICON, long_date, telegram_url

from .config import Config

REFRESH_SECONDS = 60
CHART_DAYS = 14
_ERRORS = {
    "fetch": "tidak bisa dihubungi (jaringan, DNS atau batas waktu)",
    "http": "server menjawab dengan galat HTTP",
    "too-large": "jawaban terlalu besar",
    "parse": "isi tidak bisa dibaca sebagai feed atau halaman berita",
    "error": "gagal",
}
_CSS = """*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:60rem;padding:1rem;color:#1d1d1f;background:#fafafa;overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.25rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem;
border-bottom:2px solid #ddd}a{color:#0b57d0}small,.meta{color:#555;font-size:.85rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:.6rem}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6rem .75rem}
.card dl{margin:.3rem 0 0;display:grid;grid-template-columns:auto 1fr;gap:0 .6rem;
font-size:.85rem}.card dt{color:#555}.card dd{margin:0}
.ok{color:#086b2c;font-weight:600}.bad{color:#b00020;font-weight:600}.new{color:#8a6100}
.alert{background:#fde7e9;border:1px solid #f0a6ae;border-radius:6px;padding:.5rem .75rem}
.note{background:#fff6d6;border:1px solid #e8d48a;border-radius:6px;padding:.5rem .75rem}
pre{white-space:pre-wrap;margin:.3rem 0}svg{width:100%;height:auto;display:block}
.bar{fill:#3a7bd5}.axis{fill:#555;font-size:10px}.chart{margin-bottom:.75rem}"""


def _when(value: str | None, now: datetime, tz: str) -> str:
    if not value:
        return "belum pernah"
    moment = datetime.fromisoformat(value)
    return f"{long_date(moment, tz)} ({_relative(moment, now)})"


def _relative(moment: datetime, now: datetime) -> str:
    seconds = (now - moment).total_seconds()
    ahead, seconds = seconds < 0, abs(seconds)
    for unit, size in (("hari", 86400), ("jam", 3600), ("menit", 60)):
        if seconds >= size:
            amount = f"{seconds // size:.0f} {unit}"
            return f"{amount} lagi" if ahead else f"{amount} lalu"
    return "sebentar lagi" if ahead else "baru saja"


def error_words(source: dict[str, Any]) -> str:
    """The last error as a sentence an admin can act on: what kind, then the detail."""
    if not source.get("last_error"):
        return ""
    words = _ERRORS.get(source.get("error_kind") or "error", _ERRORS["error"])
    if source.get("last_status"):
        words += f" ({source['last_status']})"
    return f"{words}: {source['last_error']}"


def _health(source: dict[str, Any]) -> tuple[str, str]:
    if source["healthy"]:
        return "ok", "sehat"
    if source["last_error"]:
        return "bad", f"gagal {source['consecutive_failures']}× berturut-turut"
    return "new", "belum dibaca"


def _source_card(source: dict[str, Any], config: Config, now: datetime) -> str:
    tz = config.telegram.timezone
    configured = config.source(source["id"])
    name = configured.display_name if configured else source["id"]
    kind = {"feed": "feed (RSS/Atom/JSON)", "html": "halaman HTML"}.get(
        configured.kind if configured else "", "tidak lagi di config"
    )
    css, health = _health(source)
    rows = [
        ("Jenis", escape(kind)),
        ("Dicoba", escape(_when(source["last_attempt"], now, tz))),
        ("Berhasil", escape(_when(source["last_success"], now, tz))),
        ("Berikutnya", escape(_when(source["next_poll"], now, tz))),
        ("Berita", str(int(source["items_count"]))),
    ]
    if source.get("withdrawn"):
        rows.append(("Ditarik portal", str(int(source["withdrawn"]))))
    if source["last_error"]:
        rows.append(("Galat", f'<span class="bad">{escape(error_words(source))}</span>'))
    details = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        f'<div class="card"><strong>{escape(name)}</strong> <small>({escape(source["id"])})'
        f'</small> · <span class="{css}">{escape(health)}</span><br><a href="'
        f'{escape(source["url"])}"><small>{escape(source["url"])}</small></a>'
        f"<dl>{details}</dl></div>"
    )


def _channel_card(channel: dict[str, Any], config: Config, now: datetime) -> str:
    chat = str(channel["chat"])
    public = telegram_url(chat)
    title = f'<a href="{escape(public)}">{escape(chat)}</a>' if public else escape(chat)
    ok = channel["state"] == "ok"
    state = "lancar" if ok else f"bermasalah ({channel['state']})"
    rows = [
        ("Wilayah", escape(channel["regency"] or "-")),
        ("Antre", escape(str(channel["pending"]))),
        ("Terkirim", escape(str(channel["sent"]))),
        ("Gagal", escape(str(channel["failed"]))),
        ("Disaring", escape(str(channel.get("filtered", 0)))),  # held back by [[filters]]
        ("Dibatasi", escape(str(channel.get("capped", 0)))),  # over max_per_poll: feeds only
        ("Terakhir", escape(_when(channel["last_sent"], now, config.telegram.timezone))),
    ]
    if channel.get("consecutive_failures"):  # failed tries since its last message went out
        rows.append(("Gagal beruntun", escape(f"{channel['consecutive_failures']}×")))
    if channel.get("reason"):
        rows.append(("Sebab", f'<span class="bad">{escape(str(channel["reason"]))}</span>'))
    elif channel.get("last_error"):
        rows.append(("Galat", f'<span class="bad">{escape(str(channel["last_error"]))}</span>'))
    details = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        f'<div class="card"><strong>{title}</strong> · <span class="{"ok" if ok else "bad"}">'
        f"{escape(state)}</span><dl>{details}</dl></div>"
    )


def chart_days(today: date) -> list[str]:
    return [(today - timedelta(days=i)).isoformat() for i in range(CHART_DAYS - 1, -1, -1)]


def charts(per_day: dict[tuple[str, str], int], today: date, names: dict[str, str]) -> str:
    """One small bar chart per regency, all on the same scale (the busiest day of any)."""
    days = chart_days(today)
    top = max((per_day.get((r, d), 0) for r, _ in per_day for d in days), default=0)
    if not top:
        return "<p><small>Belum ada berita dalam 14 hari terakhir.</small></p>"
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    out = [f"<p><small>Skala sama untuk semua: tinggi penuh = {top} berita/hari.</small></p>"]
    for regency in sorted({r for r, _ in per_day}, key=lambda r: names.get(r, r)):
        counts = [per_day.get((regency, d), 0) for d in days]
        bars = "".join(
            f'<rect class="bar" x="{i * 20 + 2}" y="{50 - 50 * c / top:.1f}" width="16" '
            f'height="{50 * c / top:.1f}"><title>{d}: {c}</title></rect>'
            for i, (d, c) in enumerate(zip(days, counts, strict=True))
        )
        axis = (
            f'<text class="axis" x="2" y="64">{first.day}/{first.month}</text>'
            f'<text class="axis" x="278" y="64" text-anchor="end">{last.day}/{last.month}</text>'
        )
        label = f"{escape(names.get(regency, regency))}: {sum(counts)} berita dalam 14 hari"
        out.append(
            f'<div class="chart"><small>{label}</small><svg viewBox="0 0 280 66" role="img" '
            f'aria-label="{label}">{bars}{axis}</svg></div>'
        )
    return f'{out[0]}<div class="cards">{"".join(out[1:])}</div>'


def _alerts(data: dict[str, Any]) -> str:
    parts = []
    if data.get("storage_error"):
        parts.append(f"Basis data tidak terjangkau: {data['storage_error']}")
    if data.get("telegram_error"):
        parts.append(f"Tidak ada pesan terkirim: {data['telegram_error']}")
    if data.get("config_error"):
        parts.append(f"Config ditolak, layanan memakai versi sebelumnya:\n{data['config_error']}")
    return "".join(f'<div class="alert"><pre>{escape(p)}</pre></div>' for p in parts)


def status_html(
    data: dict[str, Any], per_day: dict[tuple[str, str], int], config: Config, now: datetime
) -> str:
    """The whole page, in `[feeds].language` (Indonesian)."""
    tz = config.telegram.timezone
    names = {r.slug: r.name for r in config.regencies}
    totals = data["totals"]
    dry = (
        '<p class="note">Mode uji: token Telegram tidak diatur, pesan hanya dicatat dan tetap '
        "antre.</p>"
        if data["dry_run"]
        else ""
    )
    sources = "".join(_source_card(s, config, now) for s in data["sources"])
    channels = "".join(_channel_card(c, config, now) for c in data["channels"])
    index = escape(config.feeds.base_url.rstrip("/") + "/index.html")
    return (
        f'<!doctype html><html lang="{escape(config.feeds.language)}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        f'<title>Status: {escape(config.feeds.title)}</title><link rel="icon" href="{ICON}">'
        f"<style>{_CSS}</style></head><body>"
        f'<p><small><a href="{index}">← Daftar feed</a> · diperbarui '
        f"{escape(long_date(now, tz))}, otomatis tiap {REFRESH_SECONDS} detik</small></p>"
        f"<h1>Status {escape(config.feeds.title)}</h1>{_alerts(data)}{dry}"
        f"<p>Berita tersimpan: {totals['items']} · pesan antre: "
        f"{totals['pending_deliveries']}</p>"
        f'<h2>Sumber berita</h2><div class="cards">{sources}</div>'
        f'<h2>Kanal Telegram</h2><div class="cards">'
        f"{channels or '<p><small>Tidak ada kanal.</small></p>'}</div>"
        f"<h2>Berita per hari per wilayah</h2>{charts(per_day, now.astimezone(UTC).date(), names)}"
        "</body></html>\n"
    )
