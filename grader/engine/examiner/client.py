"""The worker's end: start an examiner, hand it test cells, relay its questions to the kernel."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from grader.engine import GRADER_HOME
from grader.engine.examiner import student_side, wire
from grader.engine.examiner.verdict import Verdict
from grader.engine.sandbox import EXAMINER_PROGRAM, SandboxSettings, examiner_launch
from grader.engine.templates import Template, fork_piped
from grader.hidden import ReportedScore

#: The source a fresh kernel runs to install the answering end (see ``student_side``).
STUDENT_SIDE_SOURCE = Path(student_side.__file__).read_text()
WIRE_SOURCE = Path(wire.__file__).read_text()
#: Largest message between worker and examiner (a model or an array in one line).
MESSAGE_LIMIT = 1024**3

#: How long stopping an examiner may wait for it to be gone.
STOP_SECONDS = 30

#: ``relay(request)`` gives one request to the kernel and returns its raw answer text.
Relay = Callable[[dict], Awaitable[str]]


class ExaminerStopped(Exception):
    """The examiner process ended while it was needed (killed, out of memory)."""


def student_side_setup(module_name: str) -> str:
    """Code for a fresh kernel that installs the answering end as ``sys.modules[module_name]``."""
    return (
        f"(lambda ns: (exec(compile({STUDENT_SIDE_SOURCE!r}, '<grader student side>', 'exec'), ns), "
        f"ns['install']({module_name!r}, {WIRE_SOURCE!r})))({{'__name__': {module_name!r}}})"
    )


def answer_expression(module_name: str, request: dict) -> str:
    """The user expression whose value is the kernel's answer to ``request``."""
    return f"__import__('sys').modules[{module_name!r}].answer({json.dumps(request)!r})"


class Examiner:
    """One examiner process, serving the test cells of one notebook."""

    def __init__(self, process: asyncio.subprocess.Process, folder: tempfile.TemporaryDirectory) -> None:
        self.process = process
        self._folder = folder
        self._preloading: asyncio.Future | None = None

    @classmethod
    async def start(cls, workdir: Path, sandbox: SandboxSettings, template: Template | None = None) -> Examiner:
        """Start the process in the notebook's folder (tests read the files it wrote), sandboxed
        like the kernel, with a private home and only the grader and the instructor's files on its
        import path (``-P``: never the folder's own modules, which a student may have written).
        Without a sandbox, ``template`` (when it suits) forks it with the tests' modules imported."""
        folder = tempfile.TemporaryDirectory(prefix="examiner-", dir=workdir.parent)
        command, environment = examiner_launch(EXAMINER_PROGRAM, workdir, Path(folder.name), sandbox, GRADER_HOME)
        if sandbox.mode == "none" and template is not None and template.kind.can_run(EXAMINER_PROGRAM):
            process = await fork_piped(template, EXAMINER_PROGRAM, environment, workdir, MESSAGE_LIMIT)
            return cls(process, folder)
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=workdir,
            env=environment,
            limit=MESSAGE_LIMIT,
        )
        return cls(process, folder)

    async def _send(self, message: dict) -> None:
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            await self.process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            raise ExaminerStopped(f"the examiner stopped (exit code {await self.process.wait()})") from None

    async def preload(self, modules: list[str]) -> None:
        """Have the examiner import ``modules`` now, while the notebook is not there yet."""
        await self._send({"op": "preload", "modules": modules})
        line = await self.process.stdout.readline()
        if not line or json.loads(line).get("op") != "preloaded":
            raise ExaminerStopped(f"the examiner stopped (exit code {await self.process.wait()})")

    def preload_meanwhile(self, modules: list[str]) -> None:
        """Have the examiner import ``modules`` while the notebook's first cells run (the first test
        waits for it): for a kernel that could not be prepared ahead."""
        self._preloading = asyncio.ensure_future(self.preload(modules))

    async def run_test(self, source: str, label: str, relay: Relay) -> Verdict:
        """Run one test cell, answering the examiner's questions through ``relay``."""
        if self._preloading is not None:
            preloading, self._preloading = self._preloading, None
            await preloading
        await self._send({"op": "test", "source": source, "label": label})
        while True:
            line = await self.process.stdout.readline()
            if not line:
                raise ExaminerStopped(f"the examiner stopped (exit code {await self.process.wait()})")
            message = json.loads(line)
            if message["op"] == "verdict":
                reported = message.get("reported")
                return Verdict(
                    message["passed"],
                    message["error_name"],
                    message["message"],
                    message["score"],
                    ReportedScore(**reported) if reported else None,
                )
            await self._send({"op": "answer", "text": await relay(message["request"])})

    async def stop(self) -> None:
        """Kill the process, and end its input: a sandboxed examiner that bwrap could not take down
        with it (killed while it was still setting up) exits on reading the end of its input."""
        if self._preloading is not None:
            self._preloading.cancel()
        if self.process.returncode is None:
            self.process.kill()
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except asyncio.TimeoutError:
            pass  # a process that holds its output open and reads nothing more: it stops with the worker
        self._folder.cleanup()
