"""Published files are public: a reader running in a browser, on another site, may read them
(CORS), as it may any public feed service's. The server's own pages for admins are not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from feeds import create_app
from tests.test_feeds_server import output_dir  # noqa: F401

ORIGIN = {"Origin": "https://pembaca.example"}


@pytest.fixture
async def client(output_dir: Path) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    transport = httpx.ASGITransport(app=create_app(output_dir))
    async with httpx.AsyncClient(transport=transport, base_url="http://feeds.test") as c:
        yield c


@pytest.mark.parametrize("name", ["all.json", "all.rss", "all.atom", "feeds.opml", "all.html"])
async def test_a_published_file_may_be_read_from_another_site(
    client: httpx.AsyncClient, name: str
) -> None:
    got = await client.get(name, headers=ORIGIN)
    assert got.status_code == 200
    assert got.headers["access-control-allow-origin"] == "*"
    again = await client.get(name, headers={**ORIGIN, "If-None-Match": got.headers["etag"]})
    assert again.status_code == 304 and again.headers["access-control-allow-origin"] == "*"


async def test_the_health_answer_is_not_shared_with_other_sites(client: httpx.AsyncClient) -> None:
    got = await client.get("healthz", headers=ORIGIN)
    assert got.status_code == 200 and "access-control-allow-origin" not in got.headers
