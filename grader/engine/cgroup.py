"""A memory cgroup per kernel: a memory limit that counts what the kernel keeps in memory-backed files.

``prlimit --as`` bounds a kernel's address space, but the files it writes to the sandbox's
``/tmp`` and ``/dev/shm`` (and to a memory-backed scratch folder) live outside it. A memory
cgroup charges them to the kernel as well. The grader makes one per kernel where the host lets
it (cgroup v1's memory hierarchy, or cgroup v2 with the memory controller enabled below the
grader's own cgroup: in practice, where the grader runs as root); elsewhere
:func:`memory_hierarchy` says None and those files are bounded by their folders' sizes alone.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class MemoryHierarchy:
    """Where the grader makes its kernels' cgroups, and the file that sets a cgroup's limit."""

    base: Path
    limit_file: str


def _candidates() -> list[MemoryHierarchy]:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):  # cgroup v1
            found.append(MemoryHierarchy(CGROUP_ROOT / "memory" / path.lstrip("/"), "memory.limit_in_bytes"))
        elif controllers == "" and (CGROUP_ROOT / "cgroup.controllers").is_file():  # cgroup v2, unified
            base = CGROUP_ROOT / path.lstrip("/")
            try:
                delegated = "memory" in (base / "cgroup.subtree_control").read_text().split()
            except OSError:
                delegated = False
            if delegated:
                found.append(MemoryHierarchy(base, "memory.max"))
    return found


@functools.cache
def memory_hierarchy() -> MemoryHierarchy | None:
    """The first hierarchy in which the grader can make a cgroup and limit its memory, or None."""
    for hierarchy in _candidates():
        probe = hierarchy.base / f"grader-probe-{os.getpid()}"
        try:
            probe.mkdir()
        except OSError:
            continue
        try:
            (probe / hierarchy.limit_file).write_text(str(64 * 1024**2))
            return hierarchy
        except OSError:
            continue
        finally:
            probe.rmdir()
    return None


@dataclass
class KernelCgroup:
    """One kernel's memory cgroup."""

    path: Path

    @classmethod
    def create(cls, limit_bytes: int) -> KernelCgroup | None:
        """A new cgroup limited to ``limit_bytes``; None where the host does not let the grader make one."""
        hierarchy = memory_hierarchy()
        if hierarchy is None:
            return None
        path = hierarchy.base / f"grader-kernel-{secrets.token_hex(6)}"
        path.mkdir()
        (path / hierarchy.limit_file).write_text(str(limit_bytes))
        return cls(path)

    def join_command(self) -> list[str]:
        """A prefix for a command: its process enters the cgroup, then becomes the command."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.path / "cgroup.procs")]

    async def remove(self, wait_seconds: float = 10.0) -> None:
        """Remove the cgroup once its processes have gone (they are being killed when this is called)."""
        for _ in range(int(wait_seconds / 0.2)):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:  # still busy: its last processes are exiting
                await asyncio.sleep(0.2)
