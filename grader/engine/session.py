"""A student's kernel in its sandbox, with the examiner that will run the notebook's tests."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_client.asynchronous import AsyncKernelClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from grader.engine.examiner.client import Examiner, answer_expression, student_side_setup
from grader.engine.sandbox import SandboxedKernelManager, SandboxSettings, give_to, resolve_kernel_name
from grader.engine.warmup import warm_up_code

if TYPE_CHECKING:
    from grader.engine.templates import TemplatePair

#: What IPython does at start unless Python runs with ``-P`` (as the grader's kernels do): the working
#: folder on ``sys.path`` after the standard library, so a submission's own modules import as under
#: stock nbgrader. It runs once the kernel is up, when nothing in the folder can replace the kernel.
WORKDIR_ON_PATH = (
    "(lambda sys: '' in sys.path or sys.path.insert(next((i for i, p in enumerate(sys.path) "
    "if p.rstrip('/').endswith(('site-packages', 'dist-packages'))), 0), ''))(__import__('sys'))"
)


def kernel_name_of(nb: NotebookNode) -> str:
    return resolve_kernel_name(nb.metadata.get("kernelspec", {}).get("name", "python3"))


@dataclass
class KernelSession:
    """A kernel started in the sandbox of ``workdir``, its examiner, and the examiner's
    answering end installed in the kernel.

    Starting one takes about a second (sandbox, Python, ipykernel); a worker can start the
    next one while a notebook runs. Student code never runs before the notebook does.
    """

    km: SandboxedKernelManager
    kc: AsyncKernelClient
    workdir: Path
    sandbox: SandboxSettings
    link_name: str  # the answering end's module name in the kernel
    examiner: Examiner | None = None
    problem: str | None = None  # why the kernel could not be prepared, if it could not

    @classmethod
    async def start(
        cls, kernel_name: str, workdir: Path, sandbox: SandboxSettings, templates: TemplatePair | None = None
    ) -> KernelSession:
        """Start a kernel and its examiner (without a sandbox, forked from ``templates``)."""
        km = SandboxedKernelManager(kernel_name=kernel_name)
        km.prepare(workdir, sandbox, templates.kernel if templates else None)
        examiner_start = asyncio.ensure_future(Examiner.start(workdir, sandbox, templates and templates.examiner))
        try:
            await km.start_kernel()
            kc = km.client()
            try:
                kc.start_channels()
                await kc.wait_for_ready(timeout=60)
            except BaseException:
                kc.stop_channels()
                await km.shutdown_kernel(now=True)
                raise
        except BaseException:
            with contextlib.suppress(Exception):
                await (await examiner_start).stop()
            raise
        kc.allow_stdin = False
        session = cls(km, kc, workdir, sandbox, "_grader_link_" + secrets.token_hex(8))
        try:
            session.examiner = await examiner_start
        except BaseException:
            await session.stop()
            raise
        try:
            setup = WORKDIR_ON_PATH + "\n" + student_side_setup(session.link_name)
            reply = await session.run_silently(setup, timeout=120)
        except DeadKernelError:
            reply = None
        if reply is None or reply["content"]["status"] != "ok":
            session.problem = f"the grader could not prepare the kernel: {reply and reply['content'].get('evalue')}"
        return session

    async def warm_up(self, kernel_modules: list[str], examiner_modules: list[str], timeout: float = 120) -> None:
        """Have the kernel and the examiner import their modules before the notebook arrives (see
        :mod:`grader.engine.warmup`)."""
        await asyncio.gather(
            self.run_silently(warm_up_code(kernel_modules), timeout),
            asyncio.wait_for(self.examiner.preload(examiner_modules), timeout),
        )

    def suits(self, kernel_name: str, sandbox: SandboxSettings) -> bool:
        """Whether this kernel can run a notebook of ``kernel_name`` under ``sandbox``."""
        return self.km.kernel_name == kernel_name and self.sandbox == sandbox

    def claim_files(self) -> None:
        """Files copied into ``workdir`` after the start belong to the kernel's user too."""
        if self.km.kernel_uid is not None:
            give_to(self.workdir, self.km.kernel_uid)

    async def run_silently(self, code: str, timeout: float, user_expressions: dict | None = None) -> dict | None:
        """Run grader code in the kernel without a cell; its reply, or None after ``timeout``.

        Raises ``DeadKernelError`` as soon as the kernel is gone rather than at the timeout.
        """
        request = self.kc.execute(
            code, silent=True, store_history=False, user_expressions=user_expressions or {}, reply=True, timeout=timeout
        )
        reply, death = asyncio.ensure_future(request), asyncio.ensure_future(self._death())
        try:
            await asyncio.wait({reply, death}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            death.cancel()
        if not reply.done():
            reply.cancel()
            raise DeadKernelError("Kernel died")
        try:
            return reply.result()
        except TimeoutError:
            return None

    async def interrupt(self, grace: float) -> bool:
        """Interrupt the running cell, as stock nbgrader does when a cell exceeds its time limit;
        whether the kernel was ready for more within ``grace`` seconds (student code may catch
        ``KeyboardInterrupt``)."""
        await self.km.interrupt_kernel()
        try:
            return await self.run_silently("", timeout=grace) is not None  # answered once the cell has stopped
        except DeadKernelError:
            return False

    async def _death(self) -> None:
        while await self.km.is_alive():
            await asyncio.sleep(0.5)

    async def ask(self, request: dict, timeout: float) -> str:
        """The kernel's raw answer to one examiner request."""
        expression = answer_expression(self.link_name, request)
        reply = await self.run_silently("", timeout, user_expressions={"answer": expression})
        if reply is None:
            if await self.interrupt(self.sandbox.limits.interrupt_seconds):
                message = f"the student's code the test called ran longer than {timeout:.0f} s and was interrupted"
                return json.dumps({"raised": ["CellTimeoutError", message]})
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
