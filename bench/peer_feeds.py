"""WordPress-like feeds for bench_peer.py, and the 127.0.0.1 server that answers them.

Each feed is RSS 2.0 as WordPress writes it: 50 items with categories, dc:creator,
content:encoded HTML (about 5.8 KB an item, about 290 KB a feed), Indonesian news text naming
the regencies and kecamatan of Kalimantan Timur. Same seed, same bytes.

The server has two modes, switched between phases:
    "validators": ETag and Last-Modified sent; If-None-Match / If-Modified-Since -> 304
    "plain":      neither sent nor honoured; the same bytes every time
"""

from __future__ import annotations

import hashlib
import random
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

REGENCY_WORDS = [
    ("Kukar", "Tenggarong", "Loa Kulu"),
    ("Kutim", "Sangatta", "Muara Wahau"),
    ("Kubar", "Sendawar", "Barong Tongkok"),
    ("Mahulu", "Ujoh Bilang", "Long Bagun"),
    ("Paser", "Tanah Grogot", "Long Ikis"),
    ("PPU", "Penajam", "Sepaku"),
    ("Berau", "Tanjung Redeb", "Gunung Tabur"),
    ("Samarinda", "Samarinda", "Sungai Kunjang"),
    ("Balikpapan", "Balikpapan", "Balikpapan Utara"),
    ("Bontang", "Bontang", "Bontang Selatan"),
]
CATEGORIES = ["Pemerintahan", "Advertorial", "Ekonomi", "Infrastruktur", "Pendidikan", "Daerah"]
OFFICES = ["Pemkab", "Bupati", "DPRD", "Dinas Pekerjaan Umum", "Diskominfo", "Bappeda"]
TOPICS = [
    "rapat koordinasi pembangunan jalan",
    "penyaluran bantuan sosial bagi warga",
    "peresmian pasar rakyat yang baru",
    "musyawarah perencanaan pembangunan",
    "pelatihan usaha mikro kecil dan menengah",
    "perbaikan jembatan penghubung antardesa",
]
SENTENCES = [
    "Kegiatan ini dihadiri oleh kepala desa, tokoh masyarakat, dan perwakilan organisasi "
    "perangkat daerah yang membidangi urusan pembangunan.",
    "Menurutnya, program tersebut menjadi prioritas pemerintah daerah tahun ini karena "
    "menyangkut kebutuhan dasar masyarakat di wilayah pedalaman.",
    "Ia berharap seluruh pihak dapat mendukung pelaksanaan kegiatan agar manfaatnya benar-benar "
    "dirasakan warga, terutama di kecamatan yang jauh dari ibu kota kabupaten.",
    "Anggaran kegiatan bersumber dari APBD dan dana transfer pemerintah pusat, dengan "
    "pengawasan dari inspektorat serta aparat penegak hukum.",
    "Warga menyambut baik rencana tersebut dan meminta agar pengerjaan dimulai sebelum musim "
    "hujan supaya akses jalan tidak terputus.",
]
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def feed_bytes(index: int, items: int, base: str) -> bytes:
    """Feed number `index`: deterministic, newest item first."""
    rng = random.Random(index)
    link = f"{base}/portal{index}"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>Portal Berita {index}</title>\n<link>{link}/</link>\n"
        f"<description>Berita Kalimantan Timur</description>\n<language>id</language>\n"
        f"<lastBuildDate>{format_datetime(START)}</lastBuildDate>\n"
    ]
    out.extend(_item(index, n, link, rng) for n in range(items))
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def _item(index: int, n: int, link: str, rng: random.Random) -> str:
    regency, seat, kecamatan = rng.choice(REGENCY_WORDS)
    office, topic = rng.choice(OFFICES), rng.choice(TOPICS)
    people = 100 + index * 50 + n  # unique across feeds: one story, one source
    title = f"{office} {regency} Gelar {topic.capitalize()} di {kecamatan}, {people} Warga Hadir"
    url = f"{link}/berita/{index}-{n}-{regency.lower()}/"
    when = START - timedelta(minutes=37 * n + index)
    cats = [*rng.sample(CATEGORIES, 2), regency]
    body = _body(seat, regency, kecamatan, office, topic, rng)
    return (
        f"<item>\n<title>{escape(title)}</title>\n<link>{url}</link>\n"
        f"<dc:creator><![CDATA[Redaksi {index}]]></dc:creator>\n"
        f"<pubDate>{format_datetime(when)}</pubDate>\n"
        + "".join(f"<category><![CDATA[{c}]]></category>\n" for c in cats)
        + f'<guid isPermaLink="false">{link}/?p={index * 1000 + n}</guid>\n'
        f"<description><![CDATA[{escape(title)}. {SENTENCES[0]}]]></description>\n"
        f"<content:encoded><![CDATA[{body}]]></content:encoded>\n</item>\n"
    )


def _body(
    seat: str, regency: str, kecamatan: str, office: str, topic: str, rng: random.Random
) -> str:
    paras = [
        f"<p><strong>{seat.upper()}</strong> – {office} {regency} menggelar {topic} di "
        f"Kecamatan {kecamatan}, Senin pagi.</p>"
    ]
    while sum(len(p) for p in paras) < 5200:
        text = " ".join(rng.sample(SENTENCES, 3))
        paras.append(f"<p>{text}</p>")
        if rng.random() < 0.2:
            other = rng.choice(REGENCY_WORDS)[0]
            paras.append(
                f'<p><a href="https://contoh.test/{other.lower()}">Baca Juga: '
                f"Bupati {other} Tinjau Proyek</a></p>"
            )
        if rng.random() < 0.1:
            paras.append(
                '<figure><img src="https://contoh.test/img.jpg" alt="foto" '
                'width="800" height="450"><figcaption>Foto kegiatan</figcaption>'
                "</figure>"
            )
    paras.append("<p>(adv/diskominfo)</p>")
    return "\n".join(paras)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the stdlib's 5 would refuse a burst of 10 connections
    resets = 0

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (timed out, reset) is counted, not printed as a traceback."""
        self.resets += 1


class FeedServer:
    """`count` feeds at http://127.0.0.1:PORT/feed/N/, served from memory by threads."""

    def __init__(self, count: int, items: int) -> None:
        self.mode = "validators"
        self.requests = 0
        self.not_modified = 0
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.bodies = [feed_bytes(i, items, "https://portal.test") for i in range(count)]
        self.etags = [f'"{hashlib.sha1(b).hexdigest()[:16]}"' for b in self.bodies]
        self.modified = format_datetime(START, usegmt=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def resets(self) -> int:
        """Connections the clients dropped mid-request (a timed-out fetch resets its socket)."""
        return self._httpd.resets

    def urls(self) -> list[str]:
        return [f"{self.base}/feed/{i}/" for i in range(len(self.bodies))]

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.answer(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def answer(self, req: BaseHTTPRequestHandler) -> None:
        parts = req.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "feed" or not parts[1].isdigit():
            req.send_error(404)
            return
        index = int(parts[1])
        if index >= len(self.bodies):
            req.send_error(404)
            return
        with self._lock:
            self.requests += 1
        validators = self.mode == "validators"
        if validators and self._fresh(req, index):
            with self._lock:
                self.not_modified += 1
            req.send_response(304)
            req.send_header("ETag", self.etags[index])
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        body = self.bodies[index]
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml; charset=UTF-8")
        req.send_header("Content-Length", str(len(body)))
        if validators:
            req.send_header("ETag", self.etags[index])
            req.send_header("Last-Modified", self.modified)
        req.end_headers()
        req.wfile.write(body)

    def _fresh(self, req: BaseHTTPRequestHandler, index: int) -> bool:
        etag = req.headers.get("If-None-Match")
        if etag is not None:
            return self.etags[index] in [t.strip() for t in etag.split(",")]
        return req.headers.get("If-Modified-Since") == self.modified
