"""Hostile hosts against the fetcher, through the fixture portal on 127.0.0.1: a slow host
that must not stall the others, nested gzip bombs, redirects into private address space."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import tracemalloc
import zlib

import pytest

from syndication.errors import FetchError, TooLargeError
from syndication.fetch import Fetcher, FetchPolicy
from syndication.fetch_addr import IPAddress, is_public, parse_address, refusal, resolve
from tests.portal import Portal, running_portal

UA = "syndication-test/1.0 (+tests)"


def policy(**kw: object) -> FetchPolicy:
    base: dict[str, object] = {
        "user_agent": UA,
        "connect_timeout": 5,
        "read_timeout": 30,
        "total_timeout": 60,
        "max_body": 100_000,
    }
    base.update(kw)
    return FetchPolicy(**base)  # type: ignore[arg-type]


# --- one slow host does not stall the others ---------------------------------------------


async def test_a_slow_host_does_not_hold_the_global_slots(portal: Portal) -> None:
    portal.set("/fast", "<rss/>")
    with running_portal() as slow:  # another port: another host for the fetcher
        for i in range(4):
            slow.set(f"/s{i}", "<rss/>", delay=20)
        fetcher = Fetcher(policy(concurrency=2, per_host=1))
        try:
            queued = [asyncio.create_task(fetcher.get(f"{slow.url}/s{i}")) for i in range(4)]
            await asyncio.sleep(0)  # every slow request is queued before the fast one
            fast = await fetcher.get(portal.url + "/fast")
            assert fast.body == b"<rss/>"
            # the slow host has not answered anything yet: the fast fetch did not wait for it
            assert slow.hits_for("/s0") == [] and not any(t.done() for t in queued)
        finally:
            # answered, not cancelled: a fetch cancelled while it connects (slow under load)
            # can leave its socket to the garbage collector, and a warning in another test
            slow.hurry()
            await asyncio.gather(*queued, return_exceptions=True)
            await fetcher.aclose()


# --- nested gzip bombs -------------------------------------------------------------------


def _gzip_stream(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * 2**20
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + packer.flush()


BOMB_SIZE = 128 * 2**20  # 128 MiB once both layers are off


@pytest.fixture(scope="module")
def nested_bomb() -> bytes:
    return gzip.compress(_gzip_stream(BOMB_SIZE), 9)


async def test_nested_gzip_bomb_stops_at_the_cap(portal: Portal, nested_bomb: bytes) -> None:
    assert len(nested_bomb) < 100_000  # the wire carries little; the decoded body is huge
    portal.set("/bomb", nested_bomb, headers={"Content-Encoding": "gzip, gzip"})
    fetcher = Fetcher(policy())
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError) as caught:
            await fetcher.get(portal.url + "/bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await fetcher.aclose()
    # the bytes allocated while reading stay near the cap, far from the 128 MiB of the bomb
    assert peak < 16 * 2**20, f"peak allocation {peak} bytes"
    message = str(caught.value)
    assert "/bomb" in message and "100000-byte cap" in message and "gzip, gzip" in message


async def test_two_gzip_layers_within_the_cap_decode(portal: Portal) -> None:
    portal.set(
        "/twice", gzip.compress(gzip.compress(b"<rss/>" * 100)),
        headers={"Content-Encoding": "gzip, gzip"},
    )  # fmt: skip
    portal.set("/deflate", zlib.compress(b"<rss/>" * 100), headers={"Content-Encoding": "deflate"})
    fetcher = Fetcher(policy())
    try:
        assert (await fetcher.get(portal.url + "/twice")).body == b"<rss/>" * 100
        assert (await fetcher.get(portal.url + "/deflate")).body == b"<rss/>" * 100
    finally:
        await fetcher.aclose()


async def test_more_than_two_layers_and_broken_gzip_are_refused(portal: Portal) -> None:
    body = gzip.compress(gzip.compress(gzip.compress(b"<rss/>")))
    portal.set("/thrice", body, headers={"Content-Encoding": "gzip, gzip, gzip"})
    portal.set("/broken", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError, match=r"/thrice: .*3 layers"):
            await fetcher.get(portal.url + "/thrice")
        with pytest.raises(FetchError, match=r"/broken: body is not valid gzip"):
            await fetcher.get(portal.url + "/broken")
    finally:
        await fetcher.aclose()


# --- redirects into private address space ------------------------------------------------


def _addr(text: str) -> IPAddress:
    return ipaddress.ip_address(text)


async def test_the_decision_on_real_resolved_addresses() -> None:
    local = await resolve("http://localhost:8080/feed")
    assert local and all(a.is_loopback for a in local)
    assert await resolve("http://169.254.169.254/latest/") == [_addr("169.254.169.254")]
    public = _addr("203.0.113.7")  # a documentation address: count it public for the test

    def pub(a: IPAddress) -> bool:
        return a == public or is_public(a)

    assert "loopback" in (refusal(public, local, pub) or "")
    for target, kind in (
        ("169.254.169.254", "link-local"), ("10.1.2.3", "private"), ("192.168.0.1", "private"),
        ("::1", "loopback"), ("::ffff:10.0.0.1", "private"), ("fe80::1", "link-local"),
    ):  # fmt: skip
        assert kind in (refusal(public, [_addr(target)], pub) or ""), target
    assert refusal(public, [_addr("8.8.8.8")], pub) is None
    # a source configured on a private address on purpose may redirect within it
    assert refusal(local[0], [_addr("10.0.0.1")], pub) is None
    assert refusal(None, local, pub) is None
    assert not is_public(_addr("127.0.0.1")) and is_public(_addr("8.8.8.8"))
    assert parse_address("[::1]") == _addr("::1") and parse_address("example.org") is None


def _only(address: str) -> FetchPolicy:
    """A policy for which 127.0.0.1 (the portal) is the one public address."""
    chosen = _addr(address)
    return policy(is_public=lambda a: a == chosen)


async def test_public_source_redirecting_to_private_is_refused(portal: Portal) -> None:
    # a port nothing listens on, held for the whole test: the refusal comes first
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
        portal.set("/meta", status=302, headers={"Location": f"http://127.0.0.2:{port}/x"})
        portal.set("/inside", status=301, headers={"Location": "/feed"})
        portal.set("/feed", "<rss/>")
        fetcher = Fetcher(_only("127.0.0.1"))
        try:
            with pytest.raises(FetchError) as caught:
                await fetcher.get(portal.url + "/meta")
            message = str(caught.value)
            assert "/meta" in message and "loopback address 127.0.0.2" in message
            assert "refused" in message
            # public to public is followed
            assert (await fetcher.get(portal.url + "/inside")).body == b"<rss/>"
        finally:
            await fetcher.aclose()
        # the default policy: the portal is on loopback, configured so on purpose: followed
        fetcher = Fetcher(policy())
        try:
            with pytest.raises(FetchError, match="ConnectError"):
                await fetcher.get(portal.url + "/meta")
        finally:
            await fetcher.aclose()
