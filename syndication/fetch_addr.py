"""Which redirects may be followed: a source on a public address may not send the fetcher to
a private, loopback or link-local one (cloud metadata at 169.254.169.254, an admin page on
10.x, a service on localhost). A source configured on such an address on purpose keeps
working: the rule looks at the address class of the origin, not of the configured URL's text.

`is_public` is a parameter so tests, which can only use loopback, can call one loopback
address "public".
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IsPublic = Callable[[IPAddress], bool]


def is_public(address: IPAddress) -> bool:
    """True for globally routable addresses (no private, loopback, link-local, CGNAT, ...)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def parse_address(text: str | None) -> IPAddress | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.split("%")[0].strip("[]"))
    except ValueError:
        return None


async def resolve(url: str) -> list[IPAddress]:
    """Every address the host of `url` resolves to (an IP literal is its own answer)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = parse_address(host)
    if literal is not None:
        return [literal]
    port = parts.port or (443 if parts.scheme == "https" else 80)
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found = [parse_address(str(info[4][0])) for info in infos]
    return [a for a in found if a is not None]


def refusal(origin: IPAddress | None, targets: list[IPAddress], public: IsPublic) -> str | None:
    """Why a redirect from `origin` to a host with addresses `targets` is refused, or None."""
    if origin is None or not public(origin):
        return None  # a source configured on a private address may redirect within it
    private = [a for a in targets if not public(a)]
    if not private:
        return None
    return f"redirect from the public address {origin} to {describe(private[0])} refused"


def describe(address: IPAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    kind = (
        "loopback"
        if address.is_loopback
        else "link-local"
        if address.is_link_local
        else "private"
        if address.is_private
        else "non-public"
    )
    return f"the {kind} address {address}"
