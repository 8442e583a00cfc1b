"""Execute a sanitized submission in a sandboxed kernel, deciding test verdicts robustly.

Student cells run as they are. Instructor test cells (nbgrader grade cells with code) run
one of two ways:

- **examined** (the default): the test never reaches the kernel. It runs in a trusted
  examiner process (``grader.examiner``) that reads the notebook's names as plain data; the
  cell's outputs are rebuilt from the examiner's verdict: nothing when it passed (or the
  partial-credit value), exactly one error when it failed;
- **guarded** (``--tests-in-kernel``, for courses whose tests need live objects): the test
  runs in the kernel through the in-kernel guard (``grader.kernel_guard``), which restores the
  pristine interpreter, runs the test code and, only if it completes, publishes a fresh secret
  token. The verdict is the token's presence. Student code shares that process, so this is the
  weaker engine (README: what the grader defends against).

Either way a failed test ends with an ``error`` output, so nbgrader's own ``SaveAutoGrades``
scores it 0, and a passed test never carries one.
"""

from __future__ import annotations

import ast
import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.asynchronous import AsyncKernelClient
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader import utils as nbgrader_utils

from grader import kernel_guard
from grader.examiner.client import Examiner, ExaminerStopped, answer_expression, student_side_setup
from grader.examiner.verdict import Verdict
from grader.sandbox import SandboxedKernelManager, SandboxSettings, give_to, resolve_kernel_name

GUARD_SOURCE = Path(kernel_guard.__file__).read_text()


@dataclass
class ExecutionReport:
    """What happened while a notebook ran."""

    seconds: float = 0.0
    kernel_start_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    verdicts: dict[str, bool] = field(default_factory=dict)


def is_test_cell(cell: NotebookNode) -> bool:
    """An autograded test: an nbgrader grade cell with code that is not a solution."""
    return cell.cell_type == "code" and nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell)


class CappedOutputClient(NotebookClient):
    """nbclient's client, keeping at most ``output_bytes`` of output per cell."""

    output_bytes: int = 2 * 1024**2

    def output(self, outs, msg, display_id, cell_index):
        used = getattr(self, "_used", {})
        self._used = used
        size = len(str(msg.get("content", "")))
        used[cell_index] = used.get(cell_index, 0) + size
        if used[cell_index] > self.output_bytes:
            if used[cell_index] - size <= self.output_bytes:
                outs.append(
                    new_output(
                        "stream", name="stdout", text=f"\n[grader: output beyond {self.output_bytes} bytes discarded]\n"
                    )
                )
            return None
        return super().output(outs, msg, display_id, cell_index)


def _failure(ename: str, message: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


def _settle_verdict(cell: NotebookNode, token: str) -> bool:
    """Remove verdict displays from a test cell's outputs; True if the right token came."""
    passed = False
    kept = []
    for output in cell.outputs:
        data = output.get("data", {}) if output.output_type == "display_data" else {}
        if kernel_guard.VERDICT_MIME in data:
            passed = passed or data[kernel_guard.VERDICT_MIME] == token
            continue
        kept.append(output)
    if passed:
        kept = [output for output in kept if output.output_type != "error"]
    elif not any(output.output_type == "error" for output in kept):
        kept.append(_failure("TestFailed", "the test did not run to completion"))
    cell.outputs = kept
    return passed


async def _run_silently(
    session: KernelSession, code: str, timeout: float, user_expressions: dict | None = None
) -> dict | None:
    """Run grader code in the kernel without a cell; return its reply (None on timeout)."""
    msg_id = session.kc.execute(code, silent=True, store_history=False, user_expressions=user_expressions)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = await session.kc.shell_channel.get_msg(timeout=1)
        except Exception:  # noqa: BLE001 - queue.Empty: keep waiting, but notice a dead kernel
            if not await session.km.is_alive():
                raise DeadKernelError("Kernel died") from None
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply
    return None


@dataclass
class KernelSession:
    """A kernel started in the sandbox of ``workdir``, with the grader's guard installed.

    Starting one takes about a second (sandbox, Python, ipykernel); a worker can start the
    next one while a notebook runs. Student code never runs before :func:`run_notebook`.
    """

    km: SandboxedKernelManager
    kc: AsyncKernelClient
    workdir: Path
    sandbox: SandboxSettings
    guard_name: str  # the grader's module in the kernel: the guard, or the examiner's answering end
    start_seconds: float
    problem: str | None = None  # why the guard could not be installed, if it could not
    examiner: Examiner | None = None  # examined sessions: where the test cells run

    @classmethod
    async def start(
        cls, kernel_name: str, workdir: Path, sandbox: SandboxSettings, examined: bool = True
    ) -> KernelSession:
        started = time.monotonic()
        km = SandboxedKernelManager(kernel_name=kernel_name)
        km.prepare(workdir, sandbox)
        examiner_start = asyncio.ensure_future(Examiner.start(workdir, sandbox)) if examined else None
        await km.start_kernel()
        kc = km.client()
        try:
            kc.start_channels()
            await kc.wait_for_ready(timeout=60)
        except BaseException:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
            if examiner_start is not None:
                await (await examiner_start).stop()
            raise
        kc.allow_stdin = False
        guard_name = "_grader_guard_" + secrets.token_hex(8)
        session = cls(km, kc, workdir, sandbox, guard_name, 0.0)
        if examiner_start is not None:
            try:
                session.examiner = await examiner_start
            except BaseException:
                await session.stop()
                raise
            setup = student_side_setup(guard_name)
        else:
            setup = (
                f"(lambda ns: (exec(compile({GUARD_SOURCE!r}, '<grader guard>', 'exec'), ns), "
                f"ns['install']({guard_name!r})))({{'__name__': {guard_name!r}}})"
            )
        try:
            reply = await _run_silently(session, setup, timeout=120)
        except DeadKernelError:
            reply = None
        if reply is None or reply["content"]["status"] != "ok":
            session.problem = f"the grader could not prepare the kernel: {reply and reply['content'].get('evalue')}"
        session.start_seconds = time.monotonic() - started
        return session

    def suits(self, kernel_name: str, sandbox: SandboxSettings, examined: bool = True) -> bool:
        """Whether this kernel can run a notebook of ``kernel_name`` under ``sandbox``."""
        same_engine = examined == (self.examiner is not None)
        return self.km.kernel_name == kernel_name and self.sandbox == sandbox and same_engine

    def claim_files(self) -> None:
        """Files copied into ``workdir`` after the start belong to the kernel's user too."""
        if self.km.kernel_uid is not None:
            give_to(self.workdir, self.km.kernel_uid)

    async def ask(self, request: dict, timeout: float) -> str:
        """The kernel's raw answer to one examiner request (examined sessions)."""
        expression = answer_expression(self.guard_name, request)
        reply = await _run_silently(self, "", timeout, user_expressions={"answer": expression})
        if reply is None:
            raise CellTimeoutError(f"the kernel did not answer the examiner within {timeout:.0f} s")
        result = reply["content"].get("user_expressions", {}).get("answer", {})
        try:
            text = ast.literal_eval(result.get("data", {}).get("text/plain", ""))
        except Exception:  # noqa: BLE001 - whatever the kernel sent, it is not an answer
            text = None
        if result.get("status") != "ok" or type(text) is not str:
            return json.dumps({"unconvertible": "an answer the kernel could not give"})
        return text

    async def stop(self) -> None:
        """Stop the kernel (and, with bwrap, every process of its sandbox) and the examiner."""
        self.kc.stop_channels()
        if self.km.has_kernel:
            await self.km.shutdown_kernel(now=True)
        if self.examiner is not None:
            await self.examiner.stop()


async def run_notebook(nb: NotebookNode, session: KernelSession) -> ExecutionReport:
    """Run ``nb`` in place (outputs are written into it) in the session's kernel, then stop it."""
    try:
        return await _run_cells(nb, session)
    finally:
        await session.stop()


async def _run_cells(nb: NotebookNode, session: KernelSession) -> ExecutionReport:
    report = ExecutionReport(kernel_start_seconds=session.start_seconds)
    limits = session.sandbox.limits
    client = CappedOutputClient(
        nb,
        km=session.km,
        timeout=limits.cell_seconds,
        allow_errors=True,
        interrupt_on_timeout=False,
        resources={"metadata": {"path": str(session.workdir)}},
    )
    client.kc = session.kc
    client.output_bytes = limits.output_bytes
    guard_name = session.guard_name
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
        test = is_test_cell(cell)
        if test and session.examiner is not None:
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            try:
                verdict = await asyncio.wait_for(
                    session.examiner.run_test(
                        cell.source, f"<test {grade_id}>", lambda request: session.ask(request, client.timeout)
                    ),
                    timeout=client.timeout,
                )
            except (asyncio.TimeoutError, CellTimeoutError):
                stopped = f"test cell {index} ran longer than {client.timeout} s"
                verdict = Verdict(False, "CellTimeoutError", stopped)
            except DeadKernelError:
                stopped = f"the kernel died in test cell {index} (exit, crash or memory limit)"
                verdict = Verdict(False, "DeadKernelError", stopped)
            except ExaminerStopped as error:
                stopped = f"test cell {index}: {error}"
                verdict = Verdict(False, "ExaminerStopped", stopped)
            cell.outputs = verdict_outputs(verdict, cell)
            report.verdicts[grade_id] = verdict.passed
            continue
        token = secrets.token_hex(16)
        original = cell.source
        try:
            if test:
                await _run_silently(session, f"__import__('sys').modules[{guard_name!r}].guard.restore()", 30)
                label = f"<test {cell.metadata['nbgrader']['grade_id']}>"
                cell.source = f"__import__('sys').modules[{guard_name!r}].run_test({original!r}, {label!r}, {token!r})"
            await client.async_execute_cell(cell, index)
        except CellTimeoutError:
            stopped = f"cell {index} ran longer than {client.timeout} s; the kernel was stopped"
            cell.outputs.append(_failure("CellTimeoutError", stopped))
        except DeadKernelError:
            stopped = f"the kernel died in cell {index} (exit, crash or memory limit)"
            cell.outputs.append(_failure("DeadKernelError", stopped))
        finally:
            cell.source = original
        if test:
            report.verdicts[cell.metadata["nbgrader"]["grade_id"]] = _settle_verdict(cell, token)
    if stopped:
        report.notes.append(stopped)
        for cell in nb.cells[first_unrun:]:
            if is_test_cell(cell):
                cell.outputs = [_failure("NotExecuted", f"not run: {stopped}")]
                report.verdicts[cell.metadata["nbgrader"]["grade_id"]] = False
    report.seconds = time.monotonic() - started
    return report


def verdict_outputs(verdict: Verdict, cell: NotebookNode) -> list[NotebookNode]:
    """A test cell's outputs, rebuilt from the verdict: one error, nothing, or the partial credit."""
    if not verdict.passed:
        return [_failure(verdict.error_name or "TestFailed", verdict.message or "the test failed")]
    if verdict.score is None:
        return []
    points = float(cell.metadata["nbgrader"].get("points", 0))
    score = min(max(verdict.score, 0.0), points)
    return [new_output("execute_result", data={"text/plain": repr(score)}, execution_count=cell.execution_count)]


def kernel_name_of(nb: NotebookNode) -> str:
    return resolve_kernel_name(nb.metadata.get("kernelspec", {}).get("name", "python3"))


def execute_notebook(
    nb: NotebookNode, workdir: Path, sandbox: SandboxSettings, examined: bool = True
) -> ExecutionReport:
    """Run ``nb`` in place (outputs are written into it) in a new kernel in ``workdir``'s sandbox."""

    async def start_and_run() -> ExecutionReport:
        return await run_notebook(nb, await KernelSession.start(kernel_name_of(nb), workdir, sandbox, examined))

    return asyncio.run(start_and_run())
