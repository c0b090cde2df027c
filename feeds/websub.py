"""WebSub publisher pings: tell the hub which feed URLs changed, so subscribers get them now.

The lead calls `ping_hub` after `publish` with `PublishResult.written_urls(site)`.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from feeds.errors import HubPingError


async def ping_hub(client: httpx.AsyncClient, hub: str, urls: Iterable[str]) -> tuple[str, ...]:
    """POST hub.mode=publish&hub.url=<url> to the hub, one request per URL (the form every hub
    accepts). Returns the URLs pinged; raises HubPingError naming those that failed after
    trying all of them."""
    pinged: list[str] = []
    failed: list[str] = []
    reasons: list[str] = []
    for url in dict.fromkeys(urls):  # once each, in order
        try:
            response = await client.post(hub, data={"hub.mode": "publish", "hub.url": url})
        except (httpx.HTTPError, httpx.InvalidURL) as error:  # InvalidURL: not an HTTPError
            failed.append(url)
            reasons.append(f"{url}: {type(error).__name__}: {error}")
            continue
        if response.is_success:
            pinged.append(url)
        else:
            failed.append(url)
            reasons.append(f"{url}: HTTP {response.status_code}")
    if failed:
        detail = "; ".join(reasons)
        raise HubPingError(
            f"websub: hub {hub} refused {len(failed)} ping(s): {detail}", tuple(failed)
        )
    return tuple(pinged)
