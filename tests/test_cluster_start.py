"""Any number of processes may start at once on an empty database: one migrates (under an
advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), the others wait and find the schema
current; then each records the sources of its config, taking turns too. Before the locks,
two of three `run` processes died on alembic_version's key (or on sources' key)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from syndication.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]

# a process as `run` starts: imports done, it waits at the gate, then opens (and migrates)
# the store and records its sources
OPENER = """
import sys, time
from pathlib import Path
from syndication.store import open_store
gate = Path(sys.argv[2])
Path(sys.argv[3]).touch()
while not gate.exists():
    time.sleep(0.005)
store = open_store(sys.argv[1])
store.sync_sources([(f"feed{n}", f"http://127.0.0.1:9/{n}/") for n in range(60)])
store.engine.dispose()
print("up", flush=True)
"""


def test_six_processes_opening_an_empty_database_at_once_all_come_up(
    tmp_path: Path, db_url: str
) -> None:
    gate = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, db_url, str(gate), str(tmp_path / f"ready{n}")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(6)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{n}").exists() for n in range(6)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.02)
    gate.touch()  # all six migrate at the same moment
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [out for out, _ in outputs] == ["up\n"] * 6, [err[-1500:] for _, err in outputs]
    engine = create_engine(db_url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    assert len(versions) == 1  # one head, written once


def test_processes_starting_together_set_the_same_new_event(db_url: str) -> None:
    """Each `run` notes at start that its config loaded (event "config_error" = ""): eight at
    once on a key not there yet. Before the upsert, all but one died on events_pkey."""
    stores = [open_store(db_url) for _ in range(8)]
    gate = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def note(store: Store) -> None:
        gate.wait(30)
        try:
            store.set_event("config_error", "", datetime.now(UTC))
        except BaseException as e:  # the race this test is about
            errors.append(e)

    threads = [threading.Thread(target=note, args=(s,)) for s in stores]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    assert stores[0].get_event("config_error") == ""
    for store in stores:
        store.engine.dispose()
