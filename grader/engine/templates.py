"""The worker's end of :mod:`grader.engine.forkserver`: start templates, ask them for children.

A worker's :class:`Templates` start, on first use, the template of each kind its notebooks need
(one for kernels, one for examiners). A :class:`Template` is one forkserver process;
:meth:`Template.fork` returns a :class:`ForkedProcess`, which jupyter_client's provisioner and
the examiner's client use as they use a process they started themselves (poll, wait, signal, kill).
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.kernelspec import NoSuchKernel

from grader.engine import GRADER_HOME, forkserver
from grader.engine.sandbox import (
    EXAMINER_PROGRAM,
    SandboxedKernelManager,
    SandboxSettings,
    examiner_launch,
    minimal_environment,
    safe_path_python,
)
from grader.engine.scratch import new_scratch, remove_scratch

#: Modules of the examiner itself, imported by its template.
EXAMINER_MODULES = ["grader.engine.examiner.namespace", "grader.engine.examiner.verdict", "grader.hidden"]
#: The Matplotlib backend ipykernel sets for its kernels (it does so before any notebook imports matplotlib).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: How long a template may take to import its modules.
READY_SECONDS = 180


@dataclass(frozen=True)
class TemplateKind:
    """What makes two templates interchangeable: the Python and its options, its environment, its imports."""

    python: str
    options: tuple[str, ...]  # the interpreter's options before ``-m``, ``-P`` among them
    env: tuple[tuple[str, str], ...]
    preload: tuple[str, ...]

    @classmethod
    def of_command(cls, command: list[str], env: dict[str, str], preload: list[str]) -> TemplateKind | None:
        """The template that can become ``command`` (``python -P [options] -m module ...``), if any."""
        if "-m" not in command[1:] or "-P" not in command[1 : command.index("-m")]:
            return None
        options = tuple(command[1 : command.index("-m")])
        if any(not option.startswith("-") for option in options):
            return None
        return cls(command[0], options, tuple(sorted(env.items())), tuple(preload))

    def can_run(self, command: list[str]) -> bool:
        """Whether a child of this template can become ``command``."""
        start = 1 + len(self.options)
        return (
            len(command) > start + 1
            and os.path.realpath(command[0]) == os.path.realpath(self.python)
            and tuple(command[1:start]) == self.options
            and command[start] == "-m"
        )

    def request(self, command: list[str]) -> dict:
        """The part of a fork request that names what the child becomes."""
        start = 2 + len(self.options)
        return {"module": command[start], "args": command[start + 1 :]}


class ForkedProcess:
    """A child of a template, seen from the worker (which is not its parent): a ``Popen`` look-alike."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # gone already
            self._pidfd, self.returncode = None, -signal.SIGKILL

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def _ended(self) -> None:
        # Its parent, the template, reaps it and keeps the status: a child that ended is reported
        # as killed, which is how the grader ends every kernel and examiner.
        self.returncode = -signal.SIGKILL
        os.close(self._pidfd)
        self._pidfd = None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            select.select([self._pidfd], [], [], timeout)
            if self.poll() is None:
                raise TimeoutError(f"process {self.pid} is still running")
        return self.returncode

    async def wait_async(self) -> int:
        """Wait for the end without blocking the event loop."""
        if self.returncode is None:
            loop = asyncio.get_running_loop()
            ended = loop.create_future()
            loop.add_reader(self._pidfd, lambda: ended.done() or ended.set_result(None))
            try:
                await ended
            finally:
                loop.remove_reader(self._pidfd)
            self._ended()
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Template:
    """One template process of ``kind``, forking children on request (one request at a time)."""

    def __init__(self, kind: TemplateKind, process: asyncio.subprocess.Process, channel: socket.socket) -> None:
        self.kind = kind
        self.process = process
        self.channel = channel
        self._lock = asyncio.Lock()

    @classmethod
    async def start(cls, kind: TemplateKind, cwd: Path) -> Template:
        """Start the template in ``cwd`` and wait until it has imported its modules."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        source = Path(forkserver.__file__).read_text()
        program = f"{source}\nmain({theirs.fileno()}, {list(kind.preload)!r})\n"
        process = await asyncio.create_subprocess_exec(
            kind.python,
            *kind.options,
            "-c",
            program,
            env=dict(kind.env),
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),),
        )
        theirs.close()
        ours.setblocking(False)
        template = cls(kind, process, ours)
        try:
            ready = await asyncio.wait_for(template._receive(), READY_SECONDS)
        except BaseException:
            await template.stop()
            raise
        if not ready.get("ready"):
            await template.stop()
            raise OSError("the template process did not start")
        return template

    async def _receive(self) -> dict:
        message = await asyncio.get_running_loop().sock_recv(self.channel, 1 << 16)
        if not message:
            raise OSError(f"the template process ended (exit code {await self.process.wait()})")
        return json.loads(message)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def fork(
        self,
        command: list[str],
        env: dict[str, str],
        cwd: Path,
        limits: dict[str, int],
        cgroup_procs: str | None = None,
        streams: list[int] = (),
    ) -> ForkedProcess:
        """A child that becomes ``command`` (see :meth:`TemplateKind.can_run`) in ``cwd`` with ``env``
        and ``limits``; ``streams`` are its stdin, stdout (and stderr), else ``/dev/null``."""
        request = {
            **self.kind.request(command),
            "env": env,
            "cwd": str(cwd),
            "limits": limits,
            "cgroup_procs": cgroup_procs,
        }
        async with self._lock:
            await asyncio.to_thread(socket.send_fds, self.channel, [json.dumps(request).encode()], list(streams))
            answer = await self._receive()
        return ForkedProcess(answer["pid"])

    async def stop(self) -> None:
        """End the template, and with it every child still running (each has it as its parent-death signal)."""
        self.channel.close()
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


class PipedChild:
    """A child whose stdin and stdout are pipes to this process: an ``asyncio.subprocess.Process`` look-alike."""

    def __init__(self, process: ForkedProcess, stdin: asyncio.StreamWriter, stdout: asyncio.StreamReader) -> None:
        self.process = process
        self.stdin = stdin
        self.stdout = stdout

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def kill(self) -> None:
        self.process.kill()

    async def wait(self) -> int:
        return await self.process.wait_async()


async def fork_piped(
    template: Template, command: list[str], env: dict[str, str], cwd: Path, buffer_limit: int
) -> PipedChild:
    """A child of ``template`` that becomes ``command``, talking over its stdin and stdout; its
    stderr is this process's."""
    child_in, to_child = os.pipe()
    from_child, child_out = os.pipe()
    try:
        process = await template.fork(command, env, cwd, {}, streams=[child_in, child_out, 2])
    except BaseException:
        os.close(to_child)
        os.close(from_child)
        raise
    finally:
        os.close(child_in)
        os.close(child_out)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=buffer_limit)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(from_child, "rb", 0))
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader()), os.fdopen(to_child, "wb", 0)
    )
    return PipedChild(process, asyncio.StreamWriter(transport, protocol, None, loop), reader)


@dataclass
class TemplatePair:
    """The templates that fork one notebook's kernel and examiner (either may be missing)."""

    kernel: Template | None
    examiner: Template | None


class Templates:
    """A worker's templates, without a sandbox: some fork kernels, some fork examiners.

    Each starts on first use; a notebook that needs another kind (another kernel, thread budget
    or set of imports) gets a template of its own, and every template lives until the worker's
    end (a template's children end with it). Under bubblewrap there are none.
    """

    def __init__(self, scratch_root: str) -> None:
        self.scratch_root = scratch_root
        self._started: dict[TemplateKind, asyncio.Task] = {}
        self._folder: Path | None = None

    async def prepare(
        self, kernel_name: str, sandbox: SandboxSettings, kernel_modules: list[str], examiner_modules: list[str]
    ) -> TemplatePair | None:
        """The templates for a notebook of ``kernel_name`` whose kernel imports ``kernel_modules`` and
        whose tests ``examiner_modules``, started if needed; None in a sandbox."""
        if sandbox.mode != "none":
            return None
        if self._folder is None:
            self._folder = new_scratch(self.scratch_root)
        kinds = self._kinds(kernel_name, sandbox, kernel_modules, examiner_modules)
        kernel, examiner = await asyncio.gather(*map(self._template, kinds))
        return TemplatePair(kernel, examiner)

    def _kinds(
        self, kernel_name: str, sandbox: SandboxSettings, kernel_modules: list[str], examiner_modules: list[str]
    ) -> list[TemplateKind | None]:
        home = self._folder / "kernel-home"
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        try:
            command = safe_path_python(SandboxedKernelManager(kernel_name=kernel_name).format_kernel_cmd())
        except NoSuchKernel:
            kernel_kind = None
        else:
            # the backend ipykernel picks for its kernels, known before matplotlib is imported
            env = {**minimal_environment(home, sandbox.limits.threads), "MPLBACKEND": INLINE_BACKEND}
            kernel_kind = TemplateKind.of_command(command, env, ["ipykernel.kernelapp", *kernel_modules])
        work, private = self._folder / "examiner-work", self._folder / "examiner-home"
        work.mkdir(exist_ok=True)
        private.mkdir(exist_ok=True)
        _, env = examiner_launch(EXAMINER_PROGRAM, work, private, sandbox, GRADER_HOME)
        examiner_kind = TemplateKind.of_command(EXAMINER_PROGRAM, env, [*EXAMINER_MODULES, *examiner_modules])
        return [kernel_kind, examiner_kind]

    async def _template(self, kind: TemplateKind | None) -> Template | None:
        if kind is None:
            return None
        task = self._started.get(kind)
        if task is None or (task.done() and task.result() is not None and not task.result().alive):
            self._started[kind] = task = asyncio.ensure_future(self._start(kind))
        return await asyncio.shield(task)

    async def _start(self, kind: TemplateKind) -> Template | None:
        cwd = Path(tempfile.mkdtemp(prefix="template-", dir=self._folder))
        try:
            return await Template.start(kind, cwd)
        except (OSError, TimeoutError) as error:  # its kernels or examiners then start the usual way
            print(f"a template could not start: {error}", file=sys.stderr, flush=True)
            return None

    async def stop(self) -> None:
        for task in self._started.values():
            if not task.done():
                task.cancel()
            try:
                template = await task
            except BaseException:  # noqa: BLE001 - cancelled or failed: nothing to stop
                continue
            if template is not None:
                await template.stop()
        self._started.clear()
        if self._folder is not None:
            remove_scratch(self._folder)
            self._folder = None
