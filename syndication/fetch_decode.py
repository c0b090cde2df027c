"""Content-Encoding decoding that never holds more than the body cap.

httpx decodes each layer in one call per network chunk, so `Content-Encoding: gzip, gzip`
turns a few kilobytes into gigabytes before any cap can look at them. Here every layer
inflates in bounded steps and the decoded bytes are counted as they come: past the cap the
read stops. More than MAX_LAYERS codings are refused outright.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

from .errors import FetchError, TooLargeError

MAX_LAYERS = 2
STEP = 64 * 1024  # most bytes one inflate step may produce


class _Inflater:
    """One gzip or deflate layer, fed compressed bytes, yielding at most STEP bytes a time."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._obj = self._new()
        self._first = True

    def _new(self, raw: bool = False) -> zlib._Decompress:
        if self.coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._first and data and self.coding == "deflate" and data[0] & 0x0F != 8:
            self._obj = self._new(raw=True)  # "deflate" sent without its zlib header
        self._first = self._first and not data
        while True:
            if self._obj.eof:  # gzip allows several members one after the other
                data = self._obj.unused_data + data
                if not data.strip(b"\0"):
                    return
                self._obj = self._new()
            out = self._obj.decompress(data, STEP)
            if out:
                yield out
            data = self._obj.unconsumed_tail
            if not data and len(out) < STEP and not (self._obj.eof and self._obj.unused_data):
                return


def codings(header: str | None) -> list[str]:
    """The codings in the order they were applied, identity dropped."""
    names = [c.strip().lower() for c in (header or "").split(",")]
    return [{"x-gzip": "gzip"}.get(n, n) for n in names if n and n != "identity"]


async def read_decoded(url: str, raw: AsyncIterator[bytes], header: str | None, cap: int) -> bytes:
    """The body decoded through every layer of `header`; TooLargeError past `cap` bytes."""
    layers = codings(header)
    if len(layers) > MAX_LAYERS:
        raise FetchError(
            f"fetch: {url}: Content-Encoding {header!r} has {len(layers)} layers; "
            f"more than {MAX_LAYERS} is refused"
        )
    unknown = [c for c in layers if c not in ("gzip", "deflate")]
    if unknown:
        raise FetchError(f"fetch: {url}: unsupported Content-Encoding {unknown[0]!r}")
    inflaters = [_Inflater(c) for c in reversed(layers)]  # the last applied comes off first
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in raw:
            for piece in _through(inflaters, chunk):
                size += len(piece)
                if size > cap:
                    what = f" once decoded ({header})" if layers else ""
                    raise TooLargeError(f"fetch: {url}: body is over the {cap}-byte cap{what}")
                chunks.append(piece)
    except zlib.error as e:
        raise FetchError(f"fetch: {url}: body is not valid {header} ({e})") from e
    return b"".join(chunks)


def _through(inflaters: list[_Inflater], data: bytes) -> Iterator[bytes]:
    if not inflaters:
        if data:
            yield data
        return
    first, rest = inflaters[0], inflaters[1:]
    for piece in first.feed(data):
        yield from _through(rest, piece)
