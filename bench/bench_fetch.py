"""CPU of an unchanged poll's fetch: N conditional GETs answered 304, 10 at a time, through the
service's Fetcher and through a plain httpx.AsyncClient (pool of 10, the same headers), in
turns in one process, against the peer benchmark's feed server on 127.0.0.1 (in a process of
its own, so the CPU counted is the client's alone).

    .venv/bin/python bench/bench_fetch.py [--feeds 1000] [--rounds 5]

Prints each round's process CPU for both and the median of the rounds' ratios (Fetcher /
client). To compare two versions of the Fetcher, copy this file into the other checkout's
bench/ and run both, in turns.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peer_feeds import FeedServer

from syndication.fetch import Fetcher, FetchPolicy

CONCURRENCY = 10


async def _timed(polls: list[Callable[[], Awaitable[int]]]) -> float:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(poll: Callable[[], Awaitable[int]]) -> int:
        async with gate:
            return await poll()

    start = time.process_time()
    statuses = await asyncio.gather(*(one(p) for p in polls))
    spent = time.process_time() - start
    if set(statuses) != {304}:
        raise SystemExit(f"bench: expected only 304 answers, got {sorted(set(statuses))}")
    return spent


def _serve(feeds: int, pipe: Connection) -> None:
    with FeedServer(feeds, 50) as server:
        pipe.send((server.urls(), server.etags, server.modified))
        pipe.recv()  # until the bench is done


async def main(feeds: int, rounds: int) -> None:
    ours_end, server_end = multiprocessing.Pipe()
    serving = multiprocessing.Process(target=_serve, args=(feeds, server_end), daemon=True)
    serving.start()
    urls, etags, modified = ours_end.recv()
    try:
        await _compare(list(zip(urls, etags, strict=True)), modified, feeds, rounds)
    finally:
        ours_end.send("done")
        serving.join()


async def _compare(wanted: list[tuple[str, str]], modified: str, feeds: int, rounds: int) -> None:
    fetcher = Fetcher(FetchPolicy(user_agent="bench", concurrency=CONCURRENCY, per_host=10))
    limits = httpx.Limits(max_connections=CONCURRENCY)
    client = httpx.AsyncClient(limits=limits, headers={"User-Agent": "bench"})

    def ours(url: str, etag: str) -> Callable[[], Awaitable[int]]:
        async def poll() -> int:
            got = await fetcher.get(url, etag=etag, last_modified=modified)
            return got.status

        return poll

    def theirs(url: str, etag: str) -> Callable[[], Awaitable[int]]:
        async def poll() -> int:
            headers = {"If-None-Match": etag, "If-Modified-Since": modified}
            return (await client.get(url, headers=headers)).status_code

        return poll

    try:
        await _timed([ours(u, e) for u, e in wanted])  # connections made, code warm
        await _timed([theirs(u, e) for u, e in wanted])
        ratios = []
        for number in range(1, rounds + 1):
            a = await _timed([ours(u, e) for u, e in wanted])
            b = await _timed([theirs(u, e) for u, e in wanted])
            ratios.append(a / b)
            print(f"round {number}: Fetcher {a:.3f} s CPU, httpx.AsyncClient {b:.3f} s CPU")
    finally:
        await fetcher.aclose()
        await client.aclose()
    print(
        f"{feeds} conditional GETs answered 304, {CONCURRENCY} at a time: Fetcher / "
        f"httpx.AsyncClient CPU, median of {rounds} rounds: {statistics.median(ratios):.2f}"
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    asyncio.run(main(args.feeds, args.rounds))
