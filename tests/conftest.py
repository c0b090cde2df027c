"""Shared fixtures. A guard fails any test that connects beyond loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Only the large public corpora stay outside the repository (tests over them skip when absent).
SHARED = ROOT.parent / "shared"
CORPUS = Path(os.environ.get("SYNDICATION_CORPUS", SHARED / "corpus"))
GAZETTEER = ROOT / "syndication" / "data" / "kaltim.toml"  # shipped product data
DATA = ROOT / "tests" / "data"
SEED = DATA / "seed" / "000_dc520509730166cf.txt"  # a real Kukar advertorial page, as text

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback_host(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(sock: socket.socket, address: object) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    if not _is_loopback_host(host):
        raise AssertionError(f"network guard: test tried to reach {address!r} beyond loopback")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check(self, address)
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    if host is not None and not _is_loopback_host(
        host if not isinstance(host, bytes) else host.decode()
    ):
        raise AssertionError(f"network guard: test tried to resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, scope="session")
def network_guard() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]
    os.environ.pop("TELEGRAM_BOT_TOKEN", None)
    try:
        yield
    finally:
        socket.socket.connect = _real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = _real_getaddrinfo


# --- the fixture portal, configs and databases ------------------------------------------

import textwrap  # noqa: E402
import uuid  # noqa: E402
import weakref  # noqa: E402

from sqlalchemy import Connection, Engine, event  # noqa: E402

from tests.portal import Portal, running_portal  # noqa: E402
from tests.rawsock import no_dns, raw_server  # noqa: E402, F401  (fixtures of the fetcher's edge tests)

PG_ADMIN = os.environ.get("SYNDICATION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole test: bound, never listening.

    A port merely found free and released can be taken by another worker's server before the
    test connects (seen: a fixture server answered 501 where a refusal was expected).
    """
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@pytest.fixture
def portal() -> Iterator[Portal]:
    with running_portal() as p:
        yield p


def _pg_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def _pg_spare() -> Iterator[list[str]]:
    """This worker's databases between tests: emptied, kept, dropped when the worker ends.

    Emptying a database (its schemas dropped) costs the server about a third of what creating
    and dropping one does, and some 200 tests take one."""
    spare: list[str] = []
    yield spare
    if spare:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in spare:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _emptied(url: str) -> bool:
    """Whether the database at `url` could be emptied: every session ended, every schema gone
    and `public` made anew, as CREATE DATABASE leaves it."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            schemas = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema'"
                " AND nspname NOT LIKE 'pg\\_%'"
            ).fetchall()
            for (schema,) in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            conn.execute("CREATE SCHEMA public")
        return True
    except psycopg.Error:
        return False


@pytest.fixture
def pg_url(_pg_spare: list[str]) -> Iterator[str]:
    """An empty PostgreSQL database of its own for the test. Fails in CI when the server is
    down."""
    import psycopg

    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN} (CI must start it)")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN}")
    base = PG_ADMIN.rsplit("/", 1)[0]
    if _pg_spare:
        name = _pg_spare.pop()
    else:
        name = "synd_test_" + uuid.uuid4().hex[:12]
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        _dispose_engines_of(name)  # whatever the test left open: closed, never GC'd open
        if _emptied(f"{base}/{name}"):
            _pg_spare.append(name)
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _remember_engine(conn: Connection) -> None:
    _ENGINES.add(conn.engine)


def _dispose_engines_of(database: str) -> None:
    for engine in list(_ENGINES):
        if engine.url.database == database:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


def gazetteer_toml() -> str:
    """The [[regencies]] tables of a config, built from the shipped gazetteer."""
    import tomllib

    data = tomllib.loads(GAZETTEER.read_text(encoding="utf-8"))
    prov = data["province"]
    out = [_regency_block("kaltim", prov["name"], prov["aliases"], [], True)]
    for r in data["regencies"]:
        out.append(_regency_block(r["slug"], r["name"], r["aliases"], r["kecamatan"], False))
    return "\n".join(out)


def _regency_block(slug: str, name: str, aliases: list[str], kec: list[str], prov: bool) -> str:
    import json

    lines = [
        "[[regencies]]",
        f'slug = "{slug}"',
        f'name = "{name}"',
        f"aliases = {json.dumps(aliases)}",
        f"kecamatan = {json.dumps(kec)}",
    ]
    if prov:
        lines.append("province = true")
    lines.append(f"#chat:{slug}")
    return "\n".join(lines) + "\n"


CATEGORIES_TOML = textwrap.dedent("""
    [[categories]]
    slug = "pemerintah"
    name = "Pemerintah"
    aliases = ["pemerintahan", "pemkab"]
    [[categories]]
    slug = "advertorial"
    name = "Advertorial"
    aliases = ["adv", "pariwara"]
    [[categories]]
    slug = "infrastruktur"
    name = "Infrastruktur"
    [[categories]]
    slug = "bisnis"
    name = "Bisnis"
    aliases = ["ekonomi"]
""")


def write_config(
    path: Path,
    *,
    db_url: str,
    sources: str,
    chats: dict[str, str] | None = None,
    api_url: str = "http://127.0.0.1:9/",
    extra: str = "",
    server: bool = False,
    port: int = 0,
) -> Path:
    """A complete config.toml for tests: the shipped gazetteer, four categories, given sources."""
    regencies = gazetteer_toml()
    for slug, chat in (chats or {}).items():
        regencies = regencies.replace(f"#chat:{slug}\n", f'telegram_chat = "{chat}"\n')
    text = (
        textwrap.dedent(f"""
        [storage]
        url = "{db_url}"
        [feeds]
        output_dir = "public"
        base_url = "http://127.0.0.1:8080/"
        language = "id"
        publish_delay = "0s"
        [server]
        enabled = {str(server).lower()}
        host = "127.0.0.1"
        port = {port}
        [telegram]
        token_env = "SYNDICATION_TEST_TOKEN"
        api_url = "{api_url}"
        notify_categories = ["pemerintah", "advertorial"]
        max_age = "24h"
        [fetch]
        connect_timeout = "5s"
        read_timeout = "2s"
        total_timeout = "5s"
    """)
        + extra
        + CATEGORIES_TOML
        + regencies
        + textwrap.dedent(sources)
    )
    path.write_text(text, encoding="utf-8")
    return path


# --- the long tests start first --------------------------------------------------------------

# Tests that take 8 s or more on the quiet 2-core machine (`make test
# PYTEST_ARGS=--durations=30`), with about how long. Under `--dist worksteal` each worker starts
# on a contiguous block of the collection and idle workers steal from the ends of the others'
# queues, so a long test collected late would start late and hold the suite's end: each of
# these goes to the head of a block instead, the longest first and each to the block with the
# least long work so far. A name that matches no test costs nothing; a test missing here only
# runs where it was collected.
LONG_TESTS: dict[str, float] = {
    "tests/test_multiprocess_delivery.py::test_two_run_once_processes_send_each": 29,
    "tests/test_cluster.py::test_three_daemons_one_killed_keep_every_promise": 28,
    "tests/test_daemon_reload_refusal.py::test_a_save_caught_half_written_is_read_again": 22,
    "tests/test_daemon_backoff.py::test_failing_sources_back_off_and_the_admin_hears_once": 17,
    "tests/test_cluster_takeover.py::test_a_takeover_counts_the_dead_holders_unanswered": 14,
    "tests/test_daemon_reload.py::test_config_edits_apply_live_and_broken_ones_are_rej": 14,
    "tests/test_store_lock.py::test_healthz_and_reads_answer_while_another_process": 14,
    "tests/test_multiprocess_delivery.py::test_two_daemon_loops_pass_chats_between": 12,
    "tests/test_crash_delivery.py::test_sigkill_mid_batch_then_restart_delivers_all": 11,
    "tests/test_daemon_reload_refusal.py::test_a_removed_file_is_reported_once": 11,
    "tests/test_multiprocess_delivery.py::test_a_killed_holder_elsewhere_is_taken_over": 11,
    "tests/test_daemon_stop.py::test_sigterm_during_a_busy_cycle_loses_nothing": 11,
    "tests/test_demo.py::test_demo_serves_feeds_and_prints_messages[SIGINT]": 10,
    "tests/test_daemon.py::test_new_items_reach_feeds_and_telegram_after_the_next_poll": 10,
    "tests/test_multiprocess_delivery.py::test_a_killed_holder_on_this_machine_is_taken": 9,
    "tests/test_cluster_poll.py::test_a_feed_whose_poller_was_killed": 8,
    "tests/test_daemon_reload_refusal.py::test_an_empty_file_saved_while_running": 8,
    "tests/test_daemon_reload_refusal.py::test_a_deeply_nested_file_is_rejected": 8,
}


def _expected_seconds(nodeid: str) -> float:
    return max((s for prefix, s in LONG_TESTS.items() if nodeid.startswith(prefix)), default=0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2 or len(items) < 2 * workers:
        return
    long = sorted(
        (i for i in items if _expected_seconds(i.nodeid) > 0),
        key=lambda i: -_expected_seconds(i.nodeid),
    )
    if not long:
        return
    # the blocks worksteal hands out first: len // workers, then of the rest, and so on
    sizes, left = [], len(items)
    for n in range(workers, 0, -1):
        sizes.append(left // n)
        left -= sizes[-1]
    heads: list[list[pytest.Item]] = [[] for _ in sizes]
    load = [0.0] * workers
    for item in long:
        k = min(range(workers), key=lambda b: (load[b], b))
        heads[k].append(item)
        load[k] += _expected_seconds(item.nodeid)
    chosen = {id(i) for i in long}
    rest = iter([i for i in items if id(i) not in chosen])
    ordered: list[pytest.Item] = []
    for head, size in zip(heads, sizes, strict=True):
        ordered += head
        ordered += [next(rest) for _ in range(max(0, size - len(head)))]
    ordered += list(rest)
    items[:] = ordered
