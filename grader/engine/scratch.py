"""Scratch folders: an empty one per notebook, of bounded total size where the host allows it.

A worker that runs as root enters a mount namespace of its own when it starts
(:func:`enter_private_mounts`). Each scratch folder is then a tmpfs of
``c.GraderLimits.scratch_bytes``: everything a kernel and its examiner write there counts
against that size (and, being memory, against the kernel's memory cgroup), and the mounts
vanish with the worker however it ends. Elsewhere a scratch folder is an ordinary folder and
only each file's size is bounded (``c.GraderLimits.file_bytes``).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
MNT_DETACH = 0x2

_libc = ctypes.CDLL(None, use_errno=True)
_private_mounts = False


def enter_private_mounts() -> bool:
    """Give this process (and what it starts from now on) mounts of its own; whether it could.

    Call it while the process has a single thread: a namespace is entered by one thread.
    """
    global _private_mounts
    if os.geteuid() != 0 or _libc.unshare(CLONE_NEWNS) != 0:
        return False
    # private: nothing mounted here shows on the host, nothing unmounted there disappears here
    _private_mounts = _libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0
    return _private_mounts


def new_scratch(scratch_root: str, size_bytes: int | None = None) -> Path:
    """An empty private folder (of ``size_bytes`` at most, in private mounts); its ``work``
    subfolder is what a kernel sees and may write."""
    Path(scratch_root).mkdir(parents=True, exist_ok=True, mode=0o711)
    scratch = Path(tempfile.mkdtemp(dir=scratch_root, prefix="s-"))
    if _private_mounts and size_bytes:
        options = f"size={size_bytes},mode=0755".encode()
        if _libc.mount(b"tmpfs", str(scratch).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
            error = ctypes.get_errno()
            scratch.rmdir()
            raise OSError(error, f"cannot mount a tmpfs on {scratch}: {os.strerror(error)}")
    os.chmod(scratch, 0o755)
    (scratch / "work").mkdir()
    return scratch


def remove_scratch(scratch: Path) -> None:
    """Remove a folder :func:`new_scratch` made, with everything in it."""
    if _private_mounts:
        _libc.umount2(str(scratch).encode(), MNT_DETACH)  # fails harmlessly where nothing is mounted
    shutil.rmtree(scratch, ignore_errors=True)
