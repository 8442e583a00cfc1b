"""Execute a sanitized submission in a sandboxed kernel; test cells run in the examiner.

Student cells run in the kernel as they are. Instructor test cells (nbgrader grade cells
with code) never reach the kernel: each runs in the trusted examiner process
(``grader.engine.examiner``), which reads the notebook's names as plain data. The cell's outputs
are rebuilt from the examiner's verdict: nothing when it passed (or the partial-credit
value), exactly one error when it failed, so nbgrader's own ``SaveAutoGrades`` scores it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader import utils as nbgrader_utils

from grader.engine.examiner.client import ExaminerStopped
from grader.engine.examiner.verdict import Verdict
from grader.engine.sandbox import SandboxSettings
from grader.engine.session import KernelSession, kernel_name_of
from grader.engine.templates import Templates
from grader.hidden import ReportedScore


@dataclass
class ExecutionReport:
    """What happened while a notebook ran."""

    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    reported: ReportedScore | None = None  # the notebook's score on hidden data, if a test measured one


def is_test_cell(cell: NotebookNode) -> bool:
    """An autograded test: an nbgrader grade cell with code that is not a solution."""
    return cell.cell_type == "code" and nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell)


#: Messages a cell sends that the grader keeps: outputs, display updates and widget (comm) state.
KEPT_MESSAGES = frozenset({"stream", "display_data", "update_display_data", "execute_result", "error"}) | {
    "comm_open",
    "comm_msg",
}


def message_bytes(msg: dict) -> int:
    """The size of what a message carries: its content and its binary buffers."""
    return len(str(msg.get("content", ""))) + sum(memoryview(buffer).nbytes for buffer in msg.get("buffers") or [])


class CappedOutputClient(NotebookClient):
    """nbclient's client, keeping at most ``output_bytes`` of what one cell sends and
    ``notebook_output_bytes`` of what the whole notebook sends, and surviving widget messages it
    cannot read."""

    def __init__(self, nb: NotebookNode, *, output_bytes: int, notebook_output_bytes: int, **kwargs) -> None:
        super().__init__(nb, **kwargs)
        self.output_bytes = output_bytes
        self.notebook_output_bytes = notebook_output_bytes
        self.cell_bytes: dict[int, int] = {}
        self.notebook_bytes = 0
        self.cells_told: set[int] = set()  # cells that already carry the note that output was discarded

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] in KEPT_MESSAGES:
            size = message_bytes(msg)
            self.cell_bytes[cell_index] = self.cell_bytes.get(cell_index, 0) + size
            self.notebook_bytes += size
            if self.notebook_bytes > self.notebook_output_bytes:
                return self._discard(cell, cell_index, f"the notebook's output beyond {self.notebook_output_bytes}")
            if self.cell_bytes[cell_index] > self.output_bytes:
                return self._discard(cell, cell_index, f"output beyond {self.output_bytes}")
        return super().process_message(msg, cell, cell_index)

    def _discard(self, cell: NotebookNode, cell_index: int, what: str) -> None:
        if cell_index not in self.cells_told:
            self.cells_told.add(cell_index)
            cell.outputs.append(new_output("stream", name="stdout", text=f"\n[grader: {what} bytes discarded]\n"))
        return None

    def handle_comm_msg(self, outs, msg, cell_index):
        try:
            super().handle_comm_msg(outs, msg, cell_index)
        except Exception:  # noqa: BLE001 - a malformed widget message: its state is not kept
            self.log.info("ignored a malformed widget message in cell %s", cell_index)


def _failure(ename: str, message: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


async def run_notebook(nb: NotebookNode, session: KernelSession) -> ExecutionReport:
    """Run ``nb`` in place (outputs are written into it) in the session's kernel, then stop it."""
    try:
        return await _run_cells(nb, session)
    finally:
        await session.stop()


async def _run_cells(nb: NotebookNode, session: KernelSession) -> ExecutionReport:
    report = ExecutionReport()
    limits = session.sandbox.limits
    client = CappedOutputClient(
        nb,
        output_bytes=limits.output_bytes,
        notebook_output_bytes=limits.notebook_output_bytes,
        km=session.km,
        timeout=limits.cell_seconds,
        allow_errors=True,
        interrupt_on_timeout=False,
        resources={"metadata": {"path": str(session.workdir)}},
    )
    client.kc = session.kc
    started = time.monotonic()
    deadline = started + limits.notebook_seconds
    stopped: str | None = session.problem
    first_unrun = 0
    for index, cell in enumerate(nb.cells):
        if stopped:
            break
        first_unrun = index + 1
        if cell.cell_type != "code":
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stopped = f"the notebook exceeded its time limit of {limits.notebook_seconds} s"
            first_unrun = index
            break
        client.timeout = int(max(1, min(limits.cell_seconds, remaining)))
        if is_test_cell(cell):
            verdict, stopped = await _examine(cell, index, session, client.timeout)
            report.reported = verdict.reported or report.reported
        else:
            stopped = await _execute(cell, index, client, session)
    if stopped:
        report.notes.append(stopped)
        for cell in nb.cells[first_unrun:]:
            if is_test_cell(cell):
                cell.outputs = [_failure("NotExecuted", f"not run: {stopped}")]
    report.seconds = time.monotonic() - started
    return report


async def _examine(cell: NotebookNode, index: int, session: KernelSession, timeout: int) -> tuple[Verdict, str | None]:
    """Run a test cell in the examiner and write its verdict as the cell's outputs; the verdict,
    and why the notebook must stop, if it must.

    Student code a test calls gets what is left of the cell's time; past it, the kernel is
    interrupted and the call fails (as under stock nbgrader, where the cell is interrupted).
    The notebook stops only when the kernel or the test itself does not stop.
    """
    label = f"<test {cell.metadata['nbgrader']['grade_id']}>"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    async def relay(request: dict) -> str:
        return await session.ask(request, max(1.0, deadline - loop.time()))

    stopped = None
    try:
        guard = timeout + session.sandbox.limits.interrupt_seconds + 5  # an interrupted call still answers
        verdict = await asyncio.wait_for(session.examiner.run_test(cell.source, label, relay), timeout=guard)
    except (asyncio.TimeoutError, CellTimeoutError):
        stopped = f"test cell {index} ran longer than {timeout} s and did not stop"
        verdict = Verdict(False, "CellTimeoutError", stopped)
    except DeadKernelError:
        stopped = f"the kernel died in test cell {index} (exit, crash or memory limit)"
        verdict = Verdict(False, "DeadKernelError", stopped)
    except ExaminerStopped as error:
        stopped = f"test cell {index}: {error}"
        verdict = Verdict(False, "ExaminerStopped", stopped)
    cell.outputs = verdict_outputs(verdict, cell)
    return verdict, stopped


async def _execute(cell: NotebookNode, index: int, client: NotebookClient, session: KernelSession) -> str | None:
    """Run a student cell in the kernel; why the notebook must stop, if it must.

    A cell past its time limit is interrupted and the notebook goes on, as under stock nbgrader;
    it stops only when the cell does not stop.
    """
    try:
        await client.async_execute_cell(cell, index)
    except CellTimeoutError:
        grace = session.sandbox.limits.interrupt_seconds
        if await session.interrupt(grace):
            cell.outputs.append(_failure("CellTimeoutError", f"cell {index} ran longer than {client.timeout} s"))
            return None
        stopped = f"cell {index} ran longer than {client.timeout} s and did not stop when interrupted"
        cell.outputs.append(_failure("CellTimeoutError", stopped))
        return stopped
    except DeadKernelError:
        stopped = f"the kernel died in cell {index} (exit, crash or memory limit)"
        cell.outputs.append(_failure("DeadKernelError", stopped))
        return stopped
    return None


def verdict_outputs(verdict: Verdict, cell: NotebookNode) -> list[NotebookNode]:
    """A test cell's outputs, rebuilt from the verdict: what it measured on hidden data (if it did), then
    one error, nothing, or the partial credit."""
    outputs = []
    if verdict.reported is not None:
        measured = f"{verdict.reported.metric} on hidden data: {verdict.reported.value:.4g}\n"
        outputs.append(new_output("stream", name="stdout", text=measured))
    if not verdict.passed:
        return [*outputs, _failure(verdict.error_name or "TestFailed", verdict.message or "the test failed")]
    if verdict.score is None:
        return outputs
    points = float(cell.metadata["nbgrader"].get("points", 0))
    score = min(max(verdict.score, 0.0), points)
    partial = new_output("execute_result", data={"text/plain": repr(score)}, execution_count=cell.execution_count)
    return [*outputs, partial]


def execute_notebook(
    nb: NotebookNode, workdir: Path, sandbox: SandboxSettings, forked: list[str] | None = None
) -> ExecutionReport:
    """Run ``nb`` in place (outputs are written into it) in a new kernel in ``workdir``'s sandbox;
    with ``forked`` (no sandbox), the kernel and examiner are forked from templates that imported
    those modules."""

    async def start_and_run() -> ExecutionReport:
        templates = Templates(str(workdir.parent)) if forked is not None else None
        try:
            pair = await templates.prepare(kernel_name_of(nb), sandbox, forked, forked) if templates else None
            return await run_notebook(nb, await KernelSession.start(kernel_name_of(nb), workdir, sandbox, pair))
        finally:
            if templates is not None:
                await templates.stop()

    return asyncio.run(start_and_run())
