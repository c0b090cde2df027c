"""`probe` and `explain URL` name the layer that read an article page: the admin's selector,
a theme rule, or the generic extractor; and `explain` gives the reason a link was skipped.
Through the command line, against the fixture portal on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_config
from tests.portal import Portal
from tests.test_e2e_html import HTML, article_page, listing_page
from tests.test_probe_cli import cli

THEMED = "/pemkab-kukar-resmikan-jembatan-baru-di-tenggarong/"
BARE = "/berita/2024/11/warga-samarinda-sambut-pasar-murah-ramadan"
ODD = "/daerah/read/4521/bupati-kutim-tinjau-banjir-di-sangatta-utara"
SKIPPED = "/indeks-berita-pilihan-hari-ini/"
STORY = (
    "<p>SAMARINDA - Ratusan warga Samarinda memadati pasar murah yang digelar Dinas "
    "Perdagangan di halaman kantor kelurahan pada Senin pagi.</p>"
    "<p>Kepala dinas mengatakan pasar murah digelar di sepuluh kelurahan selama sepekan "
    "agar harga bahan pokok tetap terjangkau menjelang Ramadan.</p>"
    "<p>Warga menyambut baik kegiatan itu dan berharap pasar murah digelar setiap bulan, "
    "terutama untuk beras, minyak goreng dan gula pasir.</p>"
)


def bare_page(title: str, box: str, story: str = STORY) -> str:
    """A page of a CMS no theme rule knows: the story in a plain `div.<box>`."""
    return (
        f'<html><head><title>{title} - Kabar Kota</title><meta property="og:title" '
        f'content="{title}"></head><body><div class="kepala"><a href="/">Kabar Kota</a></div>'
        f'<div class="halaman"><h1>{title}</h1><div class="tgl">Senin, 18 November 2024 '
        f'10:15 WITA</div><div class="{box}">{story}</div></div></body></html>'
    )


def listing_of_links(base: str, paths: list[str]) -> str:
    rows = "".join(f'<li class="judul"><a href="{base}{p}">Judul berita nomor {n} hari ini</a></li>'
                   for n, p in enumerate(paths))  # fmt: skip
    return f'<html><body><ul class="daftar">{rows}</ul></body></html>'


def serve(portal: Portal) -> None:
    portal.set("/", listing_page(portal.url, [THEMED, BARE, SKIPPED]), content_type=HTML)
    body = STORY.replace("<p>", "<p>KUKAR - ", 1)
    portal.set(THEMED, article_page(portal.url + THEMED, "Jembatan Baru", body=body),
               content_type=HTML)  # fmt: skip
    portal.set(BARE, bare_page("Warga Samarinda Sambut Pasar Murah", "kolom"), content_type=HTML)
    portal.set(SKIPPED, "<html><body><h1>Halaman tidak ditemukan</h1></body></html>",
               content_type=HTML)  # fmt: skip
    portal.set("/daerah/", listing_of_links(portal.url, [ODD]), content_type=HTML)
    flood = STORY.replace("Samarinda", "Sangatta").replace("pasar murah", "posko banjir")
    page = bare_page("Bupati Kutim Tinjau Banjir", "isi-berita", flood)
    portal.set(ODD, page, content_type=HTML)


def test_probe_names_the_layer_that_read_each_sample(tmp_path: Path, portal: Portal) -> None:
    serve(portal)
    done = cli("probe", portal.url + "/", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    samples = done.stdout.split("Sample articles")[1]
    themed, bare, skipped = samples.split("\n  [")[1:4]
    assert "read by: body by theme rule '.entry-content'" in themed
    assert "read by: body by generic extractor (trafilatura)" in bare
    assert "title from the page's h1; date from the page's date line" in bare
    assert "not an article: 404 page" in skipped


def test_explain_names_the_layer_that_read_a_stored_article(tmp_path: Path, portal: Portal) -> None:
    serve(portal)
    sources = f"""
        [[sources]]
        id = "kota"
        url = "{portal.url}/"
        kind = "html"

        [[sources]]
        id = "daerah"
        url = "{portal.url}/daerah/"
        kind = "html"
        [sources.selectors]
        content = ".isi-berita"
        """
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite3", sources=sources
    )
    done = cli("--config", str(path), "run", "--once", cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    def explain(page: str) -> str:
        shown = cli("--config", str(path), "explain", portal.url + page, cwd=tmp_path)
        return shown.stdout + shown.stderr

    assert "read by     body by theme rule '.entry-content'" in explain(THEMED)
    bare = explain(BARE)
    assert "item " in bare and "read by     body by generic extractor (trafilatura)" in bare
    odd = explain(ODD)
    assert "read by     body by admin selector content = '.isi-berita'" in odd
    assert "was not stored: source 'kota' skipped it (404 page)" in explain(SKIPPED)
