"""Who holds a lease, and whether that process is provably gone.

A delivery row claimed by a process stays claimed until its lease expires. The lease is short
and renewed while its holder runs (see syndication/delivery/), so a process that died on
another machine frees its rows within one lease. A restart on the same machine need not wait
even that long: the owner string names the process precisely enough to prove it is dead.

    owner = "<label>#<ns>.<pid>.<start>"

`ns` hashes the kernel's boot id and the pid namespace, `start` is the process start time
(clock ticks since boot, /proc/<pid>/stat field 22). Another process may judge an owner dead
only when it shares `ns` (same kernel boot, same pid namespace: a pid means the same thing to
both) and that pid is gone, a zombie, or a newer process reusing the number. A host name alone
would not do: two containers with host networking share it and may both be pid 1. Where /proc
is missing (not Linux) no stamp is made and leases simply expire.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

_PROC = Path("/proc")


@functools.cache
def _namespace() -> str | None:
    try:
        boot = (_PROC / "sys/kernel/random/boot_id").read_text().strip()
        pidns = os.readlink(_PROC / "self/ns/pid")
    except OSError:
        return None
    return hashlib.sha1(f"{boot}/{pidns}".encode()).hexdigest()[:8]


def _start_time(pid: int) -> str | None:
    """The start time of a live process `pid`, None when there is none (or a zombie)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) < 20 or fields[0] in ("Z", "X", "x"):
        return None
    return fields[19]


def lease_owner(label: str, pid: int | None = None) -> str:
    """This process's owner string (at most 64 characters, the column's width); a label that
    is already stamped is returned as it is."""
    if "#" in label:
        return label[:64]
    pid = os.getpid() if pid is None else pid
    ns, start = _namespace(), _start_time(pid)
    if ns is None or start is None:
        return label[:64]
    stamp = f"#{ns}.{pid}.{start}"
    return label[: 64 - len(stamp)] + stamp


def is_dead(owner: str) -> bool:
    """True only when `owner` was a process of this kernel and pid namespace that is gone."""
    _, sep, stamp = owner.rpartition("#")
    parts = stamp.split(".")
    if not sep or len(parts) != 3 or not parts[1].isdigit():
        return False
    ns, pid, start = parts
    if ns != _namespace():
        return False  # another machine or container: its lease will expire
    return _start_time(int(pid)) != start
