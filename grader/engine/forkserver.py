"""A template process: it imports the heavy modules once, then forks one ready child per request.

Importing TensorFlow costs a kernel, and again its examiner, several seconds of CPU. Without a
sandbox (``--sandbox none``) a worker keeps one template of each: the kernel's template is the
kernel's own Python with the assignment's modules imported, the examiner's the grader's with
the tests' modules. For each notebook the worker asks a template for a child, which becomes
the kernel (or examiner) as if its command had started it: its own session, working folder,
environment, resource limits and memory cgroup, standard streams, fresh random seeds, then
``python -m <module>``. A child starts from the template's memory, in which no student code
has run; it still serves exactly one notebook. Under bubblewrap every kernel and examiner is
a fresh process in a fresh sandbox instead: a fork would share one sandbox between students.

This module imports only the standard library: a kernel's template runs it as source
(``python -P -c``), so that the kernel's Python never imports the grader.

Protocol, on a Unix datagram socket (``SOCK_SEQPACKET``) given as file descriptor ``fd``:
the template sends ``{"ready": true}`` once its imports are done; each request is one JSON
message with up to three file descriptors for the child's standard streams (none: all go to
``/dev/null``), answered with ``{"pid": <child>}``. The template ends when the socket closes.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import runpy
import signal
import socket
import sys
import tempfile

#: How each of the grader's limits (``GraderLimits``) is enforced in a child.
RLIMITS = {
    "memory_bytes": resource.RLIMIT_AS,
    "cpu_seconds": resource.RLIMIT_CPU,
    "file_bytes": resource.RLIMIT_FSIZE,
}
PR_SET_PDEATHSIG = 1


def import_modules(names: list[str]) -> None:
    """Import ``names``, skipping any that is not installed or fails to import (the notebook or test
    that needs it will say so itself). Self-contained: kernels run its source (``warmup.warm_up_code``)."""
    import importlib
    import importlib.util

    for name in names:
        try:
            if importlib.util.find_spec(name.split(".")[0]) is not None:
                importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - any failure here is the notebook's to report
            continue


def _reap(*_: object) -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def become(request: dict, fds: list[int]) -> None:
    """In a fresh child: take the place of ``python -m <module> <args>`` started as ``request`` says."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if request.get("cgroup_procs"):
        with open(request["cgroup_procs"], "w") as procs:
            procs.write(str(os.getpid()))
    for name, value in request.get("limits", {}).items():
        if name in RLIMITS:
            resource.setrlimit(RLIMITS[name], (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    null = os.open(os.devnull, os.O_RDWR)
    streams = [*fds, *[null] * (3 - len(fds))]
    for target, source in enumerate(streams):
        os.dup2(source, target)
    for fd in {null, *fds}:
        if fd > 2:
            os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None  # found again from the child's TMPDIR
    if "numpy" in sys.modules:  # (``random`` reseeds itself in a forked child)
        sys.modules["numpy"].random.seed()  # numpy's legacy global generator: each child its own, as in a new process
    sys.argv = [request["module"], *request["args"]]
    runpy.run_module(request["module"], run_name="__main__", alter_sys=True)


def serve(channel: socket.socket, preload: list[str]) -> None:
    """Import ``preload``, then fork a child for every request until the channel closes."""
    import_modules(preload)
    signal.signal(signal.SIGCHLD, _reap)
    channel.send(json.dumps({"ready": True}).encode())
    while True:
        message, fds, _flags, _address = socket.recv_fds(channel, 1 << 20, 3)
        if not message:
            return
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            channel.close()
            become(request, fds)
            sys.exit(0)  # the module returned: the child ends as that program would
        for fd in fds:
            os.close(fd)
        channel.send(json.dumps({"pid": pid}).encode())


def main(fd: int, preload: list[str]) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # gone with its worker
    serve(socket.socket(fileno=fd), preload)
